// net/serve_setup: which host of a scenario gets the real ports, and the start banner that
// tells a class where to point its mail clients -- who can log in there, who exists only in
// the simulation, where mail is kept. Uses the shipped default scenario.
#include <gtest/gtest.h>

#include <string>
#include <variant>
#include <vector>

#include "net/serve_setup.hpp"
#include "sim/scenario/load.hpp"

namespace smtpsim::net {
namespace {

scenario::Spec default_scenario() {
  auto r =
      scenario::load_scenario(std::string(SMTPSIM_SOURCE_DIR) + "/lessons/scenarios/default.json");
  if (auto* e = std::get_if<scenario::LoadError>(&r)) ADD_FAILURE() << e->message;
  return std::get<scenario::Spec>(r);
}

TEST(ServeSetup, ProviderAndItsUsers) {
  const scenario::Spec spec = default_scenario();
  const scenario::HostSpec* p = pick_provider(spec);
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(p->name, "mail.example.com");
  EXPECT_EQ(provider_users(spec, p->name),
            (std::vector<std::string>{"alice@example.com / alice", "bob@example.com / bob"}));
  // carol lives on the other simulated provider: not a login on the real ports.
  EXPECT_EQ(simulated_users(spec, p->name),
            (std::vector<std::string>{"carol@example.net / carol on mx.example.net"}));
}

TEST(ServeSetup, BannerSaysWhoIsWhereAndWhereMailIsKept) {
  const scenario::Spec spec = default_scenario();
  const std::vector<ServedPort> ports{{3025, 25, "SMTP", "SMTP", false},
                                      {3993, 993, "IMAP", "IMAPS", true}};
  const std::string b = serve_banner("smtpsim serve", spec, "mail.example.com", "127.0.0.1", ports,
                                     "/c/cert.pem", "", "/s/state");
  EXPECT_NE(b.find("  SMTP       127.0.0.1:3025  (SMTP port 25)\n"), std::string::npos) << b;
  EXPECT_NE(b.find("  IMAPS      127.0.0.1:3993  (IMAP port 993, implicit TLS)\n"),
            std::string::npos)
      << b;
  EXPECT_NE(b.find("  users: alice@example.com / alice bob@example.com / bob\n"), std::string::npos)
      << b;
  EXPECT_NE(b.find("  simulated only (not on these ports): carol@example.net / carol on "
                   "mx.example.net\n"),
            std::string::npos)
      << b;
  EXPECT_NE(b.find("  mail kept in: /s/state\n  Ctrl-C stops; queued mail is kept.\n"),
            std::string::npos)
      << b;
  const std::string v6 = serve_banner("x", spec, "mail.example.com", "::1", ports, "c");
  EXPECT_NE(v6.find("  SMTP       [::1]:3025  (SMTP port 25)\n"), std::string::npos) << v6;
  // Without a state dir nothing is kept, and the banner must not promise it.
  const std::string mem = serve_banner("x", spec, "mail.example.com", "127.0.0.1", ports, "c");
  EXPECT_EQ(mem.find("is kept."), std::string::npos) << mem;
  EXPECT_NE(mem.find("mail is kept in memory only"), std::string::npos) << mem;
}

}  // namespace
}  // namespace smtpsim::net

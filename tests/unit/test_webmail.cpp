// The webmail role end to end (lesson 12): the shipped scenario's facts (browsers speak only
// HTTP, passwords never reach a trace, the front end submits over SMTP and reads over IMAP,
// reading marks the message \Seen in the store), a wrong password, a front end that is
// down, and the loader's errors for browser and WEBMAIL settings.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "sim/scenario/load.hpp"
#include "sim/scenario/simulation.hpp"
#include "sim/trace/recorder.hpp"

namespace {

using namespace smtpsim;
using J = nlohmann::ordered_json;
using trace::EventKind;

J shipped() {
  std::ifstream f(std::filesystem::path(SMTPSIM_SOURCE_DIR) / "lessons" / "scenarios" /
                  "webmail.json");
  std::stringstream ss;
  ss << f.rdbuf();
  return J::parse(ss.str());
}

J& host(J& j, std::string_view name) {
  for (auto& h : j["hosts"])
    if (h["name"] == name) return h;
  throw std::logic_error("no such host");
}

std::string load_error(const J& j) {
  auto r = scenario::parse_scenario(j.dump(2), "w.json");
  if (auto* e = std::get_if<scenario::LoadError>(&r)) return e->message;
  return "OK";
}

struct WebRun {
  trace::Recorder rec;
  std::unique_ptr<scenario::Simulation> sim;
  explicit WebRun(const J& j) {
    auto r = scenario::parse_scenario(j.dump(2), "w.json");
    if (auto* e = std::get_if<scenario::LoadError>(&r)) throw std::runtime_error(e->message);
    sim = std::make_unique<scenario::Simulation>(std::get<scenario::Spec>(r), rec);
    sim->run();
  }
  bool has_note(std::string_view host, std::string_view text) const {
    for (const auto& e : rec.events())
      if (e.kind == EventKind::Note && e.host == host && e.text.find(text) != std::string::npos)
        return true;
    return false;
  }
};

TEST(Webmail, BrowsersSpeakOnlyHttpAndTheFrontEndSpeaksMail) {
  WebRun run(shipped());
  std::set<std::string> browser_protos, front_protos;
  std::size_t http_lines = 0;
  for (const auto& e : run.rec.events()) {
    if (e.kind != EventKind::Line) continue;
    EXPECT_EQ(e.text.find("password=alice"), std::string::npos) << e.text;
    EXPECT_EQ(e.text.find("password=bob"), std::string::npos) << e.text;
    for (const char* b : {"alice-laptop", "bob-laptop"})
      if (e.host == b || e.peer == b) browser_protos.insert(e.proto);
    if (e.host == "www.example.com" || e.host == "www.example.net") front_protos.insert(e.proto);
    if (e.proto == "HTTP") {
      ++http_lines;
      EXPECT_TRUE(e.tls) << "443 is HTTPS: " << e.text;
      EXPECT_EQ(e.port, 443);
    }
  }
  EXPECT_EQ(browser_protos, std::set<std::string>{"HTTP"});
  EXPECT_EQ(front_protos, (std::set<std::string>{"HTTP", "IMAP", "SMTP"}));
  EXPECT_GT(http_lines, 20u);
  // The login form was shown redacted, and marked sensitive.
  bool redacted = false;
  for (const auto& e : run.rec.events())
    redacted = redacted || (e.kind == EventKind::Line && e.sensitive &&
                            e.text == "user=alice&password=[redacted]");
  EXPECT_TRUE(redacted);

  EXPECT_EQ(run.sim->webmail("www.example.com")->submitted(), 1u);
  EXPECT_EQ(run.sim->webmail("www.example.net")->submitted(), 0u);
  // Delivered once, and read through the web: \Seen in the store, nothing on the device.
  const auto* inbox = run.sim->mda("mail.example.net")->store().folder("bob", "INBOX");
  ASSERT_NE(inbox, nullptr);
  ASSERT_EQ(inbox->messages.size(), 1u);
  EXPECT_TRUE(inbox->messages[0].flags & 1u);  // \Seen
  auto* bob = run.sim->mua("bob-laptop");
  ASSERT_NE(bob->browser(), nullptr);
  EXPECT_EQ(bob->reader(), nullptr);
  ASSERT_EQ(bob->browser()->inbox_page().size(), 1u);
  EXPECT_NE(bob->browser()->inbox_page()[0].find("\"Re: The Cake\""), std::string::npos);
  EXPECT_EQ(bob->browser()->pages_shown(), 2u);
  EXPECT_EQ(run.sim->net().open_connections(), 0u);
}

TEST(Webmail, AWrongPasswordIsRefusedAndNothingIsSent) {
  J j = shipped();
  host(j, "alice-laptop")["mua"]["password"] = "wrong";
  WebRun run(j);
  EXPECT_TRUE(run.has_note("alice-laptop", "login failed: 403 Wrong user name or password."));
  EXPECT_EQ(run.sim->webmail("www.example.com")->submitted(), 0u);
  EXPECT_EQ(run.sim->mta("mail.example.com")->queued_count(), 0u);
  EXPECT_TRUE(run.sim->mda("mail.example.net")->store().folder("bob", "INBOX")->messages.empty());
  for (const auto& e : run.rec.events())
    EXPECT_EQ(e.text.find("password=wrong"), std::string::npos) << e.text;
}

TEST(Webmail, AFrontEndThatIsDownIsReportedByTheBrowser) {
  J j = shipped();
  j["script"].insert(
      j["script"].begin(),
      J{{"at", "0s"}, {"action", "service_down"}, {"host", "www.example.com"}, {"port", 443}});
  WebRun run(j);
  EXPECT_TRUE(run.has_note("alice-laptop", "the site cannot be reached: connection refused"));
  EXPECT_EQ(run.sim->webmail("www.example.com")->submitted(), 0u);
}

TEST(Webmail, ReadingASubjectNotOnTheLastInboxPageIsAnError) {
  J j = shipped();
  j["script"][2]["message"] = "No such thing";
  WebRun run(j);
  EXPECT_TRUE(run.has_note("bob-laptop", "cannot open \"No such thing\""));
}

TEST(Webmail, LoaderErrors) {
  EXPECT_EQ(load_error(shipped()), "OK");
  {
    J j = shipped();
    host(j, "alice-laptop")["mua"]["submit_to"] = "mail.example.com";
    EXPECT_EQ(load_error(j),
              "w.json: /hosts/0/mua/submit_to: a browser (\"webmail\" is set) does not use "
              "\"submit_to\": the webmail site submits and reads for it");
  }
  {
    J j = shipped();
    host(j, "alice-laptop")["mua"].erase("password");
    host(j, "alice-laptop")["mua"].erase("user");
    EXPECT_EQ(load_error(j),
              "w.json: /hosts/0/mua: missing required field \"password\" (a browser logs in to "
              "its webmail site)");
  }
  {
    J j = shipped();
    host(j, "alice-laptop")["mua"]["webmail"] = "mail.example.com";
    EXPECT_EQ(load_error(j),
              "w.json: /hosts/0/mua/webmail: host \"mail.example.com\" does not have the WEBMAIL "
              "role");
  }
  {
    J j = shipped();
    host(j, "alice-laptop")["mua"]["webmail"] = "www.example.org";
    EXPECT_EQ(load_error(j),
              "w.json: /hosts/0/mua/webmail: host \"www.example.org\" does not exist");
  }
  {
    J j = shipped();
    host(j, "www.example.com").erase("webmail");
    EXPECT_EQ(load_error(j),
              "w.json: /hosts/1: a WEBMAIL host without the MSA role needs \"webmail\": "
              "{\"submit_to\": ...} (the host it submits through)");
  }
  {
    J j = shipped();
    host(j, "www.example.com")["webmail"]["retrieve_from"] = "ns.example.org";
    EXPECT_EQ(load_error(j),
              "w.json: /hosts/1/webmail/retrieve_from: host \"ns.example.org\" does not have the "
              "MDA role");
  }
  {
    J j = shipped();
    host(j, "www.example.com")["webmail"]["imap"] = "x";
    EXPECT_NE(load_error(j).find("/hosts/1/webmail"), std::string::npos);
  }
  {
    J j = shipped();
    host(j, "mail.example.com")["webmail"] = J::object();
    EXPECT_EQ(load_error(j),
              "w.json: /hosts/2/webmail: only a host with the WEBMAIL role has webmail settings");
  }
  {
    J j = shipped();
    j["script"][2]["action"] = "delete";
    EXPECT_EQ(load_error(j),
              "w.json: /script/2/host: MUA \"bob-laptop\" is a browser: this webmail site offers "
              "no delete page");
  }
  {
    // The front end's own roles are enough when it runs on the provider's mail host.
    J j = shipped();
    auto& mail = host(j, "mail.example.net");
    mail["roles"].push_back("WEBMAIL");
    host(j, "bob-laptop")["mua"]["webmail"] = "mail.example.net";
    j["script"].push_back(
        J{{"at", "50s"}, {"action", "service_down"}, {"host", "mail.example.net"}, {"port", 443}});
    EXPECT_EQ(load_error(j), "OK");
    WebRun run(j);
    EXPECT_TRUE(run.has_note("bob-laptop", "the browser shows the inbox: 1 message"));
  }
}

}  // namespace

// The `telnet` scenario action (sim/nodes/telnet_client.hpp): a person types SMTP by hand to
// a simulated server, and the server's genuine machine answers — the replies in the trace
// are the machine's, in order; a typed message is delivered; a bare LF inside a line never
// ends the message (RFC 5321 §2.3.8); the loader refuses what cannot be typed.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "sim/scenario/load.hpp"
#include "sim/scenario/simulation.hpp"
#include "sim/trace/recorder.hpp"
#include "sim/trace/text_writer.hpp"

namespace {

using namespace smtpsim;
using trace::EventKind;
using J = nlohmann::ordered_json;

J world(J lines, int port = 25) {
  J j = J::parse(R"({
    "name": "t",
    "hosts": [
      {"name": "student", "address": "192.0.2.77", "roles": ["MUA"],
       "mua": {"address": "student@example.org", "submit_to": "mx.example.net"}},
      {"name": "mx.example.net", "address": "198.51.100.25", "roles": ["MSA", "MTA", "MDA"],
       "domains": ["example.net"], "users": {"bob": "bob"}}
    ]
  })");
  j["script"] = J::array({J{{"at", "1s"},
                            {"action", "telnet"},
                            {"host", "student"},
                            {"server", "mx.example.net"},
                            {"port", port},
                            {"lines", std::move(lines)}}});
  return j;
}

std::string outcome(const J& j) {
  auto r = scenario::parse_scenario(j.dump(), "t.json");
  if (auto* e = std::get_if<scenario::LoadError>(&r)) return e->message;
  return "OK";
}

struct TelnetRun {
  trace::Recorder rec;
  std::unique_ptr<scenario::Simulation> sim;
  std::vector<int> codes;         // reply codes of the server's last reply lines, in order
  std::vector<std::string> sent;  // lines the student typed
  explicit TelnetRun(const J& j) {
    auto r = scenario::parse_scenario(j.dump(), "t.json");
    auto* spec = std::get_if<scenario::Spec>(&r);
    if (!spec) throw std::runtime_error(std::get<scenario::LoadError>(r).message);
    sim = std::make_unique<scenario::Simulation>(*spec, rec);
    sim->run();
    for (const auto& e : rec.events()) {
      if (e.kind != EventKind::Line) continue;
      if (e.host == "student")
        sent.push_back(e.text);
      else if (e.code != 0 && (e.text.size() == 3 || e.text[3] == ' '))
        codes.push_back(e.code);
    }
  }
  std::size_t count(EventKind k) const {
    std::size_t n = 0;
    for (const auto& e : rec.events()) n += e.kind == k;
    return n;
  }
  std::string text() const { return trace::render_text(rec.events()); }
};

TEST(TelnetAction, TypedMessageIsDelivered) {
  TelnetRun r(world({"EHLO student.example.org", "MAIL FROM:<student@example.org>",
                     "RCPT TO:<bob@example.net>", "DATA", "Subject: typed by hand", "",
                     "Hello Bob.", "..a line that starts with a dot", ".", "QUIT"}));
  EXPECT_EQ(r.codes, (std::vector<int>{220, 250, 250, 250, 354, 250, 221})) << r.text();
  EXPECT_EQ(r.count(EventKind::Delivered), 1u) << r.text();
  const auto& inbox =
      r.sim->mda("mx.example.net")->store().mailbox("bob")->folders.at("INBOX").messages;
  ASSERT_EQ(inbox.size(), 1u);
  // The server undid the dot-stuffing (RFC 5321 §4.5.2).
  EXPECT_NE(inbox[0].content.find("\r\n.a line that starts with a dot\r\n"), std::string::npos)
      << inbox[0].content;
  EXPECT_EQ(r.sent.back(), "QUIT");
}

TEST(TelnetAction, OutOfSequenceAndHousekeepingCommandsGetTheMachinesReplies) {
  TelnetRun r(world({"HELO student", "RCPT TO:<bob@example.net>", "NOOP", "VRFY bob", "RSET",
                     "MAIL FROM:<student@example.org>", "RCPT TO:<nobody@example.net>", "QUIT"}));
  // 503: RCPT before MAIL (RFC 5321 §4.1.4); 252 or 250/550 for VRFY is the server's choice.
  ASSERT_EQ(r.codes.size(), 9u) << r.text();
  EXPECT_EQ(r.codes[0], 220);
  EXPECT_EQ(r.codes[1], 250);
  EXPECT_EQ(r.codes[2], 503);
  EXPECT_EQ(r.codes[3], 250);  // NOOP
  EXPECT_EQ(r.codes[5], 250);  // RSET
  EXPECT_EQ(r.codes[7], 550);  // unknown user
  EXPECT_EQ(r.codes[8], 221);
  EXPECT_EQ(r.count(EventKind::Delivered), 0u);
}

TEST(TelnetAction, BareLineFeedDoesNotEndTheMessage) {
  // The smuggling attempt: "\n.\n" followed by a second transaction inside one body line.
  TelnetRun r(world({"HELO student", "MAIL FROM:<student@example.org>", "RCPT TO:<bob@example.net>",
                     "DATA", "Subject: one",
                     "hi\n.\nMAIL FROM:<ceo@example.net>\nRCPT TO:<bob@example.net>\nDATA\nforged",
                     ".", "QUIT"}));
  const auto delivered = r.count(EventKind::Delivered);
  EXPECT_LE(delivered, 1u) << r.text();  // exactly one message, or a rejection: never two
  // The transcript shows the bare LFs escaped, never as line breaks.
  EXPECT_NE(r.text().find("hi\\x0a.\\x0aMAIL FROM"), std::string::npos) << r.text();
}

TEST(TelnetAction, TypedCredentialsAreRedactedInTheTrace) {
  // PLAIN needs TLS (538) but its line has already gone out; CRAM-MD5 is offered in clear and
  // its 334 challenge is answered with a typed line (RFC 2195).
  TelnetRun r(world(
      {"EHLO student", "AUTH PLAIN AGJvYgBib2I=", "AUTH CRAM-MD5", "Ym9iIGFiYw==", "QUIT"}, 587));
  const std::string t = r.text();
  EXPECT_EQ(t.find("AGJvYgBib2I="), std::string::npos) << t;
  EXPECT_EQ(t.find("Ym9iIGFiYw=="), std::string::npos) << t;
  EXPECT_NE(t.find("-> AUTH PLAIN [redacted]"), std::string::npos) << t;
  EXPECT_NE(t.find("-> AUTH CRAM-MD5"), std::string::npos) << t;
  EXPECT_NE(t.find("<-  334 "), std::string::npos) << t;
  std::size_t redacted = 0;
  for (const auto& e : r.rec.events())
    if (e.kind == EventKind::Line && e.host == "student" &&
        e.text.find("[redacted]") != std::string::npos) {
      EXPECT_TRUE(e.sensitive) << e.text;
      ++redacted;
    }
  EXPECT_EQ(redacted, 2u) << t;  // the PLAIN response and the answer to the 334
}

TEST(TelnetAction, ServerDownMeansNoLines) {
  J j = world({"HELO student", "QUIT"});
  j["script"].insert(j["script"].begin(),
                     J{{"at", "0s"}, {"action", "host_down"}, {"host", "mx.example.net"}});
  TelnetRun r(j);
  EXPECT_EQ(r.count(EventKind::ConnectionRefused), 1u) << r.text();
  EXPECT_TRUE(r.sent.empty());
}

TEST(TelnetAction, LoaderRefusesWhatCannotBeTyped) {
  EXPECT_EQ(outcome(world({"QUIT"})), "OK");
  EXPECT_EQ(outcome(world({"QUIT"}, 465)),
            "t.json: /script/0/port: port 465 starts with TLS, which nobody can type by hand; "
            "use 587 (STARTTLS) or 25");
  EXPECT_EQ(outcome(world({"QUIT"}, 110)),
            "t.json: /script/0/port: host \"mx.example.net\" has no SMTP service on port 110 "
            "(an MTA listens on 25, an MSA on 587)");
  EXPECT_EQ(outcome(world(J::array())),
            "t.json: /script/0/lines: expected at least one line to type");
  J j = world({"QUIT"});
  j["script"][0]["server"] = "mx.example.com";
  EXPECT_EQ(outcome(j), "t.json: /script/0/server: host \"mx.example.com\" does not exist");
  j = world({"QUIT"});
  j["script"][0].erase("server");
  EXPECT_EQ(outcome(j).rfind("t.json: /script/0: missing required field \"server\"", 0), 0u)
      << outcome(j);
  j = world({"QUIT"});
  j["script"][0]["subject"] = "x";
  EXPECT_EQ(outcome(j).rfind("t.json: /script/0/subject: field not used by a telnet action", 0), 0u)
      << outcome(j);
}

}  // namespace

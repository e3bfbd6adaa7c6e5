// SPF in the receiving MTA (sim/nodes/mta.cpp with sim/nodes/spf_check.cpp): the shipped
// spf-check scenario end to end (pass delivered and marked, forged sender refused with
// 550 5.7.23 in enforce mode, softfail marked), the same in "check" mode, no change at all
// when SPF is off, a DNS failure (temperror: accepted), the MAIL reply waiting for the
// lookups, and the loader's "spf" field.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "sim/scenario/load.hpp"
#include "sim/scenario/simulation.hpp"
#include "sim/trace/recorder.hpp"
#include "sim/trace/text_writer.hpp"
#include "tests/support/scenarios.hpp"

namespace {

using namespace smtpsim;
using trace::EventKind;

scenario::Spec spf_scenario() {
  auto loaded = scenario::load_scenario(std::filesystem::path(SMTPSIM_SOURCE_DIR) / "lessons" /
                                        "scenarios" / "spf-check.json");
  EXPECT_TRUE(std::holds_alternative<scenario::Spec>(loaded))
      << std::get<scenario::LoadError>(loaded).message;
  return std::get<scenario::Spec>(loaded);
}

scenario::HostSpec& host(scenario::Spec& s, const std::string& name) {
  for (auto& h : s.hosts)
    if (h.name == name) return h;
  throw std::runtime_error("no host " + name);
}

std::vector<std::string> inbox(scenario::Simulation& sim, const std::string& mda,
                               const std::string& user) {
  std::vector<std::string> out;
  const auto* box = sim.mda(mda)->store().mailbox(user);
  if (!box) return out;
  for (const auto& m : box->folders.at("INBOX").messages) out.push_back(m.content);
  return out;
}

// The header section, unfolded (RFC 5322 §2.2.3: CRLF before white space is removed).
std::string header_block(const std::string& msg) {
  const std::string h = msg.substr(0, msg.find("\r\n\r\n"));
  std::string out;
  for (std::size_t i = 0; i < h.size(); ++i) {
    if (h.compare(i, 3, "\r\n\t") == 0) {
      out += ' ';
      i += 2;
      continue;
    }
    out += h[i];
  }
  return out;
}

int count_lines(const trace::Recorder& rec, const std::string& needle) {
  int n = 0;
  for (const auto& e : rec.events()) n += e.text.find(needle) != std::string::npos;
  return n;
}

TEST(SpfMta, EnforceScenarioPassFailSoftfail) {
  auto spec = spf_scenario();
  trace::Recorder rec;
  scenario::Simulation sim(spec, rec);
  sim.run();
  const std::string transcript = trace::render_text(rec.events());
  const auto mails = inbox(sim, "mx.example.net", "carol");
  ASSERT_EQ(mails.size(), 2u) << transcript;
  // Return-Path (the MDA's, at delivery), then Received-SPF above the receiver's Received:.
  EXPECT_EQ(
      header_block(mails[0]).rfind("Return-Path: <alice@example.com>\r\nReceived-SPF: pass "
                                   "(mx.example.net: domain of alice@example.com designates "
                                   "203.0.113.25 as permitted sender) client-ip=203.0.113.25; "
                                   "envelope-from=\"alice@example.com\"; helo=mail.example.com; "
                                   "receiver=mx.example.net; identity=mailfrom; mechanism=mx\r\n"
                                   "Received: from mail.example.com",
                                   0),
      0u)
      << mails[0];
  EXPECT_NE(header_block(mails[1]).find("Received-SPF: softfail"), std::string::npos);
  EXPECT_NE(mails[1].find("Subject: Hello from Dave"), std::string::npos);
  EXPECT_EQ(count_lines(rec, "550 5.7.23 <carol@example.net>"), 2) << transcript;  // line + MUA
  for (const auto& m : mails) EXPECT_EQ(m.find("new bank details"), std::string::npos);
  // Each result is a Note with the result as detail, for the GUI and lessons.
  int pass = 0, fail = 0, softfail = 0;
  for (const auto& e : rec.events()) {
    if (e.kind != EventKind::Note || e.proto != "SPF") continue;
    pass += e.detail == "pass";
    fail += e.detail == "fail";
    softfail += e.detail == "softfail";
  }
  EXPECT_EQ(pass, 1);
  EXPECT_EQ(fail, 1);
  EXPECT_EQ(softfail, 1);
  // The policy travels as real DNS traffic.
  EXPECT_GE(count_lines(rec, "query TXT example.com"), 1);
  EXPECT_GE(count_lines(rec, "answer NOERROR example.com TXT \"v=spf1 mx -all\""), 1);
  EXPECT_EQ(sim.total_queued(), 0u);
  EXPECT_EQ(sim.net().open_connections(), 0u);
}

TEST(SpfMta, CheckModeAcceptsAndMarksAFail) {
  auto spec = spf_scenario();
  host(spec, "mx.example.net").spf = "check";
  trace::Recorder rec;
  scenario::Simulation sim(spec, rec);
  sim.run();
  const auto mails = inbox(sim, "mx.example.net", "carol");
  ASSERT_EQ(mails.size(), 3u) << trace::render_text(rec.events());
  EXPECT_NE(header_block(mails[1]).find("Received-SPF: fail (mx.example.net: domain of "
                                        "alice@example.com does not designate 192.0.2.66"),
            std::string::npos)
      << mails[1];
  EXPECT_NE(mails[1].find("new bank details"), std::string::npos);
  EXPECT_EQ(count_lines(rec, "5.7.23"), 0);
}

TEST(SpfMta, OffChangesNothing) {
  auto spec = spf_scenario();
  host(spec, "mx.example.net").spf = "off";
  trace::Recorder rec;
  scenario::Simulation sim(spec, rec);
  sim.run();
  const auto mails = inbox(sim, "mx.example.net", "carol");
  ASSERT_EQ(mails.size(), 3u);
  for (const auto& m : mails) EXPECT_EQ(m.find("Received-SPF"), std::string::npos);
  EXPECT_EQ(count_lines(rec, "SPF check"), 0);
  EXPECT_EQ(count_lines(rec, "query TXT"), 0);
}

TEST(SpfMta, MailReplyWaitsForTheLookups) {
  auto spec = spf_scenario();
  trace::Recorder rec;
  scenario::Simulation sim(spec, rec);
  sim.run();
  // Alice's relay: MAIL sent at t, "250 2.1.0" only after the TXT, MX and A round trips.
  std::int64_t mail_at = -1, ok_at = -1;
  for (const auto& e : rec.events()) {
    if (e.kind != EventKind::Line) continue;
    if (mail_at < 0 && e.host == "mail.example.com" && e.peer == "mx.example.net" &&
        e.text.rfind("MAIL FROM:", 0) == 0)
      mail_at = e.time;
    if (mail_at >= 0 && ok_at < 0 && e.host == "mx.example.net" && e.peer == "mail.example.com" &&
        e.text == "250 2.1.0 Ok")
      ok_at = e.time;
  }
  ASSERT_GE(mail_at, 0);
  ASSERT_GE(ok_at, 0);
  // Without SPF the reply comes one round trip later (2 x 20 ms); three lookups from
  // mx.example.net to ns.example.org add 3 x 40 ms.
  EXPECT_EQ(ok_at - mail_at, 40'000 + 3 * 40'000);
}

TEST(SpfMta, DnsFailureIsTemperrorAndAccepted) {
  auto spec = spf_scenario();
  spec.script.erase(spec.script.begin() + 1, spec.script.end());  // Alice's mail only
  // The relay's MX lookup (at 1.34 s) works; the DNS server fails while mx.example.net asks
  // for the SPF record (1.6 s), then recovers.
  spec.script.push_back(smtpsim::testing::host_action(1'500'000, "dns_servfail", "ns.example.org"));
  spec.script.push_back(smtpsim::testing::host_action(1'650'000, "dns_recover", "ns.example.org"));
  trace::Recorder rec;
  scenario::Simulation sim(spec, rec);
  sim.run();
  const auto mails = inbox(sim, "mx.example.net", "carol");
  ASSERT_EQ(mails.size(), 1u) << trace::render_text(rec.events());
  EXPECT_NE(header_block(mails[0]).find("Received-SPF: temperror"), std::string::npos) << mails[0];
  EXPECT_NE(header_block(mails[0]).find("problem=\"DNS lookup of example.com TXT failed\""),
            std::string::npos)
      << mails[0];
}

TEST(SpfMta, NullSenderIsCheckedAsPostmasterAtHelo) {
  // Alice writes as carol@example.net to a domain that does not exist: mail.example.com
  // bounces to carol, and the bounce (MAIL FROM:<>, HELO mail.example.com) reaches
  // mx.example.net on port 25. RFC 7208 §2.4: the identity is postmaster@mail.example.com.
  auto spec = spf_scenario();
  spec.dns.push_back({"mail.example.com", "TXT", 0, "v=spf1 a -all"});
  spec.script.clear();
  auto a = smtpsim::testing::send_action(0, "alice-laptop", {"someone@nowhere.example"}, "Hi");
  a.from = "carol@example.net";
  spec.script.push_back(a);
  trace::Recorder rec;
  scenario::Simulation sim(spec, rec);
  sim.run();
  const std::string transcript = trace::render_text(rec.events());
  EXPECT_EQ(count_lines(rec, "SPF pass for <postmaster@mail.example.com> from 203.0.113.25"), 1)
      << transcript;
  EXPECT_GE(count_lines(rec, "query TXT mail.example.com"), 1);
  const auto mails = inbox(sim, "mx.example.net", "carol");
  ASSERT_EQ(mails.size(), 1u) << transcript;
  EXPECT_EQ(mails[0].rfind("Return-Path: <>\r\nReceived-SPF: pass", 0), 0u) << mails[0];
  EXPECT_NE(header_block(mails[0]).find("envelope-from=\"postmaster@mail.example.com\""),
            std::string::npos)
      << mails[0];
}

// ---- the loader ----------------------------------------------------------------------------

std::string load_error(const std::string& host_extra, const std::string& roles = "\"MTA\"") {
  const std::string text = R"({"name": "t", "hosts": [
    {"name": "ns", "address": "192.0.2.53", "roles": ["DNS"]},
    {"name": "mx.example.net", "address": "198.51.100.20", "roles": [)" +
                           roles + R"(], "domains": ["example.net"])" + host_extra + R"(}]})";
  auto r = scenario::parse_scenario(text, "t.json");
  if (std::holds_alternative<scenario::Spec>(r)) return "OK";
  return std::get<scenario::LoadError>(r).message;
}

TEST(SpfLoader, ModesAndErrors) {
  EXPECT_EQ(load_error(R"(, "spf": "check")"), "OK");
  EXPECT_EQ(load_error(R"(, "spf": "enforce")"), "OK");
  EXPECT_EQ(load_error(R"(, "spf": "off")"), "OK");
  EXPECT_EQ(load_error(R"(, "spf": "reject")"),
            "t.json: /hosts/1/spf: unknown SPF mode \"reject\" (one of off, check, enforce)");
  EXPECT_EQ(load_error(R"(, "spf": "")"), "t.json: /hosts/1/spf: expected a non-empty string");
  EXPECT_EQ(load_error(R"(, "users": {"a": "a"}, "spf": "check")", "\"MDA\""),
            "t.json: /hosts/1/spf: only a host with the MTA role checks SPF (on port 25)");
  auto r = scenario::parse_scenario(
      R"({"name": "t", "hosts": [{"name": "mx.example.net", "address": "198.51.100.20",
          "roles": ["MTA"]}]})",
      "t.json");
  ASSERT_TRUE(std::holds_alternative<scenario::Spec>(r));
  EXPECT_EQ(std::get<scenario::Spec>(r).hosts[0].spf, "off");  // off by default
}

TEST(SpfLoader, TxtRecordsMayLiveUnderUnderscoredNames) {
  auto with = [](const std::string& name) {
    const std::string text = R"({"name": "t", "hosts": [
      {"name": "ns", "address": "192.0.2.53", "roles": ["DNS"]}],
      "dns": [{"name": ")" + name +
                             R"(", "type": "TXT", "value": "v=DMARC1; p=reject"}]})";
    auto r = scenario::parse_scenario(text, "t.json");
    return std::holds_alternative<scenario::Spec>(r) ? std::string("OK")
                                                     : std::get<scenario::LoadError>(r).message;
  };
  EXPECT_EQ(with("_dmarc.example.com"), "OK");
  EXPECT_EQ(with("_spf._x.example.com."), "OK");
  EXPECT_EQ(with("_.example.com"),
            "t.json: /dns/0/name: \"_.example.com\" is not a valid name for a TXT record (a "
            "domain name, optionally under labels starting with \"_\" like _dmarc)");
  EXPECT_NE(with("_dmarc"), "OK");
  EXPECT_NE(with("bad_name.example.com"), "OK");
}

}  // namespace

// SPF (sim/proto/mail/spf.hpp, RFC 7208): record syntax (§4.6, §5, §6, §12), check_host()
// driven by a table of DNS answers — every result of §2.6, the examples of Appendix A, include
// and redirect, the lookup limits of §4.6.4, the null sender (§2.4) — the order of the queries
// a verifier sends, and the Received-SPF header field (§9.1).
#include <gtest/gtest.h>

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "sim/proto/mail/spf.hpp"

namespace {

using namespace smtpsim::mail::spf;

// A DNS table: (name, type) -> answer; a name missing from the table does not exist.
struct Dns {
  std::map<std::pair<std::string, QueryType>, Answer> table;
  std::vector<std::string> asked;  // "TXT example.com", in order

  Dns& txt(const std::string& name, std::vector<std::string> records) {
    table[{name, QueryType::Txt}] = Answer{Answer::Status::Ok, std::move(records)};
    return *this;
  }
  Dns& a(const std::string& name, std::vector<std::string> addresses) {
    table[{name, QueryType::A}] = Answer{Answer::Status::Ok, std::move(addresses)};
    return *this;
  }
  Dns& mx(const std::string& name, std::vector<std::string> hosts) {
    table[{name, QueryType::Mx}] = Answer{Answer::Status::Ok, std::move(hosts)};
    return *this;
  }
  Dns& broken(const std::string& name, QueryType t) {
    table[{name, t}] = Answer{Answer::Status::TemporaryFailure, {}};
    return *this;
  }
  Answer lookup(const Query& q) {
    asked.push_back(std::string(query_type_name(q.type)) + " " + q.name);
    auto it = table.find({q.name, q.type});
    if (it != table.end()) return it->second;
    // A name with some records but none of this type: NOERROR, empty (NODATA).
    for (const auto& [key, unused] : table)
      if (key.first == q.name) return Answer{Answer::Status::Ok, {}};
    return Answer{Answer::Status::NoSuchDomain, {}};
  }
};

Verdict check(Dns& dns, const std::string& ip, const std::string& sender,
              const std::string& helo = "mail.example.com") {
  Evaluator e(Request{ip, sender, helo});
  int guard = 0;
  while (auto q = e.next()) {
    e.answer(dns.lookup(*q));
    if (++guard > 100) ADD_FAILURE() << "evaluation does not end";
    if (guard > 100) break;
  }
  EXPECT_TRUE(e.done());
  return e.verdict();
}

// RFC 7208 Appendix A: the DNS data of the examples.
Dns appendix_a(const std::string& policy) {
  Dns d;
  d.txt("example.com", {policy})
      .mx("example.com", {"a.example.com", "b.example.com"})
      .a("example.com", {"192.0.2.10", "192.0.2.11"})
      .a("amy.example.com", {"192.0.2.65"})
      .a("bob.example.com", {"192.0.2.66"})
      .a("a.example.com", {"192.0.2.129"})
      .a("b.example.com", {"192.0.2.130"})
      .a("mail-c.example.org", {"192.0.2.140"})
      .mx("example.org", {"mail-c.example.org"});
  return d;
}

Result result_for(const std::string& policy, const std::string& ip) {
  Dns d = appendix_a(policy);
  return check(d, ip, "someone@example.com").result;
}

// ---- records -----------------------------------------------------------------------------

TEST(SpfRecord, RecognisesTheVersionSection) {
  EXPECT_TRUE(is_spf_record("v=spf1"));
  EXPECT_TRUE(is_spf_record("v=spf1 -all"));
  EXPECT_TRUE(is_spf_record("V=SPF1 -all"));  // ABNF strings ignore case
  EXPECT_FALSE(is_spf_record("v=spf10 -all"));
  EXPECT_FALSE(is_spf_record("v=spf2.0/pra -all"));
  EXPECT_FALSE(is_spf_record("v=DMARC1; p=reject"));
  EXPECT_FALSE(is_spf_record(" v=spf1 -all"));
}

TEST(SpfRecord, ParsesEveryMechanismAndQualifier) {
  auto r = parse_record(
      "v=spf1 +all -include:_spf.example.net ~a ?a:mail.example.org/24 mx//64 "
      "mx:example.org/30//126 ip4:192.0.2.0/24 ip6:2001:db8::/32 exists:e.example.com "
      "ptr  redirect=_spf.example.com exp=explain.example.com future=x ");
  ASSERT_TRUE(std::holds_alternative<Record>(r)) << std::get<std::string>(r);
  const Record& rec = std::get<Record>(r);
  ASSERT_EQ(rec.mechanisms.size(), 10u);
  using K = Mechanism::Kind;
  EXPECT_EQ(rec.mechanisms[0].kind, K::All);
  EXPECT_EQ(rec.mechanisms[0].qualifier, Result::Pass);
  EXPECT_EQ(rec.mechanisms[1].kind, K::Include);
  EXPECT_EQ(rec.mechanisms[1].qualifier, Result::Fail);
  EXPECT_EQ(rec.mechanisms[1].domain, "_spf.example.net");
  EXPECT_EQ(rec.mechanisms[2].kind, K::A);
  EXPECT_EQ(rec.mechanisms[2].qualifier, Result::SoftFail);
  EXPECT_EQ(rec.mechanisms[2].domain, "");
  EXPECT_EQ(rec.mechanisms[3].qualifier, Result::Neutral);
  EXPECT_EQ(rec.mechanisms[3].domain, "mail.example.org");
  EXPECT_EQ(rec.mechanisms[3].cidr4, 24);
  EXPECT_EQ(rec.mechanisms[4].kind, K::Mx);
  EXPECT_EQ(rec.mechanisms[4].cidr4, 32);
  EXPECT_EQ(rec.mechanisms[4].cidr6, 64);
  EXPECT_EQ(rec.mechanisms[5].domain, "example.org");
  EXPECT_EQ(rec.mechanisms[5].cidr4, 30);
  EXPECT_EQ(rec.mechanisms[5].cidr6, 126);
  EXPECT_EQ(rec.mechanisms[6].kind, K::Ip4);
  EXPECT_EQ(rec.mechanisms[6].network, 0xC0000200u);
  EXPECT_EQ(rec.mechanisms[6].cidr4, 24);
  EXPECT_EQ(rec.mechanisms[7].kind, K::Ip6);
  EXPECT_EQ(rec.mechanisms[7].cidr6, 32);
  EXPECT_EQ(rec.mechanisms[8].kind, K::Exists);
  EXPECT_EQ(rec.mechanisms[9].kind, K::Ptr);
  EXPECT_EQ(rec.redirect, "_spf.example.com");
  EXPECT_EQ(rec.exp, "explain.example.com");
  EXPECT_EQ(rec.mechanisms[3].text, "?a:mail.example.org/24");
}

TEST(SpfRecord, SyntaxErrorsAreReported) {
  const char* bad[] = {
      "v=spf1 foo",                 // unknown mechanism
      "v=spf1 all:x",               // all takes nothing
      "v=spf1 include",             // include needs a domain
      "v=spf1 include:",            // empty domain
      "v=spf1 exists",              // exists needs a domain
      "v=spf1 ip4",                 // no network
      "v=spf1 ip4:192.0.2.1/33",    // CIDR too long
      "v=spf1 ip4:192.0.2.01",      // leading zero (dec-octet)
      "v=spf1 ip4:192.0.2",         // three octets
      "v=spf1 ip4:192.0.2.0/024",   // leading zero in the length
      "v=spf1 ip6:192.0.2.1",       // not IPv6
      "v=spf1 ip6:2001:db8::/129",  // CIDR too long
      "v=spf1 a//129",              // IPv6 CIDR too long
      "v=spf1 a/",                  // empty length
      "v=spf1 mx/24/64",            // single slash before the IPv6 length
      "v=spf1 a:example.123",       // the top label is all digits
      "v=spf1 a:nodot",             // not a multi-label name
      "v=spf1 a:bad..example.com",  // empty label
      "v=spf1 redirect=a.example.com redirect=b.example.com",  // §6: at most once
      "v=spf1 exp=a.example.com exp=b.example.com",
      "v=spf1 9x=1",                // modifier name must start with a letter
      "v=spf1 a:%{d}.example.com",  // macros: not supported here
      "v=spf1 -all\tmx",            // only SP separates terms
      "v=spf2 -all",                // not SPF at all
  };
  for (const char* r : bad) {
    auto p = parse_record(r);
    EXPECT_TRUE(std::holds_alternative<std::string>(p)) << r;
  }
  auto macro = parse_record("v=spf1 include:%{d}._spf.example.com -all");
  ASSERT_TRUE(std::holds_alternative<std::string>(macro));
  EXPECT_NE(std::get<std::string>(macro).find("macros"), std::string::npos);
  // An exp with macros is only syntax to us: explanations are never fetched.
  EXPECT_TRUE(std::holds_alternative<Record>(parse_record("v=spf1 -all exp=%{d}.example.com")));
}

// ---- Appendix A ---------------------------------------------------------------------------

TEST(SpfAppendixA, SimpleExamples) {
  // A.1 "v=spf1 +all": any host passes
  EXPECT_EQ(result_for("v=spf1 +all", "198.51.100.1"), Result::Pass);
  // "v=spf1 a -all": example.com's A records
  EXPECT_EQ(result_for("v=spf1 a -all", "192.0.2.10"), Result::Pass);
  EXPECT_EQ(result_for("v=spf1 a -all", "192.0.2.11"), Result::Pass);
  EXPECT_EQ(result_for("v=spf1 a -all", "192.0.2.12"), Result::Fail);
  // "v=spf1 a:example.org -all": example.org has no A record, so nobody
  EXPECT_EQ(result_for("v=spf1 a:example.org -all", "192.0.2.140"), Result::Fail);
  // "v=spf1 mx -all": a.example.com and b.example.com
  EXPECT_EQ(result_for("v=spf1 mx -all", "192.0.2.129"), Result::Pass);
  EXPECT_EQ(result_for("v=spf1 mx -all", "192.0.2.130"), Result::Pass);
  EXPECT_EQ(result_for("v=spf1 mx -all", "192.0.2.10"), Result::Fail);
  // "v=spf1 mx:example.org -all": mail-c.example.org
  EXPECT_EQ(result_for("v=spf1 mx:example.org -all", "192.0.2.140"), Result::Pass);
  EXPECT_EQ(result_for("v=spf1 mx:example.org -all", "192.0.2.129"), Result::Fail);
  // "v=spf1 mx mx:example.org -all": both
  EXPECT_EQ(result_for("v=spf1 mx mx:example.org -all", "192.0.2.129"), Result::Pass);
  EXPECT_EQ(result_for("v=spf1 mx mx:example.org -all", "192.0.2.140"), Result::Pass);
  // "v=spf1 mx/30 mx:example.org/30 -all": 192.0.2.128/30 and 192.0.2.140/30
  EXPECT_EQ(result_for("v=spf1 mx/30 mx:example.org/30 -all", "192.0.2.131"), Result::Pass);
  EXPECT_EQ(result_for("v=spf1 mx/30 mx:example.org/30 -all", "192.0.2.143"), Result::Pass);
  EXPECT_EQ(result_for("v=spf1 mx/30 mx:example.org/30 -all", "192.0.2.132"), Result::Fail);
  // "v=spf1 ip4:192.0.2.128/28 -all": 192.0.2.128 to 192.0.2.143
  EXPECT_EQ(result_for("v=spf1 ip4:192.0.2.128/28 -all", "192.0.2.128"), Result::Pass);
  EXPECT_EQ(result_for("v=spf1 ip4:192.0.2.128/28 -all", "192.0.2.143"), Result::Pass);
  EXPECT_EQ(result_for("v=spf1 ip4:192.0.2.128/28 -all", "192.0.2.144"), Result::Fail);
  EXPECT_EQ(result_for("v=spf1 ip4:0.0.0.0/0 -all", "203.0.113.9"), Result::Pass);
}

TEST(SpfAppendixA, QualifiersAndTheDefault) {
  EXPECT_EQ(result_for("v=spf1 -all", "192.0.2.10"), Result::Fail);
  EXPECT_EQ(result_for("v=spf1 ~all", "192.0.2.10"), Result::SoftFail);
  EXPECT_EQ(result_for("v=spf1 ?all", "192.0.2.10"), Result::Neutral);
  EXPECT_EQ(result_for("v=spf1 -ip4:192.0.2.10 +all", "192.0.2.10"), Result::Fail);
  EXPECT_EQ(result_for("v=spf1 ~a +all", "192.0.2.11"), Result::SoftFail);
  // §4.7: nothing matched and no redirect -> neutral
  Dns d = appendix_a("v=spf1 ip4:198.51.100.0/24 ip6:2001:db8::/32");
  const Verdict v = check(d, "192.0.2.10", "x@example.com");
  EXPECT_EQ(v.result, Result::Neutral);
  EXPECT_EQ(v.mechanism, "default");
  // Unknown modifiers are ignored (§6)
  EXPECT_EQ(result_for("v=spf1 moo=cow -all", "192.0.2.10"), Result::Fail);
  // Mechanisms after "all" are never reached (§5.1)
  EXPECT_EQ(result_for("v=spf1 -all a", "192.0.2.10"), Result::Fail);
}

TEST(SpfAppendixA, QueriesGoOutInAVerifiersOrder) {
  Dns d = appendix_a("v=spf1 mx -all");
  const Verdict v = check(d, "192.0.2.130", "alice@example.com");
  EXPECT_EQ(v.result, Result::Pass);
  EXPECT_EQ(v.mechanism, "mx");
  EXPECT_EQ(v.dns_lookups, 1);
  const std::vector<std::string> want = {"TXT example.com", "MX example.com", "A a.example.com",
                                         "A b.example.com"};
  EXPECT_EQ(d.asked, want);
  // A match on the first exchange stops there.
  Dns d2 = appendix_a("v=spf1 mx -all");
  check(d2, "192.0.2.129", "alice@example.com");
  EXPECT_EQ(d2.asked.size(), 3u);
}

// ---- results of §2.6 ---------------------------------------------------------------------

TEST(SpfResults, NoneWhenThereIsNoPolicy) {
  Dns nx;  // nothing at all: NXDOMAIN
  EXPECT_EQ(check(nx, "192.0.2.1", "a@nowhere.example").result, Result::None);
  Dns other;
  other.txt("example.com", {"google-site-verification=abc", "v=DMARC1; p=reject"});
  const Verdict v = check(other, "192.0.2.1", "a@example.com");
  EXPECT_EQ(v.result, Result::None);
  EXPECT_EQ(v.mechanism, "");
  EXPECT_FALSE(v.problem.empty());
  // §4.3: a single-label or malformed domain is "none" without any lookup.
  Dns d;
  EXPECT_EQ(check(d, "192.0.2.1", "", "mallory-pc").result, Result::None);
  EXPECT_EQ(check(d, "192.0.2.1", "x@[192.0.2.1]").result, Result::None);
  EXPECT_TRUE(d.asked.empty());
}

TEST(SpfResults, NullSenderChecksPostmasterAtHelo) {
  Dns d;
  d.txt("mail.example.org", {"v=spf1 a -all"}).a("mail.example.org", {"198.51.100.7"});
  const Verdict v = check(d, "198.51.100.7", "", "mail.example.org");
  EXPECT_EQ(v.result, Result::Pass);
  EXPECT_EQ(v.sender, "postmaster@mail.example.org");
  EXPECT_EQ(v.domain, "mail.example.org");
  EXPECT_EQ(v.identity, "mailfrom");
  EXPECT_EQ(d.asked.front(), "TXT mail.example.org");
}

TEST(SpfResults, MoreThanOneRecordIsPermerror) {
  Dns d;
  d.txt("example.com", {"v=spf1 -all", "v=spf1 +all"});
  const Verdict v = check(d, "192.0.2.1", "a@example.com");
  EXPECT_EQ(v.result, Result::PermError);
  EXPECT_NE(v.problem.find("2 SPF records"), std::string::npos);
}

TEST(SpfResults, SyntaxErrorAnywhereIsPermerror) {
  Dns d;
  d.txt("example.com", {"v=spf1 +all foo:bar"});  // "+all" would match first: no matter
  EXPECT_EQ(check(d, "192.0.2.1", "a@example.com").result, Result::PermError);
}

TEST(SpfResults, RecordSplitIntoStringsIsOneRecord) {
  // The resolver joins a TXT record's character-strings (§3.3); a DNS answer therefore holds
  // one string per record, and two records are two strings.
  Dns d;
  d.txt("example.com", {"v=spf1 ip4:192.0.2.0/24 -all"});
  EXPECT_EQ(check(d, "192.0.2.5", "a@example.com").result, Result::Pass);
}

TEST(SpfResults, TemporaryDnsFailuresAreTemperror) {
  Dns d;
  d.broken("example.com", QueryType::Txt);
  EXPECT_EQ(check(d, "192.0.2.1", "a@example.com").result, Result::TempError);
  Dns a = appendix_a("v=spf1 a:amy.example.com -all");
  a.broken("amy.example.com", QueryType::A);
  const Verdict v = check(a, "192.0.2.65", "x@example.com");
  EXPECT_EQ(v.result, Result::TempError);
  EXPECT_NE(v.problem.find("amy.example.com"), std::string::npos);
  Dns m = appendix_a("v=spf1 mx -all");
  m.broken("example.com", QueryType::Mx);
  EXPECT_EQ(check(m, "192.0.2.129", "x@example.com").result, Result::TempError);
  Dns ma = appendix_a("v=spf1 mx -all");
  ma.broken("a.example.com", QueryType::A);
  EXPECT_EQ(check(ma, "192.0.2.130", "x@example.com").result, Result::TempError);
}

// ---- include and redirect (§5.2, §6.1) -----------------------------------------------------

TEST(SpfInclude, ResultTableOfSection52) {
  auto with_child = [](const std::string& child_policy, bool child_exists = true) {
    Dns d;
    d.txt("example.com", {"v=spf1 include:_spf.example.net -all"});
    if (child_exists) d.txt("_spf.example.net", {child_policy});
    return check(d, "192.0.2.7", "a@example.com");
  };
  // pass -> match: the include's own qualifier ("+") applies
  Verdict v = with_child("v=spf1 ip4:192.0.2.0/24 -all");
  EXPECT_EQ(v.result, Result::Pass);
  EXPECT_EQ(v.mechanism, "include:_spf.example.net");
  // fail, softfail, neutral -> no match: the including record goes on (to its -all)
  EXPECT_EQ(with_child("v=spf1 -all").result, Result::Fail);
  EXPECT_EQ(with_child("v=spf1 ~all").result, Result::Fail);
  EXPECT_EQ(with_child("v=spf1 ?all").result, Result::Fail);
  // permerror and none -> permerror; temperror -> temperror
  EXPECT_EQ(with_child("v=spf1 bogus").result, Result::PermError);
  v = with_child("", false);
  EXPECT_EQ(v.result, Result::PermError);
  EXPECT_NE(v.problem.find("include:_spf.example.net"), std::string::npos);
  Dns t;
  t.txt("example.com", {"v=spf1 include:_spf.example.net -all"})
      .broken("_spf.example.net", QueryType::Txt);
  EXPECT_EQ(check(t, "192.0.2.7", "a@example.com").result, Result::TempError);
  // "-include": a passing include gives the including record's qualifier
  Dns q;
  q.txt("example.com", {"v=spf1 -include:_spf.example.net +all"})
      .txt("_spf.example.net", {"v=spf1 +all"});
  EXPECT_EQ(check(q, "192.0.2.7", "a@example.com").result, Result::Fail);
}

TEST(SpfInclude, IncludedAAndMxUseTheIncludedDomain) {
  Dns d;
  d.txt("example.com", {"v=spf1 include:example.net -all"})
      .txt("example.net", {"v=spf1 a mx -all"})
      .a("example.net", {"198.51.100.1"})
      .mx("example.net", {"mx.example.net"})
      .a("mx.example.net", {"198.51.100.25"});
  EXPECT_EQ(check(d, "198.51.100.25", "a@example.com").result, Result::Pass);
  EXPECT_EQ(check(d, "198.51.100.1", "a@example.com").result, Result::Pass);
  EXPECT_EQ(check(d, "198.51.100.2", "a@example.com").result, Result::Fail);
}

TEST(SpfRedirect, TakesTheTargetsResult) {
  Dns d;
  d.txt("example.com", {"v=spf1 ip4:192.0.2.1 redirect=_spf.example.com"})
      .txt("_spf.example.com", {"v=spf1 ip4:198.51.100.0/24 ~all"});
  EXPECT_EQ(check(d, "192.0.2.1", "a@example.com").result, Result::Pass);
  EXPECT_EQ(check(d, "198.51.100.9", "a@example.com").result, Result::Pass);
  const Verdict v = check(d, "203.0.113.9", "a@example.com");
  EXPECT_EQ(v.result, Result::SoftFail);  // the target's ~all
  EXPECT_EQ(v.mechanism, "~all");
  EXPECT_EQ(v.dns_lookups, 1);
}

TEST(SpfRedirect, NoneAtTheTargetIsPermerrorAndAllWins) {
  Dns d;
  d.txt("example.com", {"v=spf1 redirect=_spf.example.com"});
  const Verdict v = check(d, "192.0.2.1", "a@example.com");
  EXPECT_EQ(v.result, Result::PermError);
  EXPECT_NE(v.problem.find("redirect=_spf.example.com"), std::string::npos);
  // §6.1: with an "all" anywhere the redirect is ignored (and never looked up).
  Dns a;
  a.txt("example.com", {"v=spf1 ?all redirect=_spf.example.com"})
      .txt("_spf.example.com", {"v=spf1 -all"});
  EXPECT_EQ(check(a, "192.0.2.1", "a@example.com").result, Result::Neutral);
  EXPECT_EQ(a.asked.size(), 1u);
}

// ---- limits (§4.6.4) -----------------------------------------------------------------------

TEST(SpfLimits, TenDnsQueryingTermsAndNotOneMore) {
  std::string ten = "v=spf1", eleven;
  for (int i = 0; i < 10; ++i) ten += " a";
  eleven = ten + " a";
  Dns d = appendix_a(ten + " -all");
  Verdict v = check(d, "198.51.100.1", "x@example.com");
  EXPECT_EQ(v.result, Result::Fail);
  EXPECT_EQ(v.dns_lookups, 10);
  Dns e = appendix_a(eleven + " -all");
  v = check(e, "198.51.100.1", "x@example.com");
  EXPECT_EQ(v.result, Result::PermError);
  EXPECT_NE(v.problem.find("more than 10"), std::string::npos);
  EXPECT_EQ(e.asked.size(), 11u);  // the TXT and ten A queries; the eleventh is never sent
}

TEST(SpfLimits, IncludeLoopEndsInPermerror) {
  Dns d;
  d.txt("example.com", {"v=spf1 include:example.com -all"});
  const Verdict v = check(d, "192.0.2.1", "a@example.com");
  EXPECT_EQ(v.result, Result::PermError);
  EXPECT_EQ(d.asked.size(), 11u);  // the first TXT and ten includes
}

TEST(SpfLimits, RedirectAndIncludeCount) {
  Dns d;
  d.txt("example.com", {"v=spf1 redirect=r1.example.com"});
  for (int i = 1; i <= 11; ++i)
    d.txt("r" + std::to_string(i) + ".example.com",
          {"v=spf1 redirect=r" + std::to_string(i + 1) + ".example.com"});
  EXPECT_EQ(check(d, "192.0.2.1", "a@example.com").result, Result::PermError);
}

TEST(SpfLimits, TwoVoidLookupsAndNotMore) {
  Dns two = appendix_a("v=spf1 a:n1.example.net a:n2.example.net ip4:192.0.2.1 -all");
  Verdict v = check(two, "192.0.2.1", "x@example.com");
  EXPECT_EQ(v.result, Result::Pass);
  EXPECT_EQ(v.void_lookups, 2);
  Dns three = appendix_a(
      "v=spf1 a:n1.example.net mx:n2.example.net exists:n3.example.net ip4:192.0.2.1 -all");
  v = check(three, "192.0.2.1", "x@example.com");
  EXPECT_EQ(v.result, Result::PermError);
  EXPECT_NE(v.problem.find("void"), std::string::npos);
  // NODATA (the name exists, no A records) is void as well: example.org has only an MX.
  Dns nodata = appendix_a("v=spf1 a:example.org a:example.org a:example.org -all");
  EXPECT_EQ(check(nodata, "192.0.2.1", "x@example.com").result, Result::PermError);
}

TEST(SpfLimits, MoreThanTenMxHostsIsPermerror) {
  Dns d;
  std::vector<std::string> hosts;
  for (int i = 0; i < 11; ++i) hosts.push_back("mx" + std::to_string(i) + ".example.com");
  d.txt("example.com", {"v=spf1 mx -all"}).mx("example.com", hosts);
  EXPECT_EQ(check(d, "192.0.2.1", "a@example.com").result, Result::PermError);
  hosts.pop_back();
  Dns ok;
  ok.txt("example.com", {"v=spf1 mx -all"})
      .mx("example.com", hosts)
      .a("mx9.example.com", {"192.0.2.1"});
  EXPECT_EQ(check(ok, "192.0.2.1", "a@example.com").result, Result::Pass);
}

// ---- the rest of the mechanisms ------------------------------------------------------------

TEST(SpfMechanisms, ExistsMatchesAnyARecord) {
  Dns d;
  d.txt("example.com", {"v=spf1 exists:allowed.example.com -all"})
      .a("allowed.example.com", {"127.0.0.2"});
  EXPECT_EQ(check(d, "203.0.113.5", "a@example.com").result, Result::Pass);
  Dns n;
  n.txt("example.com", {"v=spf1 exists:allowed.example.com -all"});
  EXPECT_EQ(check(n, "203.0.113.5", "a@example.com").result, Result::Fail);
}

TEST(SpfMechanisms, NullMxAndNoMxDoNotMatch) {
  Dns d;
  d.txt("example.com", {"v=spf1 mx ?all"}).mx("example.com", {""});  // RFC 7505 "0 ."
  EXPECT_EQ(check(d, "192.0.2.1", "a@example.com").result, Result::Neutral);
  // §5.4: no implicit MX: the domain's A record does not stand in.
  Dns n;
  n.txt("example.com", {"v=spf1 mx -all"}).a("example.com", {"192.0.2.1"});
  EXPECT_EQ(check(n, "192.0.2.1", "a@example.com").result, Result::Fail);
}

TEST(SpfMechanisms, PtrIsAPermerrorHere) {
  Dns d;
  d.txt("example.com", {"v=spf1 ptr -all"});
  const Verdict v = check(d, "192.0.2.1", "a@example.com");
  EXPECT_EQ(v.result, Result::PermError);
  EXPECT_NE(v.problem.find("ptr"), std::string::npos);
}

TEST(SpfMechanisms, ClientMustBeIpv4) {
  EXPECT_THROW(
      {
        Evaluator e(Request{"2001:db8::1", "a@example.com", "h.example.com"});
      },
      std::invalid_argument);
  EXPECT_THROW(
      {
        Evaluator e(Request{"[192.0.2.1]", "a@example.com", "h.example.com"});
      },
      std::invalid_argument);
}

TEST(SpfMechanisms, AnswerWithoutAQuestionIsIgnored) {
  Evaluator e(Request{"192.0.2.1", "a@x", "h"});  // single-label domain: done at once
  EXPECT_TRUE(e.done());
  e.answer(Answer{});
  EXPECT_EQ(e.verdict().result, Result::None);
}

// ---- Received-SPF (§9.1) -------------------------------------------------------------------

std::string unfold(const std::string& h) {
  std::string out;
  for (std::size_t i = 0; i < h.size(); ++i) {
    if (h.compare(i, 2, "\r\n") == 0) {
      ++i;
      continue;
    }
    out += h[i] == '\t' ? ' ' : h[i];
  }
  return out;
}

TEST(ReceivedSpf, TheRfcExampleWithOurKeys) {
  Dns d;
  d.txt("example.com", {"v=spf1 ip4:192.0.2.1 -all"});
  const Request r{"192.0.2.1", "myname@example.com", "foo.example.com"};
  const Verdict v = check(d, r.client_ip, r.sender, r.helo);
  const std::string h = received_spf(v, r, "mybox.example.org");
  EXPECT_EQ(unfold(h),
            "Received-SPF: pass (mybox.example.org: domain of myname@example.com designates "
            "192.0.2.1 as permitted sender) client-ip=192.0.2.1; "
            "envelope-from=\"myname@example.com\"; helo=foo.example.com; "
            "receiver=mybox.example.org; identity=mailfrom; mechanism=\"ip4:192.0.2.1\"");
  // Folded lines: CRLF, at most 78 octets, continuation lines start with a tab.
  ASSERT_GE(h.size(), 2u);
  EXPECT_EQ(h.substr(h.size() - 2), "\r\n");
  std::size_t start = 0;
  int lines = 0;
  while (start < h.size()) {
    const std::size_t end = h.find("\r\n", start);
    ASSERT_NE(end, std::string::npos);
    EXPECT_LE(end - start, 78u);
    if (lines > 0) {
      EXPECT_EQ(h[start], '\t');
    }
    ++lines;
    start = end + 2;
  }
  EXPECT_GE(lines, 2);
}

TEST(ReceivedSpf, EveryResultHasItsComment) {
  const Request r{"192.0.2.66", "alice@example.com", "mallory-pc"};
  Verdict v;
  v.sender = r.sender;
  v.identity = "mailfrom";
  const std::pair<Result, const char*> cases[] = {
      {Result::Pass, "designates 192.0.2.66 as permitted sender"},
      {Result::Fail, "does not designate 192.0.2.66 as permitted sender"},
      {Result::SoftFail, "domain of transitioning alice@example.com does not designate"},
      {Result::Neutral, "192.0.2.66 is neither permitted nor denied"},
      {Result::None, "does not designate permitted sender hosts"},
      {Result::TempError, "error in processing during lookup"},
      {Result::PermError, "permanent error in processing"},
  };
  for (const auto& [res, words] : cases) {
    v.result = res;
    const std::string h = unfold(received_spf(v, r, "mx.example.net"));
    EXPECT_EQ(h.rfind("Received-SPF: " + std::string(result_name(res)) + " (mx.example.net: ", 0),
              0u)
        << h;
    EXPECT_NE(h.find(words), std::string::npos) << h;
  }
}

TEST(ReceivedSpf, ProblemsAreQuotedAndCommentsEscaped) {
  Dns d;
  d.txt("example.com", {"v=spf1 a:(x).example.com -all"});
  const Request r{"192.0.2.1", "a@example.com", "h.example.com"};
  const Verdict v = check(d, r.client_ip, r.sender, r.helo);
  ASSERT_EQ(v.result, Result::PermError);
  const std::string h = unfold(received_spf(v, r, "mx.example.net"));
  EXPECT_NE(h.find("problem=\""), std::string::npos) << h;
  EXPECT_NE(h.find("\\(x\\)"), std::string::npos) << h;  // quoted-pairs inside the comment
  EXPECT_EQ(h.find("mechanism="), std::string::npos) << h;
}

TEST(ReceivedSpf, AnErrorAfterAnIncludesMatchNamesNoMechanism) {
  // The include's own "-all" matched inside it (no match for the includer), then three void
  // lookups make it a permerror: the header says what went wrong, not "-all".
  Dns d;
  d.txt("example.com",
        {"v=spf1 include:_spf.example.com a:n1.example.com a:n2.example.com a:n3.example.com "
         "-all"})
      .txt("_spf.example.com", {"v=spf1 -all"});
  const Request r{"192.0.2.1", "a@example.com", "h.example.com"};
  const Verdict v = check(d, r.client_ip, r.sender, r.helo);
  ASSERT_EQ(v.result, Result::PermError);
  const std::string h = unfold(received_spf(v, r, "mx.example.net"));
  EXPECT_EQ(h.find("mechanism="), std::string::npos) << h;
  EXPECT_NE(h.find("problem=\"more than 2 void lookups (RFC 7208 section 4.6.4)\""),
            std::string::npos)
      << h;
}

}  // namespace

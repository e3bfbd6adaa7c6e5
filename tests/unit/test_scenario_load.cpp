// Scenario files (sim/scenario/load.hpp): a valid file maps onto Spec field by field, and
// every validation error path gives its exact one-sentence message — line/column for JSON
// syntax, the JSON pointer of the offending field otherwise. The annotated example in
// lessons/README.md is loaded too, so the guide cannot drift from the loader.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>
#include <sstream>

#include "sim/scenario/load.hpp"

namespace {

using namespace smtpsim::scenario;
using J = nlohmann::ordered_json;

const char* kBase = R"({
  "name": "t",
  "title": "Test",
  "hosts": [
    {"name": "mua1", "address": "192.0.2.10", "roles": ["MUA"],
     "mua": {"address": "alice@example.com", "password": "alice",
             "submit_to": "mail.example.com"}},
    {"name": "mail.example.com", "address": "192.0.2.20", "roles": ["MSA", "MTA", "MDA"],
     "domains": ["example.com"], "users": {"alice": "alice"}},
    {"name": "mx.example.net", "address": "198.51.100.20", "roles": ["MTA", "MDA"],
     "domains": ["example.net"], "users": {"bob": "bob"}},
    {"name": "ns", "address": "203.0.113.53", "roles": ["DNS"]}
  ],
  "dns": [
    {"name": "example.com", "type": "MX", "preference": 10, "value": "mail.example.com"},
    {"name": "mail.example.com", "type": "A", "value": "192.0.2.20"},
    {"name": "example.net", "type": "MX", "preference": 10, "value": "mx.example.net"},
    {"name": "mx.example.net", "type": "A", "value": "198.51.100.20"}
  ],
  "script": [
    {"at": "10s", "action": "send", "host": "mua1", "to": ["bob@example.net"],
     "subject": "Hi", "body": "Hello"}
  ]
})";

J base() {
  return J::parse(kBase);
}
J& host(J& j, int i) {
  return j["hosts"][i];
}
J& action0(J& j) {
  return j["script"][0];
}

LoadResult load(const J& j) {
  return parse_scenario(j.dump(2), "t.json");
}

// "OK" or the error message.
std::string outcome(const J& j) {
  auto r = load(j);
  if (auto* e = std::get_if<LoadError>(&r)) return e->message;
  return "OK";
}
std::string outcome_text(std::string_view text) {
  auto r = parse_scenario(text, "t.json");
  if (auto* e = std::get_if<LoadError>(&r)) return e->message;
  return "OK";
}

Spec spec_of(const J& j) {
  auto r = load(j);
  if (auto* e = std::get_if<LoadError>(&r)) ADD_FAILURE() << e->message;
  return std::get_if<Spec>(&r) ? std::get<Spec>(r) : Spec{};
}

TEST(ScenarioLoad, BaseMapsOntoSpec) {
  const Spec s = spec_of(base());
  EXPECT_EQ(s.file, "t.json");
  EXPECT_EQ(s.name, "t");
  EXPECT_EQ(s.title, "Test");
  EXPECT_EQ(s.seed, 1u);
  EXPECT_EQ(s.run_for_us, 6LL * 86400 * 1000000);
  ASSERT_EQ(s.hosts.size(), 4u);
  const HostSpec& mua = s.hosts[0];
  EXPECT_EQ(mua.name, "mua1");
  EXPECT_EQ(mua.address, "192.0.2.10");
  EXPECT_EQ(mua.roles, std::vector<std::string>{"MUA"});
  ASSERT_TRUE(mua.mua.has_value());
  EXPECT_EQ(mua.mua->address, "alice@example.com");
  EXPECT_EQ(mua.mua->user, "alice");  // defaults to the local part when a password is given
  EXPECT_EQ(mua.mua->password, "alice");
  EXPECT_EQ(mua.mua->submit_to, "mail.example.com");
  EXPECT_EQ(mua.mua->port, 587);
  EXPECT_EQ(mua.latency_us, 10'000);
  EXPECT_FALSE(mua.position.has_value());
  const HostSpec& mail = s.hosts[1];
  EXPECT_EQ(mail.roles, (std::vector<std::string>{"MSA", "MTA", "MDA"}));
  EXPECT_EQ(mail.domains, std::vector<std::string>{"example.com"});
  EXPECT_EQ(mail.users.at("alice"), "alice");
  EXPECT_FALSE(mail.queue.has_value());
  ASSERT_EQ(s.dns.size(), 4u);
  EXPECT_EQ(s.dns[0].type, "MX");
  EXPECT_EQ(s.dns[0].preference, 10);
  EXPECT_EQ(s.dns[0].value, "mail.example.com");
  EXPECT_EQ(s.dns[0].ttl, 3600);
  ASSERT_EQ(s.script.size(), 1u);
  const Action& a = s.script[0];
  EXPECT_EQ(a.kind, "send");
  EXPECT_EQ(a.at_us, 10'000'000);
  EXPECT_EQ(a.host, "mua1");
  EXPECT_EQ(a.to, std::vector<std::string>{"bob@example.net"});
  EXPECT_EQ(a.subject, "Hi");
  EXPECT_EQ(a.body, "Hello");
}

TEST(ScenarioLoad, AllFieldsMapOntoSpec) {
  J j = base();
  j["description"] = "All of it.";
  j["seed"] = 42;
  j["epoch_unix"] = 1700000000;
  j["run_for"] = "2d";
  j["queue"] = {{"queue_run_delay", "1m"},        {"minimal_backoff", 60},
                {"maximal_backoff", "10m"},       {"maximal_queue_lifetime", "1d"},
                {"bounce_queue_lifetime", "12h"}, {"delay_warning", "4h"}};
  j["hosts"][0]["position"] = {100, 250.5};
  j["hosts"][0]["latency"] = "25ms";
  j["hosts"][0]["mua"]["user"] = "al";
  j["hosts"][0]["mua"]["port"] = 465;
  j["hosts"][2]["queue"] = {{"maximal_backoff", "20m"}, {"delay_warning", nullptr}};
  j["hosts"][2]["mailbox_quota"] = 5000;
  j["hosts"][2]["dns_server"] = "ns";
  j["dns"].push_back(
      {{"name", "example.net."}, {"type", "TXT"}, {"value", "v=spf1 -all"}, {"ttl", "5m"}});
  j["script"] = J::array();
  j["script"].push_back({{"at", "1h"}, {"action", "note"}, {"text", "later"}});
  j["script"].push_back({{"at", 5},
                         {"action", "send"},
                         {"host", "mua1"},
                         {"to", "bob@example.net"},
                         {"cc", {"alice@example.com"}},
                         {"bcc", {"carol@example.net"}},
                         {"from", "boss@example.com"}});
  j["script"].push_back({{"at", "5s"}, {"action", "host_down"}, {"host", "mx.example.net"}});
  j["script"].push_back({{"at", "6s"}, {"action", "host_up"}, {"host", "mx.example.net"}});
  j["script"].push_back(
      {{"at", "7s"}, {"action", "service_down"}, {"host", "mail.example.com"}, {"port", 587}});
  j["script"].push_back(
      {{"at", "8s"}, {"action", "service_up"}, {"host", "mail.example.com"}, {"port", 587}});
  j["script"].push_back({{"at", "9s"}, {"action", "link_cut"}, {"host", "ns"}});
  j["script"].push_back({{"at", "9.5s"}, {"action", "link_restored"}, {"host", "ns"}});
  j["script"].push_back(
      {{"at", "250ms"}, {"action", "latency"}, {"host", "mua1"}, {"latency", "2s"}});
  j["script"].push_back({{"at", "20s"},
                         {"action", "dns_add"},
                         {"record",
                          {{"name", "example.net"},
                           {"type", "MX"},
                           {"preference", 20},
                           {"value", "backup.example.net"}}}});
  j["script"].push_back({{"at", "30s"},
                         {"action", "dns_remove"},
                         {"host", "ns"},
                         {"record", {{"name", "example.net"}, {"type", "MX"}}}});
  j["script"].push_back({{"at", "40s"},
                         {"action", "mailbox_full"},
                         {"host", "mx.example.net"},
                         {"mailbox", "bob@example.net"},
                         {"full", false}});
  const Spec s = spec_of(j);
  EXPECT_EQ(s.description, "All of it.");
  EXPECT_EQ(s.seed, 42u);
  EXPECT_EQ(s.epoch_unix, 1700000000);
  EXPECT_EQ(s.run_for_us, 2LL * 86400 * 1000000);
  EXPECT_EQ(s.queue.queue_run_delay, 60);
  EXPECT_EQ(s.queue.minimal_backoff, 60);
  EXPECT_EQ(s.queue.maximal_backoff, 600);
  EXPECT_EQ(s.queue.maximal_queue_lifetime, 86400);
  EXPECT_EQ(s.queue.bounce_queue_lifetime, 43200);
  EXPECT_EQ(s.queue.delay_warning, 4 * 3600);
  EXPECT_EQ(s.hosts[0].position, (std::pair{100.0, 250.5}));
  EXPECT_EQ(s.hosts[0].latency_us, 25'000);
  EXPECT_EQ(s.hosts[0].mua->user, "al");
  EXPECT_EQ(s.hosts[0].mua->port, 465);
  ASSERT_TRUE(s.hosts[2].queue.has_value());
  EXPECT_EQ(s.hosts[2].queue->maximal_backoff, 1200);
  EXPECT_EQ(s.hosts[2].queue->queue_run_delay, 60);  // inherited from the top-level queue
  EXPECT_FALSE(s.hosts[2].queue->delay_warning.has_value());
  EXPECT_EQ(s.hosts[2].mailbox_quota, 5000u);
  EXPECT_EQ(s.hosts[2].dns_server, "ns");
  EXPECT_EQ(s.dns[4].name, "example.net");  // trailing dot dropped
  EXPECT_EQ(s.dns[4].ttl, 300);
  // Sorted by time, stably.
  ASSERT_EQ(s.script.size(), 12u);
  std::vector<std::string> kinds;
  for (const auto& a : s.script) kinds.push_back(a.kind);
  EXPECT_EQ(kinds,
            (std::vector<std::string>{"latency", "send", "host_down", "host_up", "service_down",
                                      "service_up", "link_cut", "link_restored", "dns_add",
                                      "dns_remove", "mailbox_full", "note"}));
  EXPECT_EQ(s.script[0].latency_us, 2'000'000);
  EXPECT_EQ(s.script[1].to, std::vector<std::string>{"bob@example.net"});
  EXPECT_EQ(s.script[1].cc, std::vector<std::string>{"alice@example.com"});
  EXPECT_EQ(s.script[1].bcc, std::vector<std::string>{"carol@example.net"});
  EXPECT_EQ(s.script[1].from, "boss@example.com");
  EXPECT_EQ(s.script[4].port, 587);
  EXPECT_EQ(s.script[7].at_us, 9'500'000);
  ASSERT_TRUE(s.script[8].record.has_value());
  EXPECT_EQ(s.script[8].record->preference, 20);
  EXPECT_EQ(s.script[9].record->value, "");  // matches any value
  EXPECT_EQ(s.script[9].host, "ns");
  EXPECT_EQ(s.script[10].mailbox, "bob@example.net");
  EXPECT_FALSE(s.script[10].full);
  EXPECT_EQ(s.script[11].text, "later");
}

TEST(ScenarioLoad, StableSortKeepsFileOrderAtEqualTimes) {
  J j = base();
  j["script"] = J::array();
  for (int i = 0; i < 5; ++i)
    j["script"].push_back(
        {{"at", i % 2 ? "2s" : "1s"}, {"action", "note"}, {"text", std::to_string(i)}});
  const Spec s = spec_of(j);
  std::string order;
  for (const auto& a : s.script) order += a.text;
  EXPECT_EQ(order, "02413");
}

TEST(ScenarioLoad, ReferencesAreSpelledLikeTheHost) {
  J j = base();
  host(j, 0)["mua"]["submit_to"] = "MAIL.example.com";
  host(j, 2)["dns_server"] = "NS";
  action0(j)["host"] = "Mua1";
  const Spec s = spec_of(j);
  EXPECT_EQ(s.hosts[0].mua->submit_to, "mail.example.com");
  EXPECT_EQ(s.hosts[2].dns_server, "ns");
  EXPECT_EQ(s.script[0].host, "mua1");
}

TEST(ScenarioLoad, CommentsAreAllowedInEveryObject) {
  J j = base();
  j["comment"] = "top";
  j["hosts"][0]["comment"] = "a laptop";
  j["hosts"][0]["mua"]["comment"] = "x";
  j["dns"][0]["comment"] = "x";
  j["script"][0]["comment"] = "x";
  j["queue"] = {{"comment", "defaults"}};
  EXPECT_EQ(outcome(j), "OK");
  j["comment"] = 3;
  EXPECT_EQ(outcome(j), "t.json: /comment: expected a string, found 3");
}

TEST(ScenarioLoad, NoScriptAndNoDnsIsFine) {
  J j = base();
  j.erase("script");
  j.erase("dns");
  j["hosts"].erase(3);
  EXPECT_EQ(outcome(j), "OK");
}

TEST(ScenarioLoad, MissingFile) {
  auto r = load_scenario("/nonexistent/dir/x.json");
  ASSERT_TRUE(std::holds_alternative<LoadError>(r));
  EXPECT_EQ(std::get<LoadError>(r).message,
            "/nonexistent/dir/x.json: cannot read the file (No such file or directory)");
}

TEST(ScenarioLoad, LoadsFromFile) {
  const auto path = std::filesystem::temp_directory_path() / "smtpsim_test_scenario.json";
  std::ofstream(path) << kBase;
  auto r = load_scenario(path);
  std::filesystem::remove(path);
  ASSERT_TRUE(std::holds_alternative<Spec>(r)) << std::get<LoadError>(r).message;
  EXPECT_EQ(std::get<Spec>(r).file, path.string());
}

// ---- syntax errors: line and column -------------------------------------------------------

// The position is that of the last character read, as nlohmann reports it: the end of the
// offending token, or one past the end of the text when it ends too early.
TEST(ScenarioSyntax, MissingCommaGivesLineAndColumn) {
  EXPECT_EQ(outcome_text("{\n  \"name\": \"t\"\n  \"hosts\": []\n}"),
            "t.json: line 3, column 9: invalid JSON (syntax error while parsing object - "
            "unexpected string literal; expected '}')");
}

TEST(ScenarioSyntax, TrailingComma) {
  EXPECT_EQ(outcome_text("{\"name\": \"t\",\n}"),
            "t.json: line 2, column 1: invalid JSON (syntax error while parsing object key - "
            "unexpected '}'; expected string literal)");
}

TEST(ScenarioSyntax, ColumnsCountCharactersNotBytes) {
  // "é" is two bytes; the bad literal x is character 14 of line 2 (byte 15).
  EXPECT_EQ(outcome_text("{\n\"title\":\"é\", x}"),
            "t.json: line 2, column 14: invalid JSON (syntax error while parsing object key - "
            "invalid literal; last read: '\"é\", x'; expected string literal)");
}

TEST(ScenarioSyntax, UnexpectedEnd) {
  EXPECT_EQ(outcome_text("{\"name\": \"t\""),
            "t.json: line 1, column 13: invalid JSON (syntax error while parsing object - "
            "unexpected end of input; expected '}')");
}

TEST(ScenarioSyntax, EmptyFile) {
  EXPECT_EQ(outcome_text(""),
            "t.json: line 1, column 1: invalid JSON (syntax error while parsing value - "
            "unexpected end of input; expected '[', '{', or a literal)");
}

TEST(ScenarioSyntax, NumberOverflowIsFoundInTheText) {
  EXPECT_EQ(outcome_text("{\"name\": \"t\",\n \"seed\": 1e400}"),
            "t.json: line 2, column 14: invalid JSON (number overflow parsing '1e400')");
}

TEST(ScenarioSyntax, DuplicateKeyIsNamedByPointer) {
  EXPECT_EQ(outcome_text(R"({"name": "t", "hosts": [{"name": "a", "name": "b"}]})"),
            "t.json: /hosts/0/name: field appears twice in the same object");
}

TEST(ScenarioSyntax, TopLevelMustBeAnObject) {
  EXPECT_EQ(outcome_text("[1, 2]"),
            "t.json: expected a JSON object at the top level, found an array");
}

// ---- every validation error, with its exact message ---------------------------------------

struct Case {
  const char* name;
  std::function<void(J&)> mutate;
  const char* message;
};

void PrintTo(const Case& c, std::ostream* os) {
  *os << c.name;
}

class ScenarioErrors : public ::testing::TestWithParam<Case> {};

TEST_P(ScenarioErrors, ExactMessage) {
  J j = base();
  GetParam().mutate(j);
  EXPECT_EQ(outcome(j), GetParam().message);
}

const Case kCases[] = {
    // top level
    {"UnknownTopKeySuggests", [](J& j) { j["hots"] = 1; },
     "t.json: /hots: unknown field (did you mean \"hosts\"?)"},
    {"UnknownTopKeyLists", [](J& j) { j["checkpoints"] = 1; },
     "t.json: /checkpoints: unknown field (expected one of: name, title, description, seed, "
     "epoch_unix, run_for, queue, hosts, dns, script)"},
    {"MissingName", [](J& j) { j.erase("name"); }, "t.json: missing required field \"name\""},
    {"MissingHosts",
     [](J& j) {
       j.erase("hosts");
       j.erase("dns");
       j.erase("script");
     },
     "t.json: missing required field \"hosts\""},
    {"NameNotString", [](J& j) { j["name"] = 5; }, "t.json: /name: expected a string, found 5"},
    {"NameEmpty", [](J& j) { j["name"] = ""; }, "t.json: /name: expected a non-empty string"},
    {"NameBadChars", [](J& j) { j["name"] = "my lesson"; },
     "t.json: /name: \"my lesson\" is not a valid scenario name (letters, digits, \"-\", \"_\" "
     "and \".\")"},
    {"TitleEmpty", [](J& j) { j["title"] = ""; }, "t.json: /title: expected a non-empty string"},
    {"DescriptionNotString", [](J& j) { j["description"] = true; },
     "t.json: /description: expected a string, found true"},
    {"SeedNegative", [](J& j) { j["seed"] = -1; },
     "t.json: /seed: expected a non-negative integer, found -1"},
    {"SeedString", [](J& j) { j["seed"] = "1"; },
     "t.json: /seed: expected a non-negative integer, found \"1\""},
    {"EpochFloat", [](J& j) { j["epoch_unix"] = 1.5; },
     "t.json: /epoch_unix: expected an integer from 0 to 253402300799, found 1.5"},
    {"RunForBadUnit", [](J& j) { j["run_for"] = "5x"; },
     "t.json: /run_for: invalid duration \"5x\" (a number with ms, s, m, h or d, e.g. \"5m\", "
     "\"300s\", \"250ms\")"},
    {"RunForWrongType", [](J& j) { j["run_for"] = J::array(); },
     "t.json: /run_for: expected a duration such as \"5m\", \"300s\", \"250ms\" or a number of "
     "seconds, found an array"},
    {"RunForNegativeNumber", [](J& j) { j["run_for"] = -3; },
     "t.json: /run_for: expected a non-negative number of seconds, found -3"},
    {"RunForZero", [](J& j) { j["run_for"] = "0s"; }, "t.json: /run_for: must be more than 0s"},
    {"HostsNotArray", [](J& j) { j["hosts"] = J::object(); },
     "t.json: /hosts: expected an array, found an object"},
    {"HostsEmpty", [](J& j) { j["hosts"] = J::array(); },
     "t.json: /hosts: expected at least one host"},
    // queue
    {"QueueNotObject", [](J& j) { j["queue"] = 5; }, "t.json: /queue: expected an object, found 5"},
    {"QueueUnknownKey",
     [](J& j) {
       j["queue"] = {{"min_backoff", "5m"}};
     },
     "t.json: /queue/min_backoff: unknown field (did you mean \"minimal_backoff\"?)"},
    {"QueueSubSecond",
     [](J& j) {
       j["queue"] = {{"queue_run_delay", "250ms"}};
     },
     "t.json: /queue/queue_run_delay: \"250ms\" is not a whole number of seconds"},
    {"QueueRunDelayZero",
     [](J& j) {
       j["queue"] = {{"queue_run_delay", 0}};
     },
     "t.json: /queue/queue_run_delay: must be more than 0s"},
    {"QueueMinimalZero",
     [](J& j) {
       j["queue"] = {{"minimal_backoff", 0}};
     },
     "t.json: /queue/minimal_backoff: must be more than 0s"},
    {"QueueBackoffOrder",
     [](J& j) {
       j["queue"] = {{"maximal_backoff", "1m"}};
     },
     "t.json: /queue: maximal_backoff (60s) is less than minimal_backoff (300s)"},
    {"QueueDelayWarningZero",
     [](J& j) {
       j["queue"] = {{"delay_warning", 0}};
     },
     "t.json: /queue/delay_warning: must be more than 0s (null turns it off)"},
    {"HostQueueInheritsForCheck",
     [](J& j) {
       j["queue"] = {{"minimal_backoff", "10m"}, {"maximal_backoff", "20m"}};
       host(j, 2)["queue"] = {{"maximal_backoff", "5m"}};
     },
     "t.json: /hosts/2/queue: maximal_backoff (300s) is less than minimal_backoff (600s)"},
    // hosts
    {"HostNotObject", [](J& j) { j["hosts"][1] = "mail"; },
     "t.json: /hosts/1: expected an object, found \"mail\""},
    {"HostUnknownKey", [](J& j) { host(j, 1)["adress"] = "x"; },
     "t.json: /hosts/1/adress: unknown field (did you mean \"address\"?)"},
    {"HostMissingName", [](J& j) { host(j, 3).erase("name"); },
     "t.json: /hosts/3: missing required field \"name\""},
    {"HostMissingAddress", [](J& j) { host(j, 3).erase("address"); },
     "t.json: /hosts/3: missing required field \"address\" (one in 192.0.2.0/24, "
     "198.51.100.0/24 or 203.0.113.0/24)"},
    {"HostMissingRoles", [](J& j) { host(j, 3).erase("roles"); },
     "t.json: /hosts/3: missing required field \"roles\" (some of MUA, MSA, MTA, DNS, MDA)"},
    {"HostNameInvalid", [](J& j) { host(j, 3)["name"] = "ns_1"; },
     "t.json: /hosts/3/name: \"ns_1\" is not a valid host name (letters, digits and \"-\" in "
     "dot-separated labels)"},
    {"HostNameIsAddress", [](J& j) { host(j, 3)["name"] = "192.0.2.1"; },
     "t.json: /hosts/3/name: \"192.0.2.1\" is not a valid host name (letters, digits and \"-\" "
     "in dot-separated labels)"},
    {"HostNameDuplicate", [](J& j) { host(j, 3)["name"] = "MUA1"; },
     "t.json: /hosts/3/name: host name \"MUA1\" is already used by /hosts/0"},
    {"AddressNotIpv4", [](J& j) { host(j, 3)["address"] = "192.0.2.300"; },
     "t.json: /hosts/3/address: \"192.0.2.300\" is not an IPv4 address"},
    {"AddressLeadingZero", [](J& j) { host(j, 3)["address"] = "192.0.2.053"; },
     "t.json: /hosts/3/address: \"192.0.2.053\" is not an IPv4 address"},
    {"AddressNotDocumentation", [](J& j) { host(j, 3)["address"] = "10.0.0.1"; },
     "t.json: /hosts/3/address: 10.0.0.1 is not in a documentation range (192.0.2.0/24, "
     "198.51.100.0/24, 203.0.113.0/24)"},
    {"AddressNetwork", [](J& j) { host(j, 3)["address"] = "203.0.113.0"; },
     "t.json: /hosts/3/address: 203.0.113.0 is the network address of its /24; use .1 to .254"},
    {"AddressBroadcast", [](J& j) { host(j, 3)["address"] = "203.0.113.255"; },
     "t.json: /hosts/3/address: 203.0.113.255 is the broadcast address of its /24; use .1 to .254"},
    {"AddressDuplicate", [](J& j) { host(j, 3)["address"] = "192.0.2.20"; },
     "t.json: /hosts/3/address: address 192.0.2.20 is already used by host \"mail.example.com\""},
    {"MsaWithoutMta",
     [](J& j) {
       host(j, 1)["roles"] = {"MSA", "MDA"};
     },
     "t.json: /hosts/1/roles: a host with the MSA role needs the MTA role too (the MSA hands "
     "accepted mail to the host's queue)"},
    {"RolesNotArray", [](J& j) { host(j, 3)["roles"] = "DNS"; },
     "t.json: /hosts/3/roles: expected an array, found \"DNS\""},
    {"RolesEmpty", [](J& j) { host(j, 3)["roles"] = J::array(); },
     "t.json: /hosts/3/roles: expected at least one role (MUA, MSA, MTA, DNS, MDA)"},
    {"RoleUnknown", [](J& j) { host(j, 2)["roles"] = {"MTX"}; },
     "t.json: /hosts/2/roles/0: unknown role \"MTX\" (one of MUA, MSA, MTA, DNS, MDA)"},
    {"RoleWithNewline", [](J& j) { host(j, 3)["roles"] = {"DNS\nx"}; },
     "t.json: /hosts/3/roles/0: unknown role \"DNS\\x0ax\" (one of MUA, MSA, MTA, DNS, MDA)"},
    {"RoleLowercase", [](J& j) { host(j, 3)["roles"] = {"dns"}; },
     "t.json: /hosts/3/roles/0: unknown role \"dns\" (one of MUA, MSA, MTA, DNS, MDA)"},
    {"RoleTwice",
     [](J& j) {
       host(j, 3)["roles"] = {"DNS", "DNS"};
     },
     "t.json: /hosts/3/roles/1: role \"DNS\" is listed twice"},
    {"DomainsInvalid", [](J& j) { host(j, 2)["domains"] = {"example..net"}; },
     "t.json: /hosts/2/domains/0: \"example..net\" is not a valid domain name (letters, digits "
     "and \"-\" in dot-separated labels)"},
    {"DomainsTwice",
     [](J& j) {
       host(j, 2)["domains"] = {"example.net", "EXAMPLE.net"};
     },
     "t.json: /hosts/2/domains/1: domain \"EXAMPLE.net\" is listed twice"},
    {"DomainsOnDnsHost", [](J& j) { host(j, 3)["domains"] = {"example.org"}; },
     "t.json: /hosts/3/domains: only a host with the MTA or MDA role delivers for domains"},
    {"MdaWithoutDomains", [](J& j) { host(j, 2).erase("domains"); },
     "t.json: /hosts/2: missing required field \"domains\" (an MDA delivers for at least one "
     "domain)"},
    {"UsersNotObject", [](J& j) { host(j, 2)["users"] = J::array({"bob"}); },
     "t.json: /hosts/2/users: expected an object, found an array"},
    {"UserBadName",
     [](J& j) {
       host(j, 2)["users"] = {{"bob smith", "x"}};
     },
     "t.json: /hosts/2/users/bob smith: \"bob smith\" is not a valid user name (printable, no "
     "spaces, \":\" or \"@\")"},
    {"UserTwice",
     [](J& j) {
       host(j, 2)["users"] = {{"bob", "x"}, {"BOB", "y"}};
     },
     "t.json: /hosts/2/users/BOB: user \"BOB\" is listed twice"},
    {"UserEmptyPassword",
     [](J& j) {
       host(j, 2)["users"] = {{"bob", ""}};
     },
     "t.json: /hosts/2/users/bob: expected a non-empty string"},
    {"UsersOnMta",
     [](J& j) {
       host(j, 3)["users"] = {{"x", "y"}};
     },
     "t.json: /hosts/3/users: only a host with the MDA or MSA role has users"},
    {"QueueOnNonMta", [](J& j) { host(j, 3)["queue"] = J::object(); },
     "t.json: /hosts/3/queue: only a host with the MTA role has a queue"},
    {"QuotaOnNonMda", [](J& j) { host(j, 3)["mailbox_quota"] = 10; },
     "t.json: /hosts/3/mailbox_quota: only a host with the MDA role has mailboxes"},
    {"QuotaNegative", [](J& j) { host(j, 2)["mailbox_quota"] = -1; },
     "t.json: /hosts/2/mailbox_quota: expected an integer from 0 to 9223372036854775807, found -1"},
    {"LatencyBad", [](J& j) { host(j, 2)["latency"] = "fast"; },
     "t.json: /hosts/2/latency: invalid duration \"fast\" (a number with ms, s, m, h or d, e.g. "
     "\"5m\", \"300s\", \"250ms\")"},
    {"PositionNotPair",
     [](J& j) {
       host(j, 2)["position"] = {1, 2, 3};
     },
     "t.json: /hosts/2/position: expected [x, y], two numbers"},
    {"PositionNotNumbers",
     [](J& j) {
       host(j, 2)["position"] = {"1", 2};
     },
     "t.json: /hosts/2/position: expected [x, y], two numbers"},
    {"DnsServerMissingHost", [](J& j) { host(j, 2)["dns_server"] = "ns2"; },
     "t.json: /hosts/2/dns_server: host \"ns2\" does not exist"},
    {"DnsServerNotDns", [](J& j) { host(j, 2)["dns_server"] = "mua1"; },
     "t.json: /hosts/2/dns_server: host \"mua1\" does not have the DNS role"},
    {"DnsServerAmbiguous",
     [](J& j) {
       j["hosts"].push_back({{"name", "ns2"}, {"address", "203.0.113.54"}, {"roles", {"DNS"}}});
     },
     "t.json: /hosts/1: missing required field \"dns_server\" (there are 2 DNS hosts, so an MTA "
     "must name the one it asks)"},
    // mua
    {"MuaRoleWithoutSettings", [](J& j) { host(j, 0).erase("mua"); },
     "t.json: /hosts/0: missing required field \"mua\" (a host with the MUA role needs its "
     "address and submit_to)"},
    {"MuaSettingsWithoutRole", [](J& j) { host(j, 3)["mua"] = host(j, 0)["mua"]; },
     "t.json: /hosts/3/mua: only a host with the MUA role has MUA settings"},
    {"MuaUnknownKey", [](J& j) { host(j, 0)["mua"]["pasword"] = "x"; },
     "t.json: /hosts/0/mua/pasword: unknown field (did you mean \"password\"?)"},
    {"MuaMissingAddress", [](J& j) { host(j, 0)["mua"].erase("address"); },
     "t.json: /hosts/0/mua: missing required field \"address\" (the user's email address)"},
    {"MuaBadAddress", [](J& j) { host(j, 0)["mua"]["address"] = "alice"; },
     "t.json: /hosts/0/mua/address: \"alice\" is not a valid email address (local@domain)"},
    {"MuaMissingSubmitTo", [](J& j) { host(j, 0)["mua"].erase("submit_to"); },
     "t.json: /hosts/0/mua: missing required field \"submit_to\" (the host name of the MSA)"},
    {"MuaSubmitToMissingHost", [](J& j) { host(j, 0)["mua"]["submit_to"] = "msa.example.com"; },
     "t.json: /hosts/0/mua/submit_to: host \"msa.example.com\" does not exist"},
    {"MuaSubmitToNotMsa", [](J& j) { host(j, 0)["mua"]["submit_to"] = "mx.example.net"; },
     "t.json: /hosts/0/mua/submit_to: host \"mx.example.net\" does not have the MSA role "
     "(needed to submit on port 587)"},
    {"MuaPort25NeedsMta",
     [](J& j) {
       host(j, 0)["mua"]["port"] = 25;
       host(j, 0)["mua"]["submit_to"] = "ns";
     },
     "t.json: /hosts/0/mua/submit_to: host \"ns\" does not have the MTA role (needed to submit "
     "on port 25)"},
    {"MuaBadPort", [](J& j) { host(j, 0)["mua"]["port"] = 585; },
     "t.json: /hosts/0/mua/port: port 585 is not a submission port (587 STARTTLS, 465 implicit "
     "TLS, or 25 plain SMTP for teaching)"},
    {"MuaUnknownProtocol", [](J& j) { host(j, 0)["mua"]["protocol"] = "smtp"; },
     "t.json: /hosts/0/mua/protocol: unknown protocol \"smtp\" (one of pop3, imap)"},
    {"MuaRetrievePortNotImap", [](J& j) { host(j, 0)["mua"]["retrieve_port"] = 110; },
     "t.json: /hosts/0/mua/retrieve_port: port 110 is not an IMAP port (143 plain or STARTTLS, "
     "993 implicit TLS)"},
    {"MuaRetrievePortNotPop3",
     [](J& j) {
       host(j, 0)["mua"]["protocol"] = "pop3";
       host(j, 0)["mua"]["retrieve_port"] = 993;
     },
     "t.json: /hosts/0/mua/retrieve_port: port 993 is not a POP3 port (110 plain or STARTTLS, "
     "995 implicit TLS)"},
    {"MuaUnknownDevice", [](J& j) { host(j, 0)["mua"]["device"] = "tablet"; },
     "t.json: /hosts/0/mua/device: unknown device \"tablet\" (one of laptop, phone)"},
    {"MuaRetrieveFromMissingHost", [](J& j) { host(j, 0)["mua"]["retrieve_from"] = "imap.x"; },
     "t.json: /hosts/0/mua/retrieve_from: host \"imap.x\" does not exist"},
    {"MuaRetrieveFromNotMda", [](J& j) { host(j, 0)["mua"]["retrieve_from"] = "ns"; },
     "t.json: /hosts/0/mua/retrieve_from: host \"ns\" does not have the MDA role (mailboxes are "
     "read from the MDA)"},
    {"FetchWithoutRetrieveFrom",
     [](J& j) {
       j["script"].push_back({{"at", "1m"}, {"action", "fetch"}, {"host", "mua1"}});
     },
     "t.json: /script/1/host: MUA \"mua1\" has no \"retrieve_from\" in its mua settings, so it "
     "cannot fetch mail"},
    {"ReadNeedsMessage",
     [](J& j) {
       host(j, 0)["mua"]["retrieve_from"] = "mail.example.com";
       j["script"].push_back({{"at", "1m"}, {"action", "read"}, {"host", "mua1"}});
     },
     "t.json: /script/1: missing required field \"message\" (which message: its position (1 = "
     "the oldest) or part of its subject)"},
    {"ReadMessageWrongType",
     [](J& j) {
       host(j, 0)["mua"]["retrieve_from"] = "mail.example.com";
       j["script"].push_back(
           {{"at", "1m"}, {"action", "delete"}, {"host", "mua1"}, {"message", true}});
     },
     "t.json: /script/1/message: expected a message position (1, 2, ...) or a piece of its "
     "subject, found true"},
    {"FetchOnNonMua",
     [](J& j) {
       j["script"].push_back({{"at", "1m"}, {"action", "fetch"}, {"host", "ns"}});
     },
     "t.json: /script/1/host: host \"ns\" does not have the MUA role (only a MUA reads mail)"},
    {"MuaPortNotInteger", [](J& j) { host(j, 0)["mua"]["port"] = "587"; },
     "t.json: /hosts/0/mua/port: expected an integer from 0 to 65535, found \"587\""},
    {"MuaUserWithoutPassword",
     [](J& j) {
       host(j, 0)["mua"].erase("password");
       host(j, 0)["mua"]["user"] = "alice";
     },
     "t.json: /hosts/0/mua: missing required field \"password\" (\"user\" is given)"},
    // dns records
    {"DnsNotArray", [](J& j) { j["dns"] = J::object(); },
     "t.json: /dns: expected an array, found an object"},
    {"DnsUnknownKey", [](J& j) { j["dns"][0]["prio"] = 1; },
     "t.json: /dns/0/prio: unknown field (expected one of: name, type, preference, value, ttl)"},
    {"DnsMissingName", [](J& j) { j["dns"][0].erase("name"); },
     "t.json: /dns/0: missing required field \"name\""},
    {"DnsBadName", [](J& j) { j["dns"][0]["name"] = "-bad.example"; },
     "t.json: /dns/0/name: \"-bad.example\" is not a valid domain name (letters, digits and "
     "\"-\" in dot-separated labels)"},
    {"DnsMissingType", [](J& j) { j["dns"][0].erase("type"); },
     "t.json: /dns/0: missing required field \"type\""},
    {"DnsUnknownType", [](J& j) { j["dns"][1]["type"] = "AAAA"; },
     "t.json: /dns/1/type: unknown record type \"AAAA\" (one of MX, A, TXT)"},
    {"MxMissingPreference", [](J& j) { j["dns"][0].erase("preference"); },
     "t.json: /dns/0: missing required field \"preference\" (an MX record has one)"},
    {"MxPreferenceRange", [](J& j) { j["dns"][0]["preference"] = 70000; },
     "t.json: /dns/0/preference: expected an integer from 0 to 65535, found 70000"},
    {"MxMissingValue", [](J& j) { j["dns"][0].erase("value"); },
     "t.json: /dns/0: missing required field \"value\" (the mail server's host name)"},
    {"MxValueIsAddress", [](J& j) { j["dns"][0]["value"] = "[192.0.2.20]"; },
     "t.json: /dns/0/value: \"[192.0.2.20]\" is not a valid host name (letters, digits and \"-\" "
     "in dot-separated labels)"},
    {"NullMxNeedsPreferenceZero", [](J& j) { j["dns"][0]["value"] = "."; },
     "t.json: /dns/0/value: a null MX (\".\") must have preference 0 (RFC 7505)"},
    {"APreference", [](J& j) { j["dns"][1]["preference"] = 5; },
     "t.json: /dns/1/preference: only MX records have a preference, not A records"},
    {"AMissingValue", [](J& j) { j["dns"][1].erase("value"); },
     "t.json: /dns/1: missing required field \"value\" (an IPv4 address)"},
    {"ABadValue", [](J& j) { j["dns"][1]["value"] = "mail.example.com"; },
     "t.json: /dns/1/value: \"mail.example.com\" is not an IPv4 address"},
    {"TxtMissingValue",
     [](J& j) {
       j["dns"].push_back({{"name", "a.example"}, {"type", "TXT"}});
     },
     "t.json: /dns/4: missing required field \"value\" (the text)"},
    {"TtlSubSecond", [](J& j) { j["dns"][0]["ttl"] = 0.5; },
     "t.json: /dns/0/ttl: 0.5 is not a whole number of seconds"},
    {"TtlTooBig", [](J& j) { j["dns"][0]["ttl"] = "100000d"; },
     "t.json: /dns/0/ttl: must be at most 2147483647 seconds (RFC 2181)"},
    {"DnsRecordsWithoutDnsHost", [](J& j) { j["hosts"].erase(3); },
     "t.json: /dns: records need a host with the DNS role to serve them"},
    // script
    {"ScriptNotArray", [](J& j) { j["script"] = "send"; },
     "t.json: /script: expected an array, found \"send\""},
    {"ActionNotObject", [](J& j) { j["script"][0] = 1; },
     "t.json: /script/0: expected an object, found 1"},
    {"ActionMissingKind", [](J& j) { action0(j).erase("action"); },
     "t.json: /script/0: missing required field \"action\" (one of send, fetch, read, "
     "delete, host_down, host_up, service_down, service_up, link_cut, link_restored, latency, "
     "dns_add, dns_remove, dns_servfail, dns_recover, mailbox_full, note, telnet)"},
    {"ActionUnknownKindSuggests", [](J& j) { action0(j)["action"] = "sned"; },
     "t.json: /script/0/action: unknown action \"sned\" (did you mean \"send\"? one of send, "
     "fetch, read, delete, host_down, host_up, service_down, service_up, link_cut, "
     "link_restored, latency, dns_add, dns_remove, dns_servfail, dns_recover, mailbox_full, "
     "note, telnet)"},
    {"ActionUnknownKind", [](J& j) { action0(j)["action"] = "explode"; },
     "t.json: /script/0/action: unknown action \"explode\" (one of send, fetch, read, "
     "delete, host_down, host_up, service_down, service_up, link_cut, link_restored, latency, "
     "dns_add, dns_remove, dns_servfail, dns_recover, mailbox_full, note, telnet)"},
    {"ActionFieldOfOtherKind",
     [](J& j) {
       j["script"].push_back({{"at", "1s"}, {"action", "host_down"}, {"host", "ns"}, {"port", 53}});
     },
     "t.json: /script/1/port: field not used by a host_down action (it takes at, action, host)"},
    {"ActionUnknownField", [](J& j) { action0(j)["subjet"] = "x"; },
     "t.json: /script/0/subjet: unknown field (did you mean \"subject\"?)"},
    {"ActionMissingAt", [](J& j) { action0(j).erase("at"); },
     "t.json: /script/0: missing required field \"at\" (when it happens, e.g. \"10s\")"},
    {"ActionBadAt", [](J& j) { action0(j)["at"] = "soon"; },
     "t.json: /script/0/at: invalid duration \"soon\" (a number with ms, s, m, h or d, e.g. "
     "\"5m\", \"300s\", \"250ms\")"},
    {"ActionAfterRunFor",
     [](J& j) {
       j["run_for"] = "1h";
       action0(j)["at"] = "2h";
     },
     "t.json: /script/0/at: +2:00:00.000 is after the end of the run (+1:00:00.000, see run_for)"},
    {"ActionMissingHost", [](J& j) { action0(j).erase("host"); },
     "t.json: /script/0: missing required field \"host\""},
    {"ActionUnknownHost", [](J& j) { action0(j)["host"] = "mua2"; },
     "t.json: /script/0/host: host \"mua2\" does not exist"},
    {"SendFromNonMua", [](J& j) { action0(j)["host"] = "mail.example.com"; },
     "t.json: /script/0/host: host \"mail.example.com\" does not have the MUA role (only a MUA "
     "sends)"},
    {"SendNoRecipients", [](J& j) { action0(j).erase("to"); },
     "t.json: /script/0: a send action needs at least one recipient in \"to\", \"cc\" or "
     "\"bcc\""},
    {"SendBadRecipient",
     [](J& j) {
       action0(j)["to"] = {"bob@example.net", "bob@"};
     },
     "t.json: /script/0/to/1: \"bob@\" is not a valid email address (local@domain)"},
    {"SendBadSingleRecipient", [](J& j) { action0(j)["cc"] = "carol"; },
     "t.json: /script/0/cc: \"carol\" is not a valid email address (local@domain)"},
    {"SendRecipientsWrongType", [](J& j) { action0(j)["bcc"] = 7; },
     "t.json: /script/0/bcc: expected an email address or an array of them, found 7"},
    {"SendBadFrom", [](J& j) { action0(j)["from"] = "<alice@example.com>"; },
     "t.json: /script/0/from: \"<alice@example.com>\" is not a valid email address "
     "(local@domain)"},
    {"SendSubjectNotString", [](J& j) { action0(j)["subject"] = 1; },
     "t.json: /script/0/subject: expected a string, found 1"},
    {"RelayNeedsDns",
     [](J& j) {
       j["hosts"].erase(3);
       j.erase("dns");
     },
     "t.json: /script/0/to/0: <bob@example.net> is not delivered by \"mail.example.com\", so it "
     "must be relayed, which needs a host with the DNS role to look up MX records"},
    {"ServiceMissingPort",
     [](J& j) {
       j["script"].push_back({{"at", "1s"}, {"action", "service_down"}, {"host", "ns"}});
     },
     "t.json: /script/1: missing required field \"port\""},
    {"ServiceNoSuchPort",
     [](J& j) {
       j["script"].push_back(
           {{"at", "1s"}, {"action", "service_up"}, {"host", "mx.example.net"}, {"port", 587}});
     },
     "t.json: /script/1/port: host \"mx.example.net\" runs no service on port 587 (its ports: "
     "25, 110, 143, 993, 995)"},
    {"ServicePortRange",
     [](J& j) {
       j["script"].push_back({{"at", "1s"}, {"action", "service_up"}, {"host", "ns"}, {"port", 0}});
     },
     "t.json: /script/1/port: expected an integer from 1 to 65535, found 0"},
    {"LatencyMissing",
     [](J& j) {
       j["script"].push_back({{"at", "1s"}, {"action", "latency"}, {"host", "ns"}});
     },
     "t.json: /script/1: missing required field \"latency\""},
    {"DnsAddMissingRecord",
     [](J& j) {
       j["script"].push_back({{"at", "1s"}, {"action", "dns_add"}});
     },
     "t.json: /script/1: missing required field \"record\""},
    {"DnsAddWithoutDnsHost",
     [](J& j) {
       j["hosts"].erase(3);
       j.erase("dns");
       action0(j)["to"] = {"alice@example.com"};  // local: no relaying, so no DNS needed
       j["script"].push_back(
           {{"at", "1s"},
            {"action", "dns_add"},
            {"record", {{"name", "x.example"}, {"type", "A"}, {"value", "192.0.2.9"}}}});
     },
     "t.json: /script/1: a dns_add action needs a host with the DNS role"},
    {"DnsAddOnNonDnsHost",
     [](J& j) {
       j["script"].push_back(
           {{"at", "1s"},
            {"action", "dns_add"},
            {"host", "mua1"},
            {"record", {{"name", "x.example"}, {"type", "A"}, {"value", "192.0.2.9"}}}});
     },
     "t.json: /script/1/host: host \"mua1\" does not have the DNS role (DNS records live on a "
     "DNS host)"},
    {"DnsAddBadRecord",
     [](J& j) {
       j["script"].push_back({{"at", "1s"},
                              {"action", "dns_add"},
                              {"host", "ns"},
                              {"record", {{"name", "x.example"}, {"type", "A"}}}});
     },
     "t.json: /script/1/record: missing required field \"value\" (an IPv4 address)"},
    {"DnsRemoveTtl",
     [](J& j) {
       j["script"].push_back({{"at", "1s"},
                              {"action", "dns_remove"},
                              {"host", "ns"},
                              {"record", {{"name", "example.net"}, {"type", "MX"}, {"ttl", 5}}}});
     },
     "t.json: /script/1/record/ttl: unknown field (expected one of: name, type, preference, "
     "value)"},
    {"DnsRemoveNothingThere",
     [](J& j) {
       j["script"].push_back({{"at", "1s"},
                              {"action", "dns_remove"},
                              {"host", "ns"},
                              {"record", {{"name", "example.org"}, {"type", "MX"}}}});
     },
     "t.json: /script/1/record: there is no MX example.org record to remove at +0:00:01.000"},
    {"DnsRemoveBeforeAdd",
     [](J& j) {
       const J rec = {{"name", "b.example"}, {"type", "A"}, {"value", "192.0.2.99"}};
       j["script"].push_back(
           {{"at", "5s"}, {"action", "dns_add"}, {"host", "ns"}, {"record", rec}});
       j["script"].push_back(
           {{"at", "4s"}, {"action", "dns_remove"}, {"host", "ns"}, {"record", rec}});
     },
     "t.json: /script/2/record: there is no A b.example 192.0.2.99 record to remove at "
     "+0:00:04.000"},
    {"DnsRemoveTwice",
     [](J& j) {
       const J rec = {{"name", "example.net"},
                      {"type", "MX"},
                      {"preference", 10},
                      {"value", "mx.example.net"}};
       j["script"].push_back(
           {{"at", "5s"}, {"action", "dns_remove"}, {"host", "ns"}, {"record", rec}});
       j["script"].push_back(
           {{"at", "6s"}, {"action", "dns_remove"}, {"host", "ns"}, {"record", rec}});
     },
     "t.json: /script/2/record: there is no MX example.net 10 mx.example.net record to remove at "
     "+0:00:06.000"},
    {"MailboxFullMissingMailbox",
     [](J& j) {
       j["script"].push_back(
           {{"at", "1s"}, {"action", "mailbox_full"}, {"host", "mx.example.net"}});
     },
     "t.json: /script/1: missing required field \"mailbox\" (the address whose mailbox fills up)"},
    {"MailboxFullNotMda",
     [](J& j) {
       j["script"].push_back({{"at", "1s"},
                              {"action", "mailbox_full"},
                              {"host", "ns"},
                              {"mailbox", "bob@example.net"}});
     },
     "t.json: /script/1/host: host \"ns\" does not have the MDA role (only an MDA has "
     "mailboxes)"},
    {"MailboxFullWrongDomain",
     [](J& j) {
       j["script"].push_back({{"at", "1s"},
                              {"action", "mailbox_full"},
                              {"host", "mx.example.net"},
                              {"mailbox", "bob@example.com"}});
     },
     "t.json: /script/1/mailbox: host \"mx.example.net\" does not deliver for example.com (it "
     "delivers for example.net)"},
    {"MailboxFullUnknownUser",
     [](J& j) {
       j["script"].push_back({{"at", "1s"},
                              {"action", "mailbox_full"},
                              {"host", "mx.example.net"},
                              {"mailbox", "carol@example.net"}});
     },
     "t.json: /script/1/mailbox: host \"mx.example.net\" has no user \"carol\""},
    {"MailboxFullNotBool",
     [](J& j) {
       j["script"].push_back({{"at", "1s"},
                              {"action", "mailbox_full"},
                              {"host", "mx.example.net"},
                              {"mailbox", "bob@example.net"},
                              {"full", "yes"}});
     },
     "t.json: /script/1/full: expected true or false, found \"yes\""},
    {"NoteMissingText",
     [](J& j) {
       j["script"].push_back({{"at", "1s"}, {"action", "note"}});
     },
     "t.json: /script/1: missing required field \"text\""},
    {"NoteWithHost",
     [](J& j) {
       j["script"].push_back({{"at", "1s"}, {"action", "note"}, {"text", "x"}, {"host", "ns"}});
     },
     "t.json: /script/1/host: field not used by a note action (it takes at, action, text)"},
};

INSTANTIATE_TEST_SUITE_P(Scenario, ScenarioErrors, ::testing::ValuesIn(kCases),
                         [](const auto& info) { return std::string(info.param.name); });

// ---- the authoring guide's example --------------------------------------------------------

TEST(ScenarioLoad, ReadmeExampleLoads) {
  std::ifstream f(std::string(SMTPSIM_SOURCE_DIR) + "/lessons/README.md");
  ASSERT_TRUE(f.good());
  std::stringstream ss;
  ss << f.rdbuf();
  const std::string md = ss.str();
  const auto start = md.find("```json\n");
  ASSERT_NE(start, std::string::npos);
  const auto end = md.find("```", start + 8);
  ASSERT_NE(end, std::string::npos);
  auto r = parse_scenario(md.substr(start + 8, end - start - 8), "README example");
  ASSERT_TRUE(std::holds_alternative<Spec>(r)) << std::get<LoadError>(r).message;
  const Spec& s = std::get<Spec>(r);
  EXPECT_FALSE(s.hosts.empty());
  EXPECT_FALSE(s.script.empty());
}

}  // namespace

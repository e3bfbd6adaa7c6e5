// Scenario writer (sim/scenario/save): load(save(spec)) == spec for every shipped scenario and
// for a file using every field the loader reads; actions added through the loader; atomic
// writes that leave nothing behind on failure.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "sim/scenario/load.hpp"
#include "sim/scenario/save.hpp"

namespace smtpsim::scenario {
namespace {

namespace fs = std::filesystem;

Spec must_parse(const std::string& text, const std::string& label = "t.json") {
  auto r = parse_scenario(text, label);
  if (auto* e = std::get_if<LoadError>(&r)) {
    ADD_FAILURE() << e->message << "\n" << text;
    return {};
  }
  return std::get<Spec>(r);
}

void expect_round_trip(const Spec& spec) {
  const std::string text = save_scenario(spec);
  Spec back = must_parse(text, spec.file);
  EXPECT_TRUE(back == spec) << text;
  // Saving the reloaded Spec gives the same bytes: the writer is deterministic.
  EXPECT_EQ(save_scenario(back), text);
}

TEST(ScenarioSave, EveryShippedScenarioRoundTrips) {
  int n = 0;
  for (const auto& entry :
       fs::directory_iterator(fs::path(SMTPSIM_SOURCE_DIR) / "lessons" / "scenarios")) {
    if (entry.path().extension() != ".json") continue;
    SCOPED_TRACE(entry.path().string());
    auto r = load_scenario(entry.path());
    ASSERT_TRUE(std::holds_alternative<Spec>(r)) << std::get<LoadError>(r).message;
    expect_round_trip(std::get<Spec>(r));
    ++n;
  }
  EXPECT_GE(n, 8);
}

// Every field and every action kind, with values that are not the defaults, and durations
// that need milliseconds and microseconds.
constexpr const char* kEverything = R"({
  "name": "everything", "title": "All fields", "description": "d", "seed": 42,
  "epoch_unix": 1700000000, "run_for": "3h",
  "queue": {"queue_run_delay": "2m", "minimal_backoff": "90s", "maximal_backoff": "1h",
            "maximal_queue_lifetime": "1d", "bounce_queue_lifetime": "2h", "delay_warning": "30m"},
  "hosts": [
    {"name": "laptop", "address": "192.0.2.10", "roles": ["MUA"], "latency": 0.0123456,
     "mua": {"address": "alice@example.com", "password": "pw", "submit_to": "mail.example.com",
             "port": 465, "retrieve_from": "mail.example.com", "protocol": "pop3",
             "retrieve_port": 995, "keep_on_server": false, "device": "phone"},
     "position": [12.5, -3.25]},
    {"name": "sender", "address": "192.0.2.11", "roles": ["MUA"],
     "mua": {"address": "bob@example.com", "submit_to": "mail.example.com", "port": 25,
             "hello": "HELO"}},
    {"name": "mail.example.com", "address": "203.0.113.25", "roles": ["MSA", "MTA", "MDA"],
     "domains": ["example.com", "example.org"], "users": {"alice": "pw", "Bob": "b"},
     "queue": {"minimal_backoff": "2m", "delay_warning": null}, "mailbox_quota": 5000,
     "dns_server": "ns1"},
    {"name": "ns1", "address": "198.51.100.53", "roles": ["DNS"]},
    {"name": "ns2", "address": "198.51.100.54", "roles": ["DNS"]},
    {"name": "backup", "address": "198.51.100.26", "roles": ["MTA"], "domains": ["example.net"],
     "dns_server": "ns2", "queue": {}}
  ],
  "dns": [
    {"name": "example.com", "type": "MX", "preference": 10, "value": "mail.example.com"},
    {"name": "example.org", "type": "MX", "preference": 0, "value": "."},
    {"name": "mail.example.com", "type": "A", "value": "203.0.113.25", "ttl": "5m"},
    {"name": "example.com", "type": "TXT", "value": "v=spf1 -all"}
  ],
  "script": [
    {"at": "1.5s", "action": "send", "host": "laptop", "to": ["bob@example.com"],
     "cc": "alice@example.com", "bcc": ["alice@example.com"], "subject": "Hi \u00e9", "body": "a\nb",
     "from": "alice@example.com"},
    {"at": "0.000001", "action": "note", "text": "first"},
    {"at": "2s", "action": "fetch", "host": "laptop"},
    {"at": "3s", "action": "read", "host": "laptop", "message": 2},
    {"at": "3s", "action": "delete", "host": "laptop", "message": "Hi"},
    {"at": "4s", "action": "host_down", "host": "backup"},
    {"at": "5s", "action": "host_up", "host": "backup"},
    {"at": "6s", "action": "service_down", "host": "mail.example.com", "port": 993},
    {"at": "7s", "action": "service_up", "host": "mail.example.com", "port": 993},
    {"at": "8s", "action": "link_cut", "host": "backup"},
    {"at": "9s", "action": "link_restored", "host": "backup"},
    {"at": "10s", "action": "latency", "host": "backup", "latency": "250ms"},
    {"at": "11s", "action": "dns_add", "record": {"name": "example.net", "type": "MX",
     "preference": 5, "value": "backup", "ttl": 60}},
    {"at": "12s", "action": "dns_remove", "host": "ns1", "record": {"name": "example.net",
     "type": "MX"}},
    {"at": "13s", "action": "dns_remove", "record": {"name": "example.com", "type": "TXT",
     "value": "v=spf1 -all"}},
    {"at": "14s", "action": "dns_servfail", "host": "ns2"},
    {"at": "15s", "action": "dns_recover", "host": "ns2"},
    {"at": "16s", "action": "mailbox_full", "host": "mail.example.com",
     "mailbox": "alice@example.com"},
    {"at": "17.000250s", "action": "mailbox_full", "host": "mail.example.com",
     "mailbox": "bob@example.org", "full": false},
    {"at": "18s", "action": "telnet", "host": "sender", "server": "mail.example.com",
     "port": 587, "lines": ["EHLO me", "hi\n.\nthere", "QUIT"]}
  ]
})";

TEST(ScenarioSave, EveryFieldAndActionKindRoundTrips) {
  const Spec spec = must_parse(kEverything);
  ASSERT_EQ(spec.script.size(), 20u);
  // The durations that need the finest units survive exactly.
  EXPECT_EQ(spec.script.front().at_us, 1);
  EXPECT_EQ(spec.script[18].at_us, 17'000'250);
  EXPECT_EQ(spec.hosts[0].latency_us, 12'346);
  expect_round_trip(spec);
  const std::string text = save_scenario(spec);
  EXPECT_NE(text.find("\"at\": \"17000.250ms\""), std::string::npos) << text;
  EXPECT_NE(text.find("\"at\": \"3s\""), std::string::npos) << text;
}

TEST(ScenarioSave, DefaultsAreLeftOut) {
  const Spec spec = must_parse(R"({"name": "tiny", "hosts": [
    {"name": "ns", "address": "192.0.2.53", "roles": ["DNS"]}]})");
  const std::string text = save_scenario(spec);
  EXPECT_EQ(text.find("queue"), std::string::npos) << text;
  EXPECT_EQ(text.find("latency"), std::string::npos) << text;
  EXPECT_EQ(text.find("run_for"), std::string::npos) << text;
  EXPECT_NE(text.find("\"title\": \"tiny\""), std::string::npos) << text;
  expect_round_trip(spec);
}

Spec shipped(const std::string& name) {
  auto r = load_scenario(fs::path(SMTPSIM_SOURCE_DIR) / "lessons" / "scenarios" / (name + ".json"));
  EXPECT_TRUE(std::holds_alternative<Spec>(r));
  return std::get<Spec>(r);
}

TEST(ScenarioSave, WithActionKeepsTimeOrderAndTheFileName) {
  const Spec spec = shipped("server-down-retry");
  Action a;
  a.kind = "host_down";
  a.host = "MAIL.example.com";  // the loader spells it as the host's name
  a.at_us = 1'000'000;          // the same time as the scripted send: after it
  auto r = with_action(spec, a);
  ASSERT_TRUE(std::holds_alternative<Spec>(r)) << std::get<LoadError>(r).message;
  const Spec& s = std::get<Spec>(r);
  EXPECT_EQ(s.file, spec.file);
  ASSERT_EQ(s.script.size(), spec.script.size() + 1);
  EXPECT_EQ(s.script[1].kind, "send");
  EXPECT_EQ(s.script[2].kind, "host_down");
  EXPECT_EQ(s.script[2].host, "mail.example.com");
}

TEST(ScenarioSave, WithActionRefusesWithTheLoadersSentence) {
  const Spec spec = shipped("server-down-retry");
  Action a;
  a.kind = "dns_remove";
  a.at_us = 5'000'000;
  a.record = DnsRecord{"example.org", "MX", 10, "nowhere.example.org", 0};
  auto r = with_action(spec, a);
  ASSERT_TRUE(std::holds_alternative<LoadError>(r));
  EXPECT_EQ(std::get<LoadError>(r).message,
            "/script/3/record: there is no MX example.org 10 nowhere.example.org record to "
            "remove at +0:00:05.000");
  Action late;
  late.kind = "host_up";
  late.host = "mx.example.net";
  late.at_us = spec.run_for_us + 1;
  r = with_action(spec, late);
  ASSERT_TRUE(std::holds_alternative<LoadError>(r));
  EXPECT_NE(std::get<LoadError>(r).message.find("after the end of the run"), std::string::npos)
      << std::get<LoadError>(r).message;
}

class AtomicWrite : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("smtpsim-save-" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) +
            "-" + ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::size_t files() const {
    return static_cast<std::size_t>(
        std::distance(fs::directory_iterator(dir_), fs::directory_iterator{}));
  }
  fs::path dir_;
};

TEST_F(AtomicWrite, WritesTheWholeFile) {
  EXPECT_EQ(write_file_atomically(dir_ / "a.json", "hello\n"), "");
  std::ifstream in(dir_ / "a.json");
  std::stringstream ss;
  ss << in.rdbuf();
  EXPECT_EQ(ss.str(), "hello\n");
  EXPECT_EQ(files(), 1u);  // no temporary file left
}

TEST_F(AtomicWrite, BadPathsGiveASentenceAndWriteNothing) {
  const std::string missing = write_file_atomically(dir_ / "no" / "such" / "x.txt", "data");
  EXPECT_EQ(missing, "cannot write " + (dir_ / "no" / "such" / "x.txt").string() +
                         ": No such file or directory");
  fs::create_directory(dir_ / "sub");
  const std::string onto_dir = write_file_atomically(dir_ / "sub", "data");
  EXPECT_NE(onto_dir.find("cannot write"), std::string::npos) << onto_dir;
  const std::string no_name = write_file_atomically(dir_ / "", "data");
  EXPECT_NE(no_name.find("no file name given"), std::string::npos) << no_name;
  EXPECT_EQ(files(), 1u);  // only "sub", still empty
  EXPECT_TRUE(fs::is_empty(dir_ / "sub"));
}

}  // namespace
}  // namespace smtpsim::scenario

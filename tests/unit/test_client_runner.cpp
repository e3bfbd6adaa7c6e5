// net::ClientRunner driving the SMTP client machine over a real loopback socket against a
// scripted server thread: the whole dialogue and its transcript, a silent server ending in
// the machine's timeout, a refused connection; and app::split_host_port.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "app/send_cmd.hpp"
#include "net/client_runner.hpp"
#include "sim/proto/smtp/client_session.hpp"

namespace smtpsim {
namespace {

namespace ce = smtp::client_event;
using Runner = net::ClientRunner<smtp::ClientSession, ce::NeedData, ce::StartTls, ce::Closed>;

// A listening socket on 127.0.0.1 with a kernel-chosen port.
struct Listener {
  int fd = -1;
  std::uint16_t port = 0;
  Listener() {
    fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
    EXPECT_EQ(::listen(fd, 4), 0);
    socklen_t len = sizeof a;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
    port = ntohs(a.sin_port);
  }
  ~Listener() {
    if (fd >= 0) ::close(fd);
  }
};

// Reads one CRLF-terminated line (blocking), "" at EOF.
std::string read_line(int fd) {
  std::string line;
  char c;
  while (::read(fd, &c, 1) == 1) {
    line.push_back(c);
    if (line.size() >= 2 && line.ends_with("\r\n")) return line;
  }
  return line;
}
void say(int fd, std::string_view s) {
  ASSERT_EQ(::write(fd, s.data(), s.size()), static_cast<ssize_t>(s.size()));
}

struct Outcome {
  std::vector<std::string> transcript;
  std::vector<smtp::MessageResult> done;
  std::vector<ce::Failed> failed;
  net::RunResult result;
};

Outcome run_client(std::uint16_t port, std::optional<std::chrono::milliseconds> timeout = {},
                   const std::string& host = "127.0.0.1") {
  Outcome r;
  smtp::ClientConfig cfg;
  cfg.helo_name = "client.test";
  smtp::ClientSession session(cfg);
  session.send(smtp::OutgoingMessage{
      "a@example.org", {"b@example.test"}, "Subject: t\r\n\r\n.dot\r\n", false});
  net::ClientTranscript transcript(host, port, "SMTP", [&](std::string_view line) {
    r.transcript.emplace_back(line.substr(line.find(' ') + 1));  // without the time
  });
  session.set_observer(&transcript);
  Runner runner(
      session, transcript, net::ClientTarget{host, port, false, nullptr},
      [&]() -> std::optional<std::chrono::milliseconds> {
        if (!session.current_timeout()) return std::nullopt;
        return timeout ? *timeout : std::chrono::milliseconds(*session.current_timeout());
      },
      [&](smtp::ClientEvent& ev) {
        if (auto* d = std::get_if<ce::MessageDone>(&ev)) r.done.push_back(d->result);
        if (auto* f = std::get_if<ce::Failed>(&ev)) r.failed.push_back(*f);
        if (std::holds_alternative<ce::Idle>(ev)) session.finish();
      });
  r.result = runner.run();
  return r;
}

TEST(ClientRunner, WholeDialogueOverARealSocket) {
  Listener l;
  std::vector<std::string> heard;
  std::thread server([&] {
    const int c = ::accept(l.fd, nullptr, nullptr);
    say(c, "220 mx.test ESMTP\r\n");
    heard.push_back(read_line(c));  // EHLO
    say(c, "250 mx.test\r\n");
    heard.push_back(read_line(c));  // MAIL
    say(c, "250 ok\r\n");
    heard.push_back(read_line(c));  // RCPT
    say(c, "250 ok\r\n");
    heard.push_back(read_line(c));  // DATA
    say(c, "354 go\r\n");
    std::string body;
    while (true) {
      std::string line = read_line(c);
      if (line.empty() || line == ".\r\n") break;
      body += line;
    }
    heard.push_back(body);
    say(c, "250 queued\r\n");
    heard.push_back(read_line(c));  // QUIT
    say(c, "221 bye\r\n");
    ::close(c);
  });
  const Outcome r = run_client(l.port);
  server.join();
  EXPECT_TRUE(r.result.connected);
  EXPECT_FALSE(r.result.timed_out);
  ASSERT_EQ(heard.size(), 6u);
  EXPECT_EQ(heard[0], "EHLO client.test\r\n");
  EXPECT_EQ(heard[1], "MAIL FROM:<a@example.org>\r\n");
  EXPECT_EQ(heard[4], "Subject: t\r\n\r\n..dot\r\n");  // dot-stuffed on the wire
  EXPECT_EQ(heard[5], "QUIT\r\n");
  ASSERT_EQ(r.done.size(), 1u);
  EXPECT_TRUE(r.done[0].all_delivered());
  EXPECT_TRUE(r.failed.empty());
  const std::string label = "smtpsim→127.0.0.1:" + std::to_string(l.port);
  ASSERT_GE(r.transcript.size(), 4u);
  EXPECT_EQ(r.transcript[0], "=== Trying 127.0.0.1:" + std::to_string(l.port) + "...\n");
  EXPECT_EQ(r.transcript[2], label + " <-  220 mx.test ESMTP\n");
  EXPECT_EQ(r.transcript[3], label + "  -> EHLO client.test\n");
  EXPECT_EQ(r.transcript.back(), label + " === connection closed\n");
}

TEST(ClientRunner, SilentServerEndsInTheMachinesTimeout) {
  Listener l;  // accepts (the kernel's backlog) and never says a word
  const Outcome r = run_client(l.port, std::chrono::milliseconds(200));
  EXPECT_TRUE(r.result.connected);
  EXPECT_TRUE(r.result.timed_out);
  ASSERT_EQ(r.failed.size(), 1u);
  EXPECT_EQ(r.failed[0].stage, smtp::ClientStage::Greeting);
  EXPECT_EQ(r.failed[0].reason, "timeout");
}

TEST(ClientRunner, ServerClosingAfterTheGreetingFailsTheSession) {
  Listener l;
  std::thread server([&] {
    const int c = ::accept(l.fd, nullptr, nullptr);
    say(c, "220 mx.test ESMTP\r\n");
    read_line(c);
    ::close(c);
  });
  const Outcome r = run_client(l.port);
  server.join();
  ASSERT_EQ(r.failed.size(), 1u);
  EXPECT_EQ(r.failed[0].stage, smtp::ClientStage::Helo);
  EXPECT_EQ(r.failed[0].reason, "connection closed by server");
  EXPECT_TRUE(r.done.empty());
}

TEST(ClientRunner, RefusedConnection) {
  std::uint16_t port;
  {
    Listener l;
    port = l.port;
  }  // closed: nobody listens there now
  const Outcome r = run_client(port);
  EXPECT_FALSE(r.result.connected);
  EXPECT_NE(r.result.connect_error.find("connection refused"), std::string::npos)
      << r.result.connect_error;
  EXPECT_TRUE(r.failed.empty());
  // An IPv6 peer is written [addr]:port (RFC 3986 §3.2.2), whether ::1 refuses or the
  // machine has no IPv6 at all.
  const Outcome v6 = run_client(port, {}, "::1");
  EXPECT_FALSE(v6.result.connected);
  if (v6.result.connect_error.rfind("no address for", 0) != 0) {  // AI_ADDRCONFIG: no IPv6
    EXPECT_NE(v6.result.connect_error.find("[::1]:" + std::to_string(port)), std::string::npos)
        << v6.result.connect_error;
  }
}

TEST(SplitHostPort, Forms) {
  using P = std::pair<std::string, std::uint16_t>;
  EXPECT_EQ(app::split_host_port("mx.example.com:2525", 25), (P{"mx.example.com", 2525}));
  EXPECT_EQ(app::split_host_port("mx.example.com", 25), (P{"mx.example.com", 25}));
  EXPECT_EQ(app::split_host_port("[::1]:587", 25), (P{"::1", 587}));
  EXPECT_EQ(app::split_host_port("[::1]", 465), (P{"::1", 465}));
  EXPECT_EQ(app::split_host_port("::1", 25), (P{"::1", 25}));
  EXPECT_FALSE(app::split_host_port("", 25));
  EXPECT_FALSE(app::split_host_port(":25", 25));
  EXPECT_FALSE(app::split_host_port("host:0", 25));
  EXPECT_FALSE(app::split_host_port("host:65536", 25));
  EXPECT_FALSE(app::split_host_port("host:2x", 25));
  EXPECT_FALSE(app::split_host_port("[::1", 25));
}

}  // namespace
}  // namespace smtpsim

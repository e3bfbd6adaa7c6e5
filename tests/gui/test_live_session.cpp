// Live mode end to end in one process (issue 7): a LiveSession serving the default scenario on
// real sockets, and a second one whose live panel sends to it -- the sim's SMTP client machine
// on "this computer" through the gateway, over real TCP on 127.0.0.1 with STARTTLS and AUTH.
// Both io_contexts are polled in turn from this one thread, as the window's frame loop does.
// Free ports: random offsets until every listener binds; XDG_DATA_HOME is a temp dir.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <unistd.h>
#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <optional>
#include <random>
#include <thread>

#include "gui/live_session.hpp"
#include "gui/view.hpp"
#include "sim/scenario/load.hpp"

namespace smtpsim::gui {
namespace {

namespace fs = std::filesystem;

scenario::Spec default_spec() {
  auto r =
      scenario::load_scenario(std::string(SMTPSIM_SOURCE_DIR) + "/lessons/scenarios/default.json");
  if (auto* e = std::get_if<scenario::LoadError>(&r)) ADD_FAILURE() << e->message;
  auto spec = std::get<scenario::Spec>(r);
  spec.script.clear();
  return spec;
}

struct Live {
  std::unique_ptr<View> view;
  LiveSession* session = nullptr;
  explicit Live(LiveOptions o) {
    view = std::make_unique<View>(default_spec(), std::nullopt, scenario::LiveHooks{});
    auto s = std::make_unique<LiveSession>(*view, std::move(o));
    s->start();
    session = s.get();
    view->attach_live(std::move(s));
  }
  void frame() {
    view->pump(0);
    view->tick(0.002);
  }
};

class LiveSessionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("smtpsim-live-session-" + std::to_string(::getpid()));
    fs::create_directories(dir_);
    if (const char* old = std::getenv("XDG_DATA_HOME")) old_ = old;
    ::setenv("XDG_DATA_HOME", dir_.c_str(), 1);
  }
  void TearDown() override {
    if (old_)
      ::setenv("XDG_DATA_HOME", old_->c_str(), 1);
    else
      ::unsetenv("XDG_DATA_HOME");
    fs::remove_all(dir_);
  }
  // The default scenario served on the first free offset found.
  std::unique_ptr<Live> serve(int& offset) {
    std::mt19937 rng(std::random_device{}());
    for (int attempt = 0; attempt < 30; ++attempt) {
      offset = std::uniform_int_distribution<int>(20, 58)(rng) * 1000 +
               std::uniform_int_distribution<int>(0, 900)(rng);
      LiveOptions o;
      o.port_offset = offset;
      try {
        return std::make_unique<Live>(o);
      } catch (const std::runtime_error&) {
        continue;  // a port was taken: another offset
      }
    }
    ADD_FAILURE() << "no free port offset";
    return nullptr;
  }
  fs::path dir_;
  std::optional<std::string> old_;
};

TEST_F(LiveSessionTest, PanelSendsThroughARealSocketWithStartTlsAndAuth) {
  int offset = 0;
  auto server = serve(offset);
  ASSERT_TRUE(server);
  EXPECT_NE(server->session->banner().find(fmt::format("127.0.0.1:{}", offset + 587)),
            std::string::npos);
  LiveOptions client_options;
  client_options.serve = false;
  Live client(client_options);

  LiveSendForm form;
  form.host = "127.0.0.1";
  form.port = std::to_string(offset + 587);
  form.tls = LiveTls::StartTls;  // verified against smtpsim's own certificate in XDG_DATA_HOME
  form.user = "alice";
  form.password = "alice";
  ASSERT_EQ(client.session->send(form), "");
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(90);
  while (client.session->send_outcome().empty() && std::chrono::steady_clock::now() < deadline) {
    server->frame();
    client.frame();
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  EXPECT_EQ(client.session->send_outcome().rfind("The real server accepted the message: 250", 0),
            0u)
      << client.session->send_outcome();

  // The client's trace: the handshake's result with the certificate's subject, and no password.
  const auto& ev = client.view->events();
  auto tls = std::find_if(ev.begin(), ev.end(), [](const trace::Event& e) {
    return e.kind == trace::EventKind::TlsStarted &&
           e.text.find("real TLS handshake done") != std::string::npos;
  });
  ASSERT_NE(tls, ev.end());
  EXPECT_NE(tls->text.find("CN=mail.example.com"), std::string::npos) << tls->text;
  EXPECT_NE(tls->text.find("verified"), std::string::npos) << tls->text;
  EXPECT_EQ(tls->host, "this computer");
  EXPECT_EQ(tls->peer, "real server 127.0.0.1");
  for (const auto& e : ev) EXPECT_EQ(e.text.find("AGFsaWNlAGFsaWNl"), std::string::npos) << e.text;
  // Both sides drew the other as a real host.
  const auto& extra = client.view->extra_hosts();
  ASSERT_EQ(extra.size(), 2u);
  EXPECT_EQ(extra[0].name, "this computer");
  EXPECT_FALSE(extra[0].real);
  EXPECT_EQ(extra[1].name, "real server 127.0.0.1");
  EXPECT_TRUE(extra[1].real);
  EXPECT_FALSE(extra[1].client);
  ASSERT_FALSE(server->view->extra_hosts().empty());
  EXPECT_EQ(server->view->extra_hosts()[0].name.rfind("external client 127.0.0.1:", 0), 0u);
  EXPECT_GE(server->session->status().accepted, 1u);
}

TEST_F(LiveSessionTest, ImplicitTlsHandshakesBeforeTheGreeting) {
  int offset = 0;
  auto server = serve(offset);
  ASSERT_TRUE(server);
  LiveOptions client_options;
  client_options.serve = false;
  Live client(client_options);
  LiveSendForm form;
  form.port = std::to_string(offset + 465);  // SMTPS (RFC 8314)
  form.tls = LiveTls::Implicit;
  form.user = "bob";
  form.password = "bob";
  form.from = "bob@example.com";
  form.to = "alice@example.com";
  ASSERT_EQ(client.session->send(form), "");
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(90);
  while (client.session->send_outcome().empty() && std::chrono::steady_clock::now() < deadline) {
    server->frame();
    client.frame();
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  EXPECT_EQ(client.session->send_outcome().rfind("The real server accepted the message: 250", 0),
            0u)
      << client.session->send_outcome();
  // The handshake is traced before the first line, and every line is inside TLS.
  const auto& ev = client.view->events();
  auto tls = std::find_if(ev.begin(), ev.end(), [](const trace::Event& e) {
    return e.kind == trace::EventKind::TlsStarted;
  });
  auto first_line = std::find_if(
      ev.begin(), ev.end(), [](const trace::Event& e) { return e.kind == trace::EventKind::Line; });
  ASSERT_NE(tls, ev.end());
  ASSERT_NE(first_line, ev.end());
  EXPECT_LT(tls, first_line);
  for (const auto& e : ev) {
    if (e.kind == trace::EventKind::Line) {
      EXPECT_TRUE(e.tls) << e.text;
    }
  }
}

TEST_F(LiveSessionTest, AnUntrustedCertificateStopsTheSessionAndSaysWhy) {
  int offset = 0;
  auto server = serve(offset);
  ASSERT_TRUE(server);
  // The server keeps its certificate in memory; without the file the client trusts only the
  // system's CAs, which never signed it.
  fs::remove(dir_ / "smtpsim" / "tls" / "cert.pem");
  LiveOptions client_options;
  client_options.serve = false;
  Live client(client_options);
  LiveSendForm form;
  form.port = std::to_string(offset + 587);
  form.user = "alice";
  form.password = "alice";
  ASSERT_EQ(client.session->send(form), "");
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(90);
  while (client.session->send_outcome().empty() && std::chrono::steady_clock::now() < deadline) {
    server->frame();
    client.frame();
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  const std::string said = client.session->send_outcome();
  EXPECT_EQ(
      said.rfind("Nothing was sent: TLS handshake failed: certificate verification failed", 0), 0u)
      << said;
  const auto& ev = client.view->events();
  EXPECT_TRUE(std::any_of(ev.begin(), ev.end(), [](const trace::Event& e) {
    return e.kind == trace::EventKind::Note &&
           e.text.find("certificate verification failed") != std::string::npos;
  })) << "the reason is in the transcript";
  for (const auto& e : ev) EXPECT_NE(e.text.rfind("AUTH", 0), 0u) << "no AUTH outside TLS";
}

TEST_F(LiveSessionTest, ARefusedConnectionIsOneSentence) {
  LiveOptions o;
  o.serve = false;
  Live client(o);
  // A port nobody listens on: bind one, read its number, close it.
  boost::asio::io_context io;
  boost::asio::ip::tcp::acceptor a(io, {boost::asio::ip::make_address("127.0.0.1"), 0});
  const auto port = a.local_endpoint().port();
  a.close();
  LiveSendForm form;
  form.port = std::to_string(port);
  form.tls = LiveTls::None;
  ASSERT_EQ(client.session->send(form), "");
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (client.session->send_outcome().empty() && std::chrono::steady_clock::now() < deadline) {
    client.frame();
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  EXPECT_EQ(client.session->send_outcome(),
            fmt::format("connection refused by real server 127.0.0.1:{}.", port));
}

}  // namespace
}  // namespace smtpsim::gui

// A MUA that is a web browser on its provider's webmail site (seed 002: "webmail ...
// typically send[s] email with HTTP (since that is what browsers use)"). It never speaks
// SMTP, POP3 or IMAP: it logs in with a form (POST /login; the password is redacted in every
// trace), posts what the user wrote (POST /send) and asks for pages (GET /inbox,
// GET /message/N). The mail stays on the provider's servers: the device keeps only the last
// inbox page it was shown. One HTTPS connection (port 443, simulated TLS) carries a batch
// of pages and closes when they are all answered, as a browser's idle connection would.
// Trusts its settings (the scenario); the site's bytes go through the HTTP client machine.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "sim/nodes/world.hpp"

namespace smtpsim::nodes {

struct Draft;
struct MessageChoice;

struct BrowserConfig {
  engine::HostId site = -1;    // the WEBMAIL front end's host
  std::uint16_t port = 443;    // https
  std::string address;         // the user's mail address (for the narration)
  std::string user, password;  // what the user types into the login form
};

class Browser {
 public:
  Browser(World& world, engine::HostId device, BrowserConfig cfg);
  ~Browser();
  void send(const Draft& d);
  void fetch();                           // show the inbox
  void read(const MessageChoice& which);  // open a message listed on the last inbox page
  // The last inbox page's lines, one per message: "<n>  <unread|read>  <from>  <subject>".
  const std::vector<std::string>& inbox_page() const { return inbox_; }
  std::size_t pages_shown() const { return shown_; }

 private:
  struct Page {
    std::string method, target, body;
    std::string what;  // narration: "sending \"Lunch\"", "opening the inbox"
  };
  class Conn;
  void open(Page p);
  void connect();
  void issue_waiting(Conn& conn);  // sends every waiting page on `conn` (logged in)
  void on_response(const Page& p, int status, const std::string& body);
  void note(std::string text, bool error = false);

  World& world_;
  engine::HostId device_;
  BrowserConfig cfg_;
  std::string cookie_;                                    // "session=..." once logged in
  std::deque<Page> waiting_;                              // pages for the next connection
  std::map<std::uint64_t, std::unique_ptr<Conn>> conns_;  // by generation
  std::uint64_t generation_ = 0;
  Conn* current_ = nullptr;  // the connection new pages go on (not finishing)
  std::vector<std::string> inbox_;
  std::size_t shown_ = 0;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace smtpsim::nodes

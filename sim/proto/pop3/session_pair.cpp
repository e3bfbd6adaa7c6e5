// In-memory POP3 client <-> server pump (the same shape as the SMTP one).
#include "sim/proto/pop3/session_pair.hpp"

namespace smtpsim::pop3 {

PairResult run_session_pair(ClientSession& client, ServerSession& server,
                            const std::map<std::string, std::string>& secrets) {
  PairResult result;
  bool server_closed = false, client_closed = false;
  server.start();
  client.start();
  while (!(server_closed && client_closed)) {
    bool progress = false;
    std::string to_client = server.take_output();
    if (!to_client.empty()) {
      progress = true;
      if (!client_closed) client.receive(to_client);
    }
    if (server_closed && !client_closed) client.receive_eof();
    while (!client_closed) {
      ClientEvent ev = client.next_event();
      if (auto* m = std::get_if<client_event::Message>(&ev)) {
        result.messages.push_back(std::move(*m));
      } else if (auto* d = std::get_if<client_event::Done>(&ev)) {
        result.done = *d;
      } else if (std::holds_alternative<client_event::StartTls>(ev)) {
        client.tls_established();
      } else if (auto* f = std::get_if<client_event::Failed>(&ev)) {
        result.failure = std::move(*f);
      } else if (std::holds_alternative<client_event::Closed>(ev)) {
        client_closed = true;
      } else {
        break;  // NeedData
      }
      progress = true;
    }
    std::string to_server = client.take_output();
    if (!to_server.empty()) {
      progress = true;
      if (!server_closed) server.receive(to_server);
    }
    if (client_closed && !server_closed) server.receive_eof();
    while (!server_closed) {
      ServerEvent ev = server.next_event();
      if (auto* a = std::get_if<server_event::Auth>(&ev)) {
        auto it = secrets.find(a->user);
        if (it != secrets.end() && a->password_matches(it->second)) {
          server.accept();
        } else {
          server.reject();
        }
      } else if (auto* u = std::get_if<server_event::Update>(&ev)) {
        result.expunged = std::move(u->deleted);
      } else if (std::holds_alternative<server_event::StartTls>(ev)) {
        server.tls_established();
      } else if (std::holds_alternative<server_event::Closed>(ev)) {
        server_closed = true;
      } else {
        break;  // NeedData
      }
      progress = true;
    }
    if (!progress) {
      result.stalled = true;
      break;
    }
  }
  return result;
}

}  // namespace smtpsim::pop3

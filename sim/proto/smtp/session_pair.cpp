// In-memory client <-> server pump.
#include "sim/proto/smtp/session_pair.hpp"

namespace smtpsim::smtp {

PairResult run_session_pair(ClientSession& client, ServerSession& server, ServerPolicy& policy) {
  PairResult result;
  bool server_closed = false, client_closed = false;
  server.start();
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
      if (auto* done = std::get_if<client_event::MessageDone>(&ev)) {
        result.messages.push_back(std::move(done->result));
        progress = true;
      } else if (std::holds_alternative<client_event::Idle>(ev)) {
        client.finish();
        progress = true;
      } else if (std::holds_alternative<client_event::StartTls>(ev)) {
        client.tls_established();
        progress = true;
      } else if (auto* f = std::get_if<client_event::Failed>(&ev)) {
        result.failure = std::move(*f);
        progress = true;
      } else if (std::holds_alternative<client_event::Closed>(ev)) {
        client_closed = true;
        progress = true;
      } else {
        break;  // NeedData
      }
    }
    std::string to_server = client.take_output();
    if (!to_server.empty()) {
      progress = true;
      if (!server_closed) server.receive(to_server);
    }
    if (client_closed && !server_closed) server.receive_eof();
    while (!server_closed) {
      ServerEvent ev = drive(server, policy);
      if (std::holds_alternative<server_event::Closed>(ev)) {
        server_closed = true;
        progress = true;
      } else if (std::holds_alternative<server_event::StartTls>(ev)) {
        server.tls_established();
        progress = true;
      } else {
        break;
      }
    }
    if (!progress) {
      result.stalled = true;
      break;
    }
  }
  return result;
}

}  // namespace smtpsim::smtp

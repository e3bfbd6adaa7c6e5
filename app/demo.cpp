// The demo session: alice@example.net's provider relays one message with two recipients and
// a line that needs dot-stuffing to mail.example.com, where one recipient does not exist.
#include "app/demo.hpp"

#include <fmt/format.h>

#include "sim/proto/smtp/session_pair.hpp"
#include "sim/trace/transcript.hpp"

namespace smtpsim::app {

std::string demo_transcript() {
  smtp::ServerConfig scfg;
  scfg.hostname = "mail.example.com";
  scfg.client_address = "192.0.2.67";
  smtp::ServerSession server(scfg);
  smtp::StaticPolicy policy;
  policy.local_domains = {"example.com"};
  policy.mailboxes = {"bob@example.com", "carol@example.com"};
  std::size_t stored = 0;
  policy.deliver = [&](const smtp::ServerSession&, const smtp::Transaction&) {
    return std::optional<smtp::Reply>(
        smtp::Reply{250, "2.0.0", fmt::format("Ok: queued as 4F2A{:02}", ++stored)});
  };

  smtp::ClientConfig ccfg;
  ccfg.helo_name = "mail.example.net";
  smtp::ClientSession client(ccfg);
  trace::Transcript t;
  client.set_observer(&t);
  client.send({"alice@example.net",
               {"bob@example.com", "dave@example.com"},
               "From: Alice <alice@example.net>\n"
               "To: Bob <bob@example.com>, Dave <dave@example.com>\n"
               "Date: Fri, 06 May 2025 12:23:20 +0000\n"
               "Subject: Re: The Cake\n"
               "\n"
               "Do not forget to bring the cake!\n"
               ".\n"
               "(That line above was a lone dot: the client sent it as \"..\".)\n",
               false});
  t.info("Trying mail.example.com [203.0.113.25] port 25 (the MX of example.com)...");
  t.info("Connected to mail.example.com.");
  const auto result = smtp::run_session_pair(client, server, policy);
  t.info("Connection closed.");
  for (const auto& m : result.messages) {
    for (const auto& r : m.recipients) {
      const char* what = r.status == smtp::RecipientStatus::Accepted    ? "delivered"
                         : r.status == smtp::RecipientStatus::Temporary ? "deferred (will retry)"
                                                                        : "bounced";
      t.info(fmt::format("<{}>: {} — {}", r.address, what, r.reply.summary()));
    }
  }
  if (result.failure) t.error(result.failure->reason);
  return t.render();
}

}  // namespace smtpsim::app

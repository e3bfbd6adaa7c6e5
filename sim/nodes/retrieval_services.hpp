// The MDA's reading side on the virtual network: POP3 on 110 (STLS) and 995 (implicit TLS),
// IMAP on 143 (STARTTLS) and 993 (implicit TLS), one machine per accepted connection, all on
// the MDA's one mail store. Logins are checked against the MDA's users; every change to the
// store wakes the IMAP sessions of that user, so an IDLE client hears of it at once
// (RFC 2177) and a second device sees the first one's flags and deletions (RFC 3501 §5.2).
// Trusts the machines for protocol and the MDA for who may log in.
#pragma once

#include <cstdint>
#include <map>
#include <memory>

#include "sim/nodes/mda.hpp"

namespace smtpsim::nodes {

enum class RetrievalProtocol { Pop3, Imap };

class RetrievalService : public engine::Listener {
 public:
  // port 995 / 993: implicit TLS (RFC 8314); 110 / 143: STLS / STARTTLS offered.
  RetrievalService(World& world, Mda& mda, RetrievalProtocol protocol, std::uint16_t port);
  ~RetrievalService() override;
  engine::ConnectionHandler* accept(engine::ConnId id, engine::HostId from) override;
  std::size_t open_sessions() const { return conns_.size(); }

  class Conn;  // one session (retrieval_services.cpp)

 private:
  void forget(engine::ConnId id);
  void store_changed(const mail::StoreChange& c);

  World& world_;
  Mda& mda_;
  RetrievalProtocol protocol_;
  std::uint16_t port_;
  std::map<engine::ConnId, std::unique_ptr<Conn>> conns_;
  std::uint64_t nonce_ = 0;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace smtpsim::nodes

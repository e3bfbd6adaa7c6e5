// The SMTP client machine as data (DESIGN.md ideas 2 and 3): its states with captions and its
// transitions. render_dot() draws this table and ClientSession::enter() obeys it.
#include "sim/proto/smtp/client_session.hpp"

namespace smtpsim::smtp {

namespace {
using S = ClientState;
constexpr int I(S s) {
  return static_cast<int>(s);
}

constexpr proto::StateInfo kStates[] = {
    {I(S::Greeting), "GREETING", "waiting for the greeting"},
    {I(S::Ehlo), "EHLO", "waiting for the EHLO reply"},
    {I(S::Helo), "HELO", "waiting for the HELO reply"},
    {I(S::StartTls), "STARTTLS", "waiting for the STARTTLS reply"},
    {I(S::TlsHandshake), "TLS", "TLS handshake in progress"},
    {I(S::Auth), "AUTH", "SASL exchange in progress"},
    {I(S::Idle), "IDLE", "nothing to send, connection open"},
    {I(S::Mail), "MAIL", "waiting for the MAIL reply"},
    {I(S::Rcpt), "RCPT", "waiting for the RCPT replies"},
    {I(S::Data), "DATA", "waiting for 354 to DATA"},
    {I(S::Body), "BODY", "message sent, waiting for the reply to the final \".\""},
    {I(S::Rset), "RSET", "waiting for the RSET reply"},
    {I(S::Quit), "QUIT", "waiting for 221 to QUIT"},
    {I(S::Closed), "CLOSED", "connection closed"},
};

// clang-format off
constexpr proto::TransitionRule kTransitions[] = {
    // greeting and hello (RFC 5321 §3.1, §4.1.1.1)
    {I(S::Greeting), I(S::Ehlo), "220 greeting"},
    {I(S::Greeting), I(S::Helo), "220 greeting"},
    {I(S::Greeting), I(S::Quit), "greeting refused"},
    {I(S::Ehlo), I(S::StartTls), "EHLO 250"},
    {I(S::Ehlo), I(S::Auth), "EHLO 250"},
    {I(S::Ehlo), I(S::Idle), "EHLO 250"},
    {I(S::Ehlo), I(S::Mail), "EHLO 250"},
    {I(S::Ehlo), I(S::Quit), "EHLO 250"},
    {I(S::Ehlo), I(S::Helo), "EHLO 5xx"},
    {I(S::Ehlo), I(S::Quit), "EHLO refused"},
    {I(S::Ehlo), I(S::Quit), "STARTTLS not offered"},
    {I(S::Ehlo), I(S::Quit), "AUTH not offered"},
    {I(S::Ehlo), I(S::Quit), "unexpected reply"},
    {I(S::Helo), I(S::Idle), "HELO 250"},
    {I(S::Helo), I(S::Mail), "HELO 250"},
    {I(S::Helo), I(S::Quit), "HELO 250"},
    {I(S::Helo), I(S::Quit), "HELO refused"},
    {I(S::Helo), I(S::Quit), "STARTTLS not offered"},
    {I(S::Helo), I(S::Quit), "AUTH not offered"},
    {I(S::Helo), I(S::Quit), "unexpected reply"},
    // STARTTLS (RFC 3207)
    {I(S::StartTls), I(S::TlsHandshake), "STARTTLS 220"},
    {I(S::StartTls), I(S::Auth), "STARTTLS refused"},
    {I(S::StartTls), I(S::Idle), "STARTTLS refused"},
    {I(S::StartTls), I(S::Mail), "STARTTLS refused"},
    {I(S::StartTls), I(S::Quit), "STARTTLS refused"},
    {I(S::StartTls), I(S::Quit), "AUTH not offered"},
    {I(S::StartTls), I(S::Quit), "unexpected reply"},
    {I(S::TlsHandshake), I(S::Ehlo), "TLS established"},
    // AUTH (RFC 4954)
    {I(S::Auth), I(S::Idle), "235 authenticated"},
    {I(S::Auth), I(S::Mail), "235 authenticated"},
    {I(S::Auth), I(S::Quit), "235 authenticated"},
    {I(S::Auth), I(S::Quit), "AUTH refused"},
    {I(S::Auth), I(S::Quit), "unexpected reply"},
    // the owner's moves
    {I(S::Idle), I(S::Mail), "send"},
    {I(S::Idle), I(S::Quit), "finish"},
    // mail transactions (RFC 5321 §3.3, RFC 2920)
    {I(S::Mail), I(S::Rcpt), "MAIL 250"},
    {I(S::Mail), I(S::Rcpt), "MAIL refused"},
    {I(S::Mail), I(S::Rset), "MAIL refused"},
    {I(S::Mail), I(S::Quit), "unexpected reply"},
    {I(S::Rcpt), I(S::Data), "last RCPT reply"},
    {I(S::Rcpt), I(S::Rset), "no recipient accepted"},
    {I(S::Rcpt), I(S::Rset), "recipient refused"},
    {I(S::Rcpt), I(S::Quit), "unexpected reply"},
    {I(S::Data), I(S::Body), "DATA 354"},
    {I(S::Data), I(S::Body), "354 without recipients"},
    {I(S::Data), I(S::Rset), "DATA refused"},
    {I(S::Data), I(S::Quit), "unexpected reply"},
    {I(S::Body), I(S::Idle), "final reply"},
    {I(S::Body), I(S::Mail), "final reply"},
    {I(S::Body), I(S::Quit), "final reply"},
    {I(S::Body), I(S::Rset), "final reply"},
    {I(S::Body), I(S::Quit), "unexpected reply"},
    {I(S::Rset), I(S::Idle), "RSET 250"},
    {I(S::Rset), I(S::Mail), "RSET 250"},
    {I(S::Rset), I(S::Quit), "RSET 250"},
    {I(S::Rset), I(S::Quit), "RSET refused"},
    {I(S::Quit), I(S::Closed), "221 closing"},
    {I(S::Quit), I(S::Closed), "QUIT reply"},
    // the server closes: 421 may come as the reply to any command (RFC 5321 §3.8)
    {I(S::Greeting), I(S::Closed), "421 closing"},
    {I(S::Ehlo), I(S::Closed), "421 closing"},
    {I(S::Helo), I(S::Closed), "421 closing"},
    {I(S::StartTls), I(S::Closed), "421 closing"},
    {I(S::Auth), I(S::Closed), "421 closing"},
    {I(S::Idle), I(S::Closed), "421 closing"},
    {I(S::Mail), I(S::Closed), "421 closing"},
    {I(S::Rcpt), I(S::Closed), "421 closing"},
    {I(S::Data), I(S::Closed), "421 closing"},
    {I(S::Body), I(S::Closed), "421 closing"},
    {I(S::Rset), I(S::Closed), "421 closing"},
    {I(S::Quit), I(S::Closed), "421 closing"},
    // the connection ends
    {I(S::Greeting), I(S::Closed), "connection closed"},
    {I(S::Ehlo), I(S::Closed), "connection closed"},
    {I(S::Helo), I(S::Closed), "connection closed"},
    {I(S::StartTls), I(S::Closed), "connection closed"},
    {I(S::TlsHandshake), I(S::Closed), "connection closed"},
    {I(S::Auth), I(S::Closed), "connection closed"},
    {I(S::Idle), I(S::Closed), "connection closed"},
    {I(S::Mail), I(S::Closed), "connection closed"},
    {I(S::Rcpt), I(S::Closed), "connection closed"},
    {I(S::Data), I(S::Closed), "connection closed"},
    {I(S::Body), I(S::Closed), "connection closed"},
    {I(S::Rset), I(S::Closed), "connection closed"},
    {I(S::Quit), I(S::Closed), "connection closed"},
    // the driver's deadline (RFC 5321 §4.5.3.2)
    {I(S::Greeting), I(S::Closed), "timeout"},
    {I(S::Ehlo), I(S::Closed), "timeout"},
    {I(S::Helo), I(S::Closed), "timeout"},
    {I(S::StartTls), I(S::Closed), "timeout"},
    {I(S::TlsHandshake), I(S::Closed), "timeout"},
    {I(S::Auth), I(S::Closed), "timeout"},
    {I(S::Idle), I(S::Closed), "timeout"},
    {I(S::Mail), I(S::Closed), "timeout"},
    {I(S::Rcpt), I(S::Closed), "timeout"},
    {I(S::Data), I(S::Closed), "timeout"},
    {I(S::Body), I(S::Closed), "timeout"},
    {I(S::Rset), I(S::Closed), "timeout"},
    {I(S::Quit), I(S::Closed), "timeout"},
    // the server does not speak SMTP, or is out of step: no QUIT, the stream is unusable
    {I(S::Greeting), I(S::Closed), "malformed reply"},
    {I(S::Ehlo), I(S::Closed), "malformed reply"},
    {I(S::Helo), I(S::Closed), "malformed reply"},
    {I(S::StartTls), I(S::Closed), "malformed reply"},
    {I(S::Auth), I(S::Closed), "malformed reply"},
    {I(S::Idle), I(S::Closed), "malformed reply"},
    {I(S::Mail), I(S::Closed), "malformed reply"},
    {I(S::Rcpt), I(S::Closed), "malformed reply"},
    {I(S::Data), I(S::Closed), "malformed reply"},
    {I(S::Body), I(S::Closed), "malformed reply"},
    {I(S::Rset), I(S::Closed), "malformed reply"},
    {I(S::Quit), I(S::Closed), "malformed reply"},
    {I(S::Ehlo), I(S::Closed), "unsolicited reply"},
    {I(S::Helo), I(S::Closed), "unsolicited reply"},
    {I(S::StartTls), I(S::Closed), "unsolicited reply"},
    {I(S::Auth), I(S::Closed), "unsolicited reply"},
    {I(S::Idle), I(S::Closed), "unsolicited reply"},
    {I(S::Mail), I(S::Closed), "unsolicited reply"},
    {I(S::Rcpt), I(S::Closed), "unsolicited reply"},
    {I(S::Data), I(S::Closed), "unsolicited reply"},
    {I(S::Body), I(S::Closed), "unsolicited reply"},
    {I(S::Rset), I(S::Closed), "unsolicited reply"},
    {I(S::Quit), I(S::Closed), "unsolicited reply"},
};
// clang-format on

const proto::MachineSpec kSpec{"SMTP client", kStates, kTransitions};
}  // namespace

const proto::MachineSpec& client_machine_spec() {
  return kSpec;
}

std::string_view stage_name(ClientStage s) {
  switch (s) {
    case ClientStage::Greeting:
      return "greeting";
    case ClientStage::Helo:
      return "HELO/EHLO";
    case ClientStage::StartTls:
      return "STARTTLS";
    case ClientStage::Auth:
      return "AUTH";
    case ClientStage::Mail:
      return "MAIL";
    case ClientStage::Rcpt:
      return "RCPT";
    case ClientStage::Data:
      return "DATA";
    case ClientStage::Body:
      return "end of data";
    case ClientStage::Quit:
      return "QUIT";
    case ClientStage::Connection:
      return "connection";
  }
  return "connection";
}

}  // namespace smtpsim::smtp

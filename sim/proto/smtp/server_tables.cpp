// The SMTP server's states and transitions as data: the machine checks every move against
// this table, and render_dot() draws the state diagram from it (DESIGN.md idea 2).
#include "sim/proto/smtp/server_session.hpp"

namespace smtpsim::smtp {

namespace {
using S = ServerState;
constexpr int I(S s) {
  return static_cast<int>(s);
}

constexpr proto::StateInfo kStates[] = {
    {I(S::Connect), "CONNECT", "connected, greeting not sent"},
    {I(S::Greeted), "GREETED", "waiting for HELO/EHLO"},
    {I(S::Ready), "READY", "waiting for MAIL"},
    {I(S::Mail), "MAIL", "waiting for RCPT"},
    {I(S::Rcpt), "RCPT", "waiting for RCPT or DATA"},
    {I(S::Data), "DATA", "reading the message until <CRLF>.<CRLF>"},
    {I(S::Auth), "AUTH", "SASL exchange in progress"},
    {I(S::Closed), "CLOSED", "connection closed"},
};

// clang-format off
constexpr proto::TransitionRule kTransitions[] = {
    {I(S::Connect), I(S::Greeted), "220 greeting"},
    {I(S::Connect), I(S::Closed), "421 refused"},
    {I(S::Greeted), I(S::Ready), "EHLO 250"},
    {I(S::Greeted), I(S::Ready), "HELO 250"},
    {I(S::Mail), I(S::Ready), "EHLO 250"},
    {I(S::Mail), I(S::Ready), "HELO 250"},
    {I(S::Rcpt), I(S::Ready), "EHLO 250"},
    {I(S::Rcpt), I(S::Ready), "HELO 250"},
    {I(S::Ready), I(S::Mail), "MAIL 250"},
    {I(S::Mail), I(S::Rcpt), "RCPT 250"},
    {I(S::Rcpt), I(S::Data), "DATA 354"},
    {I(S::Data), I(S::Ready), "end of data"},
    {I(S::Mail), I(S::Ready), "RSET"},
    {I(S::Rcpt), I(S::Ready), "RSET"},
    {I(S::Ready), I(S::Auth), "AUTH"},
    {I(S::Auth), I(S::Ready), "235 authenticated"},
    {I(S::Auth), I(S::Ready), "AUTH failed"},
    {I(S::Ready), I(S::Greeted), "STARTTLS 220"},
    {I(S::Greeted), I(S::Closed), "QUIT 221"},
    {I(S::Ready), I(S::Closed), "QUIT 221"},
    {I(S::Mail), I(S::Closed), "QUIT 221"},
    {I(S::Rcpt), I(S::Closed), "QUIT 221"},
    {I(S::Greeted), I(S::Closed), "221 not SMTP"},
    {I(S::Ready), I(S::Closed), "221 not SMTP"},
    {I(S::Mail), I(S::Closed), "221 not SMTP"},
    {I(S::Rcpt), I(S::Closed), "221 not SMTP"},
    {I(S::Greeted), I(S::Closed), "554 protocol synchronization"},
    {I(S::Ready), I(S::Closed), "554 protocol synchronization"},
    {I(S::Mail), I(S::Closed), "554 protocol synchronization"},
    {I(S::Rcpt), I(S::Closed), "554 protocol synchronization"},
    {I(S::Greeted), I(S::Closed), "421 too many errors"},
    {I(S::Ready), I(S::Closed), "421 too many errors"},
    {I(S::Mail), I(S::Closed), "421 too many errors"},
    {I(S::Rcpt), I(S::Closed), "421 too many errors"},
    {I(S::Auth), I(S::Closed), "421 too many errors"},
    // A driver may time out or shut down a connection before it sent the greeting.
    {I(S::Connect), I(S::Closed), "421 timeout"},
    {I(S::Greeted), I(S::Closed), "421 timeout"},
    {I(S::Ready), I(S::Closed), "421 timeout"},
    {I(S::Mail), I(S::Closed), "421 timeout"},
    {I(S::Rcpt), I(S::Closed), "421 timeout"},
    {I(S::Data), I(S::Closed), "421 timeout"},
    {I(S::Auth), I(S::Closed), "421 timeout"},
    {I(S::Connect), I(S::Closed), "421 shutdown"},
    {I(S::Greeted), I(S::Closed), "421 shutdown"},
    {I(S::Ready), I(S::Closed), "421 shutdown"},
    {I(S::Mail), I(S::Closed), "421 shutdown"},
    {I(S::Rcpt), I(S::Closed), "421 shutdown"},
    {I(S::Data), I(S::Closed), "421 shutdown"},
    {I(S::Auth), I(S::Closed), "421 shutdown"},
    {I(S::Greeted), I(S::Closed), "connection lost"},
    {I(S::Ready), I(S::Closed), "connection lost"},
    {I(S::Mail), I(S::Closed), "connection lost"},
    {I(S::Rcpt), I(S::Closed), "connection lost"},
    {I(S::Data), I(S::Closed), "connection lost"},
    {I(S::Auth), I(S::Closed), "connection lost"},
};
// clang-format on

const proto::MachineSpec kSpec{"SMTP server", kStates, kTransitions};
}  // namespace

const proto::MachineSpec& server_machine_spec() {
  return kSpec;
}

}  // namespace smtpsim::smtp

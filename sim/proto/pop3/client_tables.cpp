// The POP3 client's states and transitions as data: the machine checks every move against
// this table and render_dot() draws the diagram from it.
#include "sim/proto/pop3/client_session.hpp"

namespace smtpsim::pop3 {

namespace {
using S = ClientState;
constexpr int I(S s) {
  return static_cast<int>(s);
}

constexpr proto::StateInfo kStates[] = {
    {I(S::Greeting), "GREETING", "waiting for the +OK greeting"},
    {I(S::Capa), "CAPA", "asking for the capabilities"},
    {I(S::Stls), "STLS", "asked to start TLS"},
    {I(S::TlsHandshake), "TLS", "TLS handshake in progress"},
    {I(S::User), "USER", "sent the user name"},
    {I(S::Pass), "PASS", "sent the password"},
    {I(S::Apop), "APOP", "sent the APOP digest"},
    {I(S::Stat), "STAT", "asking how many messages there are"},
    {I(S::Uidl), "UIDL", "reading the unique-id listing"},
    {I(S::List), "LIST", "reading the scan listing"},
    {I(S::Retr), "RETR", "downloading a message"},
    {I(S::Dele), "DELE", "marking a message for deletion"},
    {I(S::Quit), "QUIT", "waiting for +OK to QUIT (deletions happen now)"},
    {I(S::Closed), "CLOSED", "connection closed"},
};

// clang-format off
constexpr proto::TransitionRule kTransitions[] = {
    {I(S::Greeting), I(S::Capa), "+OK greeting"},
    {I(S::Capa), I(S::Stls), "CAPA done"},
    {I(S::Capa), I(S::User), "CAPA done"},
    {I(S::Capa), I(S::Apop), "CAPA done"},
    {I(S::Stls), I(S::TlsHandshake), "STLS +OK"},
    {I(S::Stls), I(S::User), "STLS -ERR"},
    {I(S::Stls), I(S::Apop), "STLS -ERR"},
    {I(S::TlsHandshake), I(S::Capa), "TLS established"},
    {I(S::User), I(S::Pass), "USER +OK"},
    {I(S::Pass), I(S::Stat), "PASS +OK"},
    {I(S::Apop), I(S::Stat), "APOP +OK"},
    {I(S::Stat), I(S::Uidl), "STAT +OK"},
    {I(S::Stat), I(S::List), "STAT +OK"},
    {I(S::Stat), I(S::Quit), "STAT +OK"},
    {I(S::Uidl), I(S::List), "UIDL -ERR"},
    {I(S::Uidl), I(S::List), "UIDL done"},  // headers_only: LIST for the sizes
    {I(S::Uidl), I(S::Retr), "UIDL done"},
    {I(S::Uidl), I(S::Quit), "UIDL done"},
    {I(S::List), I(S::Retr), "LIST done"},
    {I(S::List), I(S::Quit), "LIST done"},
    {I(S::Retr), I(S::Dele), "RETR done"},
    {I(S::Retr), I(S::Quit), "RETR done"},
    {I(S::Dele), I(S::Retr), "DELE done"},
    {I(S::Dele), I(S::Dele), "DELE done"},  // the next one is known: delete mode, no RETR
    {I(S::Uidl), I(S::Dele), "UIDL done"},
    {I(S::List), I(S::Dele), "LIST done"},
    {I(S::Dele), I(S::Quit), "DELE done"},
    {I(S::Quit), I(S::Closed), "QUIT +OK"},
    {I(S::Quit), I(S::Closed), "QUIT reply"},
    // Failures: QUIT when the link is still in step, otherwise just close.
    {I(S::Capa), I(S::Quit), "failed"},
    {I(S::Stls), I(S::Quit), "failed"},
    {I(S::User), I(S::Quit), "failed"},
    {I(S::Pass), I(S::Quit), "failed"},
    {I(S::Apop), I(S::Quit), "failed"},
    {I(S::Stat), I(S::Quit), "failed"},
    {I(S::Uidl), I(S::Quit), "failed"},
    {I(S::List), I(S::Quit), "failed"},
    {I(S::Retr), I(S::Quit), "failed"},
    {I(S::Dele), I(S::Quit), "failed"},
    {I(S::Greeting), I(S::Closed), "failed"},
    {I(S::Capa), I(S::Closed), "failed"},
    {I(S::Stls), I(S::Closed), "failed"},
    {I(S::TlsHandshake), I(S::Closed), "failed"},
    {I(S::User), I(S::Closed), "failed"},
    {I(S::Pass), I(S::Closed), "failed"},
    {I(S::Apop), I(S::Closed), "failed"},
    {I(S::Stat), I(S::Closed), "failed"},
    {I(S::Uidl), I(S::Closed), "failed"},
    {I(S::List), I(S::Closed), "failed"},
    {I(S::Retr), I(S::Closed), "failed"},
    {I(S::Dele), I(S::Closed), "failed"},
    {I(S::Quit), I(S::Closed), "failed"},
};
// clang-format on

const proto::MachineSpec kSpec{"POP3 client", kStates, kTransitions};
}  // namespace

const proto::MachineSpec& client_machine_spec() {
  return kSpec;
}

}  // namespace smtpsim::pop3

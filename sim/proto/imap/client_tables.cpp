// The IMAP client machine as data (DESIGN.md ideas 2 and 3): its states with captions and
// its transitions (RFC 3501 §3, figure "IMAP4rev1 connection and state diagram", plus the
// RFC 2177 IDLE sub-state). render_dot() draws this table; ClientSession::enter() obeys it.
#include "sim/proto/imap/client_session.hpp"

namespace smtpsim::imap {

namespace {
using S = ClientState;
constexpr int I(S s) {
  return static_cast<int>(s);
}

constexpr proto::StateInfo kStates[] = {
    {I(S::Connecting), "CONNECTING", "waiting for the greeting"},
    {I(S::NotAuthenticated), "NOT AUTHENTICATED", "asking for capabilities"},
    {I(S::StartingTls), "STARTTLS", "STARTTLS sent or TLS handshake in progress"},
    {I(S::Authenticating), "AUTHENTICATING", "LOGIN or AUTHENTICATE sent"},
    {I(S::Authenticated), "AUTHENTICATED", "logged in, no mailbox selected"},
    {I(S::Selected), "SELECTED", "a mailbox is selected"},
    {I(S::Idle), "IDLE", "idling: the server pushes changes (RFC 2177)"},
    {I(S::LoggingOut), "LOGOUT", "waiting for BYE and the tagged OK to LOGOUT"},
    {I(S::Closed), "CLOSED", "connection closed"},
};

// Every state but Closed can end the same ways.
#define SMTPSIM_IMAP_ENDINGS(from)                                                         \
  {I(from), I(S::Closed), "BYE"}, {I(from), I(S::Closed), "connection closed"},            \
      {I(from), I(S::Closed), "timeout"}, {I(from), I(S::Closed), "malformed response"}, { \
    I(from), I(S::Closed), "protocol violation"                                            \
  }

// clang-format off
constexpr proto::TransitionRule kTransitions[] = {
    // greeting (RFC 3501 §7.1.1, §7.1.4, §7.1.5)
    {I(S::Connecting), I(S::NotAuthenticated), "greeting OK"},
    {I(S::Connecting), I(S::Authenticated), "greeting PREAUTH"},
    {I(S::Connecting), I(S::LoggingOut), "failure"},
    // STARTTLS (RFC 3501 §6.2.1)
    {I(S::NotAuthenticated), I(S::StartingTls), "STARTTLS"},
    {I(S::StartingTls), I(S::NotAuthenticated), "TLS established"},
    {I(S::StartingTls), I(S::NotAuthenticated), "STARTTLS refused"},
    {I(S::StartingTls), I(S::LoggingOut), "failure"},
    // login (RFC 3501 §6.2.2, §6.2.3)
    {I(S::NotAuthenticated), I(S::Authenticating), "LOGIN"},
    {I(S::NotAuthenticated), I(S::Authenticating), "AUTHENTICATE"},
    {I(S::NotAuthenticated), I(S::LoggingOut), "failure"},
    {I(S::Authenticating), I(S::Authenticated), "logged in"},
    {I(S::Authenticating), I(S::LoggingOut), "failure"},
    // mailboxes (RFC 3501 §6.3.1, §6.3.2, §6.4.2)
    {I(S::Authenticated), I(S::Selected), "SELECT OK"},
    {I(S::Selected), I(S::Authenticated), "SELECT failed"},
    {I(S::Selected), I(S::Authenticated), "CLOSE OK"},
    // IDLE (RFC 2177)
    {I(S::Authenticated), I(S::Idle), "IDLE +"},
    {I(S::Selected), I(S::Idle), "IDLE +"},
    {I(S::Idle), I(S::Authenticated), "IDLE done"},
    {I(S::Idle), I(S::Selected), "IDLE done"},
    // LOGOUT (RFC 3501 §6.1.3)
    {I(S::Authenticated), I(S::LoggingOut), "LOGOUT"},
    {I(S::Selected), I(S::LoggingOut), "LOGOUT"},
    {I(S::LoggingOut), I(S::Closed), "LOGOUT complete"},
    // the server ends it, the connection drops, or the stream is unusable
    SMTPSIM_IMAP_ENDINGS(S::Connecting),
    SMTPSIM_IMAP_ENDINGS(S::NotAuthenticated),
    SMTPSIM_IMAP_ENDINGS(S::StartingTls),
    SMTPSIM_IMAP_ENDINGS(S::Authenticating),
    SMTPSIM_IMAP_ENDINGS(S::Authenticated),
    SMTPSIM_IMAP_ENDINGS(S::Selected),
    SMTPSIM_IMAP_ENDINGS(S::Idle),
    SMTPSIM_IMAP_ENDINGS(S::LoggingOut),
};
// clang-format on
#undef SMTPSIM_IMAP_ENDINGS

const proto::MachineSpec kSpec{"IMAP client", kStates, kTransitions};
}  // namespace

const proto::MachineSpec& ClientSession::client_machine_spec() {
  return kSpec;
}

std::string_view ClientSession::state_caption() const {
  return kSpec.state(static_cast<int>(state_)).caption;
}

}  // namespace smtpsim::imap

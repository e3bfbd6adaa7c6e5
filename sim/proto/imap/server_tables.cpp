// The IMAP server's states and transitions as data (RFC 3501 §3, figure in §3.4; IDLE from
// RFC 2177): the machine checks every move against this table, and render_dot() draws the
// state diagram from it (DESIGN.md idea 2).
#include "sim/proto/imap/server_session.hpp"

namespace smtpsim::imap {

namespace {
using S = ServerState;
constexpr int I(S s) {
  return static_cast<int>(s);
}

constexpr proto::StateInfo kStates[] = {
    {I(S::NotAuthenticated), "NOT AUTHENTICATED", "waiting for LOGIN or AUTHENTICATE"},
    {I(S::Authenticated), "AUTHENTICATED", "logged in, no mailbox selected"},
    {I(S::Selected), "SELECTED", "a mailbox is selected"},
    {I(S::Idle), "IDLE", "pushing mailbox changes until DONE"},
    {I(S::Logout), "LOGOUT", "connection closing"},
};

// clang-format off
constexpr proto::TransitionRule kTransitions[] = {
    {I(S::NotAuthenticated), I(S::Authenticated), "LOGIN OK"},
    {I(S::NotAuthenticated), I(S::Authenticated), "AUTHENTICATE OK"},
    {I(S::Authenticated), I(S::Selected), "SELECT OK"},
    {I(S::Authenticated), I(S::Selected), "EXAMINE OK"},
    {I(S::Selected), I(S::Authenticated), "CLOSE"},
    {I(S::Selected), I(S::Authenticated), "UNSELECT"},
    {I(S::Selected), I(S::Authenticated), "SELECT failed"},
    {I(S::Authenticated), I(S::Idle), "IDLE"},
    {I(S::Selected), I(S::Idle), "IDLE"},
    {I(S::Idle), I(S::Authenticated), "DONE"},
    {I(S::Idle), I(S::Selected), "DONE"},
    {I(S::Idle), I(S::Authenticated), "IDLE ended by a bad line"},
    {I(S::Idle), I(S::Selected), "IDLE ended by a bad line"},
    {I(S::NotAuthenticated), I(S::Logout), "LOGOUT"},
    {I(S::Authenticated), I(S::Logout), "LOGOUT"},
    {I(S::Selected), I(S::Logout), "LOGOUT"},
    {I(S::NotAuthenticated), I(S::Logout), "BYE too many errors"},
    {I(S::Authenticated), I(S::Logout), "BYE too many errors"},
    {I(S::Selected), I(S::Logout), "BYE too many errors"},
    {I(S::Idle), I(S::Logout), "BYE too many errors"},
    {I(S::NotAuthenticated), I(S::Logout), "BYE autologout"},
    {I(S::Authenticated), I(S::Logout), "BYE autologout"},
    {I(S::Selected), I(S::Logout), "BYE autologout"},
    {I(S::Idle), I(S::Logout), "BYE autologout"},
    {I(S::NotAuthenticated), I(S::Logout), "BYE shutdown"},
    {I(S::Authenticated), I(S::Logout), "BYE shutdown"},
    {I(S::Selected), I(S::Logout), "BYE shutdown"},
    {I(S::Idle), I(S::Logout), "BYE shutdown"},
    {I(S::Selected), I(S::Logout), "BYE mailbox deleted"},
    {I(S::Idle), I(S::Logout), "BYE mailbox deleted"},
    {I(S::NotAuthenticated), I(S::Logout), "connection lost"},
    {I(S::Authenticated), I(S::Logout), "connection lost"},
    {I(S::Selected), I(S::Logout), "connection lost"},
    {I(S::Idle), I(S::Logout), "connection lost"},
};
// clang-format on

const proto::MachineSpec kSpec{"IMAP server", kStates, kTransitions};
}  // namespace

const proto::MachineSpec& server_machine_spec() {
  return kSpec;
}

}  // namespace smtpsim::imap

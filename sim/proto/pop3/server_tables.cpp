// The POP3 server's states and transitions as data (RFC 1939 §3: AUTHORIZATION,
// TRANSACTION, UPDATE): the machine checks every move against this table and render_dot()
// draws the diagram from it.
#include "sim/proto/pop3/server_session.hpp"

namespace smtpsim::pop3 {

namespace {
using S = ServerState;
constexpr int I(S s) {
  return static_cast<int>(s);
}

constexpr proto::StateInfo kStates[] = {
    {I(S::Authorization), "AUTHORIZATION", "waiting for USER, APOP or STLS"},
    {I(S::User), "USER", "user name given, waiting for PASS"},
    {I(S::Transaction), "TRANSACTION", "logged in: STAT, LIST, RETR, DELE ..."},
    {I(S::Update), "UPDATE", "QUIT: deleting the marked messages"},
    {I(S::Closed), "CLOSED", "connection closed"},
};

// clang-format off
constexpr proto::TransitionRule kTransitions[] = {
    {I(S::Authorization), I(S::User), "USER +OK"},
    {I(S::User), I(S::Transaction), "PASS +OK"},
    {I(S::User), I(S::Authorization), "PASS -ERR"},
    {I(S::Authorization), I(S::Transaction), "APOP +OK"},
    {I(S::User), I(S::Transaction), "APOP +OK"},
    {I(S::User), I(S::Authorization), "APOP -ERR"},
    {I(S::Authorization), I(S::Closed), "QUIT"},
    {I(S::User), I(S::Closed), "QUIT"},
    {I(S::Transaction), I(S::Update), "QUIT"},
    {I(S::Update), I(S::Closed), "UPDATE done"},
    {I(S::Authorization), I(S::Closed), "too many errors"},
    {I(S::User), I(S::Closed), "too many errors"},
    {I(S::Transaction), I(S::Closed), "too many errors"},
    {I(S::Authorization), I(S::Closed), "timeout"},
    {I(S::User), I(S::Closed), "timeout"},
    {I(S::Transaction), I(S::Closed), "timeout"},
    {I(S::Authorization), I(S::Closed), "shutdown"},
    {I(S::User), I(S::Closed), "shutdown"},
    {I(S::Transaction), I(S::Closed), "shutdown"},
    // RFC 1939 §6: a connection dropped in TRANSACTION never enters UPDATE.
    {I(S::Authorization), I(S::Closed), "connection lost"},
    {I(S::User), I(S::Closed), "connection lost"},
    {I(S::Transaction), I(S::Closed), "connection lost"},
};
// clang-format on

const proto::MachineSpec kSpec{"POP3 server", kStates, kTransitions};
}  // namespace

const proto::MachineSpec& server_machine_spec() {
  return kSpec;
}

}  // namespace smtpsim::pop3

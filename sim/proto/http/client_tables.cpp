// The HTTP client's states and transitions as data (RFC 9112 §2.1 message, §9.3 persistent
// connections, RFC 9110 §15.2 interim responses). render_dot() draws this table;
// ClientSession::enter() obeys it.
#include "sim/proto/http/client_session.hpp"

namespace smtpsim::http {

namespace {
using S = ClientState;
constexpr int I(S s) {
  return static_cast<int>(s);
}

constexpr proto::StateInfo kStates[] = {
    {I(S::Idle), "IDLE", "connected, no request outstanding"},
    {I(S::Waiting), "WAITING", "request sent, waiting for the status line"},
    {I(S::Headers), "HEADERS", "reading the response's header fields"},
    {I(S::Body), "BODY", "reading the response body"},
    {I(S::Closed), "CLOSED", "connection closed"},
};

#define SMTPSIM_HTTP_CLIENT_ENDINGS(from)                                                        \
  {I(from), I(S::Closed), "malformed response"}, {I(from), I(S::Closed), "connection closed"}, { \
    I(from), I(S::Closed), "timeout"                                                             \
  }

// clang-format off
constexpr proto::TransitionRule kTransitions[] = {
    {I(S::Idle), I(S::Waiting), "request sent"},
    {I(S::Waiting), I(S::Headers), "status line"},
    {I(S::Headers), I(S::Waiting), "interim 1xx"},
    {I(S::Headers), I(S::Body), "end of fields"},
    {I(S::Headers), I(S::Idle), "response complete"},
    {I(S::Body), I(S::Idle), "response complete"},
    {I(S::Headers), I(S::Closed), "response complete, Connection: close"},
    {I(S::Body), I(S::Closed), "response complete, Connection: close"},
    {I(S::Idle), I(S::Closed), "finished"},
    {I(S::Idle), I(S::Closed), "connection closed"},
    {I(S::Idle), I(S::Closed), "timeout"},
    SMTPSIM_HTTP_CLIENT_ENDINGS(S::Waiting),
    SMTPSIM_HTTP_CLIENT_ENDINGS(S::Headers),
    SMTPSIM_HTTP_CLIENT_ENDINGS(S::Body),
};
// clang-format on
#undef SMTPSIM_HTTP_CLIENT_ENDINGS

const proto::MachineSpec kSpec{"HTTP client", kStates, kTransitions};
}  // namespace

const proto::MachineSpec& client_machine_spec() {
  return kSpec;
}

}  // namespace smtpsim::http

// The HTTP server's states and transitions as data (RFC 9112 §2.1: start line, field lines,
// optional body; §9.3: persistent connections return to waiting for the next request). The
// machine checks every move against this table and render_dot() draws the diagram from it.
#include "sim/proto/http/server_session.hpp"

namespace smtpsim::http {

namespace {
using S = ServerState;
constexpr int I(S s) {
  return static_cast<int>(s);
}

constexpr proto::StateInfo kStates[] = {
    {I(S::Idle), "IDLE", "waiting for a request line"},
    {I(S::Headers), "HEADERS", "reading header fields"},
    {I(S::Body), "BODY", "reading a Content-Length body"},
    {I(S::Handling), "HANDLING", "request complete: the application answers"},
    {I(S::Closed), "CLOSED", "connection closed"},
};

#define SMTPSIM_HTTP_SERVER_ENDINGS(from)                                                 \
  {I(from), I(S::Closed), "bad request"}, {I(from), I(S::Closed), "connection closed"}, { \
    I(from), I(S::Closed), "timeout"                                                      \
  }

// clang-format off
constexpr proto::TransitionRule kTransitions[] = {
    {I(S::Idle), I(S::Headers), "request line"},
    {I(S::Headers), I(S::Body), "end of fields"},
    {I(S::Headers), I(S::Handling), "end of fields"},
    {I(S::Body), I(S::Handling), "end of body"},
    {I(S::Handling), I(S::Idle), "response sent"},
    {I(S::Handling), I(S::Closed), "response sent, Connection: close"},
    SMTPSIM_HTTP_SERVER_ENDINGS(S::Idle),
    SMTPSIM_HTTP_SERVER_ENDINGS(S::Headers),
    SMTPSIM_HTTP_SERVER_ENDINGS(S::Body),
    {I(S::Handling), I(S::Closed), "connection closed"},
};
// clang-format on
#undef SMTPSIM_HTTP_SERVER_ENDINGS

const proto::MachineSpec kSpec{"HTTP server", kStates, kTransitions};
}  // namespace

const proto::MachineSpec& server_machine_spec() {
  return kSpec;
}

}  // namespace smtpsim::http

// `smtpsim demo`: a headless demonstration — the real client machine talks to the real
// server machine over an in-memory link, and the session is printed as a transcript.
// (`make run` shows this until the GUI exists.)
#pragma once

#include <string>

namespace smtpsim::app {
std::string demo_transcript();
}

// Transition tables and their DOT rendering.
#include "sim/proto/smtp/machine.hpp"

#include <fmt/format.h>

#include <stdexcept>

namespace smtpsim::proto {

const StateInfo& MachineSpec::state(int id) const {
  for (const auto& s : states)
    if (s.id == id) return s;
  throw std::logic_error(fmt::format("{}: unknown state {}", name, id));
}

bool MachineSpec::allows(int from, int to, std::string_view trigger) const {
  for (const auto& t : transitions)
    if (t.from == from && t.to == to && t.trigger == trigger) return true;
  return false;
}

namespace {
std::string dot_escape(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == '"' || c == '\\') out.push_back('\\');
    out.push_back(c);
  }
  return out;
}
}  // namespace

std::string render_dot(const MachineSpec& spec, int current, std::string_view last_trigger) {
  std::string out =
      fmt::format("digraph \"{}\" {{\n  rankdir=LR;\n  node [shape=box, style=rounded];\n",
                  dot_escape(spec.name));
  for (const auto& s : spec.states) {
    out += fmt::format("  s{} [label=\"{}\\n{}\"{}];\n", s.id, dot_escape(s.name),
                       dot_escape(s.caption),
                       s.id == current ? ", style=\"rounded,filled\", fillcolor=gold" : "");
  }
  for (const auto& t : spec.transitions) {
    const bool lit = !last_trigger.empty() && t.to == current && t.trigger == last_trigger;
    out += fmt::format("  s{} -> s{} [label=\"{}\"{}];\n", t.from, t.to, dot_escape(t.trigger),
                       lit ? ", color=red, penwidth=2" : "");
  }
  out += "}\n";
  return out;
}

}  // namespace smtpsim::proto

// Where sources send trace events: the recorder implements it; a null sink drops them.
#pragma once

#include "sim/trace/event.hpp"

namespace smtpsim::trace {

class Sink {
 public:
  virtual ~Sink() = default;
  virtual void record(Event e) = 0;
};

class NullSink final : public Sink {
 public:
  void record(Event) override {}
};

}  // namespace smtpsim::trace

// Everything one input produced, in fixed-capacity queues the shell drains after each call:
// commands in the order to send them (RF-off ahead of anything queued), events, latch
// changes to persist and pulse records to store.
#pragma once

#include "controller/core/board_commands.h"
#include "controller/core/bounded_queue.h"
#include "controller/core/core_event.h"
#include "controller/core/pulse_record.h"

namespace rfneedle::core {

struct Outbox {
  BoundedQueue<BoardCommand, 64> commands;
  BoundedQueue<CoreEvent, 64> events;
  BoundedQueue<LatchRecord, 8> latches;
  BoundedQueue<PulseRecord, 4> pulses;

  void clear() {
    commands.clear();
    events.clear();
    latches.clear();
    pulses.clear();
  }
};

}  // namespace rfneedle::core

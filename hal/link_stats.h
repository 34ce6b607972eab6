// Per-link statistics, kept by LinkSession and shown by rfneedle-diag (DESIGN 3: each
// error kind counted separately for diagnostics).
#pragma once

#include <cstdint>

#include "hal/frame.h"

namespace rfneedle::hal {

struct LinkStats {
  std::uint64_t frames_sent = 0;      // every frame written, retransmissions and bare acks included
  std::uint64_t bytes_sent = 0;       // wire bytes, delimiters included
  std::uint64_t reliable_sent = 0;    // first transmissions of reliable frames
  std::uint64_t retransmissions = 0;  // reliable frames written again after a timeout
  std::uint64_t bare_acks_sent = 0;   // frames that carried only an acknowledgement
  std::uint64_t frames_received = 0;  // valid frames (CRC and version good)
  std::uint64_t bytes_received = 0;   // every byte handed in, garbage included
  std::uint64_t acks_received = 0;    // reliable frames released by the peer's acks
  std::uint64_t delivered_reliable = 0;  // reliable payloads handed to the owner, once each
  std::uint64_t delivered_unreliable = 0;
  std::uint64_t duplicates_received = 0;    // reliable frames seen again: acked, not delivered
  std::uint64_t out_of_order_received = 0;  // reliable frames ahead of a gap: dropped
  std::uint64_t payload_errors = 0;         // payloads the owner could not parse
  std::uint64_t telemetry_gaps = 0;         // telemetry samples missing by sample counter
  std::uint64_t send_queue_full = 0;        // sends refused because a queue was full
  std::uint64_t link_faults = 0;
  DecoderStats decoder;  // framing, oversize, CRC and version errors
};

}  // namespace rfneedle::hal

// Which part of the generator's pulse log rfneedled reads, and when (SR-70). Sans-I/O:
// the safety thread tells it what the core and the generator said, and sends the queries
// it returns.
//
// A pulse is unconfirmed from the moment the core uses its ID until the generator's
// pulse_ended names it (or a later one). When the generator's link is lost with a pulse
// unconfirmed (the pulse in flight), the log is read from that pulse's ID at the
// generator's next handshake; at start-up, from where the store says (reconcile_from).
// The log is read 4 entries a reply until it has no more, up to PulseLogRead::kCapacity.
#pragma once

#include <cstdint>
#include <optional>

#include "controller/daemon/logged_pulse.h"

namespace rfneedle::daemon {

class PulseLogReader {
 public:
  struct Query {
    std::uint64_t from_pulse_id = 0;
    std::uint32_t max_entries = 4;  // the most one reply carries (docs/protocol.md)
  };

  // Start-up: read from this ID at the generator's first handshake; the previous run may
  // have used IDs up to `last_reserved` (its reservation), so they are judged by the read.
  void read_at_connect(std::uint64_t from_pulse_id, std::uint64_t last_reserved);
  void on_pulse_id_used(std::uint64_t pulse_id);
  void on_pulse_ended(std::uint64_t pulse_id);
  // The generator's link is gone: a pulse unconfirmed, or a read under way, is read at
  // the next handshake.
  void on_link_lost();
  // The generator's handshake succeeded: the first query, when the log is to be read.
  [[nodiscard]] std::optional<Query> on_connected();
  // One reply of the read under way: the next query while the log has more.
  [[nodiscard]] std::optional<Query> on_reply(const device::PulseLogReply& reply);
  // The query of the read under way again (its reply did not come).
  [[nodiscard]] std::optional<Query> current_query() const;

  [[nodiscard]] bool reading() const { return reading_; }
  // The finished read, until taken.
  [[nodiscard]] const PulseLogRead* finished() const { return finished_ ? &read_ : nullptr; }
  void take_finished() { finished_ = false; }

 private:
  void want_from(std::uint64_t pulse_id);
  void finish();

  std::optional<std::uint64_t> wanted_from_;
  std::optional<std::uint64_t> unconfirmed_from_;
  std::uint64_t last_used_ = 0;  // this run's, or the previous run's reservation
  bool reading_ = false;
  bool finished_ = false;
  std::uint64_t next_from_ = 0;
  PulseLogRead read_;
};

}  // namespace rfneedle::daemon

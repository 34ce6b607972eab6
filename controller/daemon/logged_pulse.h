// One pulse as the generator's pulse log holds it (docs/protocol.md, PulseLogEntry), in the
// core's units, every field checked against its documented range first (SR-57). Plain and
// fixed-size, so the safety thread can queue a read of the log without allocating.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>

#include "hal/time.h"
#include "hal/units.h"
#include "proto/device.pb.h"

namespace rfneedle::daemon {

struct LoggedPulse {
  std::uint64_t pulse_id = 0;
  Duration delivered_duration{};
  Microjoules delivered_energy{};
  Milliwatts set_power{};
  Milliwatts mean_power{};
  Ohms impedance_min{};
  Ohms impedance_max{};
  device::PulseEnd end = device::PULSE_END_UNSPECIFIED;
};

// None when a field is outside its documented range: such an entry cannot be trusted.
[[nodiscard]] std::optional<LoggedPulse> to_logged_pulse(const device::PulseLogEntry& entry);

// The part of the generator's pulse log that was read, from `from_pulse_id` up, oldest
// first: at most the whole log (the generator keeps its last 64 pulses).
struct PulseLogRead {
  static constexpr std::size_t kCapacity = 64;
  std::uint64_t from_pulse_id = 0;
  // The last pulse ID this device had used when the read began: the log says nothing of a
  // later one, which may be delivered while the read is under way (SR-70).
  std::uint64_t through_pulse_id = 0;
  std::array<LoggedPulse, kCapacity> entries{};
  std::size_t count = 0;
  // The log held more than kCapacity entries from `from_pulse_id`: what lies beyond the
  // last entry read was not seen.
  bool truncated = false;
  std::uint32_t implausible = 0;  // entries dropped for a field out of range
};

}  // namespace rfneedle::daemon

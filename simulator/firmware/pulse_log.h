// The generator's log of its last 64 pulses, kept in non-volatile memory so the controller
// can reconcile its store by pulse ID after a crash (DESIGN 3, SR-70).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>

#include "proto/device.pb.h"

namespace rfneedle::sim {

struct PulseRecord {
  std::uint64_t pulse_id = 0;
  std::uint32_t epoch = 0;
  std::uint64_t started_at_board_us = 0;
  std::uint32_t delivered_duration_us = 0;
  std::uint32_t delivered_energy_uj = 0;
  std::uint32_t set_power_mw = 0;
  std::uint32_t mean_power_mw = 0;
  std::uint32_t impedance_min_ohm = 0;
  std::uint32_t impedance_max_ohm = 0;
  device::PulseEnd end = device::PULSE_END_UNSPECIFIED;
};

void fill_entry(const PulseRecord& record, device::PulseLogEntry& entry);

class PulseLog {
 public:
  static constexpr std::size_t kCapacity = 64;  // DESIGN 3 / brief: the last 64 pulses

  void append(const PulseRecord& record);
  [[nodiscard]] std::size_t size() const { return size_; }
  // Index 0 is the oldest record kept.
  [[nodiscard]] const PulseRecord& operator[](std::size_t i) const {
    return records_[(head_ + i) % kCapacity];
  }
  // Up to `max_entries` records with pulse_id >= from_pulse_id, oldest first; `more` says
  // whether further ones follow.
  void query(std::uint64_t from_pulse_id, std::size_t max_entries,
             device::PulseLogReply& reply) const;

 private:
  std::array<PulseRecord, kCapacity> records_{};
  std::size_t head_ = 0;
  std::size_t size_ = 0;
};

}  // namespace rfneedle::sim

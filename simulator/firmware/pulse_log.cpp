#include "simulator/firmware/pulse_log.h"

namespace rfneedle::sim {

void fill_entry(const PulseRecord& record, device::PulseLogEntry& entry) {
  entry.set_pulse_id(record.pulse_id);
  entry.set_epoch(record.epoch);
  entry.set_started_at_board_us(record.started_at_board_us);
  entry.set_delivered_duration_us(record.delivered_duration_us);
  entry.set_delivered_energy_uj(record.delivered_energy_uj);
  entry.set_set_power_mw(record.set_power_mw);
  entry.set_mean_power_mw(record.mean_power_mw);
  entry.set_impedance_min_ohm(record.impedance_min_ohm);
  entry.set_impedance_max_ohm(record.impedance_max_ohm);
  entry.set_end(record.end);
}

void PulseLog::append(const PulseRecord& record) {
  if (size_ < kCapacity) {
    records_[(head_ + size_) % kCapacity] = record;
    ++size_;
    return;
  }
  records_[head_] = record;
  head_ = (head_ + 1) % kCapacity;
}

void PulseLog::query(std::uint64_t from_pulse_id, std::size_t max_entries,
                     device::PulseLogReply& reply) const {
  reply.Clear();
  for (std::size_t i = 0; i < size_; ++i) {
    const PulseRecord& record = (*this)[i];
    if (record.pulse_id < from_pulse_id) {
      continue;
    }
    if (static_cast<std::size_t>(reply.entries_size()) == max_entries) {
      reply.set_more(true);
      return;
    }
    fill_entry(record, *reply.add_entries());
  }
}

}  // namespace rfneedle::sim

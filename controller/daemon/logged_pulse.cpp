#include "controller/daemon/logged_pulse.h"

namespace rfneedle::daemon {

std::optional<LoggedPulse> to_logged_pulse(const device::PulseLogEntry& e) {
  // The ranges of docs/protocol.md, PulseLogEntry.
  constexpr std::uint64_t kMaxPulseId = (std::uint64_t{1} << 35) - 1;
  if (e.pulse_id() < 1 || e.pulse_id() > kMaxPulseId || e.delivered_duration_us() > 1'000'000 ||
      e.delivered_energy_uj() > 3'038'000 || e.set_power_mw() > 50'000 ||
      e.mean_power_mw() > 60'000 || e.impedance_min_ohm() > 65'535 ||
      e.impedance_max_ohm() > 65'535 || !device::PulseEnd_IsValid(e.end())) {
    return std::nullopt;
  }
  LoggedPulse p;
  p.pulse_id = e.pulse_id();
  p.delivered_duration = microseconds(e.delivered_duration_us());
  p.delivered_energy = Microjoules(e.delivered_energy_uj());
  p.set_power = Milliwatts(e.set_power_mw());
  p.mean_power = Milliwatts(e.mean_power_mw());
  p.impedance_min = Ohms(e.impedance_min_ohm());
  p.impedance_max = Ohms(e.impedance_max_ohm());
  p.end = e.end();
  return p;
}

}  // namespace rfneedle::daemon

#include "simulator/process/control_requests.h"

#include <algorithm>
#include <cstdio>
#include <sstream>

namespace rfneedle::sim {
namespace {

std::string quoted(std::string_view text) {
  std::string out = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      char escaped[8];
      std::snprintf(escaped, sizeof escaped, "\\u%04x", static_cast<unsigned>(c));
      out += escaped;
    } else {
      out += c;
    }
  }
  return out + "\"";
}

const char* boolean(bool b) { return b ? "true" : "false"; }

template <typename... Ts>
struct Overloaded : Ts... {
  using Ts::operator()...;
};
template <typename... Ts>
Overloaded(Ts...) -> Overloaded<Ts...>;

// "name=default unit (min..max unit)": a value never runs into its unit. A choice shows
// its default and the choices; a fraction and a flag, which have no unit, say what they are.
std::string parameter_text(const FaultParameterSpec& p) {
  std::ostringstream one;
  one << p.name << "=";
  if (p.unit == "choice") {
    const auto index = static_cast<std::size_t>(p.default_value);
    one << (index < p.choices.size() ? p.choices[index] : std::string_view("?")) << " (";
    for (std::size_t i = 0; i < p.choices.size(); ++i) {
      one << (i == 0 ? "" : "|") << p.choices[i];
    }
    one << ")";
  } else if (p.unit == "fraction") {
    one << p.default_value << " (a fraction, " << p.min << ".." << p.max << ")";
  } else if (p.unit == "flag") {
    one << p.default_value << " (flag: 0 or 1)";
  } else {
    one << p.default_value << " " << p.unit << " (" << p.min << ".." << p.max << " " << p.unit
        << ")";
  }
  return one.str();
}

// The fields of device.proto's CountersReply, under the same names (docs/simulator.md).
void counters_json(std::ostream& out, const device::CountersReply& c, bool actuator) {
  const device::LinkCounters& l = c.link();
  out << "{\"lifetime_pulses\":" << c.lifetime_pulses();
  if (actuator) {
    out << ",\"cartridge_pulses\":" << c.cartridge_pulses();
  } else {
    out << ",\"lifetime_energy_mj\":" << c.lifetime_energy_mj();
  }
  out << ",\"boot_count\":" << c.boot_count() << ",\"uptime_us\":" << c.uptime_us()
      << ",\"link\":{\"frames_received\":" << l.frames_received()
      << ",\"frames_sent\":" << l.frames_sent() << ",\"framing_errors\":" << l.framing_errors()
      << ",\"oversize_errors\":" << l.oversize_errors() << ",\"crc_errors\":" << l.crc_errors()
      << ",\"version_errors\":" << l.version_errors()
      << ",\"payload_errors\":" << l.payload_errors()
      << ",\"retransmissions\":" << l.retransmissions() << ",\"duplicates\":" << l.duplicates()
      << ",\"dead_man_trips\":" << l.dead_man_trips() << "}}";
}

// A board's counters, or null while it is rebooting (its volatile ones are gone then).
template <typename Firmware>
void board_counters_json(std::ostream& out, const Firmware* firmware, bool actuator) {
  if (firmware == nullptr) {
    out << "null";
    return;
  }
  device::CountersReply counters;
  firmware->counters(counters);
  counters_json(out, counters, actuator);
}

}  // namespace

std::string error_answer(const std::string& message) {
  return "{\"ok\":false,\"error\":" + quoted(message) + "}";
}

std::string fault_catalogue_json() {
  std::ostringstream out;
  out << "{\"ok\":true,\"faults\":[";
  bool first = true;
  for (const FaultSpec& spec : fault_catalogue()) {
    out << (first ? "" : ",") << "{\"name\":" << quoted(spec.name)
        << ",\"affects\":" << quoted(spec.affects) << ",\"effect\":" << quoted(spec.effect)
        << ",\"parameters\":[";
    first = false;
    bool first_param = true;
    for (const auto& p : spec.parameters) {
      out << (first_param ? "" : ",") << "{\"name\":" << quoted(p.name)
          << ",\"unit\":" << quoted(p.unit) << ",\"default\":" << p.default_value
          << ",\"min\":" << p.min << ",\"max\":" << p.max << "}";
      first_param = false;
    }
    out << "]}";
  }
  out << "]}";
  return out.str();
}

std::string fault_catalogue_text() {
  std::string text;
  for (const FaultSpec& spec : fault_catalogue()) {
    std::string params;
    for (const auto& p : spec.parameters) {
      params += (params.empty() ? "" : ", ") + parameter_text(p);
    }
    constexpr std::size_t kNameColumn = 27;
    std::string name(spec.name);
    name.resize(std::max(name.size() + 1, kNameColumn), ' ');
    text += name + std::string(spec.effect) + "\n";
    if (!params.empty()) {
      text += std::string(kNameColumn, ' ') + "parameters: " + params + "\n";
    }
  }
  return text;
}

void ControlRequests::tap(Instant now, Duration hold) {
  device_.press_trigger();
  release_at_ = now + hold;
}

void ControlRequests::tick(Instant now) {
  if (release_at_ && now >= *release_at_) {
    device_.release_trigger();
    release_at_.reset();
  }
}

std::string ControlRequests::execute(const SimCommand& command, Instant now) {
  return std::visit(Overloaded{
                        [&](const ListFaults&) { return fault_catalogue_json(); },
                        [&](const Status&) { return status(now); },
                        [&](const History&) { return history(now); },
                        [&](const InjectFault& inject) {
                          device_.inject(inject.parameters, now, inject.duration);
                          record_injection(inject.parameters.kind(), now, inject.duration);
                          return "{\"ok\":true,\"injected\":" +
                                 quoted(fault_spec(inject.parameters.kind()).name) + "}";
                        },
                        [&](const ClearFault& clear) {
                          std::size_t cleared = 0;
                          record_clear(clear.kind, now);
                          if (clear.kind) {
                            cleared = device_.clear_fault(fault_spec(*clear.kind).name);
                          } else {
                            for (const FaultSpec& spec : fault_catalogue()) {
                              cleared += device_.clear_fault(spec.name);
                            }
                          }
                          return "{\"ok\":true,\"cleared\":" + std::to_string(cleared) + "}";
                        },
                        [&](const Trigger& trigger) {
                          switch (trigger.action) {
                            case TriggerAction::kPress:
                              release_at_.reset();
                              device_.press_trigger();
                              break;
                            case TriggerAction::kRelease:
                              release_at_.reset();
                              device_.release_trigger();
                              break;
                            case TriggerAction::kTap:
                              tap(now, kTapHold);
                              break;
                          }
                          return std::string("{\"ok\":true}");
                        },
                        [&](const Estop& estop) {
                          device_.set_estop(estop.pressed);
                          return std::string("{\"ok\":true}");
                        },
                        [&](const Cartridge& cartridge) {
                          if (cartridge.action == CartridgeAction::kRemove) {
                            device_.swap_cartridge(std::nullopt);
                          } else if (cartridge.action == CartridgeAction::kFixture) {
                            CartridgeMemory fixture = simulated_calibration_fixture();
                            if (cartridge.meter_due) {
                              fixture.meter_due = *cartridge.meter_due;
                            }
                            device_.swap_cartridge(fixture);
                          } else {
                            device_.swap_cartridge(SimulatedDeviceOptions{}.cartridge);
                          }
                          return std::string("{\"ok\":true}");
                        },
                        [&](const Cable& cable) {
                          return cables_ != nullptr
                                     ? cables_->execute(cable, now)
                                     : error_answer("no serial lines to unplug here");
                        },
                    },
                    command);
}

std::string ControlRequests::status(Instant now) const {
  const GroundTruth truth = device_.ground_truth();
  std::ostringstream out;
  out << "{\"ok\":true,\"sim_time_us\":" << now.time_since_epoch().count()
      << ",\"rf_on\":" << boolean(truth.rf_on)
      << ",\"delivered_power_mw\":" << truth.delivered_power.value()
      << ",\"pulse_energy_uj\":" << truth.pulse_energy.value()
      << ",\"tissue_temp_mdegc\":" << truth.tissue_temperature.value()
      << ",\"skin_temp_mdegc\":" << truth.skin_temperature.value()
      << ",\"heatsink_temp_mdegc\":" << truth.heatsink_temperature.value()
      << ",\"load_ohm\":" << truth.load.value()
      << ",\"needle_position_um\":" << truth.needle_position.value()
      << ",\"relay_closed\":" << boolean(truth.relay_closed)
      << ",\"needles_at_depth_line\":" << boolean(truth.lines.needles_at_depth)
      << ",\"rf_active_line\":" << boolean(truth.lines.rf_active)
      << ",\"estop\":" << boolean(truth.lines.estop)
      << ",\"generator_booting\":" << boolean(truth.generator_booting)
      << ",\"actuator_booting\":" << boolean(truth.actuator_booting)
      << ",\"generator_latched_faults\":" << truth.generator_latched_faults
      << ",\"actuator_latched_faults\":" << truth.actuator_latched_faults
      << ",\"generator_counters\":";
  board_counters_json(out, device_.generator(), false);
  out << ",\"actuator_counters\":";
  board_counters_json(out, device_.actuator(), true);
  out << ",\"active_faults\":[";
  bool first = true;
  for (const FaultSpec& spec : fault_catalogue()) {
    if (device_.faults().is_active(spec.kind, now)) {
      out << (first ? "" : ",") << quoted(spec.name);
      first = false;
    }
  }
  out << "],\"late_ticks\":" << late_ticks_ << ",\"starved_ticks\":" << starved_ticks_
      << ",\"worst_tick_late_us\":"
      << std::chrono::duration_cast<std::chrono::microseconds>(worst_tick_late_).count()
      << ",\"clock_steps\":" << clock_steps_;
  // When each board last received a valid frame: its dead-man counts from it (SR-39).
  const auto last_frame = [&](const auto* board) {
    return board != nullptr ? std::to_string(board->last_valid_frame().time_since_epoch().count())
                            : std::string("null");
  };
  out << ",\"generator_last_frame_us\":" << last_frame(device_.generator())
      << ",\"actuator_last_frame_us\":" << last_frame(device_.actuator()) << '}';
  return out.str();
}

void ControlRequests::observe(Instant now) {
  const GroundTruth truth = device_.ground_truth();
  const bool was_on = !pulses_.empty() && !pulses_.back().rf_off;
  if (truth.rf_on && !was_on) {
    if (pulses_.size() == kHistoryLength) {
      pulses_.pop_front();
    }
    TruePulse pulse;
    pulse.n = ++pulses_seen_;
    pulse.rf_on = now;
    pulses_.push_back(pulse);
  }
  if (pulses_.empty() || (!truth.rf_on && !was_on)) {
    return;
  }
  TruePulse& pulse = pulses_.back();
  pulse.energy_uj = truth.pulse_energy.value();
  pulse.peak_skin_mdegc =
      std::max<std::int64_t>(pulse.peak_skin_mdegc, truth.skin_temperature.value());
  if (!truth.rf_on) {
    pulse.rf_off = now;
  }
}

void ControlRequests::record_injection(FaultKind kind, Instant at,
                                       std::optional<Duration> duration) {
  if (injections_.size() == kHistoryLength) {
    injections_.pop_front();
  }
  std::optional<Instant> until;
  if (duration) {
    until = at + *duration;
  }
  injections_.push_back(Injection{.n = ++injections_seen_, .kind = kind, .at = at, .until = until});
}

void ControlRequests::record_clear(std::optional<FaultKind> kind, Instant at) {
  for (Injection& injection : injections_) {
    if ((!kind || injection.kind == *kind) && (!injection.until || *injection.until > at)) {
      injection.until = at;
    }
  }
}

std::string ControlRequests::history(Instant now) const {
  const auto us = [](Instant t) { return std::to_string(t.time_since_epoch().count()); };
  const auto until = [&](const std::optional<Instant>& t) { return t ? us(*t) : "null"; };
  std::ostringstream out;
  out << "{\"ok\":true,\"sim_time_us\":" << us(now) << ",\"pulses\":[";
  for (std::size_t i = 0; i < pulses_.size(); ++i) {
    const TruePulse& p = pulses_[i];
    out << (i == 0 ? "" : ",") << "{\"n\":" << p.n << ",\"rf_on_us\":" << us(p.rf_on)
        << ",\"rf_off_us\":" << until(p.rf_off) << ",\"energy_uj\":" << p.energy_uj
        << ",\"peak_skin_temp_mdegc\":" << p.peak_skin_mdegc << '}';
  }
  out << "],\"injections\":[";
  for (std::size_t i = 0; i < injections_.size(); ++i) {
    const Injection& injection = injections_[i];
    out << (i == 0 ? "" : ",") << "{\"n\":" << injection.n
        << ",\"name\":" << quoted(fault_spec(injection.kind).name)
        << ",\"at_us\":" << us(injection.at) << ",\"until_us\":" << until(injection.until) << '}';
  }
  out << "]}";
  return out.str();
}

void ControlRequests::tick_woke_late(Duration late) {
  if (late > milliseconds(1)) {
    ++late_ticks_;
  }
  if (late > milliseconds(2)) {
    ++starved_ticks_;
  }
  worst_tick_late_ = std::max(worst_tick_late_, late);
}

}  // namespace rfneedle::sim

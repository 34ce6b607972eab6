#include "simulator/firmware/simulated_device.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "simulator/model/physical.h"

namespace rfneedle::sim {
namespace {

constexpr double kLinkChoiceGenerator = 1;  // faults.cpp: link = both, generator, actuator
constexpr double kLinkChoiceActuator = 2;

}  // namespace

SimulatedDevice::SimulatedDevice(const SimulatedDeviceOptions& options)
    : options_(options),
      physics_(options.seed, options.cartridge, options.reference_meter_gain_error),
      filters_{{{LinkFaultFilter(options.seed * 4 + 1), LinkFaultFilter(options.seed * 4 + 2)},
                {LinkFaultFilter(options.seed * 4 + 3), LinkFaultFilter(options.seed * 4 + 4)}}},
      now_(options.power_on) {
  boot(kGenerator, options.power_on, false);
  boot(kActuator, options.power_on, false);
}

void SimulatedDevice::boot(Board board, Instant now, bool rebooted) {
  booting_until_[board].reset();
  if (board == kGenerator) {
    generator_.emplace(BoardIdentity{options_.firmware_version, options_.generator_serial},
                       generator_memory_, GeneratorHardware{physics_.generator, lines_}, now,
                       rebooted);
    return;
  }
  actuator_.emplace(BoardIdentity{options_.firmware_version, options_.actuator_serial},
                    actuator_memory_,
                    ActuatorHardware{physics_.actuator, physics_.trigger, physics_.thermistor_a,
                                     physics_.thermistor_b, physics_.cartridge, physics_.fixture,
                                     physics_.fixture_pulse, lines_},
                    now, rebooted);
}

LinkFaultState SimulatedDevice::link_faults(Board board, Instant now) const {
  LinkFaultState state;
  const double mine = board == kGenerator ? kLinkChoiceGenerator : kLinkChoiceActuator;
  const auto on_this_link = [&](FaultKind kind) -> const ScheduledFault* {
    const ScheduledFault* f = schedule_.active(kind, now);
    if (f == nullptr) return nullptr;
    const double link = f->parameters.get("link");
    return (link == 0 || link == mine) ? f : nullptr;
  };
  if (const ScheduledFault* f = on_this_link(FaultKind::kLinkDrop)) {
    state.drop_rate = f->parameters.get("rate");
  }
  if (const ScheduledFault* f = on_this_link(FaultKind::kLinkCorrupt)) {
    state.corrupt_rate = f->parameters.get("rate");
  }
  if (const ScheduledFault* f = on_this_link(FaultKind::kLinkDelay)) {
    state.delay = microseconds(std::llround(f->parameters.get("delay") * 1000));
  }
  state.stall = on_this_link(FaultKind::kLinkStall) != nullptr;
  state.disconnect = on_this_link(FaultKind::kLinkDisconnect) != nullptr;
  return state;
}

void SimulatedDevice::deliver_in(Board board, std::span<const std::uint8_t> bytes, Instant now) {
  if (booting_until_[board]) {
    return;  // a board that is restarting hears nothing
  }
  if (board == kActuator) {
    actuator_->on_bytes(bytes, now);
    return;
  }
  const bool was_delivering = generator_->delivering_pulse();
  generator_->on_bytes(bytes, now);
  note_pulse_start(was_delivering);
  physics_.settle_outputs();
}

void SimulatedDevice::note_pulse_start(bool was_delivering) {
  if (was_delivering || !generator_->delivering_pulse()) {
    return;
  }
  physics_.generator.reset_energy();
  physics_.fixture.reset_meter_energy();
  physics_.fixture_pulse = FixturePulseReading{};
}

void SimulatedDevice::generator_bytes_in(std::span<const std::uint8_t> bytes, Instant now) {
  now_ = now;
  filters_[kGenerator][kIn].push(bytes, now, link_faults(kGenerator, now),
                                 [&](std::span<const std::uint8_t> b) {
                                   deliver_in(kGenerator, b, now);
                                   return true;
                                 });
}

void SimulatedDevice::actuator_bytes_in(std::span<const std::uint8_t> bytes, Instant now) {
  now_ = now;
  filters_[kActuator][kIn].push(bytes, now, link_faults(kActuator, now),
                                [&](std::span<const std::uint8_t> b) {
                                  deliver_in(kActuator, b, now);
                                  return true;
                                });
}

void SimulatedDevice::release_in(Board board, Instant now) {
  filters_[board][kIn].release(now, link_faults(board, now), [&](std::span<const std::uint8_t> b) {
    deliver_in(board, b, now);
    return true;
  });
}

std::size_t SimulatedDevice::take_output(Board board, std::span<std::uint8_t> out, Instant now) {
  now_ = now;
  LinkFaultFilter& filter = filters_[board][kOut];
  const LinkFaultState faults = link_faults(board, now);
  std::size_t written = 0;
  const auto sink = [&](std::span<const std::uint8_t> bytes) {
    if (bytes.size() > out.size() - written) {
      return false;  // whole frames only: it waits for the next call
    }
    std::memcpy(out.data() + written, bytes.data(), bytes.size());
    written += bytes.size();
    return true;
  };
  filter.release(now, faults, sink);
  if (booting_until_[board]) {
    return written;
  }
  // Frames that will be held may take the whole scratch; frames passing at once must fit.
  const std::size_t room =
      filter.holding() ? scratch_.size() : std::min(out.size() - written, scratch_.size());
  const std::span<std::uint8_t> window(scratch_.data(), room);
  const std::size_t n = board == kGenerator ? generator_->take_output(window, now)
                                            : actuator_->take_output(window, now);
  filter.push(std::span<const std::uint8_t>(scratch_.data(), n), now, faults, sink);
  return written;
}

std::size_t SimulatedDevice::take_generator_output(std::span<std::uint8_t> out, Instant now) {
  return take_output(kGenerator, out, now);
}

std::size_t SimulatedDevice::take_actuator_output(std::span<std::uint8_t> out, Instant now) {
  return take_output(kActuator, out, now);
}

void SimulatedDevice::process_reboots(Instant now) {
  const std::span<const ScheduledFault> entries = schedule_.entries();
  reboot_handled_.resize(entries.size(), false);
  for (std::size_t i = 0; i < entries.size(); ++i) {
    const ScheduledFault& entry = entries[i];
    if (reboot_handled_[i] || entry.kind != FaultKind::kBoardReboot || entry.start > now) {
      continue;
    }
    reboot_handled_[i] = true;
    const Board board = entry.parameters.get("board") >= 1 ? kActuator : kGenerator;
    // Outputs off (the firmware's destructor), then silent for the boot time.
    if (board == kGenerator) {
      generator_.reset();
    } else {
      actuator_.reset();
    }
    booting_until_[board] = now + microseconds(std::llround(entry.parameters.get("boot") * 1000));
  }
  for (Board board : {kGenerator, kActuator}) {
    if (booting_until_[board] && now >= *booting_until_[board]) {
      boot(board, now, true);
    }
  }
}

void SimulatedDevice::tick(Instant now) {
  now_ = now;
  const Duration dt = last_tick_ ? now - *last_tick_ : Duration::zero();
  last_tick_ = now;
  physics_.apply_faults(schedule_, now);
  lines_.estop = operator_estop_ || physics_.estop_fault();
  process_reboots(now);
  physics_.step(dt);
  release_in(kGenerator, now);
  release_in(kActuator, now);
  // The actuator reads RF-active as the generator left it; the generator then reads the
  // at-depth line as the actuator just set it.
  if (actuator_) {
    actuator_->tick(now);
  } else {
    lines_.needles_at_depth = false;
  }
  if (generator_) {
    generator_->tick(now, physics_.load());
  } else {
    lines_.rf_active = physics_.generator.rf_on();
  }
  physics_.settle_outputs();
}

void SimulatedDevice::press_trigger() { physics_.trigger.press(now_); }

void SimulatedDevice::release_trigger() { physics_.trigger.release(now_); }

void SimulatedDevice::power_off(Instant now) {
  if (generator_) {
    generator_->power_off(now);
  }
  physics_.settle_outputs();
}

void SimulatedDevice::set_estop(bool pressed) {
  operator_estop_ = pressed;
  lines_.estop = operator_estop_ || physics_.estop_fault();
}

void SimulatedDevice::swap_cartridge(const std::optional<CartridgeMemory>& cartridge) {
  physics_.insert_cartridge(cartridge);
}

void SimulatedDevice::inject(const FaultParameters& parameters, Instant start,
                             std::optional<Duration> duration) {
  schedule_.add(start, duration, parameters);
}

void SimulatedDevice::inject(const FaultSpec& spec, Instant start) {
  schedule_.add(start, std::nullopt, FaultParameters(spec.kind));
}

std::size_t SimulatedDevice::clear_fault(std::string_view name) {
  const std::optional<FaultKind> kind = fault_by_name(name);
  if (!kind) {
    return 0;
  }
  return schedule_.clear(*kind, now_);
}

GroundTruth SimulatedDevice::ground_truth() const {
  GroundTruth truth;
  truth.rf_on = physics_.generator.rf_on();
  truth.delivered_power = physics_.generator.delivered_power();
  truth.pulse_energy = physics_.generator.delivered_energy();
  truth.tissue_temperature = physics_.tissue.tip_temperature();
  truth.skin_temperature = physics_.tissue.skin_temperature();
  truth.heatsink_temperature = physics_.generator.heatsink_temperature();
  truth.load = physics_.load();
  truth.needle_position = physics_.actuator.position();
  truth.relay_closed = physics_.generator.relay_closed();
  truth.lines = lines_;
  truth.generator_booting = booting_until_[kGenerator].has_value();
  truth.actuator_booting = booting_until_[kActuator].has_value();
  truth.generator_latched_faults = generator_ ? generator_->latched_faults() : 0;
  truth.actuator_latched_faults = actuator_ ? actuator_->latched_faults() : 0;
  return truth;
}

const GeneratorFirmware* SimulatedDevice::generator() const {
  return generator_ ? &*generator_ : nullptr;
}

const ActuatorFirmware* SimulatedDevice::actuator() const {
  return actuator_ ? &*actuator_ : nullptr;
}

}  // namespace rfneedle::sim

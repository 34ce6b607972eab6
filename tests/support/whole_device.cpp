#include "tests/support/whole_device.h"

#include <algorithm>
#include <array>
#include <limits>

namespace rfneedle::testing {
namespace {

using core::Board;

constexpr Duration kTick = milliseconds(1);
constexpr std::size_t kChunk = 512;

}  // namespace

WholeDevice::Controller::Controller(const WholeDeviceOptions& options, Instant now)
    : core(options.core, now), bridge(core, now, options.board_records) {
  bridge.set_handshake_policy(options.policy);
  bridge.set_command_observer(options.command_observer);
}

WholeDevice::WholeDevice(const WholeDeviceOptions& options)
    : clock(options.device.power_on),
      device(options.device),
      generator_line(clock, FaultyByteChannel::Options{options.device.seed, 92.16}),
      actuator_line(clock, FaultyByteChannel::Options{options.device.seed + 1, 92.16}),
      options_(options),
      next_nonce_(options.nonce) {
  // A = the controller, B = the boards.
  generator_line.set_receiver(Direction::kAToB, [this](std::span<const std::uint8_t> bytes) {
    device.generator_bytes_in(bytes, clock.now());
  });
  actuator_line.set_receiver(Direction::kAToB, [this](std::span<const std::uint8_t> bytes) {
    device.actuator_bytes_in(bytes, clock.now());
  });
  generator_line.set_receiver(Direction::kBToA, [this](std::span<const std::uint8_t> bytes) {
    if (!controller_) return;  // no process reads the line
    controller_->bridge.on_bytes(Board::kGenerator, bytes, clock.now());
    flush_controller();
  });
  actuator_line.set_receiver(Direction::kBToA, [this](std::span<const std::uint8_t> bytes) {
    if (!controller_) return;
    controller_->bridge.on_bytes(Board::kActuator, bytes, clock.now());
    flush_controller();
  });
  clock.call_every(kTick, [this] { step(); });
  start_controller();
  // The store reserves pulse IDs ahead (SR-68); this shell's store has all of them.
  if (options.reserve_all_pulse_ids) {
    controller_->core.allow_pulse_ids_up_to(std::numeric_limits<std::uint64_t>::max(),
                                            clock.now());
  }
  flush_controller();
}

void WholeDevice::start_controller() {
  controller_ = std::make_unique<Controller>(options_, clock.now());
  controller_->bridge.connect(Board::kGenerator, next_nonce_++, clock.now());
  controller_->bridge.connect(Board::kActuator, next_nonce_++, clock.now());
}

void WholeDevice::set_command_observer(bridge::CommandObserver* observer) {
  options_.command_observer = observer;
  if (controller_) controller_->bridge.set_command_observer(observer);
}

void WholeDevice::set_board_records(bridge::BoardRecords* board_records) {
  options_.board_records = board_records;
  if (controller_) controller_->bridge.set_records(board_records);
}

void WholeDevice::crash() {
  controller_.reset();
  unstored_.clear();
}

void WholeDevice::restart(std::span<const core::LatchRecord> restored, std::uint64_t last_pulse_id,
                          std::uint64_t reserved_pulse_ids, std::uint64_t last_session_id) {
  controller_.reset();
  unstored_.clear();
  start_controller();
  core::Core& c = controller_->core;
  c.allow_pulse_ids_up_to(reserved_pulse_ids, clock.now());
  c.restore(restored, last_pulse_id, last_session_id, clock.now());
  send_commands();
  flush_controller();
}

void WholeDevice::flush_controller() {
  if (!controller_) return;
  drain_outbox();
  std::array<std::uint8_t, kChunk> buffer{};
  const Instant t = clock.now();
  bridge::BoardBridge& b = controller_->bridge;
  if (const std::size_t n = b.take_output(Board::kGenerator, buffer, t); n > 0) {
    generator_line.send_from_a(std::span(buffer.data(), n));
  }
  if (const std::size_t n = b.take_output(Board::kActuator, buffer, t); n > 0) {
    actuator_line.send_from_a(std::span(buffer.data(), n));
  }
}

void WholeDevice::drain_outbox() {
  core::Outbox& out = controller_->core.outbox();
  events.insert(events.end(), out.events.begin(), out.events.end());
  out.events.clear();
  latches.insert(latches.end(), out.latches.begin(), out.latches.end());
  out.latches.clear();
  for (const core::PulseRecord& p : out.pulses) {
    records.push_back(p);
    if (p.outcome != core::PulseOutcome::kStarted) {
      unstored_.push_back(p.pulse_id);
    }
  }
  out.pulses.clear();
}

void WholeDevice::step() {
  const Instant t = clock.now();
  device.tick(t);
  std::array<std::uint8_t, kChunk> buffer{};
  if (const std::size_t n = device.take_generator_output(buffer, t); n > 0) {
    generator_line.send_from_b(std::span(buffer.data(), n));
  }
  if (const std::size_t n = device.take_actuator_output(buffer, t); n > 0) {
    actuator_line.send_from_b(std::span(buffer.data(), n));
  }
  if (controller_) {
    core::Core& c = controller_->core;
    controller_->bridge.tick(t);
    if (display_live && (last_display_ == Instant{} || t - last_display_ >= milliseconds(500))) {
      last_display_ = t;
      const std::uint64_t id = c.snapshot(t).snapshot_id;
      (void)c.display_heartbeat(id, t);
    }
    drain_outbox();
    if (store_acks) {
      for (const std::uint64_t id : unstored_) {
        c.on_record_stored(id, t);
      }
      unstored_.clear();
    }
    controller_->bridge.send_commands(t);
    flush_controller();
  }
  if (options_.record_history) {
    truth.push_back(device.ground_truth());
    truth_at.push_back(t);
    states.push_back(controller_ ? controller_->core.state() : core::State::kConnecting);
  }
  if (after_step) {
    after_step();
  }
}

bool WholeDevice::run_until(const std::function<bool()>& done, Duration limit) {
  const Instant end = now() + limit;
  while (now() < end) {
    if (done()) {
      return true;
    }
    clock.advance(kTick);
  }
  return done();
}

bool WholeDevice::run_until_state(core::State s, Duration limit) {
  return run_until([&] { return controller_ && controller_->core.state() == s; }, limit);
}

bool WholeDevice::power_on(std::vector<core::LatchRecord> restored) {
  core().restore(restored, 0, 0, now());
  send_commands();
  flush_controller();
  return run_until(
             [&] {
               return core().state() != core::State::kConnecting &&
                      core().state() != core::State::kSelfTest;
             },
             seconds(10)) &&
         core().state() == core::State::kStandby;
}

core::SessionRequest WholeDevice::session_request(core::BodyArea area) {
  core::SessionRequest r;
  r.patient_ref = "P-0001";
  r.operator_id = "op-7";
  r.area = area;
  r.screening = core::Screening::all_no(core::default_screening_items());
  // SimulatedDeviceOptions' default board date: 2025-06-01.
  r.today = static_cast<std::int32_t>(
      std::chrono::sys_days{std::chrono::year{2025} / 6 / 1}.time_since_epoch().count());
  return r;
}

core::PulseParameters WholeDevice::parameters() {
  core::PulseParameters p;
  p.power = watts(10);
  p.duration = milliseconds(100);
  p.depth = Micrometres{2000};
  return p;
}

bool WholeDevice::open_and_arm(const core::PulseParameters& p, const core::SessionRequest& r) {
  if (!core().open_session(r, now()).ok()) return false;
  send_commands();
  if (!core().set_parameters(p, now()).ok()) return false;
  send_commands();
  // The bind and the configure are answered within a few milliseconds.
  run(milliseconds(20));
  const bool armed = core().arm(now()).ok();
  send_commands();
  run(milliseconds(20));
  return armed;
}

bool WholeDevice::ready(const core::PulseParameters& p, const core::SessionRequest& r) {
  return power_on() && open_and_arm(p, r) && run_until_state(core::State::kReady, milliseconds(50));
}

void WholeDevice::press_and_hold() {
  device.press_trigger();
  // The press reaches the core with the actuator's next samples, a few ms later.
  (void)run_until([&] { return core::in_pulse(core().state()); }, milliseconds(20));
  run_until([&] { return !core::in_pulse(core().state()); }, seconds(3));
  device.release_trigger();
  run(kTick);
}

bool WholeDevice::raised(core::Condition c) const {
  for (const core::CoreEvent& e : events) {
    if (e.kind == core::EventKind::kConditionRaised && e.condition == c) return true;
  }
  return false;
}

std::optional<Instant> WholeDevice::raised_at(core::Condition c) const {
  for (const core::CoreEvent& e : events) {
    if (e.kind == core::EventKind::kConditionRaised && e.condition == c) return e.at;
  }
  return std::nullopt;
}

std::size_t WholeDevice::truth_index(Instant t) const {
  const auto it = std::lower_bound(truth_at.begin(), truth_at.end(), t);
  return static_cast<std::size_t>(it - truth_at.begin());
}

bool WholeDevice::rf_on_since(std::size_t from) const {
  for (std::size_t i = from; i < truth.size(); ++i) {
    if (truth[i].rf_on) return true;
  }
  return false;
}

void WholeDevice::clear_logs() {
  events.clear();
  records.clear();
  latches.clear();
}

}  // namespace rfneedle::testing

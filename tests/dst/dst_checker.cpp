// The invariants of tests/dst/dst.h, checked on every command the core hands the joining
// layer and after every simulated millisecond, against the simulator's ground truth.
#include <algorithm>
#include <cstdlib>
#include <iterator>

#include "tests/dst/dst_world.h"

namespace rfneedle::dst {
namespace {

using core::State;

// Sampling: the checker looks once per millisecond, so an end it sees may be up to 1 ms
// after the real one.
constexpr Duration kStep = milliseconds(1);
// SR-22: RF-active still high 5 ms after RF off opens the relay, within 1 ms more.
constexpr Duration kCommandedOffDeadline = milliseconds(6);
// SR-21/SR-52: 2 samples, then RF off within 3 ms.
constexpr Duration kSecondSample = milliseconds(1);
constexpr Duration kTelemetryDeadline = milliseconds(3);
// SR-40: samples lost: the gap limit (20 ms outside Energizing), then 3 ms.
constexpr Duration kGapDeadline = milliseconds(20 + 3);
// SR-39: the board's dead-man, 50 ms, and RF off 1 ms later.
constexpr Duration kDeadManDeadline = milliseconds(51);
// How long after a link impairment its effects (retransmissions, gaps) may last.
constexpr Duration kImpairmentTail = milliseconds(60);
// The needles' planned depth, as the actuator's encoder verifies it (SR-29).
constexpr Micrometres kDepthTolerance{100};
// Retracted: the encoder's home within its resolution.
constexpr Micrometres kRetracted{100};
// A latched state has had time to retract: 3 attempts of 150 ms (SR-30) and RF-off.
constexpr Duration kWithdrawTime = milliseconds(1000);
constexpr Microjoules kFixturePulseLimit = millijoules(2000);  // SR-66
constexpr Microjoules kEnergyPerNeedle = millijoules(62);      // SR-02
// One sample of the largest power: how far past its cap the generator may be when it
// sees the cap reached (it checks on each 1 ms sample, SR-19).
constexpr Microjoules kOneSampleAtMaxPower{50'000};
constexpr std::int64_t kPulseCapUs = 1'000'000;  // SR-18

bool is_needle_cartridge(const sim::CartridgeMemory& c) {
  return c.type == sim::CartridgeType::kFace || c.type == sim::CartridgeType::kBody;
}

std::int32_t day_number(std::chrono::sys_days d) {
  return static_cast<std::int32_t>(d.time_since_epoch().count());
}

std::string in_effect_text(const core::Interlocks& interlocks) {
  std::string s;
  for (std::size_t i = 0; i < core::kConditionCount; ++i) {
    if (interlocks.in_effect()[i]) {
      s += " ";
      s += core::spec(static_cast<core::Condition>(i)).name;
    }
  }
  return s;
}

std::string ms(Duration d) { return std::to_string(d.count() / 1000) + " ms"; }

}  // namespace

std::string_view name(Invariant invariant) {
  switch (invariant) {
    case Invariant::kRfCommandedOnlyInEnergizing:
      return "rf-commanded-only-in-energizing";
    case Invariant::kRfOutsideEndsInTime:
      return "rf-outside-ends-in-time";
    case Invariant::kFaultSafeStateInOrder:
      return "fault-safe-state-in-order";
    case Invariant::kPlanWithinEnvelope:
      return "plan-within-envelope";
    case Invariant::kPulseRecordedOnce:
      return "pulse-recorded-once";
    case Invariant::kLatchesSurviveRestart:
      return "latches-survive-restart";
  }
  return "?";
}

void Checker::fail(Invariant invariant, const std::string& what) {
  if (violation_) {
    return;
  }
  violation_ = Violation{invariant, d_.now(), what};
  log_.line(d_.now(), std::string("VIOLATION ") + std::string(name(invariant)) + ": " + what);
}

// --- Commands -----------------------------------------------------------------------------

void Checker::on_command(const core::BoardCommand& command, const core::Core& /*core*/) {
  if (violation_) {
    return;
  }
  core::Core& core = d_.core();
  const State s = core.state();
  if (!std::holds_alternative<core::Heartbeat>(command)) {
    static constexpr const char* kNames[] = {
        "configure", "configure-needles", "measure-impedance", "insert", "retract", "home",
        "halt-motor", "deliver-pulse", "abort", "heartbeat", "relay-open", "relay-close",
        "clear-latched-fault", "cartridge-read", "cartridge-bind", "cartridge-consume",
        "calibration-measurement"};
    static_assert(std::size(kNames) == std::variant_size_v<core::BoardCommand>);
    log_.line(d_.now(), std::string("command ") + kNames[command.index()] + " in " +
                            std::string(core::name(s)));
  }
  if (const auto* p = std::get_if<core::DeliverPulse>(&command)) {
    check_delivery(*p, core);
    return;
  }
  if (const auto* h = std::get_if<core::Heartbeat>(&command); h != nullptr && h->rf_permitted) {
    bool energizing = s == State::kEnergizing;
    for (const core::CoreEvent& e : core.outbox().events) {
      energizing = energizing ||
                   (e.kind == core::EventKind::kStateChanged && e.state == State::kEnergizing);
    }
    if (core::is_latched(s)) {
      fail(Invariant::kRfCommandedOnlyInEnergizing,
           "heartbeat permitting RF in " + std::string(core::name(s)));
    } else if (!energizing && s != State::kSelfTest && s != State::kService) {
      fail(Invariant::kRfCommandedOnlyInEnergizing,
           "heartbeat permitting RF in " + std::string(core::name(s)));
    } else if (s == State::kSelfTest && d_.device.ground_truth().lines.needles_at_depth) {
      fail(Invariant::kRfCommandedOnlyInEnergizing,
           "self-test heartbeat permitting RF with the needles at depth");
    }
    return;
  }
  if (std::holds_alternative<core::Retract>(command)) {
    retract_in_latch_ = core::is_latched(s);
  }
  if (std::holds_alternative<core::Insert>(command)) {
    // The pulse's cartridge checks are the ones at its insertion: the actuator's, and the
    // core's decision to start it (SR-62, SR-63).
    cartridge_at_insert_ = d_.device.cartridge();
  }
  if (std::holds_alternative<core::RelayClose>(command) && core::is_latched(s)) {
    fail(Invariant::kRfCommandedOnlyInEnergizing,
         "relay close commanded in " + std::string(core::name(s)));
  }
}

void Checker::check_delivery(const core::DeliverPulse& p, const core::Core& /*unused*/) {
  core::Core& core = d_.core();
  const State s = core.state();
  const sim::GroundTruth truth = d_.device.ground_truth();
  // SR-68: IDs from one monotonic series, each reserved durably before it is sent.
  if (p.pulse_id <= last_command_pulse_id_) {
    fail(Invariant::kPulseRecordedOnce, "pulse ID " + std::to_string(p.pulse_id) +
                                            " sent after " +
                                            std::to_string(last_command_pulse_id_));
    return;
  }
  last_command_pulse_id_ = p.pulse_id;
  if (p.pulse_id > shell_.store.reserved_pulse_ids()) {
    fail(Invariant::kPulseRecordedOnce, "pulse ID " + std::to_string(p.pulse_id) +
                                            " sent before it was reserved (reserved up to " +
                                            std::to_string(shell_.store.reserved_pulse_ids()) +
                                            ")");
    return;
  }
  const Microjoules planned = energy(p.power, p.duration);
  if (s == State::kSelfTest || s == State::kService) {
    // The self-test's request the gate must refuse, or a fixture pulse (SR-65, SR-66).
    if (planned > kFixturePulseLimit) {
      fail(Invariant::kRfCommandedOnlyInEnergizing,
           "service pulse of " + std::to_string(planned.value()) + " uJ");
    } else if (s == State::kSelfTest && truth.lines.needles_at_depth) {
      fail(Invariant::kRfCommandedOnlyInEnergizing, "self-test pulse with the needles at depth");
    }
    return;
  }
  bool energizing = s == State::kEnergizing;
  for (const core::CoreEvent& e : core.outbox().events) {
    energizing = energizing ||
                 (e.kind == core::EventKind::kStateChanged && e.state == State::kEnergizing);
  }
  if (!energizing) {
    fail(Invariant::kRfCommandedOnlyInEnergizing,
         "pulse command in " + std::string(core::name(s)));
    return;
  }
  const core::Status& status = core.status();
  if (s == State::kEnergizing && core.interlocks().most_severe() > core::Action::kWarn) {
    fail(Invariant::kRfCommandedOnlyInEnergizing,
         "pulse command with interlocks in effect:" + in_effect_text(core.interlocks()));
    return;
  }
  if (!status.parameters || status.parameters->power != p.power ||
      status.parameters->duration != p.duration) {
    fail(Invariant::kRfCommandedOnlyInEnergizing, "pulse command off the plan");
    return;
  }
  const Micrometres depth = status.parameters->depth;
  const bool slipping =
      fault_active(sim::FaultKind::kEncoderSlip, d_.now(), milliseconds(20)) ||
      fault_active(sim::FaultKind::kMotorStall, d_.now(), milliseconds(20));
  if (!truth.lines.needles_at_depth) {
    fail(Invariant::kRfCommandedOnlyInEnergizing, "pulse command with the at-depth line low");
    return;
  }
  if (!slipping && (truth.needle_position > depth + kDepthTolerance ||
                    truth.needle_position < depth - kDepthTolerance)) {
    fail(Invariant::kRfCommandedOnlyInEnergizing,
         "pulse command with the needles at " + std::to_string(truth.needle_position.value()) +
             " um, planned " + std::to_string(depth.value()) + " um");
    return;
  }
  // The envelope and the cartridge in the handpiece (its memory as the board reads it).
  const std::optional<sim::CartridgeMemory> cartridge = d_.device.cartridge();
  if (!cartridge || !is_needle_cartridge(*cartridge)) {
    fail(Invariant::kPlanWithinEnvelope, "pulse command with no needle cartridge attached");
    return;
  }
  const Microjoules cartridge_limit =
      kEnergyPerNeedle * static_cast<std::int64_t>(cartridge->needle_count);
  const Micrometres kind_max{cartridge->type == sim::CartridgeType::kFace ? 3500 : 7000};
  std::string bad;
  if (p.power < watts(1) || p.power > watts(50)) bad = "power " + std::to_string(p.power.value());
  if (p.duration < milliseconds(10) || p.duration > milliseconds(1000))
    bad = "duration " + ms(p.duration);
  if (planned > cartridge_limit)
    bad = "plan " + std::to_string(planned.value()) + " uJ over " +
          std::to_string(cartridge_limit.value()) + " uJ for " +
          std::to_string(cartridge->needle_count) + " needles";
  if (p.energy_cap > planned * 110 / 100 || p.energy_cap > cartridge_limit)
    bad = "energy cap " + std::to_string(p.energy_cap.value()) + " uJ";
  if (depth > cartridge->max_depth || depth > kind_max || depth < Micrometres{500} ||
      depth.value() % 100 != 0)
    bad = "depth " + std::to_string(depth.value()) + " um";
  const sim::CartridgeMemory& decided = cartridge_at_insert_.value_or(*cartridge);
  if (decided.pulses_used >= decided.pulse_limit)
    bad = "cartridge at its limit (" + std::to_string(decided.pulses_used) + ")";
  if (day_number(decided.expiry) < facts_.today) bad = "cartridge expired";
  if (cartridge->bound_session == 0 || cartridge->bound_session != facts_.core_session_id)
    bad = "cartridge bound to session " + std::to_string(cartridge->bound_session) +
          ", session " + std::to_string(facts_.core_session_id) + " open";
  if (const auto it = cartridge_session_.find(cartridge->serial);
      it != cartridge_session_.end() && it->second != facts_.logical_session) {
    bad = "cartridge " + std::to_string(cartridge->serial) + " used in an earlier session";
  }
  if (!bad.empty()) {
    fail(Invariant::kPlanWithinEnvelope, "pulse command: " + bad);
    return;
  }
  cartridge_session_[cartridge->serial] = facts_.logical_session;
  caps_[p.pulse_id] = p.energy_cap;
}

// --- Every millisecond --------------------------------------------------------------------

void Checker::step() {
  if (violation_) {
    return;
  }
  const Instant now = d_.now();
  const sim::GroundTruth t = d_.device.ground_truth();
  log_.mix(static_cast<std::uint64_t>(t.rf_on) | (static_cast<std::uint64_t>(t.relay_closed) << 1) |
           (static_cast<std::uint64_t>(t.needle_position.value()) << 2));
  peak_skin_ = std::max(peak_skin_, t.skin_temperature);
  // Link losses on the generator's and the actuator's lines.
  const auto losses = [](const testing::FaultyByteChannel& line) {
    std::uint64_t n = 0;
    for (const auto dir : {testing::Direction::kAToB, testing::Direction::kBToA}) {
      const testing::LineStats& s = line.stats(dir);
      n += s.bytes_dropped + s.bytes_corrupted + s.chunks_reordered;
    }
    return n;
  };
  const std::uint64_t g = losses(d_.generator_line) + (losses(d_.actuator_line) << 32);
  if ((g & 0xFFFF'FFFFu) != (generator_line_losses_ & 0xFFFF'FFFFu)) {
    generator_impaired_until_ = now + kImpairmentTail;
  }
  if ((g >> 32) != (generator_line_losses_ >> 32)) {
    actuator_impaired_until_ = now + kImpairmentTail;
  }
  generator_line_losses_ = g;

  take_events();
  take_records();
  take_pulse_log();
  if (violation_) return;
  check_rf_outside(t, now);
  if (violation_) return;
  check_faults(t, now);
  if (violation_) return;
  check_motion(t, now);
  if (violation_) return;
  check_latches(now);
  previous_ = t;
  previous_permitted_ = permitted();
}

bool Checker::permitted() const {
  if (!d_.controller_running()) {
    return false;
  }
  const core::Core& c = d_.core();
  const State s = c.state();
  return s == State::kEnergizing ||
         ((s == State::kSelfTest || s == State::kService) && c.rf_permitted());
}

bool Checker::fault_active(sim::FaultKind kind, Instant now, Duration since) const {
  for (const sim::ScheduledFault& f : d_.device.faults().entries()) {
    if (f.kind != kind || f.start > now) continue;
    if (!f.end || *f.end + since > now) return true;
  }
  return false;
}

bool Checker::generator_link_impaired(Instant now) const {
  if (!d_.controller_running() || (crashed_at_ && now - *crashed_at_ < kDeadManDeadline * 2) ||
      (restarted_at_ && now - *restarted_at_ < kImpairmentTail)) {
    return true;
  }
  if (generator_impaired_until_ && now < *generator_impaired_until_) {
    return true;
  }
  for (const sim::ScheduledFault& f : d_.device.faults().entries()) {
    const bool link = f.kind == sim::FaultKind::kLinkDrop || f.kind == sim::FaultKind::kLinkCorrupt ||
                      f.kind == sim::FaultKind::kLinkDelay || f.kind == sim::FaultKind::kLinkStall ||
                      f.kind == sim::FaultKind::kLinkDisconnect;
    if (!link || f.start > now || (f.end && *f.end + kImpairmentTail < now)) continue;
    if (f.kind == sim::FaultKind::kLinkDelay && f.end) {
      // Frames sent while it lasted arrive up to `delay` late.
      const Duration delay = microseconds(static_cast<std::int64_t>(f.parameters.get("delay") * 1000));
      if (*f.end + delay + kImpairmentTail < now) continue;
    }
    const double which = f.parameters.get("link");
    if (which == 0 || which == 1) return true;
  }
  return false;
}

bool Checker::actuator_link_impaired(Instant now) const {
  if (!d_.controller_running() || (actuator_impaired_until_ && now < *actuator_impaired_until_)) {
    return true;
  }
  for (const sim::ScheduledFault& f : d_.device.faults().entries()) {
    const bool link = f.kind == sim::FaultKind::kLinkDrop || f.kind == sim::FaultKind::kLinkCorrupt ||
                      f.kind == sim::FaultKind::kLinkDelay || f.kind == sim::FaultKind::kLinkStall ||
                      f.kind == sim::FaultKind::kLinkDisconnect;
    if (!link || f.start > now || (f.end && *f.end + seconds(1) < now)) continue;
    const double which = f.parameters.get("link");
    if (which == 0 || which == 2) return true;
  }
  return false;
}

std::optional<Instant> Checker::generator_last_valid_frame() const {
  const sim::GeneratorFirmware* g = d_.device.generator();
  if (g == nullptr) return std::nullopt;
  return g->session().last_valid_frame();
}

void Checker::take_events() {
  for (; events_seen_ < d_.events.size(); ++events_seen_) {
    const core::CoreEvent& e = d_.events[events_seen_];
    log_.line(e.at, describe(e));
    if (e.kind == core::EventKind::kConditionRaised && e.condition &&
        core::spec(*e.condition).action >= core::Action::kFault) {
      obligations_.push_back(FaultObligation{*e.condition, e.at});
    }
  }
}

void Checker::take_records() {
  for (; records_seen_ < d_.records.size(); ++records_seen_) {
    const core::PulseRecord& r = d_.records[records_seen_];
    log_.line(d_.now(), "record pulse " + std::to_string(r.pulse_id) + " outcome " +
                            std::to_string(static_cast<int>(r.outcome)) + " energy " +
                            std::to_string(r.delivered_energy.value()));
    if (r.outcome == core::PulseOutcome::kStarted) {
      if (r.pulse_id <= last_started_id_) {
        fail(Invariant::kPulseRecordedOnce, "pulse ID " + std::to_string(r.pulse_id) +
                                                " started after " +
                                                std::to_string(last_started_id_));
        return;
      }
      last_started_id_ = r.pulse_id;
    } else if (++finals_[r.pulse_id] > 1) {
      fail(Invariant::kPulseRecordedOnce,
           "pulse " + std::to_string(r.pulse_id) + " recorded twice");
      return;
    }
  }
}

void Checker::take_pulse_log() {
  const sim::GeneratorMemory& m = d_.device.generator_memory();
  while (lifetime_pulses_seen_ < m.lifetime_pulses) {
    const std::uint64_t behind = m.lifetime_pulses - lifetime_pulses_seen_;
    ++lifetime_pulses_seen_;
    if (behind > m.pulse_log.size()) continue;
    const sim::PulseRecord& r = m.pulse_log[m.pulse_log.size() - behind];
    log_.line(d_.now(), "generator logged pulse " + std::to_string(r.pulse_id) + " " +
                            std::to_string(r.delivered_energy_uj) + " uJ " +
                            std::to_string(r.delivered_duration_us) + " us end " +
                            std::to_string(static_cast<int>(r.end)));
    delivered_[r.pulse_id] = Delivered{r.delivered_energy_uj, r.delivered_duration_us};
    if (!d_.controller_running()) pulses_cut_by_crash_.insert(r.pulse_id);
    if (r.delivered_duration_us > kPulseCapUs + 1000) {
      fail(Invariant::kPlanWithinEnvelope, "pulse " + std::to_string(r.pulse_id) +
                                               " conducted " +
                                               std::to_string(r.delivered_duration_us) + " us");
      return;
    }
    const auto cap = caps_.find(r.pulse_id);
    const Microjoules limit =
        (cap != caps_.end() ? cap->second : Microjoules{3'038'000}) + kOneSampleAtMaxPower;
    if (Microjoules{r.delivered_energy_uj} > limit) {
      fail(Invariant::kPlanWithinEnvelope,
           "pulse " + std::to_string(r.pulse_id) + " delivered " +
               std::to_string(r.delivered_energy_uj) + " uJ, cap " +
               std::to_string(limit.value() - kOneSampleAtMaxPower.value()) + " uJ");
      return;
    }
  }
}

void Checker::check_rf_outside(const sim::GroundTruth& t, Instant now) {
  // The board's dead-man holds whatever the controller does (SR-39).
  if (const std::optional<Instant> lvf = generator_last_valid_frame();
      t.rf_on && lvf && now > *lvf + kDeadManDeadline + kStep) {
    fail(Invariant::kRfOutsideEndsInTime,
         "RF on " + ms(now - *lvf) + " after the generator's last valid frame");
    return;
  }
  if (!t.rf_on || permitted()) {
    episode_.reset();
    return;
  }
  if (!episode_) {
    Episode e;
    e.start = now;
    e.core_ended = previous_permitted_ && previous_ && previous_->rf_on;
    episode_ = e;
    episode_counter_ = d_.controller_running() ? d_.core().generator_sample().sample_counter : 0;
  }
  Episode& e = *episode_;
  if (d_.controller_running() && !e.seen) {
    const core::GeneratorSample& g = d_.core().generator_sample();
    if (g.sample_counter != episode_counter_ &&
        (g.rf_active || g.power >= d_.core().config().power.rf_on_threshold)) {
      e.seen = now;
    }
  }
  const bool impaired = generator_link_impaired(now);
  e.rx_impaired = e.rx_impaired || impaired;
  // The earliest end a working mechanism guarantees; impairments only extend it.
  Instant deadline = e.start + kStep + kSecondSample + kTelemetryDeadline + kStep;
  std::string why = "uncommanded RF, first sample not yet seen";
  if (e.core_ended) {
    deadline = e.start + kCommandedOffDeadline + kStep;
    why = "the core ended the pulse";
  } else if (e.seen) {
    deadline = *e.seen + kSecondSample + kTelemetryDeadline + kStep;
    why = "the controller saw RF on";
  }
  if (e.rx_impaired) {
    deadline = std::max(deadline, e.start + kGapDeadline + kStep);
    why += ", samples lost";
  }
  if (impaired) {
    if (const std::optional<Instant> lvf = generator_last_valid_frame()) {
      deadline = std::max(deadline, *lvf + kDeadManDeadline + kStep);
      why += ", link lost";
    }
  }
  if (now > deadline) {
    fail(Invariant::kRfOutsideEndsInTime,
         "RF on outside Energizing for " + ms(now - e.start) + " (" + why + ") in " +
             (d_.controller_running() ? std::string(core::name(d_.core().state()))
                                      : std::string("no controller")));
  }
}

void Checker::check_faults(const sim::GroundTruth& t, Instant now) {
  if (obligations_.empty()) return;
  const bool impaired = t.rf_on && generator_link_impaired(now);
  for (auto it = obligations_.begin(); it != obligations_.end();) {
    if (!t.rf_on) {
      it = obligations_.erase(it);
      continue;
    }
    Instant deadline = it->raised + kTelemetryDeadline + kStep;
    if (impaired) {
      if (const std::optional<Instant> lvf = generator_last_valid_frame()) {
        deadline = std::max(deadline, *lvf + kDeadManDeadline + kStep);
      }
    }
    if (now > deadline) {
      fail(Invariant::kFaultSafeStateInOrder,
           "RF still on " + ms(now - it->raised) + " after " +
               std::string(core::spec(it->condition).name) + " was raised");
      return;
    }
    ++it;
  }
}

void Checker::check_motion(const sim::GroundTruth& t, Instant now) {
  if (previous_) {
    const std::int64_t moved = t.needle_position.value() - previous_->needle_position.value();
    // No needle motion starts while the RF-active line is high (SR-09). A motion already
    // under way when RF appears uncommanded (an output stage stuck on) goes on until the
    // relay opens, within the RF-off deadline checked above.
    const bool starts_moving = std::llabs(moved) > 20 && std::llabs(previous_moved_) <= 5;
    previous_moved_ = moved;
    if (starts_moving && t.rf_on && previous_->rf_on && previous_->lines.rf_active) {
      fail(Invariant::kFaultSafeStateInOrder,
           "needles started moving (" + std::to_string(moved) + " um) while RF was on");
      return;
    }
    // A retraction the core commands in a latched state starts only once the relay is
    // open (SR-51); one commanded before the latch came goes on.
    const bool starts_retracting = moved < -5 && !retracting_;
    retracting_ = moved < -5;
    if (starts_retracting && retract_in_latch_ && d_.controller_running() &&
        core::is_latched(d_.core().state()) &&
        t.relay_closed && previous_->relay_closed && !t.generator_booting &&
        !generator_link_impaired(now)) {
      fail(Invariant::kFaultSafeStateInOrder, "needles retracting with the relay closed in " +
                                                  std::string(core::name(d_.core().state())));
      return;
    }
  }
  // A latched state withdraws the needles, unless they are stuck (SR-30, SR-51).
  const bool latched = d_.controller_running() && (d_.core().state() == State::kFault ||
                                                   d_.core().state() == State::kServiceLock);
  if (!latched) {
    latched_since_.reset();
    return;
  }
  if (!latched_since_) latched_since_ = now;
  // Stuck: the retries failed (SR-30); the motor stays off until a service reset. Not
  // homed yet (a latch before the power-on self-test homed the motor): its position means
  // nothing.
  const bool hindered =
      !d_.core().actuator_sample().homed ||
      d_.core().interlocks().in_effect(core::Condition::kRetractionFailed) ||
      fault_active(sim::FaultKind::kRetractionJam, now, kWithdrawTime) ||
      fault_active(sim::FaultKind::kMotorStall, now, kWithdrawTime) ||
      fault_active(sim::FaultKind::kEncoderSlip, now, kWithdrawTime) ||
      fault_active(sim::FaultKind::kBoardReboot, now, kWithdrawTime * 3) ||
      actuator_link_impaired(now) || (restarted_at_ && now - *restarted_at_ < kWithdrawTime * 3);
  if (hindered) {
    latched_since_ = now;
    return;
  }
  if (now - *latched_since_ > kWithdrawTime && t.needle_position > kRetracted) {
    fail(Invariant::kFaultSafeStateInOrder,
         "needles still at " + std::to_string(t.needle_position.value()) + " um " +
             ms(now - *latched_since_) + " into " + std::string(core::name(d_.core().state())));
  }
}

void Checker::check_latches(Instant /*now*/) {
  if (!restored_latch_pending_ || !d_.controller_running()) {
    return;
  }
  const State s = d_.core().state();
  if (s == State::kStandby || s == State::kReady || s == State::kPaused || core::in_pulse(s) ||
      s == State::kService) {
    fail(Invariant::kLatchesSurviveRestart,
         "the store held a latch at the restart, and the core reached " +
             std::string(core::name(s)) + " without an acknowledge or reset");
  }
}

void Checker::on_crash() {
  crashed_at_ = d_.now();
  obligations_.clear();
}

void Checker::on_restart() {
  restarted_at_ = d_.now();
  restored_latch_pending_ = shell_.restored_latches;
  // The new process's records are checked from here on.
  events_seen_ = std::min(events_seen_, d_.events.size());
}

void Checker::finish() {
  if (violation_) {
    return;
  }
  take_events();
  take_records();
  take_pulse_log();
  if (violation_) return;
  // Every delivered pulse is in the store once, with its final record (SR-69, SR-70).
  std::map<std::uint64_t, daemon::StoredPulse> stored;
  for (const daemon::StoredPulse& p : shell_.store.pulses_from(1, 1'000'000)) {
    stored[p.record.pulse_id] = p;
  }
  for (const auto& [id, pulse] : stored) {
    if (pulse.record.outcome == core::PulseOutcome::kStarted ||
        pulse.record.outcome == core::PulseOutcome::kNotDelivered) {
      continue;
    }
    if (pulse.record.kind == core::PulseKind::kTreatment) ++stored_;
    if (pulse.record.delivered_energy > Microjoules{0} && delivered_.count(id) == 0) {
      fail(Invariant::kPulseRecordedOnce, "the store records " +
                                              std::to_string(pulse.record.delivered_energy.value()) +
                                              " uJ for pulse " + std::to_string(id) +
                                              ", which the generator never delivered");
      return;
    }
  }
  for (const auto& [id, pulse] : delivered_) {
    const auto it = stored.find(id);
    if (it != stored.end() && it->second.record.outcome != core::PulseOutcome::kStarted) continue;
    fail(Invariant::kPulseRecordedOnce,
         "pulse " + std::to_string(id) + " was delivered (" + std::to_string(pulse.energy_uj) +
             " uJ) and is not recorded" +
             (it == stored.end() ? std::string() : std::string(" (only its start)")));
    return;
  }
}

}  // namespace rfneedle::dst

// One run of one pair: the device is driven to the pair's state, the fault injected at an
// offset the seed chooses within the state, and the device run until the safe state,
// under the deterministic simulation's checker (tests/dst/dst_checker.cpp), which holds
// the safe state's order and every delivered pulse's record.
#include <algorithm>

#include "tests/campaign/campaign.h"
#include "tests/dst/dst_world.h"

namespace rfneedle::campaign {
namespace {

using core::State;
using testing::WholeDevice;

constexpr std::int32_t kToday = 20'240;   // 2025-06-01, the boards' default date
constexpr Micrometres kRetracted{100};    // as the checker counts the needles out
constexpr Duration kLimit = seconds(12);  // after the injection, for the safe state

// How far into the state the fault may strike: the state's shortest stay in this set-up
// (10 W, 100 ms, 2.0 mm; measured with --states), less a millisecond, so the fault always
// strikes in it; long-lived states take the first 200 ms.
Duration window(State s) {
  switch (s) {
    case State::kSelfTest:
      return milliseconds(30);
    case State::kInserting:
      return milliseconds(8);
    case State::kMeasuring:
      return milliseconds(3);
    case State::kEnergizing:
      return milliseconds(80);
    case State::kRetracting:
      return milliseconds(8);
    default:
      return milliseconds(200);
  }
}

bool pulse_state(State s) { return core::in_pulse(s); }

class Run {
 public:
  Run(const Pair& pair, std::uint64_t seed)
      : pair_(pair), seed_(seed), rng_(seed * 0x9E3779B97F4A7C15ULL + 0xCA3F), log_(false) {
    testing::WholeDeviceOptions o;
    o.device.seed = seed;
    o.record_history = false;
    o.reserve_all_pulse_ids = false;
    o.nonce = seed << 16;
    d_ = std::make_unique<WholeDevice>(o);
    shell_ = std::make_unique<dst::Shell>(*d_, log_);
    facts_.today = kToday;
    checker_ = std::make_unique<dst::Checker>(*d_, *shell_, log_, facts_);
    d_->set_command_observer(checker_.get());
    d_->store_acks = false;
    shell_->set_delay(milliseconds(1));
  }

  RunResult go();

 private:
  void step();
  void observe();
  void operate();
  void fail(const std::string& what) {
    if (result_.failure.empty()) result_.failure = what;
  }
  [[nodiscard]] State state() const {
    return d_->controller_running() ? d_->core().state() : State::kConnecting;
  }
  [[nodiscard]] bool in_end_state() const {
    return std::find(pair_.end_states.begin(), pair_.end_states.end(), state()) !=
           pair_.end_states.end();
  }
  bool drive();

  const Pair& pair_;
  std::uint64_t seed_;
  dst::Rng rng_;
  dst::Log log_;
  dst::TreatmentFacts facts_;
  std::unique_ptr<WholeDevice> d_;
  std::unique_ptr<dst::Shell> shell_;
  std::unique_ptr<dst::Checker> checker_;
  RunResult result_;

  std::size_t events_seen_ = 0;
  bool holding_ = false;
  bool saw_pulse_ = false;
  std::optional<Instant> injected_;
  std::optional<Instant> press_at_;  // Ready: the operator's next press after the fault
  std::optional<Instant> release_at_;
  std::optional<Instant> condition_at_;
  bool rf_on_at_condition_ = false;
  std::optional<Instant> rf_seen_on_;
  bool in_core_pulse_ = false;
  std::optional<Instant> rf_off_at_;
};

void Run::step() {
  shell_->step();
  observe();
  operate();
  checker_->step();
}

void Run::observe() {
  if (!d_->controller_running()) return;
  for (; events_seen_ < d_->events.size(); ++events_seen_) {
    const core::CoreEvent& e = d_->events[events_seen_];
    // As rfneedled's service thread stores it (core_gateway.cpp).
    daemon::StoredEvent s;
    s.at = e.at.time_since_epoch().count() / 1000;
    s.kind = e.kind;
    s.severity = e.severity;
    s.priority = e.priority;
    s.condition = e.condition;
    s.state = e.state;
    s.text = std::string(e.text);
    s.detail = std::string(e.detail);
    s.value = e.value;
    (void)shell_->store.append_event(s);
    if (!injected_ || e.kind != core::EventKind::kConditionRaised || !e.condition) continue;
    if (result_.raised.size() < 12) {
      result_.raised.push_back(std::string(core::spec(*e.condition).name) + " (" +
                               std::string(core::name(e.priority)) + ") at +" +
                               dst::ms_text(Instant{} + (e.at - *injected_)) + " in " +
                               std::string(core::name(e.state)));
    }
    if (result_.condition) continue;
    if (std::find(pair_.conditions.begin(), pair_.conditions.end(), *e.condition) ==
        pair_.conditions.end()) {
      continue;
    }
    result_.condition = e.condition;
    result_.priority = e.priority;
    condition_at_ = std::max(e.at, *injected_);
    result_.detection = *condition_at_ - *injected_;
    rf_on_at_condition_ = d_->device.ground_truth().rf_on;
  }
  if (!injected_) return;
  const bool rf_on = d_->device.ground_truth().rf_on;
  // RF on at the injection, or on after it outside a pulse the core energized (a stuck
  // output stage): when it stops. A pulse the core starts later, to its last sample, is
  // not the fault's.
  if (rf_on && state() == State::kEnergizing) in_core_pulse_ = true;
  if (!rf_on) in_core_pulse_ = false;
  if (!rf_seen_on_ && rf_on && !in_core_pulse_) rf_seen_on_ = d_->now();
  if (rf_seen_on_ && !rf_off_at_ && !rf_on) {
    rf_off_at_ = d_->now();
    result_.rf_off = *rf_off_at_ - *injected_;
  }
  // RF on when the condition became true: when it stops (the deadline of section 4).
  if (condition_at_ && rf_on_at_condition_ && !result_.rf_off_after_condition && !rf_on) {
    result_.rf_off_after_condition = d_->now() - *condition_at_;
  }
}

void Run::operate() {
  const Instant now = d_->now();
  const State s = state();
  if (pulse_state(s)) saw_pulse_ = true;
  if (holding_ && saw_pulse_ && !pulse_state(s) && !release_at_) {
    release_at_ = now + milliseconds(20);  // the hand lets go once the pulse is over
  }
  if (holding_ && release_at_ && now >= *release_at_) {
    d_->device.release_trigger();
    holding_ = false;
    release_at_.reset();
    log_.line(now, "operator releases the trigger");
  }
  // Ready: the clinician presses for the next pulse, which meets the fault.
  if (press_at_ && now >= *press_at_ && !holding_ && s == State::kReady) {
    press_at_.reset();
    d_->device.press_trigger();
    holding_ = true;
    saw_pulse_ = false;
    release_at_ = now + milliseconds(1'500);  // let go if no pulse came of it
    log_.line(now, "operator presses the trigger");
  }
  if (holding_ && saw_pulse_ && release_at_ && *release_at_ > now + milliseconds(20) &&
      !pulse_state(s)) {
    release_at_ = now + milliseconds(20);
  }
}

bool Run::drive() {
  WholeDevice& d = *d_;
  const State target = pair_.state;
  if (target == State::kSelfTest) return d.run_until_state(State::kSelfTest, seconds(5));
  if (!d.run_until_state(State::kStandby, seconds(10))) return false;
  if (target == State::kStandby) return true;
  core::Core& c = d.core();
  if (target == State::kService) {
    (void)c.enter_service(d.now());
    d.send_commands();
    return d.run_until_state(State::kService, milliseconds(100));
  }
  core::SessionRequest r = WholeDevice::session_request();
  r.today = kToday;
  if (!c.open_session(r, d.now()).ok()) return false;
  ++facts_.logical_session;
  facts_.core_session_id = c.status().session_id;
  d.send_commands();
  core::PulseParameters p = WholeDevice::parameters();
  p.power = pair_.pulse_power;
  p.duration = pair_.pulse_time;
  if (!c.set_parameters(p, d.now()).ok()) return false;
  d.send_commands();
  d.run(milliseconds(20));
  if (!c.arm(d.now()).ok()) return false;
  d.send_commands();
  if (!d.run_until_state(State::kReady, seconds(1))) return false;
  if (target == State::kReady) return true;
  if (target == State::kPaused) {
    // The display stops echoing: blocked after 2 s (SR-78).
    d.display_live = false;
    return d.run_until_state(State::kPaused, seconds(4));
  }
  // Let the first inter-pulse interval pass, then press and hold.
  d.run(milliseconds(300));
  d.device.press_trigger();
  holding_ = true;
  log_.line(d.now(), "operator presses the trigger");
  return d.run_until_state(target, seconds(1));
}

RunResult Run::go() {
  WholeDevice& d = *d_;
  result_.seed = seed_;
  d.after_step = [this] { step(); };
  shell_->power_on();
  if (!drive()) {
    fail("the device did not reach " + std::string(core::name(pair_.state)) + " (in " +
         std::string(core::name(state())) + ")");
    result_.log_tail = log_.tail();
    d.after_step = nullptr;
    return result_;
  }
  // The offset into the state.
  const Instant entered = d.now();
  const std::int64_t earliest = pair_.earliest.count() / 1000;
  const Duration offset = milliseconds(
      rng_.between(earliest, std::max(earliest, window(pair_.state).count() / 1000 - 1)));
  (void)d.run_until([&] { return d.now() >= entered + offset || state() != pair_.state; },
                    offset + milliseconds(1));
  result_.state_at_injection = state();
  result_.rf_on_at_injection = d.device.ground_truth().rf_on;
  injected_ = d.now();
  if (result_.rf_on_at_injection) {
    rf_seen_on_ = d.now();
    in_core_pulse_ = false;  // the fault's from now on
  }
  d.device.inject(pair_.fault, d.now());
  log_.line(d.now(), "fault " + pair_.fault_text + " injected in " +
                         std::string(core::name(result_.state_at_injection)));
  if (result_.state_at_injection != pair_.state) {
    fail("the fault struck in " + std::string(core::name(result_.state_at_injection)) +
         ", not in " + std::string(core::name(pair_.state)));
  }
  if (pair_.state == State::kReady) press_at_ = d.now() + milliseconds(100);
  // Until the safe state: the condition raised, the core in an end state, RF off, the
  // relay open in a latched state, the needles out unless they are stuck.
  const auto safe = [&] {
    const sim::GroundTruth t = d.device.ground_truth();
    // Before the self-test homed the motor its position means nothing (as the checker
    // counts it): a latch then leaves the carriage where it powered on.
    const bool homed = d.controller_running() && d.core().actuator_sample().homed;
    return checker_->violation() ||
           (result_.condition && in_end_state() && !t.rf_on && !holding_ &&
            (!core::is_latched(state()) || !t.relay_closed) &&
            (state() == State::kNeedleStuck || !homed || t.needle_position <= kRetracted));
  };
  result_.safe_state = d.run_until(safe, kLimit) && !checker_->violation();
  result_.end_state = state();
  if (const auto& v = checker_->violation();
      v && v->invariant != dst::Invariant::kPulseRecordedOnce) {
    fail("invariant " + std::string(dst::name(v->invariant)) + " broken at " + dst::ms_text(v->at) +
         ": " + v->what);
  } else if (!result_.condition) {
    fail("none of the expected conditions was raised within 12 s (core in " +
         std::string(core::name(state())) + ")");
  } else if (!result_.safe_state) {
    const sim::GroundTruth t = d.device.ground_truth();
    fail("no safe state within 12 s: core in " + std::string(core::name(state())) + ", RF " +
         (t.rf_on ? "on" : "off") + ", relay " + (t.relay_closed ? "closed" : "open") +
         ", needles at " + std::to_string(t.needle_position.value()) + " um");
  }
  if (rf_seen_on_ && !rf_off_at_) fail("RF still on at the end of the run");
  if (rf_on_at_condition_ && !result_.rf_off_after_condition) {
    fail("RF on when the condition was raised and still on at the end of the run");
  }
  if (pair_.deadline_from == DeadlineFrom::kCondition && result_.rf_off_after_condition &&
      *result_.rf_off_after_condition > pair_.deadline) {
    fail("RF off " + std::to_string(result_.rf_off_after_condition->count() / 1000) +
         " ms after the condition, over the deadline");
  }
  if (pair_.deadline_from == DeadlineFrom::kInjection && result_.rf_off &&
      *result_.rf_off > pair_.deadline) {
    fail("RF off " + std::to_string(result_.rf_off->count() / 1000) +
         " ms after the injection, over the deadline");
  }
  // The cause removed (a cable plugged back, a board booted): the links come back, the
  // shell reconciles the generator's pulse log and the store catches up; every delivered
  // pulse must then be recorded once (SR-69, SR-70).
  if (holding_) d.device.release_trigger();
  holding_ = false;
  press_at_.reset();
  (void)d.device.clear_fault(sim::fault_spec(pair_.fault.kind()).name);
  shell_->flush_now();
  d.run(seconds(3));
  checker_->finish();
  if (const auto& v = checker_->violation();
      v && v->invariant == dst::Invariant::kPulseRecordedOnce) {
    result_.record_failure = "at " + dst::ms_text(v->at) + ": " + v->what;
  } else if (v) {
    fail("invariant " + std::string(dst::name(v->invariant)) + " broken at " + dst::ms_text(v->at) +
         ": " + v->what);
  }
  if (result_.condition) {
    daemon::EventQuery all;
    all.limit = 100'000;
    for (const daemon::StoredEvent& e : shell_->store.events(all)) {
      if (e.kind == core::EventKind::kConditionRaised && e.condition == result_.condition &&
          e.priority == result_.priority) {
        result_.stored = true;
      }
    }
  }
  d.after_step = nullptr;
  if (!result_.failure.empty() || !result_.record_failure.empty()) result_.log_tail = log_.tail();
  return result_;
}

}  // namespace

RunResult run_pair(const Pair& pair, std::uint64_t seed) {
  Run run(pair, seed);
  return run.go();
}

}  // namespace rfneedle::campaign

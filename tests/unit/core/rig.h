// A treatment rig for scenario tests: the core, the fake boards and a 1 kHz loop on the
// virtual clock. Each millisecond: both boards sample, the core sees both samples and the
// tick, and every command goes to the boards at once (acknowledgements come straight
// back). Everything the core emitted is kept for assertions.
#pragma once

#include <algorithm>
#include <functional>
#include <limits>
#include <vector>

#include "controller/core/core.h"
#include "tests/support/virtual_clock.h"
#include "tests/unit/core/fake_boards.h"

namespace rfneedle::core::testing {

struct Sent {
  Instant at;
  State state;                      // the core's state right after the input that emitted it
  std::uint64_t generator_time_us;  // the generator's latest sample time then
  Action action;                    // the most severe ladder action in effect then
  BoardCommand command;
};

class Rig {
 public:
  // `reserved_pulse_ids`: how far the rig's store reserved pulse IDs ahead (SR-68).
  explicit Rig(const CoreConfig& config = CoreConfig{},
               std::uint64_t reserved_pulse_ids = std::numeric_limits<std::uint64_t>::max())
      : clock(Instant{}), core(config, clock.now()) {
    core.allow_pulse_ids_up_to(reserved_pulse_ids, clock.now());
    clock.call_every(milliseconds(1), [this] { step(); });
  }

  rfneedle::testing::VirtualClock clock;
  FakeBoards boards;
  Core core;
  std::vector<Sent> sent;
  std::vector<CoreEvent> events;
  std::vector<PulseRecord> records;
  std::vector<LatchRecord> latches;
  bool store_acks = true;
  bool display_live = true;
  // Called after every millisecond, for invariant checks.
  std::function<void()> after_step;

  [[nodiscard]] Instant now() const { return clock.now(); }
  void run(Duration d) { clock.advance(d); }
  // Runs until `done` holds (checked every millisecond) or `limit` passes.
  bool run_until(const std::function<bool()>& done, Duration limit = seconds(2)) {
    const Instant end = now() + limit;
    while (now() < end) {
      if (done()) {
        return true;
      }
      clock.advance(milliseconds(1));
    }
    return done();
  }
  bool run_until_state(State s, Duration limit = seconds(2)) {
    return run_until([&] { return core.state() == s; }, limit);
  }

  // Drains the core's outputs into the logs and the boards, until nothing more comes.
  void drain() {
    for (int round = 0; round < 8; ++round) {
      Outbox& out = core.outbox();
      if (out.commands.empty() && out.events.empty() && out.latches.empty() && out.pulses.empty()) {
        return;
      }
      std::vector<BoardCommand> commands(out.commands.begin(), out.commands.end());
      for (const auto& e : out.events) events.push_back(e);
      for (const auto& l : out.latches) latches.push_back(l);
      for (const auto& p : out.pulses) {
        records.push_back(p);
        if (p.outcome != PulseOutcome::kStarted) {
          pending_store_.push_back(p.pulse_id);
        }
      }
      out.clear();
      boards.results.clear();
      for (const auto& c : commands) {
        sent.push_back(Sent{now(), core.state(), boards.gen.sample.board_time_us,
                            core.interlocks().most_severe(), c});
        boards.receive(c, now());
      }
      const std::vector<CommandResult> results = boards.results;
      boards.results.clear();
      for (const auto& r : results) {
        core.on_command_result(r, now());
      }
    }
  }

  void step() {
    const Instant t = now();
    boards.advance(t);
    if (!boards.gen.silent) {
      core.on_generator_sample(boards.gen.sample, t);
      drain();
    }
    if (!boards.act.silent) {
      core.on_actuator_sample(boards.act.sample, t);
      drain();
    }
    core.tick(t);
    drain();
    if (display_live && (t - last_display_ >= milliseconds(500) || last_display_ == Instant{})) {
      last_display_ = t;
      const std::uint64_t id = core.snapshot(t).snapshot_id;
      (void)core.display_heartbeat(id, t);
      drain();
    }
    if (store_acks) {
      for (auto id : pending_store_) core.on_record_stored(id, t);
      pending_store_.clear();
      drain();
    }
    if (after_step) after_step();
  }

  // The last session ID the daemon's store kept, handed back at power-on.
  std::uint64_t last_stored_session_id = 0;

  // Handshakes, restored latches, the power-on self-test: Standby.
  bool power_on(std::vector<LatchRecord> restored = {}) {
    core.on_handshake(Board::kGenerator, matched_handshake(Board::kGenerator), now());
    core.on_handshake(Board::kActuator, matched_handshake(Board::kActuator), now());
    core.restore(restored, 0, last_stored_session_id, now());
    drain();
    return run_until(
        [&] { return core.state() != State::kConnecting && core.state() != State::kSelfTest; },
        seconds(5));
  }

  static SessionRequest session_request(BodyArea area = BodyArea::kCheek) {
    SessionRequest r;
    r.patient_ref = "P-0001";
    r.operator_id = "op-7";
    r.area = area;
    r.screening = Screening::all_no(default_screening_items());
    r.today = 19'000;
    return r;
  }
  static PulseParameters parameters() {
    PulseParameters p;
    p.power = watts(10);
    p.duration = milliseconds(100);
    p.depth = Micrometres{2000};
    return p;
  }

  // Power-on through to Ready with a cheek session at 10 W, 100 ms, 2.0 mm; the logs
  // start empty there.
  bool ready(const PulseParameters& p = parameters(), const SessionRequest& r = session_request()) {
    if (!power_on()) return false;
    if (!core.open_session(r, now()).ok()) return false;
    if (!core.set_parameters(p, now()).ok()) return false;
    if (!core.arm(now()).ok()) return false;
    drain();
    const bool armed = run_until_state(State::kReady, milliseconds(50));
    clear_logs();
    return armed;
  }

  // Presses the trigger and holds it until the pulse is over (back to Ready or anywhere
  // not in a pulse), then releases it.
  void press_and_hold() {
    boards.act.press();
    run(milliseconds(1));
    run_until([&] { return !in_pulse(core.state()); }, seconds(3));
    boards.act.release();
    run(milliseconds(1));
  }

  // Moves both skin thermistors to `target` at a plausible 30 °C/s (the rate check
  // trips above 50 °C/s), one millisecond at a time.
  void ramp_skin(MilliCelsius target) {
    constexpr MilliCelsius kStep{30};
    for (;;) {
      MilliCelsius& a = boards.act.skin_a;
      if (a == target) break;
      a = a < target ? std::min(a + kStep, target) : std::max(a - kStep, target);
      boards.act.skin_b = a;
      run(milliseconds(1));
    }
  }

  // Commands of one kind sent so far.
  template <typename T>
  [[nodiscard]] std::vector<Sent> sent_of() const {
    std::vector<Sent> out;
    for (const auto& s : sent) {
      if (std::holds_alternative<T>(s.command)) out.push_back(s);
    }
    return out;
  }
  template <typename T>
  [[nodiscard]] std::size_t index_of_first(Instant from = Instant{}) const {
    for (std::size_t i = 0; i < sent.size(); ++i) {
      if (sent[i].at >= from && std::holds_alternative<T>(sent[i].command)) return i;
    }
    return sent.size();
  }
  [[nodiscard]] bool raised(Condition c) const {
    for (const auto& e : events) {
      if (e.kind == EventKind::kConditionRaised && e.condition == c) return true;
    }
    return false;
  }
  void clear_logs() {
    sent.clear();
    events.clear();
    records.clear();
    latches.clear();
  }

 private:
  Instant last_display_{};
  std::vector<std::uint64_t> pending_store_;
};

}  // namespace rfneedle::core::testing

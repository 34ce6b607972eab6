// One random treatment (tests/dst/dst.h): the seed chooses the cartridge, the settings,
// the operator's rhythm and habits, the faults and when they strike, the link noise, the
// store's pace and the controller's crashes; the operator then works through the session
// as a clinician would, reacting to what the device shows.
#include <algorithm>
#include <cmath>
#include <cstdio>

#include "tests/dst/dst_world.h"

namespace rfneedle::dst {
namespace {

using core::State;
using testing::WholeDeviceOptions;

constexpr std::int32_t kToday = 20'240;  // 2025-06-01, the boards' default date
constexpr Duration kStep = milliseconds(1);

std::chrono::sys_days days(std::int32_t n) { return std::chrono::sys_days{std::chrono::days{n}}; }

// A fault of the catalogue with every parameter drawn within its documented range (some
// capped so the session goes on afterwards).
sim::FaultParameters random_fault(Rng& rng, sim::FaultKind kind) {
  sim::FaultParameters p(kind);
  for (const sim::FaultParameterSpec& spec : sim::fault_spec(kind).parameters) {
    std::string text;
    if (spec.unit == "choice") {
      text = std::string(spec.choices[static_cast<std::size_t>(
          rng.between(0, static_cast<std::int64_t>(spec.choices.size()) - 1))]);
    } else if (spec.unit == "flag") {
      text = rng.chance(0.5) ? "1" : "0";
    } else {
      double hi = spec.max;
      if (spec.name == "boot") hi = 2'000;
      if (spec.name == "delay") hi = 200;
      text = std::to_string(rng.real(spec.min, hi));
    }
    (void)p.set(spec.name, text);
  }
  return p;
}

}  // namespace

class Session {
 public:
  explicit Session(const SessionOptions& options);
  SessionResult run();

 private:
  struct PlannedFault {
    sim::FaultParameters parameters;
    Instant at;
    Duration length;
    bool at_next_pulse = false;  // waits for RF on, then strikes `offset` into it
    Duration offset{};
    bool done = false;
  };

  WholeDeviceOptions device_options();
  void plan();
  void step();
  void inject_faults(Instant now);
  void operate(Instant now);
  void handle_trigger(Instant now, State s);
  void handle_latched(Instant now, State s);
  void handle_session(Instant now, State s);
  void interject(Instant now, State s);
  core::PulseParameters random_parameters();
  core::SessionRequest random_request();
  sim::CartridgeMemory new_cartridge(bool body);
  void act(const std::string& what, const core::Response& r);
  void note(const std::string& what) { log_.line(d_->now(), what); }
  // The operator puts `next` in the handpiece (none: takes it off); the one taken off goes
  // to the tray, its memory as it was.
  // A swap takes a hand some time: the slot is empty in between, and once the new one is
  // on the operator tells the device (`what`), in a session, and sets the parameters.
  void fit(const std::optional<sim::CartridgeMemory>& next, const std::string& what) {
    if (const std::optional<sim::CartridgeMemory> old = d_->device.cartridge()) {
      if (used_cartridges_.size() < 32) used_cartridges_.push_back(*old);
    }
    d_->device.swap_cartridge(std::nullopt);
    note("operator takes the cartridge off");
    if (next) {
      fitting_ = Fitting{*next, d_->now() + rng_.ms(300, 1'500), what};
    }
  }
  void finish_fitting(Instant now);

  SessionOptions options_;
  Rng rng_;
  Log log_;
  bool long_;
  Duration length_;
  TreatmentFacts facts_;
  std::unique_ptr<WholeDevice> d_;
  std::unique_ptr<Shell> shell_;
  std::unique_ptr<Checker> checker_;

  // The treatment's plan.
  std::vector<PlannedFault> faults_;
  struct PlannedCrash {
    Instant at;
    Duration down;
    bool in_pulse = false;  // waits for RF on, then strikes `offset` into it
    Duration offset{};
  };
  std::vector<PlannedCrash> crashes_;
  std::optional<Instant> restart_at_;
  int crashes_done_ = 0;
  int faults_injected_ = 0;
  Duration rhythm_min_{}, rhythm_max_{};
  double early_release_ = 0;
  bool body_ = false;
  core::BodyArea area_ = core::BodyArea::kCheek;
  std::uint32_t next_serial_ = 5000;
  std::vector<sim::CartridgeMemory> used_cartridges_;
  int needles_ = 25;

  // The operator.
  bool holding_ = false;
  std::optional<Instant> release_at_;
  Instant next_press_at_{};
  Instant next_ack_at_{};
  Instant next_reset_at_{};
  Instant next_session_at_{};
  std::optional<Instant> arm_at_;
  std::optional<Instant> display_back_at_;
  std::optional<Instant> estop_release_at_;
  std::optional<Instant> store_back_at_;
  std::optional<Instant> exit_service_at_;
  Duration store_delay_{};
  bool wants_armed_ = true;
  struct Glance {
    bool session_open = false;
    bool cartridge = false;
  } glance_;
  Instant next_glance_{};
  struct Fitting {
    sim::CartridgeMemory cartridge;
    Instant at;
    std::string what;
  };
  std::optional<Fitting> fitting_;
};

Session::Session(const SessionOptions& options)
    : options_(options),
      rng_(options.seed * 0x9E3779B97F4A7C15ULL + 0x5EED),
      log_(options.verbose),
      long_(options.long_session.value_or(options.long_every > 0 &&
                                          options.seed % options.long_every == 0)) {
  length_ = long_ ? rng_.ms(20 * 60'000, 20 * 60'000 + 30'000) : rng_.ms(3'000, 25'000);
  facts_.today = kToday;
  d_ = std::make_unique<WholeDevice>(device_options());
  shell_ = std::make_unique<Shell>(*d_, log_);
  checker_ = std::make_unique<Checker>(*d_, *shell_, log_, facts_);
  d_->set_command_observer(checker_.get());
  plan();
}

sim::CartridgeMemory Session::new_cartridge(bool body) {
  const std::int32_t expiry = rng_.chance(0.03) ? kToday : kToday + 400;
  sim::CartridgeMemory c =
      body ? sim::body_cartridge(next_serial_++, days(expiry))
           : sim::face_cartridge(next_serial_++, static_cast<int>(rng_.between(25, 49)),
                                 days(expiry));
  if (rng_.chance(0.05)) c.pulses_used = c.pulse_limit - static_cast<std::uint32_t>(rng_.between(0, 5));
  return c;
}

WholeDeviceOptions Session::device_options() {
  WholeDeviceOptions o;
  o.device.seed = options_.seed;
  body_ = rng_.chance(0.2);
  o.device.cartridge = new_cartridge(body_);
  needles_ = o.device.cartridge->needle_count;
  o.record_history = false;
  o.reserve_all_pulse_ids = false;
  o.nonce = options_.seed << 16;
  return o;
}

void Session::plan() {
  WholeDevice& d = *d_;
  const Instant start = d.now();
  const Instant end = start + length_;
  // The operator's rhythm: stamping across a face, or slower passes.
  const std::int64_t fastest = rng_.between(250, 800);
  rhythm_min_ = milliseconds(fastest);
  rhythm_max_ = milliseconds(fastest + rng_.between(0, 2000));
  early_release_ = rng_.chance(0.3) ? rng_.real(0.02, 0.2) : 0.0;
  store_delay_ = rng_.ms(0, 3);
  // Faults from the catalogue: none in one session in six; in long sessions about one
  // every two minutes, and milder.
  int n = 0;
  if (!rng_.chance(1.0 / 6)) {
    n = long_ ? static_cast<int>(rng_.between(3, 12)) : static_cast<int>(rng_.between(1, 5));
  }
  const std::span<const sim::FaultSpec> catalogue = sim::fault_catalogue();
  for (int i = 0; i < n; ++i) {
    const sim::FaultKind kind = catalogue[static_cast<std::size_t>(
                                              rng_.between(0, static_cast<std::int64_t>(catalogue.size()) - 1))]
                                    .kind;
    PlannedFault f{random_fault(rng_, kind),
                   start + rng_.ms(1'000, std::max<std::int64_t>(1'000, (length_ - seconds(1)).count() / 1000)),
                   rng_.log_ms(2, 4'000)};
    if (rng_.chance(0.4)) {
      f.at_next_pulse = true;
      f.offset = rng_.ms(0, 60);
    }
    faults_.push_back(f);
    // Several at once.
    if (rng_.chance(0.2)) {
      const sim::FaultKind other = catalogue[static_cast<std::size_t>(
                                                 rng_.between(0, static_cast<std::int64_t>(catalogue.size()) - 1))]
                                       .kind;
      PlannedFault g{random_fault(rng_, other), f.at + rng_.ms(0, 20), rng_.log_ms(2, 4'000)};
      g.at_next_pulse = f.at_next_pulse;
      g.offset = f.offset + rng_.ms(0, 5);
      faults_.push_back(g);
    }
  }
  // Link noise on the lines themselves.
  if (rng_.chance(0.25)) {
    for (testing::FaultyByteChannel* line : {&d.generator_line, &d.actuator_line}) {
      for (const auto dir : {testing::Direction::kAToB, testing::Direction::kBToA}) {
        testing::LineFaultRates r;
        r.drop_byte = rng_.chance(0.5) ? std::pow(10.0, rng_.real(-6, -3.5)) : 0;
        r.corrupt_byte = rng_.chance(0.5) ? std::pow(10.0, rng_.real(-6, -3.5)) : 0;
        r.duplicate_chunk = rng_.chance(0.3) ? std::pow(10.0, rng_.real(-5, -2)) : 0;
        r.reorder_chunk = rng_.chance(0.3) ? std::pow(10.0, rng_.real(-5, -3)) : 0;
        r.delay_jitter = microseconds(rng_.chance(0.3) ? rng_.between(0, 300) : 0);
        line->set_rates(dir, r);
      }
    }
    note("link noise on both lines");
  }
  // Controller crashes: the process dies and is started again.
  const int crashes = long_ ? static_cast<int>(rng_.between(0, 3)) : (rng_.chance(0.15) ? 1 : 0);
  for (int i = 0; i < crashes; ++i) {
    PlannedCrash crash{start + rng_.ms(1'000, std::max<std::int64_t>(1'000, (length_ - seconds(2)).count() / 1000)),
                       rng_.log_ms(5, 3'000)};
    if (rng_.chance(0.5)) {
      // In a pulse: the record in flight is left to reconciliation (SR-70).
      crash.in_pulse = true;
      crash.offset = rng_.ms(0, 200);
    }
    crashes_.push_back(crash);
  }
  std::sort(crashes_.begin(), crashes_.end(),
            [](const PlannedCrash& a, const PlannedCrash& b) { return a.at < b.at; });
  (void)end;
}

core::SessionRequest Session::random_request() {
  core::SessionRequest r = WholeDevice::session_request();
  r.patient_ref = "P-" + std::to_string(rng_.between(1000, 9999));
  r.today = facts_.today;
  if (body_) {
    const core::BodyArea body[] = {core::BodyArea::kAbdomen, core::BodyArea::kThighs,
                                   core::BodyArea::kArms};
    area_ = body[rng_.between(0, 2)];
  } else {
    area_ = static_cast<core::BodyArea>(rng_.between(0, 6));
  }
  r.area = area_;
  // The checklist: mostly all "no"; sometimes a "yes", overridden with a reason or not.
  if (rng_.chance(0.1)) {
    // Any item, an advisory one included (which never blocks).
    const auto items = static_cast<std::int64_t>(r.screening.yes.size());
    r.screening.yes[static_cast<std::size_t>(rng_.between(0, items - 1))] = true;
    if (rng_.chance(0.6)) {
      r.screening.clinician_override = true;
      r.screening.override_reason = "benefit outweighs the risk, discussed with the patient";
    }
  }
  return r;
}

core::PulseParameters Session::random_parameters() {
  core::PulseParameters p;
  const core::AreaPreset& preset = core::kDefaultPresets[static_cast<std::size_t>(area_)];
  const std::int64_t needles_mj = 62 * needles_;
  std::int64_t power_mw = long_ ? rng_.between(5'000, 20'000) : rng_.between(1'000, 50'000);
  std::int64_t max_ms = std::min<std::int64_t>(1000, needles_mj * 1000 / power_mw);
  if (max_ms < 10) {
    power_mw = needles_mj * 100;
    max_ms = 10;
  }
  std::int64_t t_ms = long_ ? rng_.between(10, std::min<std::int64_t>(max_ms, 300))
                            : rng_.between(10, max_ms);
  std::int64_t depth = rng_.between(preset.depth_min.value() / 100, preset.depth_max.value() / 100) * 100;
  if (rng_.chance(0.08)) {
    // Outside the area's range, confirmed (or not: refused).
    depth = rng_.between(5, body_ ? 70 : 35) * 100;
    p.depth_confirmed = rng_.chance(0.7);
  }
  if (rng_.chance(0.04)) {
    // A plan the core must refuse: over the envelope or the cartridge.
    switch (rng_.between(0, 3)) {
      case 0: power_mw = 55'000; break;
      case 1: t_ms = 5; break;
      case 2: t_ms = 1000; power_mw = needles_mj * 1000 / 900; break;
      default: depth = body_ ? 7'500 : 4'000; p.depth_confirmed = true; break;
    }
  }
  p.power = Milliwatts{power_mw};
  p.duration = milliseconds(t_ms);
  p.depth = Micrometres{depth};
  return p;
}

void Session::act(const std::string& what, const core::Response& r) {
  note("operator " + what + (r.ok() ? "" : ": refused (" + std::string(r.reason) + ")"));
  d_->send_commands();
}

void Session::inject_faults(Instant now) {
  const bool rf_on = d_->device.ground_truth().rf_on;
  for (PlannedFault& f : faults_) {
    if (f.done || now < f.at) continue;
    if (f.at_next_pulse) {
      if (!rf_on) continue;
      f.at_next_pulse = false;
      f.at = now + f.offset;
      continue;
    }
    f.done = true;
    ++faults_injected_;
    d_->device.inject(f.parameters, now, f.length);
    note("fault " + std::string(sim::fault_spec(f.parameters.kind()).name) + " for " +
         std::to_string(f.length.count() / 1000) + " ms");
  }
}

void Session::handle_trigger(Instant now, State s) {
  WholeDevice& d = *d_;
  if (holding_) {
    const bool over = !core::in_pulse(s) && s != State::kReady;
    if (!release_at_ && (over || (s == State::kReady && now - next_press_at_ > milliseconds(100)))) {
      release_at_ = now + rng_.ms(10, 150);  // a hand lets go
    }
    if (release_at_ && now >= *release_at_) {
      d.device.release_trigger();
      holding_ = false;
      release_at_.reset();
      next_press_at_ = now + rng_.ms(rhythm_min_.count() / 1000, rhythm_max_.count() / 1000);
      note("operator releases the trigger");
    }
    return;
  }
  if (s == State::kReady && now >= next_press_at_) {
    d.device.press_trigger();
    holding_ = true;
    next_press_at_ = now;
    if (early_release_ > 0 && rng_.chance(early_release_)) {
      release_at_ = now + rng_.ms(5, 400);  // lets go during the pulse
    }
    note("operator presses the trigger");
  }
}

void Session::handle_latched(Instant now, State s) {
  core::Core& c = d_->core();
  if (s == State::kFault && now >= next_ack_at_) {
    next_ack_at_ = now + rng_.ms(300, 3'000);
    const core::Response r = c.acknowledge(now);
    act("acknowledges", r);
    if (r.ok()) checker_->on_clear_accepted();
  }
  if ((s == State::kServiceLock || s == State::kNeedleStuck) && now >= next_reset_at_) {
    next_reset_at_ = now + rng_.ms(1'000, 8'000);
    const core::Response r = c.service_reset("service engineer: cause found and removed", now);
    act("service reset", r);
    if (r.ok()) checker_->on_clear_accepted();
  }
}

void Session::handle_session(Instant now, State s) {
  if (s != State::kStandby) return;
  core::Core& c = d_->core();
  if (!glance_.session_open && now >= next_session_at_) {
    next_session_at_ = now + rng_.ms(200, 2'000);
    const core::Response r = c.open_session(random_request(), now);
    act("opens a session", r);
    if (!r.ok() && rng_.chance(0.8)) {
      // A cartridge of another session, expired or used up, or none: a fresh one.
      fit(new_cartridge(body_), "fits a fresh cartridge");
    }
    if (r.ok()) {
      glance_.session_open = true;
      ++facts_.logical_session;
      facts_.core_session_id = c.status().session_id;
      act("sets the parameters", c.set_parameters(random_parameters(), now));
      arm_at_ = now + rng_.ms(30, 800);
      wants_armed_ = true;
    }
    return;
  }
  if (glance_.session_open && wants_armed_) {
    if (!arm_at_) arm_at_ = now + rng_.ms(100, 1'500);
    if (now >= *arm_at_) {
      arm_at_.reset();
      // Refused while blocked: set-up refused (a cartridge of another session), a
      // contraindication without override. The operator deals with it.
      if (c.interlocks().in_effect(core::Condition::kBoardSetupRefused) ||
          c.interlocks().in_effect(core::Condition::kCartridgeAtLimit) ||
          c.interlocks().in_effect(core::Condition::kCartridgeExpired)) {
        fit(new_cartridge(body_), "swaps in a new cartridge");
        return;
      }
      const core::Response r = c.arm(now);
      act("arms", r);
      if (!r.ok() && rng_.chance(0.3)) {
        act("closes the session", c.close_session(now));
      } else if (!r.ok()) {
        act("sets the parameters", c.set_parameters(random_parameters(), now));
      }
    }
  }
}

void Session::interject(Instant now, State s) {
  WholeDevice& d = *d_;
  core::Core& c = d.core();
  const double scale = long_ ? 0.25 : 1.0;  // long sessions: a steadier operator
  const bool open = glance_.session_open;
  const bool has_cartridge = glance_.cartridge;
  if (rng_.chance(2e-5 * scale)) act("presses STOP", c.stop(now));
  if ((s == State::kReady || s == State::kPaused) && rng_.chance(3e-5 * scale)) {
    act("disarms", c.disarm(now));
    wants_armed_ = rng_.chance(0.9);
  }
  // One who disarmed to pause goes on after about 10 s.
  if (s == State::kStandby && open && !wants_armed_ && rng_.chance(1e-4)) {
    wants_armed_ = true;
  }
  if ((s == State::kStandby || s == State::kReady || s == State::kPaused) &&
      open && rng_.chance(5e-5 * scale)) {
    act("changes the parameters", c.set_parameters(random_parameters(), now));
  }
  if (s == State::kStandby && open && rng_.chance(2e-5)) {
    const core::BodyArea previous = area_;
    area_ = body_ ? (area_ == core::BodyArea::kArms ? core::BodyArea::kThighs : core::BodyArea::kArms)
                  : static_cast<core::BodyArea>(rng_.between(0, 6));
    const core::Response r = c.change_area(area_, now);
    if (!r.ok()) area_ = previous;
    act("changes the body area", r);
    act("sets the parameters", c.set_parameters(random_parameters(), now));
  }
  if (s == State::kStandby && open && rng_.chance(1.5e-5)) {
    if (rng_.chance(0.15)) {
      fit(std::nullopt, "");
      act("tells the device", c.swap_cartridge(now));
    } else if (rng_.chance(0.3) && !used_cartridges_.empty()) {
      // One from the tray: this session's, or another session's that must be refused.
      const sim::CartridgeMemory again = rng_.pick(used_cartridges_);
      fit(again, "attaches used cartridge " + std::to_string(again.serial));
    } else {
      fit(new_cartridge(body_), "swaps the cartridge");
    }
  }
  if (s == State::kStandby && open && !has_cartridge &&
      rng_.chance(1e-3)) {
    fit(new_cartridge(body_), "attaches a cartridge");
  }
  if (s == State::kStandby && open && rng_.chance(5e-6 * scale)) {
    act("closes the session", c.close_session(now));
    glance_.session_open = false;
    // The next patient: a fresh cartridge, mostly.
    if (rng_.chance(0.9)) {
      fit(new_cartridge(body_), "fits a fresh cartridge");
    }
  }
  // The display freezes for a while (SR-78).
  if (!display_back_at_ && rng_.chance(1e-5)) {
    d.display_live = false;
    display_back_at_ = now + rng_.ms(500, 6'000);
    note("display heartbeats stop");
  }
  if (display_back_at_ && now >= *display_back_at_) {
    d.display_live = true;
    display_back_at_.reset();
    note("display heartbeats resume");
  }
  // The store slows down (a busy disk): confirmations come late (SR-69).
  if (!store_back_at_ && rng_.chance(1.5e-5)) {
    shell_->set_delay(rng_.ms(100, 3'000));
    store_back_at_ = now + rng_.ms(500, 8'000);
    note("store slows down");
  }
  if (store_back_at_ && now >= *store_back_at_) {
    shell_->set_delay(store_delay_);
    store_back_at_.reset();
    note("store back to pace");
  }
  // The E-stop button.
  if (!estop_release_at_ && rng_.chance(3e-6 * scale)) {
    d.device.set_estop(true);
    estop_release_at_ = now + rng_.ms(50, 3'000);
    note("operator presses the E-stop");
  }
  if (estop_release_at_ && now >= *estop_release_at_) {
    d.device.set_estop(false);
    estop_release_at_.reset();
    note("operator releases the E-stop");
  }
  // A service visit: the self-test on request.
  if (!exit_service_at_ && s == State::kStandby && !open && rng_.chance(2e-5)) {
    act("enters service", c.enter_service(now));
    act("runs the self-test", c.run_self_test(now));
    exit_service_at_ = now + rng_.ms(500, 3'000);
  }
  if (exit_service_at_ && now >= *exit_service_at_) {
    exit_service_at_.reset();
    if (c.state() == State::kService) act("leaves service", c.exit_service(now));
  }
}

void Session::finish_fitting(Instant now) {
  if (!fitting_ || now < fitting_->at) return;
  const Fitting f = *fitting_;
  fitting_.reset();
  d_->device.swap_cartridge(f.cartridge);
  needles_ = f.cartridge.needle_count;
  note("operator fits cartridge " + std::to_string(f.cartridge.serial));
  if (!d_->controller_running()) return;
  core::Core& c = d_->core();
  if (c.state() == State::kStandby && glance_.session_open) {
    act(f.what, c.swap_cartridge(now));
    act("sets the parameters", c.set_parameters(random_parameters(), now));
  }
}

void Session::operate(Instant now) {
  finish_fitting(now);
  // Crashes and restarts.
  if (restart_at_ && now >= *restart_at_) {
    restart_at_.reset();
    shell_->restart();
    checker_->on_restart();
    facts_.core_session_id = 0;
    next_session_at_ = now + rng_.ms(300, 2'000);
  }
  if (crashes_done_ < static_cast<int>(crashes_.size()) && d_->controller_running()) {
    PlannedCrash& next = crashes_[static_cast<std::size_t>(crashes_done_)];
    if (now >= next.at && next.in_pulse && d_->device.ground_truth().rf_on) {
      next.in_pulse = false;
      next.at = now + next.offset;
    }
  }
  if (crashes_done_ < static_cast<int>(crashes_.size()) &&
      now >= crashes_[static_cast<std::size_t>(crashes_done_)].at &&
      !crashes_[static_cast<std::size_t>(crashes_done_)].in_pulse && d_->controller_running()) {
    const Duration down = crashes_[static_cast<std::size_t>(crashes_done_)].down;
    ++crashes_done_;
    shell_->crash();
    checker_->on_crash();
    restart_at_ = now + down;
  }
  if (!d_->controller_running()) {
    if (holding_ && rng_.chance(0.01)) {
      d_->device.release_trigger();
      holding_ = false;
    }
    return;
  }
  const State s = d_->core().state();
  // The operator glances at the screen every 10 ms (the status is not free to work out).
  if (now >= next_glance_) {
    const core::Status& st = d_->core().status();
    glance_.session_open = st.session_open;
    glance_.cartridge = st.cartridge.has_value();
    next_glance_ = now + milliseconds(10);
  }
  handle_trigger(now, s);
  handle_latched(now, s);
  handle_session(now, d_->core().state());
  interject(now, d_->core().state());
}

void Session::step() {
  const Instant now = d_->now();
  shell_->step();
  inject_faults(now);
  operate(now);
  checker_->step();
}

SessionResult Session::run() {
  WholeDevice& d = *d_;
  SessionResult result;
  result.seed = options_.seed;
  result.long_session = long_;
  d.store_acks = false;
  shell_->set_delay(store_delay_);
  note("session: " + std::string(long_ ? "long" : "short") + " " +
       std::to_string(length_.count() / 1000) + " ms, cartridge " +
       std::to_string(needles_) + " needles" + (body_ ? " body" : " face"));
  d.after_step = [this] { step(); };
  shell_->power_on();
  const Instant start = d.now();
  const Instant end = start + length_;
  while (d.now() < end && !checker_->violation()) {
    d.run(kStep);
  }
  // The end of the day: STOP, nothing more injected, the store catches up; every pulse
  // delivered must be recorded by then.
  if (!checker_->violation()) {
    if (restart_at_) {
      d.run(kStep);
      restart_at_ = d.now();
    }
    crashes_.resize(static_cast<std::size_t>(crashes_done_));
    for (PlannedFault& f : faults_) f.done = true;
    (void)d.device.faults();
    if (d.controller_running()) act("presses STOP", d.core().stop(d.now()));
    d.device.release_trigger();
    holding_ = false;
    shell_->set_delay(milliseconds(1));
    store_back_at_.reset();
    shell_->flush_now();
    const Instant drain_end = d.now() + seconds(2);
    d.after_step = [this] {
      shell_->step();
      if (restart_at_ && d_->now() >= *restart_at_) {
        restart_at_.reset();
        shell_->restart();
        checker_->on_restart();
      }
      checker_->step();
    };
    while (d.now() < drain_end && !checker_->violation()) {
      d.run(kStep);
    }
    checker_->finish();
  }
  d.after_step = nullptr;
  result.violation = checker_->violation();
  result.hash = log_.hash();
  result.simulated = d.now() - start;
  result.pulses_delivered = checker_->pulses_delivered();
  result.pulses_stored = checker_->pulses_stored();
  result.crashes = crashes_done_;
  result.faults_injected = faults_injected_;
  result.reconciled = shell_->reconciled;
  result.peak_skin = checker_->peak_skin();
  if (result.violation) {
    result.last_events = log_.tail();
  }
  return result;
}

SessionResult run_session(const SessionOptions& options) {
  Session s(options);
  return s.run();
}

}  // namespace rfneedle::dst

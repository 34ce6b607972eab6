#include "controller/daemon/core_gateway.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/asio/post.hpp>
#include <string>

#include "controller/daemon/calibration_book.h"

namespace rfneedle::daemon {
namespace {

// Per pass, so a flood on one queue never starves the others or the service thread.
constexpr int kPerPass = 256;
constexpr auto kCounterLogPeriod = std::chrono::seconds(5);

CoreReply to_reply(const core::Response& r) {
  return CoreReply{r.code, std::string(r.field), std::string(r.reason)};
}

StoredEvent to_stored(const PublishedEvent& p) {
  StoredEvent e;
  e.at = p.at;
  e.kind = p.event.kind;
  e.severity = p.event.severity;
  e.priority = p.event.priority;
  e.condition = p.event.condition;
  e.state = p.event.state;
  e.text = std::string(p.event.text);
  e.detail = std::string(p.event.detail);
  e.value = p.event.value;
  return e;
}

spdlog::level::level_enum level_of(LogRecord::Level level) {
  switch (level) {
    case LogRecord::Level::kInfo:
      return spdlog::level::info;
    case LogRecord::Level::kWarning:
      return spdlog::level::warn;
    case LogRecord::Level::kError:
      return spdlog::level::err;
  }
  return spdlog::level::err;
}

}  // namespace

CoreGateway::CoreGateway(boost::asio::io_context& service_io, SafetyLoop& loop, Store& store,
                         CoreGatewayOptions options)
    : io_(service_io), loop_(loop), store_(store), options_(options), timer_(service_io) {
  std::vector<core::LatchRecord> latches;
  for (const StoredLatch& l : store_.active_latches()) {
    latches.push_back(l.latch);
  }
  // IDs reserved before a restart may have been sent without their record stored: the
  // series continues past all of them, so no ID is ever used twice (SR-68, SR-70).
  reserved_ = std::max(store_.reserved_pulse_ids(), store_.last_pulse_id());
  highest_pulse_id_ = reserved_;
  const std::uint64_t last = reserved_;
  if (store_.reserve_pulse_ids(last + options_.pulse_id_window)) {
    reserved_ = last + options_.pulse_id_window;
  } else {
    note_store_failure("pulse ID reservation");
  }
  std::vector<CalibrationInForce> calibrations;
  for (const StoredCalibration& c : store_.calibrations_in_force()) {
    calibrations.push_back(CalibrationInForce{BoardSerial(c.generator_serial), c.record});
  }
  // A crash may have left pulses the generator delivered unrecorded (SR-70): its log is
  // read from here at its first handshake.
  loop_.restore(latches, last, store_.last_session_id(), reserved_, reconcile_from(store_),
                calibrations);
  if (!options_.store_unusable.empty()) {
    // SR-86: the core locks before any board can connect (the loop takes its inputs
    // before anything else on its first tick).
    spdlog::critical("{}: the device stays in ServiceLock (store_unusable)",
                     options_.store_unusable);
    send_store_condition(core::Condition::kStoreUnusable, true);
  }
  check_clock();
  // After the clock check: closing them dates records by the wall clock (SR-87).
  close_interrupted();
  send_inputs();
  schedule();
}

CoreGateway::~CoreGateway() { timer_.cancel(); }

void CoreGateway::schedule() {
  if (!pumping_) {
    return;
  }
  timer_.expires_after(options_.pump_period);
  timer_.async_wait([this](const boost::system::error_code& ec) {
    if (!ec && pumping_) {
      pump();
      schedule();
    }
  });
}

void CoreGateway::shutdown() {
  pumping_ = false;
  timer_.cancel();
  next_retry_ = {};  // one last try of every write, whenever the last refusal was
  pump();
  if (unstored() > 0) {
    spdlog::error("{} records could not be stored at shutdown", unstored());
  }
}

void CoreGateway::pump() {
  pass_failed_ = false;
  retry_due_ = !store_failing_ || std::chrono::steady_clock::now() >= next_retry_;
  take_logs();
  take_identities();
  store_identities();
  take_replies();
  store_sessions();
  store_own_events();
  store_events();
  store_latches();
  store_pulses();
  take_pulse_logs();
  reconcile_pulse_logs();
  store_calibrations();
  take_snapshots();
  take_telemetry();
  reserve_ahead();
  settle_store_failure();
  send_inputs();
  log_loop_counters();
}

void CoreGateway::request(CoreRequest request, Reply reply) {
  const bool room = replies_.size() < loop_.channels().inputs.capacity();
  PendingReply pending{std::move(reply), std::nullopt,
                       std::holds_alternative<CloseSession>(request), 0, std::nullopt};
  if (const auto* resume = std::get_if<ResumeSession>(&request)) {
    pending.resumes = resume->session_id;
  }
  if (const auto* open = std::get_if<OpenSession>(&request)) {
    pending.opens = *open;
  }
  if (const auto* arm = std::get_if<Arm>(&request)) {
    pending.arms = arm->operator_id;
  }
  if (room && loop_.channels().inputs.try_push(
                  LoopInput{LoopInput::Kind::kRequest, 0, std::move(request), {}})) {
    replies_.push_back(std::move(pending));
    return;
  }
  reply = std::move(pending.reply);
  boost::asio::post(io_, [reply = std::move(reply)] {
    reply(CoreReply{core::ResponseCode::kBusy, {}, "the safety thread's request queue is full"});
  });
}

void CoreGateway::stop() { loop_.request_stop(); }

void CoreGateway::add_listener(DeviceListener& listener) { listeners_.push_back(&listener); }

void CoreGateway::remove_listener(DeviceListener& listener) { std::erase(listeners_, &listener); }

void CoreGateway::take_replies() {
  LoopReply r;
  while (!replies_.empty() && loop_.channels().replies.try_pop(r)) {
    PendingReply pending = std::move(replies_.front());
    replies_.pop_front();
    if (r.response.ok()) {
      record_session(pending, r);
      if (pending.arms) {
        armed_by_ = *pending.arms;
      }
    }
    if (r.calibration) {
      calibrations_.push_back(
          to_stored(*r.calibration, std::chrono::duration_cast<std::chrono::milliseconds>(
                                        std::chrono::system_clock::now().time_since_epoch())
                                        .count()));
      store_calibrations();  // before the answer, so its record is there to read
    }
    pending.reply(to_reply(r.response));
  }
}

void CoreGateway::record_session(const PendingReply& pending, const LoopReply& reply) {
  const WallMs now = std::chrono::duration_cast<std::chrono::milliseconds>(
                         std::chrono::system_clock::now().time_since_epoch())
                         .count();
  if (pending.opens && reply.session_id != 0) {
    SessionRecord s;
    s.id = reply.session_id;
    const core::SessionRequest& opened = pending.opens->request;
    s.patient_ref = opened.patient_ref;
    s.operator_id = opened.operator_id;
    s.area = opened.area;
    s.override_reason = opened.screening.override_reason;
    s.screening_yes = pending.opens->screening_yes;
    s.course_reason = pending.opens->course_reason;
    s.cartridge_serial = cartridge_serial();
    s.opened_at = now;
    s.outcome = "open";
    s.software_version = options_.software_version;
    s.configuration_hash = options_.configuration_hash;
    s.generator_firmware = board(core::Board::kGenerator).firmware;
    s.generator_serial = board(core::Board::kGenerator).serial;
    s.actuator_firmware = board(core::Board::kActuator).firmware;
    s.actuator_serial = board(core::Board::kActuator).serial;
    s.calibration = latest_.status.calibration;
    open_session_id_ = s.id;
    interrupted_session_id_ = 0;  // a pulse from now on is this session's, or none's
    session_writes_.push_back(SessionWrite{std::move(s), 0, 0, 0});
  }
  if (pending.resumes != 0 && reply.session_id == pending.resumes) {
    open_session_id_ = pending.resumes;
    if (interrupted_session_id_ == pending.resumes) {
      interrupted_session_id_ = 0;
    }
    session_writes_.push_back(SessionWrite{std::nullopt, 0, 0, pending.resumes});
  }
  if (pending.closes && open_session_id_ != 0) {
    session_writes_.push_back(SessionWrite{std::nullopt, open_session_id_, now, 0});
    open_session_id_ = 0;
  }
  store_sessions();  // before the answer, when the store takes it
}

void CoreGateway::take_logs() {
  LogRecord r;
  for (int i = 0; i < kPerPass && loop_.channels().logs.try_pop(r); ++i) {
    if (r.has_value) {
      spdlog::log(level_of(r.level), "safety thread: {} ({})", r.text, r.value);
    } else {
      spdlog::log(level_of(r.level), "safety thread: {}", r.text);
    }
  }
}

// What a service engineer reads in the journal: state changes, alarms raised and cleared,
// and refused requests; wait rungs at debug level (every event is in the store).
void CoreGateway::log_event(const StoredEvent& e) {
  const auto condition = [&] {
    return e.condition ? core::spec(*e.condition).name : std::string_view("?");
  };
  switch (e.kind) {
    case core::EventKind::kStateChanged:
      spdlog::info("state: {}", core::name(e.state));
      break;
    case core::EventKind::kConditionRaised:
      if (e.priority == core::AlarmPriority::kNone) {
        // Wait rungs come and go with every pulse (inter-pulse interval, record stored).
        spdlog::debug("condition raised: {} in {}", condition(), core::name(e.state));
      } else {
        spdlog::log(
            e.priority == core::AlarmPriority::kHigh ? spdlog::level::err : spdlog::level::warn,
            "alarm raised: {} ({} priority) in {}", condition(), core::name(e.priority),
            core::name(e.state));
      }
      break;
    case core::EventKind::kConditionCleared:
      spdlog::log(
          e.priority == core::AlarmPriority::kNone ? spdlog::level::debug : spdlog::level::info,
          "condition cleared: {}", condition());
      break;
    case core::EventKind::kRequestRejected:
      spdlog::info("request refused in {}: {}{}{}", core::name(e.state), e.text,
                   e.detail.empty() ? "" : ": ", e.detail);
      break;
    default:
      break;
  }
}

void CoreGateway::store_events() {
  PublishedEvent e;
  for (int i = 0; i < kPerPass && loop_.channels().events.try_pop(e); ++i) {
    events_.push_back(e);
  }
  // In order: a failed write holds the ones behind it, so IDs follow the core's order.
  while (!events_.empty() && may_write()) {
    StoredEvent stored = to_stored(events_.front());
    if (!append_timed(stored)) {
      note_store_failure("event");
      return;
    }
    events_.pop_front();
    log_event(stored);
    for (DeviceListener* l : std::vector<DeviceListener*>(listeners_)) {
      l->on_event(stored);
    }
  }
}

void CoreGateway::store_latches() {
  PublishedLatch l;
  for (int i = 0; i < kPerPass && loop_.channels().latches.try_pop(l); ++i) {
    latches_.push_back(l);
  }
  while (!latches_.empty() && may_write()) {
    if (!store_.save_latch(StoredLatch{latches_.front().latch, latches_.front().at, {}, {}})) {
      note_store_failure("latch");
      return;
    }
    latches_.pop_front();
  }
}

std::string CoreGateway::cartridge_serial() const {
  return latest_.status.cartridge ? std::string(latest_.status.cartridge->serial.view()) : "";
}

void CoreGateway::store_pulses() {
  PublishedPulse p;
  for (int i = 0; i < kPerPass && loop_.channels().pulses.try_pop(p); ++i) {
    pulses_.push_back(p);
  }
  // In order: a started record must never overwrite its own final record.
  while (!pulses_.empty() && may_write()) {
    const PublishedPulse& front = pulses_.front();
    const core::PulseRecord& r = front.record;
    if (r.outcome == core::PulseOutcome::kStarted) {
      started_ = std::pair{r.pulse_id, front.at};
    }
    const WallMs started_at =
        started_ && started_->first == r.pulse_id ? started_->second : front.at;
    StoredPulse stored{r, started_at, latest_.status.area, false, armed_by_, cartridge_serial()};
    if (auto logged = reconciled_.find(r.pulse_id); logged != reconciled_.end()) {
      // The generator's log was read before the core finished this record (SR-70).
      complete_from_log(stored, logged->second);
    }
    const auto commit_began = std::chrono::steady_clock::now();
    if (!store_.save_pulse(stored)) {
      note_store_failure("pulse record");
      return;
    }
    figures_.pulse_commit.observe(std::chrono::steady_clock::now() - commit_began);
    if (r.outcome != core::PulseOutcome::kStarted &&
        static_cast<std::size_t>(r.kind) < GatewayFigures::kKinds &&
        static_cast<std::size_t>(r.outcome) < GatewayFigures::kOutcomes) {
      ++figures_.pulses[static_cast<std::size_t>(r.kind)][static_cast<std::size_t>(r.outcome)];
      figures_.delivered_energy_uj += static_cast<std::uint64_t>(
          std::max<std::int64_t>(0, static_cast<std::int64_t>(stored.record.delivered_energy.value())));
    }
    if (r.outcome == core::PulseOutcome::kStarted) {
      unfinished_ = r.pulse_id;
    } else if (unfinished_ == r.pulse_id) {
      unfinished_.reset();
    }
    highest_pulse_id_ = std::max(highest_pulse_id_, r.pulse_id);
    if (r.outcome != core::PulseOutcome::kStarted) {
      inputs_.push_back(LoopInput{LoopInput::Kind::kRecordStored, r.pulse_id, {}, {}});
    }
    pulses_.pop_front();
  }
}

void CoreGateway::store_calibrations() {
  // In order, each until the store takes it (SR-69).
  while (!calibrations_.empty() && may_write()) {
    StoredCalibration& c = calibrations_.front();
    if (!store_.save_calibration(c)) {
      note_store_failure("calibration record");
      return;
    }
    spdlog::info("calibration record {} stored: generator {}, {}, power correction {} ppm", c.id,
                 c.generator_serial, c.passed ? "passed" : "failed: " + c.reason,
                 c.record.power_correction_ppm);
    if (c.passed) {
      // The loop names the stored record in the sessions it opens from now on.
      inputs_.push_back(LoopInput{LoopInput::Kind::kCalibrationStored, c.id, {}, c.record});
    }
    calibrations_.pop_front();
  }
}

void CoreGateway::take_snapshots() {
  PublishedSnapshot s;
  while (loop_.channels().snapshots.try_pop(s)) {
    latest_ = s;
    highest_pulse_id_ = std::max(highest_pulse_id_, s.status.last_pulse_id);
    for (DeviceListener* l : std::vector<DeviceListener*>(listeners_)) {
      l->on_snapshot(latest_.status);
    }
  }
}

void CoreGateway::take_telemetry() {
  TelemetrySample t;
  for (int i = 0; i < kPerPass && loop_.channels().telemetry.try_pop(t); ++i) {
    for (DeviceListener* l : listeners_) {
      l->on_telemetry(t);
    }
  }
}

void CoreGateway::record_event(core::EventKind kind, core::Severity severity, std::string text,
                               std::string detail, std::int64_t value) {
  StoredEvent e;
  e.at = std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
             .count();
  e.kind = kind;
  e.severity = severity;
  e.state = latest_.status.state;
  e.text = std::move(text);
  e.detail = std::move(detail);
  e.value = value;
  own_events_.push_back(std::move(e));
  store_own_events();
}

void CoreGateway::take_identities() {
  PublishedIdentity p;
  while (loop_.channels().identities.try_pop(p)) {
    const std::size_t b = static_cast<std::size_t>(p.board);
    const char* name = p.board == core::Board::kGenerator ? "generator" : "actuator";
    BoardIdentity now{p.board, std::string(p.serial.view()), std::string(p.firmware.view()), p.at};
    const std::optional<BoardIdentity> known = store_.board_identity(p.board);
    const BoardIdentity& before = known ? *known : boards_[b];
    const bool first = !known && boards_[b].serial.empty() && boards_[b].firmware.empty();
    const bool serial_changed = !first && before.serial != now.serial;
    const bool firmware_changed = !first && before.firmware != now.firmware;
    if (p.board == core::Board::kGenerator) {
      generator_log_trusted_ = !serial_changed;
    }
    if (serial_changed) {
      spdlog::warn("{} serial number changed: {} (was {})", name, now.serial, before.serial);
      record_event(core::EventKind::kBoardChanged, core::Severity::kWarningHigh,
                   std::string(name) + " serial number changed",
                   before.serial + " -> " + now.serial, 0);
      if (board_changed_) {
        board_changed_(before, now);
      }
    } else if (firmware_changed) {
      spdlog::info("{} firmware changed: {} (was {})", name, now.firmware, before.firmware);
      record_event(core::EventKind::kBoardChanged, core::Severity::kActivityHigh,
                   std::string(name) + " firmware changed", before.firmware + " -> " + now.firmware,
                   0);
    } else if (first) {
      spdlog::info("{}: serial number {}, firmware {}", name, now.serial, now.firmware);
    }
    if (boards_[b].serial != now.serial || boards_[b].firmware != now.firmware) {
      boards_[b] = now;
    }
    if (first || serial_changed || firmware_changed) {
      identity_unsaved_[b] = true;  // store_identities saves boards_[b]
    }
  }
}

void CoreGateway::take_pulse_logs() {
  for (PendingLog pending{PulseLogRead{}, std::chrono::steady_clock::now()};
       loop_.channels().pulse_logs.try_pop(pending.read);
       pending.arrived = std::chrono::steady_clock::now()) {
    if (!generator_log_trusted_) {
      spdlog::warn(
          "the generator's pulse log is not reconciled: it is not the generator the store knew");
      continue;
    }
    pulse_logs_.push_back(std::move(pending));
  }
}

void CoreGateway::reconcile_pulse_logs() {
  while (!pulse_logs_.empty() && may_write()) {
    const PendingLog& pending = pulse_logs_.front();
    const PulseLogRead& read = pending.read;
    // The core's final record of a pulse the read covers comes first, unless it is late.
    if (unfinished_ && *unfinished_ >= read.from_pulse_id &&
        std::chrono::steady_clock::now() - pending.arrived < options_.reconcile_wait) {
      return;
    }
    ReconcileScope scope = scope_of(read);
    // A pulse the previous run delivered belongs to the session it left open.
    scope.session_id = open_session_id_ != 0 ? open_session_id_ : interrupted_session_id_;
    scope.area = latest_.status.area;
    scope.at = std::chrono::duration_cast<std::chrono::milliseconds>(
                   std::chrono::system_clock::now().time_since_epoch())
                   .count();
    const std::span<const LoggedPulse> log(read.entries.data(), read.count);
    const ReconcileResult result = reconcile(store_, log, scope);
    if (result.store_failed) {
      note_store_failure("reconciled pulse record");
      return;  // again on the next pass: nothing is done twice
    }
    for (const LoggedPulse& logged : log) {
      if (reconciled_.size() >= PulseLogRead::kCapacity) {
        reconciled_.erase(reconciled_.begin());
      }
      reconciled_[logged.pulse_id] = logged;
    }
    const auto ids = [](const std::vector<std::uint64_t>& v) {
      std::string out;
      for (std::uint64_t id : v) {
        out += (out.empty() ? "" : " ") + std::to_string(id);
      }
      return out;
    };
    if (result.changed()) {
      const std::string detail = "completed [" + ids(result.completed) + "] added [" +
                                 ids(result.added) + "] not delivered [" +
                                 ids(result.not_delivered) + "]";
      spdlog::warn("pulse records reconciled with the generator's pulse log: {}", detail);
      record_event(core::EventKind::kPulsesReconciled, core::Severity::kWarningLow,
                   "pulse records reconciled with the generator's pulse log", detail,
                   static_cast<std::int64_t>(result.completed.size() + result.added.size() +
                                             result.not_delivered.size()));
    }
    if (!result.contradicted.empty()) {
      spdlog::error("stored pulses with energy are missing from the generator's pulse log: {}",
                    ids(result.contradicted));
      record_event(core::EventKind::kPulsesReconciled, core::Severity::kWarningHigh,
                   "stored pulses with energy are missing from the generator's pulse log",
                   ids(result.contradicted), static_cast<std::int64_t>(result.contradicted.size()));
    }
    if (read.implausible > 0) {
      spdlog::warn("{} pulse-log entries with a field out of range were ignored", read.implausible);
    }
    pulse_logs_.pop_front();
  }
}

void CoreGateway::close_interrupted() {
  const InterruptedSessions result = close_interrupted_sessions(store_, wall_now());
  if (result.store_failed) {
    note_store_failure("interrupted session closing");
  }
  for (const std::uint64_t id : result.closed) {
    spdlog::warn(
        "session {} was open when the previous run ended: closed as interrupted; it "
        "can be resumed with its cartridge (POST /api/v1/session/{}/resume)",
        id, id);
    record_event(core::EventKind::kSessionInterrupted, core::Severity::kWarningLow,
                 "session interrupted: the previous run ended with it open",
                 "session " + std::to_string(id), static_cast<std::int64_t>(id));
    interrupted_session_id_ = id;
  }
}

void CoreGateway::reserve_ahead() {
  if (reserved_ - std::min(reserved_, highest_pulse_id_) > options_.pulse_id_window / 2 ||
      !may_write()) {
    return;
  }
  const std::uint64_t target = highest_pulse_id_ + options_.pulse_id_window;
  if (!store_.reserve_pulse_ids(target)) {
    note_store_failure("pulse ID reservation");
    return;
  }
  reserved_ = target;
  inputs_.push_back(LoopInput{LoopInput::Kind::kPulseIdsReserved, reserved_, {}, {}});
}

void CoreGateway::send_inputs() {
  while (!inputs_.empty() && loop_.channels().inputs.try_push(std::move(inputs_.front()))) {
    inputs_.pop_front();
  }
}

void CoreGateway::log_loop_counters() {
  const SafetyLoopCounters& c = loop_.counters();
  const std::uint64_t drops = c.events_dropped.load(std::memory_order_relaxed) +
                              c.logs_dropped.load(std::memory_order_relaxed) +
                              c.records_lost.load(std::memory_order_relaxed);
  const auto now = std::chrono::steady_clock::now();
  if (drops == logged_drops_ || now - last_counter_log_ < kCounterLogPeriod) {
    return;
  }
  last_counter_log_ = now;
  logged_drops_ = drops;
  spdlog::warn("safety thread queues full: {} events, {} log lines dropped; {} records lost",
               c.events_dropped.load(std::memory_order_relaxed),
               c.logs_dropped.load(std::memory_order_relaxed),
               c.records_lost.load(std::memory_order_relaxed));
}

}  // namespace rfneedle::daemon

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
constexpr auto kFailureLogPeriod = std::chrono::seconds(5);

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
  loop_.restore(latches, last, reserved_, calibrations);
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
  pump();
  if (unstored() > 0) {
    spdlog::error("{} records could not be stored at shutdown", unstored());
  }
}

void CoreGateway::pump() {
  take_logs();
  take_replies();
  store_events();
  store_latches();
  store_pulses();
  store_calibrations();
  take_snapshots();
  take_telemetry();
  reserve_ahead();
  send_inputs();
  log_loop_counters();
}

void CoreGateway::request(CoreRequest request, Reply reply) {
  const bool room = replies_.size() < loop_.channels().inputs.capacity();
  PendingReply pending{std::move(reply), std::nullopt,
                       std::holds_alternative<CloseSession>(request)};
  if (const auto* open = std::get_if<OpenSession>(&request)) {
    pending.opens = open->request;
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
    s.patient_ref = pending.opens->patient_ref;
    s.operator_id = pending.opens->operator_id;
    s.area = pending.opens->area;
    s.override_reason = pending.opens->screening.override_reason;
    if (latest_.status.cartridge) {
      s.cartridge_serial = std::string(latest_.status.cartridge->serial.view());
    }
    s.opened_at = now;
    s.outcome = "open";
    s.calibration = latest_.status.calibration;
    open_session_id_ = s.id;
    if (!store_.open_session(s)) {
      spdlog::error("store refused session {}'s record", s.id);
    }
  }
  if (pending.closes && open_session_id_ != 0) {
    if (!store_.close_session(open_session_id_, now, "closed")) {
      spdlog::error("store refused session {}'s closing", open_session_id_);
    }
    open_session_id_ = 0;
  }
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

void CoreGateway::store_events() {
  PublishedEvent e;
  for (int i = 0; i < kPerPass && loop_.channels().events.try_pop(e); ++i) {
    events_.push_back(e);
  }
  // In order: a failed write holds the ones behind it, so IDs follow the core's order.
  while (!events_.empty()) {
    StoredEvent stored = to_stored(events_.front());
    if (!store_.append_event(stored)) {
      note_store_failure("event");
      return;
    }
    events_.pop_front();
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
  while (!latches_.empty()) {
    if (!store_.save_latch(StoredLatch{latches_.front().latch, latches_.front().at, {}, {}})) {
      note_store_failure("latch");
      return;
    }
    latches_.pop_front();
  }
}

void CoreGateway::store_pulses() {
  PublishedPulse p;
  for (int i = 0; i < kPerPass && loop_.channels().pulses.try_pop(p); ++i) {
    pulses_.push_back(p);
  }
  // In order: a started record must never overwrite its own final record.
  while (!pulses_.empty()) {
    const PublishedPulse& front = pulses_.front();
    const core::PulseRecord& r = front.record;
    if (r.outcome == core::PulseOutcome::kStarted) {
      started_ = std::pair{r.pulse_id, front.at};
    }
    const WallMs started_at =
        started_ && started_->first == r.pulse_id ? started_->second : front.at;
    if (!store_.save_pulse(StoredPulse{r, started_at, latest_.status.area, false})) {
      note_store_failure("pulse record");
      return;
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
  while (!calibrations_.empty()) {
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

void CoreGateway::reserve_ahead() {
  if (reserved_ - std::min(reserved_, highest_pulse_id_) > options_.pulse_id_window / 2) {
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

void CoreGateway::note_store_failure(const char* what) {
  // Rate-limited: a store that keeps failing retries every pass (SR-69).
  const auto now = std::chrono::steady_clock::now();
  if (now - last_failure_log_ >= kFailureLogPeriod) {
    last_failure_log_ = now;
    spdlog::error("store refused a {} write; retrying (the next pulse waits for it)", what);
  }
}

void CoreGateway::log_loop_counters() {
  const SafetyLoopCounters& c = loop_.counters();
  const std::uint64_t drops = c.events_dropped.load(std::memory_order_relaxed) +
                              c.logs_dropped.load(std::memory_order_relaxed) +
                              c.records_lost.load(std::memory_order_relaxed);
  const auto now = std::chrono::steady_clock::now();
  if (drops == logged_drops_ || now - last_counter_log_ < kFailureLogPeriod) {
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

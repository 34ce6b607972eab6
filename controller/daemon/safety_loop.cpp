#include "controller/daemon/safety_loop.h"

#include <pthread.h>
#include <sched.h>
#include <sys/mman.h>

#include <array>
#include <boost/asio/post.hpp>
#include <cerrno>
#include <random>
#include <type_traits>
#include <variant>

namespace rfneedle::daemon {
namespace {

using core::Board;
using Level = LogRecord::Level;
using SteadyClock = std::chrono::steady_clock;

constexpr Duration kTickPeriod = milliseconds(1);
// How early a tick may run on a board's frame instead of waking the thread on its own
// (tick_schedule.h).
constexpr auto kTickSlack = std::chrono::microseconds(250);
// How long the last commands get to reach the boards before the lines close.
constexpr Duration kDrainLimit = milliseconds(100);
// How long a handshake may go unanswered before a new session is tried.
constexpr Duration kHandshakeRetry = seconds(1);

constexpr std::size_t slot(Board board) { return static_cast<std::size_t>(board); }

Instant steady_now() {
  return Instant(std::chrono::duration_cast<Duration>(SteadyClock::now().time_since_epoch()));
}

WallMs wall_now() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// A fresh nonce for every link session (SR-42), from the kernel's generator.
std::uint64_t fresh_nonce() {
  std::random_device random;
  const std::uint64_t high = random();
  return (high << 32) ^ random();
}

hal::SerialOptions line_options(const SafetyLoopOptions& o, const std::string& path) {
  return hal::SerialOptions{.path = path, .baud = o.baud, .reconnect_period = o.reconnect_period};
}

}  // namespace

SafetyLoop::SafetyLoop(const core::CoreConfig& config, const hal::HandshakePolicy& policy,
                       SafetyLoopOptions options)
    : options_(std::move(options)),
      channels_(options_.queues),
      work_(boost::asio::make_work_guard(io_)),
      timer_(io_),
      core_(config, steady_now()),
      bridge_(core_, steady_now(), this),
      generator_line_(
          io_, line_options(options_, options_.generator_path),
          [this](std::span<const std::uint8_t> b) { on_line_bytes(Board::kGenerator, b); },
          [this](bool connected) { on_line_connection(Board::kGenerator, connected); }),
      actuator_line_(
          io_, line_options(options_, options_.actuator_path),
          [this](std::span<const std::uint8_t> b) { on_line_bytes(Board::kActuator, b); },
          [this](bool connected) { on_line_connection(Board::kActuator, connected); }),
      schedule_(SteadyClock::now(), kTickPeriod),
      snapshot_pacing_(options_.snapshot_period) {
  bridge_.set_handshake_policy(policy);
}

SafetyLoop::~SafetyLoop() { stop(); }

void SafetyLoop::restore(std::span<const core::LatchRecord> latches, std::uint64_t last_pulse_id,
                         std::uint64_t last_session_id, std::uint64_t reserved_pulse_ids,
                         std::uint64_t read_pulse_log_from,
                         std::span<const CalibrationInForce> calibrations) {
  // Before the thread exists: nothing else touches the core yet.
  const Instant now = steady_now();
  calibrations_.restore(calibrations);
  if (read_pulse_log_from > 0) {
    pulse_log_.read_at_connect(read_pulse_log_from, last_pulse_id);
  }
  core_.allow_pulse_ids_up_to(reserved_pulse_ids, now);
  core_.restore(latches, last_pulse_id, last_session_id, now);
  publish_outbox();
}

void SafetyLoop::start() {
  if (thread_.joinable()) {
    return;
  }
  thread_ = std::thread([this] { thread_main(); });
}

void SafetyLoop::stop() {
  if (!thread_.joinable()) {
    return;
  }
  shutdown_requested_.store(true, std::memory_order_release);
  wake();
  thread_.join();
}

void SafetyLoop::request_stop() {
  stop_requested_.store(true, std::memory_order_release);
  wake();
}

void SafetyLoop::wake() {
  boost::asio::post(io_, [this] {
    const Instant now = steady_now();
    if (check_flags(now)) {
      after_input(now);
    }
  });
}

void SafetyLoop::thread_main() {
  // `ps -L`, `top -H` and the journal's stack traces name it (docs/operations.md).
  (void)::pthread_setname_np(::pthread_self(), kThreadName);
  raise_priority_and_lock_memory();
  generator_line_.start();
  actuator_line_.start();
  // One line per change: this one while a device is absent, "line open" when it appears.
  if (!generator_line_.connected()) {
    log(Level::kWarning, "generator line not present: Connecting, retrying until it appears");
  }
  if (!actuator_line_.connected()) {
    log(Level::kWarning, "actuator line not present: Connecting, retrying until it appears");
  }
  schedule_ = TickSchedule<SteadyClock>(SteadyClock::now(), kTickPeriod);
  rf_off_epoch_ = core_.epoch();
  schedule_tick();
  io_.run();
}

void SafetyLoop::raise_priority_and_lock_memory() {
  if (options_.realtime_priority > 0) {
    sched_param param{};
    param.sched_priority = options_.realtime_priority;
    if (const int error = ::pthread_setschedparam(::pthread_self(), SCHED_FIFO, &param);
        error != 0) {
      log(Level::kWarning, "real-time scheduling not permitted; safety thread at normal priority",
          error);
    } else {
      log(Level::kInfo, "safety thread at SCHED_FIFO priority", options_.realtime_priority);
    }
  }
  if (options_.lock_memory) {
    if (::mlockall(MCL_CURRENT | MCL_FUTURE) != 0) {
      log(Level::kWarning, "memory not locked (needs CAP_IPC_LOCK or a memlock limit)", errno);
    } else {
      log(Level::kInfo, "memory locked");
    }
  }
}

void SafetyLoop::schedule_tick() {
  // Re-arming cancels the wait before; a timer that already fired for a tick a frame ran
  // since finds the count moved on and does nothing.
  timer_.expires_at(schedule_.deadline());
  timer_.async_wait([this, armed = ticks_run_](const boost::system::error_code& ec) {
    if (ec) {
      return;
    }
    // Behind every read that completed by now: after a late wake-up the bytes already
    // waiting reach the core before its gap checks run, so a delay of this thread is not
    // mistaken for a silent board.
    boost::asio::post(io_, [this, armed] {
      if (armed == ticks_run_) {
        tick(true);
      }
    });
  });
}

void SafetyLoop::publish_link_figures() {
  for (const Board board : {Board::kGenerator, Board::kActuator}) {
    const bool generator = board == Board::kGenerator;
    const hal::LinkStats& l =
        generator ? bridge_.generator().link_stats() : bridge_.actuator().link_stats();
    const hal::SerialStats& line = generator ? generator_line_.stats() : actuator_line_.stats();
    LinkFigures& f = counters_.links[slot(board)];
    f.frames_sent.store(l.frames_sent, std::memory_order_relaxed);
    f.frames_received.store(l.frames_received, std::memory_order_relaxed);
    f.retransmissions.store(l.retransmissions, std::memory_order_relaxed);
    const std::array<std::uint64_t, kLinkErrorNames.size()> errors = {
        l.decoder.framing_errors, l.decoder.oversize_errors,
        l.decoder.crc_errors,     l.decoder.version_errors,
        l.duplicates_received,    l.out_of_order_received,
        l.payload_errors,         l.telemetry_gaps,
        l.send_queue_full,        l.link_faults,
        line.disconnects};
    for (std::size_t k = 0; k < errors.size(); ++k) {
      f.errors[k].store(errors[k], std::memory_order_relaxed);
    }
  }
}

void SafetyLoop::tick(bool by_timer) {
  ++ticks_run_;
  // GET /metrics: how late past its deadline (0 for a tick a frame ran early).
  counters_.tick_lateness.observe(SteadyClock::now() - schedule_.deadline());
  const Instant now = steady_now();
  if (counters_.ticks.fetch_add(1, std::memory_order_relaxed) % 100 == 0) {
    publish_link_figures();
  }
  if (check_flags(now)) {
    take_inputs(now);
    retry_handshakes(now);
    bridge_.tick(now);
    after_input(now);
    publish_samples();
    publish_snapshot(now);
  }
  if (phase_ == Phase::kStopped) {
    return;
  }
  const SteadyClock::time_point after = SteadyClock::now();
  if (schedule_.advance(after)) {
    counters_.late_ticks.fetch_add(1, std::memory_order_relaxed);
  }
  if (by_timer && last_bytes_at_) {
    schedule_.align_to(*last_bytes_at_ + kTickPeriod, kTickSlack, after);
  }
  schedule_tick();
}

bool SafetyLoop::check_flags(Instant now) {
  if (phase_ == Phase::kStopped) {
    return false;
  }
  // STOP first, ahead of every queued request (SR-76).
  if (stop_requested_.exchange(false, std::memory_order_acq_rel)) {
    (void)core_.stop(now);
    bridge_.send_commands(now);
  }
  if (phase_ == Phase::kRunning && shutdown_requested_.load(std::memory_order_acquire)) {
    (void)core_.stop(now);
    bridge_.send_commands(now);
    phase_ = Phase::kRetracting;
    phase_until_ = now + options_.shutdown_grace;
    log(Level::kInfo, "shutting down: RF off, retracting");
  }
  if (phase_ != Phase::kRunning) {
    shutdown_step(now);
  }
  return phase_ != Phase::kStopped;
}

void SafetyLoop::shutdown_step(Instant now) {
  if (phase_ == Phase::kRetracting && (!core::in_pulse(core_.state()) || now >= phase_until_)) {
    (void)core_.shutdown(now);
    bridge_.send_commands(now);
    after_input(now);
    phase_ = Phase::kDraining;
    phase_until_ = now + kDrainLimit;
    return;
  }
  if (phase_ == Phase::kDraining &&
      ((generator_line_.pending_write_bytes() == 0 && actuator_line_.pending_write_bytes() == 0) ||
       now >= phase_until_)) {
    publish_outbox();
    publish_held_records();
    publish_snapshot(now);
    log(Level::kInfo, "safety thread stopped");
    phase_ = Phase::kStopped;
    generator_line_.stop();
    actuator_line_.stop();
    timer_.cancel();
    work_.reset();
    io_.stop();
  }
}

void SafetyLoop::take_inputs(Instant now) {
  // A bounded number per tick: the tick's own work always runs (SR-71).
  LoopInput input;
  for (std::size_t i = 0; i < channels_.inputs.capacity() && channels_.inputs.try_pop(input); ++i) {
    handle_input(input, now);
  }
}

void SafetyLoop::handle_input(LoopInput& input, Instant now) {
  switch (input.kind) {
    case LoopInput::Kind::kRecordStored:
      core_.on_record_stored(input.value, now);
      break;
    case LoopInput::Kind::kPulseIdsReserved:
      core_.allow_pulse_ids_up_to(input.value, now);
      break;
    case LoopInput::Kind::kCalibrationStored:
      calibrations_.stored(input.value, input.calibration, core_, now);
      break;
    case LoopInput::Kind::kStoreCondition:
      if (!core_.on_store_condition(store_condition_of(input.value),
                                    store_condition_present(input.value), now)) {
        log(Level::kError, "a store condition the core does not take from the store",
            static_cast<std::int64_t>(input.value));
      }
      break;
    case LoopInput::Kind::kRequest: {
      LoopReply reply;
      reply.response = handle_request(input.request, now, reply);
      reply.session_id = core_.status().session_id;
      // Room is certain: the gateway keeps no more requests in flight than this holds.
      if (!channels_.replies.try_push(std::move(reply))) {
        log(Level::kError, "reply queue full: a request's answer was lost");
      }
      break;
    }
  }
  bridge_.send_commands(now);
}

core::Response SafetyLoop::handle_request(const CoreRequest& request, Instant now,
                                          LoopReply& reply) {
  return std::visit(
      [&](const auto& r) -> core::Response {
        using T = std::decay_t<decltype(r)>;
        if constexpr (std::is_same_v<T, OpenSession>) {
          return core_.open_session(r.request, now);
        } else if constexpr (std::is_same_v<T, CloseSession>) {
          return core_.close_session(now);
        } else if constexpr (std::is_same_v<T, ResumeSession>) {
          return core_.resume_session(r.request, r.session_id, now);
        } else if constexpr (std::is_same_v<T, SetParameters>) {
          return core_.set_parameters(r.parameters, now);
        } else if constexpr (std::is_same_v<T, Arm>) {
          return core_.arm(now);
        } else if constexpr (std::is_same_v<T, Disarm>) {
          return core_.disarm(now);
        } else if constexpr (std::is_same_v<T, Acknowledge>) {
          return core_.acknowledge(now);
        } else if constexpr (std::is_same_v<T, ServiceReset>) {
          return core_.service_reset(r.reason, now);
        } else if constexpr (std::is_same_v<T, EnterService>) {
          return core_.enter_service(now);
        } else if constexpr (std::is_same_v<T, ExitService>) {
          return core_.exit_service(now);
        } else if constexpr (std::is_same_v<T, RunSelfTest>) {
          return core_.run_self_test(now);
        } else if constexpr (std::is_same_v<T, DisplayHeartbeat>) {
          return core_.display_heartbeat(r.snapshot_id, now);
        } else if constexpr (std::is_same_v<T, ChangeArea>) {
          return core_.change_area(r.area, now);
        } else if constexpr (std::is_same_v<T, SwapCartridge>) {
          return core_.swap_cartridge(now);
        } else if constexpr (std::is_same_v<T, Calibrate>) {
          return core_.calibrate(r.request, now);
        } else if constexpr (std::is_same_v<T, CompleteCalibration>) {
          return calibrations_.complete(core_, r.today, now, reply.calibration);
        } else if constexpr (std::is_same_v<T, UnlockScreen>) {
          return core_.unlock_screen(now);
        } else {
          static_assert(std::is_same_v<T, void>, "every CoreRequest reaches the core");
        }
      },
      request);
}

void SafetyLoop::on_line_bytes(Board board, std::span<const std::uint8_t> bytes) {
  const Instant now = steady_now();
  if (!check_flags(now)) {
    return;
  }
  bridge_.on_bytes(board, bytes, now);
  after_input(now);
  const SteadyClock::time_point after = SteadyClock::now();
  last_bytes_at_ = after;
  if (schedule_.due_within(after, kTickSlack)) {
    tick(false);
  }
}

void SafetyLoop::on_line_connection(Board board, bool connected) {
  const Instant now = steady_now();
  const bool generator = board == Board::kGenerator;
  session_started_at_[slot(board)].reset();
  if (!connected) {
    if (generator) {
      pulse_log_.on_link_lost();
    }
    // Before the first handshake the core stays Connecting; after it, the link session's
    // silence becomes the latched link fault (SR-33, SR-39).
    log(Level::kWarning, generator ? "generator line lost" : "actuator line lost");
    return;
  }
  log(Level::kInfo, generator ? "generator line open" : "actuator line open");
  if (phase_ == Phase::kStopped) {
    return;
  }
  bridge_.connect(board, fresh_nonce(), now);
  session_started_at_[slot(board)] = now;
  link_faults_seen_[slot(board)] = link_faults(board);
  after_input(now);
}

std::uint64_t SafetyLoop::link_faults(Board board) const {
  return board == Board::kGenerator ? bridge_.generator().link_stats().link_faults
                                    : bridge_.actuator().link_stats().link_faults;
}

void SafetyLoop::retry_handshakes(Instant now) {
  for (const Board board : {Board::kGenerator, Board::kActuator}) {
    std::optional<Instant>& started = session_started_at_[slot(board)];
    const bool open =
        board == Board::kGenerator ? generator_line_.connected() : actuator_line_.connected();
    if (open && link_faults(board) != link_faults_seen_[slot(board)]) {
      // The link faulted with the line still open (the board silent, or the line cut
      // beyond the adapter): the core holds the latched link fault (SR-33); a new session
      // finds the board again once it answers.
      link_faults_seen_[slot(board)] = link_faults(board);
      if (board == Board::kGenerator) {
        pulse_log_.on_link_lost();
      }
      log(Level::kWarning, board == Board::kGenerator
                               ? "generator link faulted; starting a new session"
                               : "actuator link faulted; starting a new session");
      bridge_.connect(board, fresh_nonce(), now);
      started = now;
      continue;
    }
    const hal::HandshakeState handshake = board == Board::kGenerator
                                              ? bridge_.generator().handshake_state()
                                              : bridge_.actuator().handshake_state();
    if (!started || handshake != hal::HandshakeState::kWaiting ||
        now - *started < kHandshakeRetry) {
      continue;
    }
    log(Level::kWarning, board == Board::kGenerator
                             ? "generator did not answer the handshake; retrying"
                             : "actuator did not answer the handshake; retrying");
    bridge_.connect(board, fresh_nonce(), now);
    started = now;
  }
}

void SafetyLoop::follow_pulse_log(Instant now) {
  if (generator_connected_) {
    generator_connected_ = false;
    if (std::optional<PulseLogReader::Query> first = pulse_log_.on_connected()) {
      pulse_log_query_ = first;
      log(Level::kInfo, "reading the generator's pulse log from pulse",
          static_cast<std::int64_t>(first->from_pulse_id));
    }
  }
  if (!pulse_log_query_ && pulse_log_.reading() && now - pulse_log_asked_at_ >= kHandshakeRetry) {
    pulse_log_query_ = pulse_log_.current_query();  // unanswered: asked again
  }
  if (pulse_log_query_) {
    bridge_.query_pulse_log(pulse_log_query_->from_pulse_id, pulse_log_query_->max_entries);
    pulse_log_asked_at_ = now;
    pulse_log_query_.reset();
  }
  if (const PulseLogRead* read = pulse_log_.finished();
      read != nullptr && channels_.pulse_logs.try_push(*read)) {
    pulse_log_.take_finished();
  }
}

void SafetyLoop::after_input(Instant now) {
  follow_pulse_log(now);
  bridge_.send_commands(now);
  write_output(now);
  if (core_.epoch() != rf_off_epoch_) {  // RF off commanded on this input (GET /metrics)
    rf_off_epoch_ = core_.epoch();
    counters_.rf_off_commanded.observe(steady_now() - now);
  }
  publish_outbox();
}

void SafetyLoop::write_output(Instant now) {
  std::array<std::uint8_t, 1024> buffer{};
  for (std::size_t n; (n = bridge_.take_output(Board::kGenerator, buffer, now)) > 0;) {
    (void)generator_line_.write({buffer.data(), n});  // refused: the link retransmits
  }
  for (std::size_t n; (n = bridge_.take_output(Board::kActuator, buffer, now)) > 0;) {
    (void)actuator_line_.write({buffer.data(), n});
  }
}

void SafetyLoop::publish_outbox() {
  core::Outbox& out = core_.outbox();
  const WallMs at = wall_now();
  for (const core::CoreEvent& e : out.events) {
    if (!channels_.events.try_push(PublishedEvent{e, at})) {
      counters_.events_dropped.fetch_add(1, std::memory_order_relaxed);
    }
  }
  out.events.clear();
  for (const core::LatchRecord& l : out.latches) {
    if (!held_latches_.push_back(PublishedLatch{l, at})) {
      counters_.records_lost.fetch_add(1, std::memory_order_relaxed);
    }
  }
  out.latches.clear();
  for (const core::PulseRecord& p : out.pulses) {
    if (p.outcome == core::PulseOutcome::kStarted) {
      pulse_log_.on_pulse_id_used(p.pulse_id);
    }
    if (!held_pulses_.push_back(PublishedPulse{p, at})) {
      counters_.records_lost.fetch_add(1, std::memory_order_relaxed);
    }
  }
  out.pulses.clear();
  publish_held_records();
}

void SafetyLoop::publish_held_records() {
  while (!held_latches_.empty() && channels_.latches.try_push(held_latches_[0])) {
    (void)held_latches_.pop_front();
  }
  while (!held_pulses_.empty() && channels_.pulses.try_push(held_pulses_[0])) {
    (void)held_pulses_.pop_front();
  }
  counters_.records_held.store(held_latches_.size() + held_pulses_.size(),
                               std::memory_order_relaxed);
}

void SafetyLoop::publish_samples() {
  const core::GeneratorSample& g = core_.generator_sample();
  const core::ActuatorSample& a = core_.actuator_sample();
  if (g.sample_counter == last_generator_counter_ && a.sample_counter == last_actuator_counter_) {
    return;
  }
  last_generator_counter_ = g.sample_counter;
  last_actuator_counter_ = a.sample_counter;
  if (++telemetry_ticks_ < options_.telemetry_every) {
    return;
  }
  telemetry_ticks_ = 0;
  if (!channels_.telemetry.try_push(TelemetrySample{wall_now(), g, a})) {
    counters_.telemetry_dropped.fetch_add(1, std::memory_order_relaxed);
  }
}

void SafetyLoop::publish_snapshot(Instant now) {
  if (!snapshot_pacing_.due(core_.status(), now)) {
    return;
  }
  const core::Status& s = core_.snapshot(now);
  snapshot_pacing_.published(s, now);
  if (!channels_.snapshots.try_push(PublishedSnapshot{s, wall_now()})) {
    counters_.snapshots_dropped.fetch_add(1, std::memory_order_relaxed);
  }
}

void SafetyLoop::log(Level level, std::string_view text) {
  if (!channels_.logs.try_push(LogRecord{level, text, 0, false})) {
    counters_.logs_dropped.fetch_add(1, std::memory_order_relaxed);
  }
}

void SafetyLoop::log(Level level, std::string_view text, std::int64_t value) {
  if (!channels_.logs.try_push(LogRecord{level, text, value, true})) {
    counters_.logs_dropped.fetch_add(1, std::memory_order_relaxed);
  }
}

void SafetyLoop::on_identity(Board board, const device::HandshakeReply& reply) {
  (board == Board::kGenerator ? generator_simulated_ : actuator_simulated_)
      .store(reply.simulated(), std::memory_order_release);
  if (board == Board::kGenerator) {
    // Before the core hears the handshake, whose configure carries the correction: the
    // calibration in force is the one stored for this generator's serial, and another
    // generator has none (SR-66).
    calibrations_.on_generator(reply.serial_number(), core_, steady_now());
  }
  const bool established = (board == Board::kGenerator ? bridge_.generator().handshake_state()
                                                       : bridge_.actuator().handshake_state()) ==
                           hal::HandshakeState::kEstablished;
  if (!established) {
    return;  // a mismatch: the core locks the device; nothing here is recorded
  }
  // Acted on after this input, outside the driver's callback.
  generator_connected_ = generator_connected_ || board == Board::kGenerator;
  if (!channels_.identities.try_push(PublishedIdentity{board, BoardText(reply.firmware_version()),
                                                       BoardText(reply.serial_number()),
                                                       reply.simulated(), wall_now()})) {
    counters_.events_dropped.fetch_add(1, std::memory_order_relaxed);
  }
}

void SafetyLoop::on_pulse_ended(const device::PulseLogEntry& entry) {
  pulse_log_.on_pulse_ended(entry.pulse_id());
}

void SafetyLoop::on_pulse_log(const device::PulseLogReply& reply) {
  pulse_log_query_ = pulse_log_.on_reply(reply);
}
void SafetyLoop::on_counters(Board /*board*/, const device::CountersReply& /*reply*/) {}

}  // namespace rfneedle::daemon

// rfneedled's safety thread (DESIGN 6): its own io_context, both serial lines, the core,
// the joining layer (controller/bridge, the same code the tests and the deterministic
// simulation drive) and the 1 kHz tick. It meets the service thread only through the
// SafetyChannels queues and never waits on them; STOP has its own flag, checked on every
// tick and every wake-up, so it never waits behind queued requests (SR-49, SR-76). It
// never logs: it queues LogRecords for the service thread (SR-71).
#pragma once

#include <array>
#include <atomic>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <thread>

#include "controller/bridge/board_bridge.h"
#include "controller/core/bounded_queue.h"
#include "controller/core/core.h"
#include "controller/daemon/pulse_log_reader.h"
#include "controller/daemon/calibration_book.h"
#include "controller/daemon/safety_records.h"
#include "controller/daemon/snapshot_pacing.h"
#include "controller/daemon/tick_schedule.h"
#include "hal/handshake_policy.h"
#include "hal/serial_transport.h"

namespace rfneedle::daemon {

struct SafetyLoopOptions {
  std::string generator_path;  // e.g. /dev/serial/by-id/..., or rfneedle-sim's pty link
  std::string actuator_path;
  unsigned baud = 921'600;
  std::chrono::milliseconds reconnect_period{100};
  // SCHED_FIFO priority of the safety thread when permitted; 0: do not ask.
  int realtime_priority = 20;
  // mlockall(MCL_CURRENT | MCL_FUTURE) when permitted (CAP_IPC_LOCK or a memlock limit).
  bool lock_memory = true;
  // A telemetry sample every this many ticks that brought new samples (1: every one).
  unsigned telemetry_every = 1;
  Duration snapshot_period = milliseconds(50);  // 20 Hz
  // How long stop() lets a pulse end and the needles retract before shutting down.
  Duration shutdown_grace = milliseconds(500);
  QueueCapacities queues;
};

class SafetyLoop final : private bridge::BoardRecords {
 public:
  // The safety thread's name (at most 15 characters): /proc/PID/task/TID/comm.
  static constexpr const char* kThreadName = "rfneedle-safety";

  SafetyLoop(const core::CoreConfig& config, const hal::HandshakePolicy& policy,
             SafetyLoopOptions options);
  ~SafetyLoop();
  SafetyLoop(const SafetyLoop&) = delete;
  SafetyLoop& operator=(const SafetyLoop&) = delete;

  // Before start() only: what the store kept (SR-53: latches handed back before Standby;
  // SR-62: the last session ID, never used again; SR-68: the pulse IDs reserved so far; SR-70: where the generator's pulse log is read
  // from at its first handshake, 0: not at all; SR-66: the calibration in force of each
  // generator, restored to the core at each generator handshake by its serial). Without
  // it the core never leaves SelfTest.
  void restore(std::span<const core::LatchRecord> latches, std::uint64_t last_pulse_id,
               std::uint64_t last_session_id, std::uint64_t reserved_pulse_ids,
               std::uint64_t read_pulse_log_from = 0,
               std::span<const CalibrationInForce> calibrations = {});
  // Spawns the safety thread: real-time priority and locked memory when permitted, both
  // serial lines opened (or retried), the tick started.
  void start();
  // RF off, retract (within shutdown_grace), the shutdown commands written out, the lines
  // closed, the thread joined. What the thread published stays in the queues for the
  // service thread to drain. Idempotent.
  void stop();
  [[nodiscard]] bool running() const { return thread_.joinable(); }

  // From the service thread.
  // STOP: never queued, never refused; the loop acts on it at its next wake-up, which
  // this call brings forward.
  void request_stop();
  [[nodiscard]] SafetyChannels& channels() { return channels_; }
  [[nodiscard]] const SafetyLoopCounters& counters() const { return counters_; }
  // Both boards' latest handshakes said they are simulated (SR-77).
  [[nodiscard]] bool boards_simulated() const {
    return generator_simulated_.load(std::memory_order_acquire) &&
           actuator_simulated_.load(std::memory_order_acquire);
  }

 private:
  enum class Phase : std::uint8_t { kRunning, kRetracting, kDraining, kStopped };

  void thread_main();
  void raise_priority_and_lock_memory();
  void schedule_tick();
  // The 1 kHz tick: the core's deadlines, the queues, the snapshot; then the next one is
  // scheduled. `by_timer` when the timer woke the thread for it, not a board's frame.
  void tick(bool by_timer);
  void publish_link_figures();  // every 100 ms, into counters_.links
  void on_line_bytes(core::Board board, std::span<const std::uint8_t> bytes);
  void on_line_connection(core::Board board, bool connected);
  void wake();
  // Acts on STOP and shutdown flags; true while the loop still runs the core.
  bool check_flags(Instant now);
  void take_inputs(Instant now);
  void handle_input(LoopInput& input, Instant now);
  [[nodiscard]] core::Response handle_request(const CoreRequest& request, Instant now,
                                              LoopReply& reply);
  // After every input and tick: the core's commands to the drivers, the drivers' bytes to
  // the lines, the core's outputs to the queues.
  void after_input(Instant now);
  void write_output(Instant now);
  void publish_outbox();
  void publish_held_records();
  void publish_samples();
  void publish_snapshot(Instant now);
  void shutdown_step(Instant now);
  // A board whose line is open but whose handshake went unanswered, or whose link faulted
  // on a line still open, gets a new session.
  void retry_handshakes(Instant now);
  [[nodiscard]] std::uint64_t link_faults(core::Board board) const;
  // The generator's pulse log: read after its handshake when a pulse was in flight as the
  // link went, or at start-up (SR-70); each finished read queued for the service thread.
  void follow_pulse_log(Instant now);
  void log(LogRecord::Level level, std::string_view text);
  void log(LogRecord::Level level, std::string_view text, std::int64_t value);

  // bridge::BoardRecords
  void on_identity(core::Board board, const device::HandshakeReply& reply) override;
  void on_pulse_ended(const device::PulseLogEntry& entry) override;
  void on_pulse_log(const device::PulseLogReply& reply) override;
  void on_counters(core::Board board, const device::CountersReply& reply) override;

  SafetyLoopOptions options_;
  SafetyChannels channels_;
  SafetyLoopCounters counters_;
  boost::asio::io_context io_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_;
  boost::asio::steady_timer timer_;
  core::Core core_;
  bridge::BoardBridge bridge_;
  hal::SerialTransport generator_line_;
  hal::SerialTransport actuator_line_;
  TickSchedule<std::chrono::steady_clock> schedule_;
  std::uint64_t ticks_run_ = 0;  // a timer that fired for a tick already run does nothing
  std::optional<std::chrono::steady_clock::time_point> last_bytes_at_;  // from either board
  SnapshotPacing snapshot_pacing_;

  // Latches and pulse records the queues had no room for: published first on the next
  // input. A final pulse record held here is not stored, so the core's own
  // record-not-stored wait holds the next pulse; a latch is only produced by a latched
  // state, which holds it too (never an interlock, SR-71).
  core::BoundedQueue<PublishedLatch, 32> held_latches_;
  core::BoundedQueue<PublishedPulse, 32> held_pulses_;
  std::uint32_t last_generator_counter_ = 0;
  std::uint32_t last_actuator_counter_ = 0;
  unsigned telemetry_ticks_ = 0;
  std::array<std::optional<Instant>, 2> session_started_at_{};  // by Board, while open
  std::array<std::uint64_t, 2> link_faults_seen_{};             // by Board
  PulseLogReader pulse_log_;
  bool generator_connected_ = false;  // its handshake just succeeded: follow_pulse_log acts
  std::optional<PulseLogReader::Query> pulse_log_query_;  // to send
  Instant pulse_log_asked_at_{};
  CalibrationBook calibrations_;                                // SR-66: by generator serial
  std::uint32_t rf_off_epoch_ = 0;  // the core's epoch at the last RF-off seen (GET /metrics)

  std::atomic<bool> stop_requested_{false};
  std::atomic<bool> shutdown_requested_{false};
  std::atomic<bool> generator_simulated_{false};
  std::atomic<bool> actuator_simulated_{false};
  Phase phase_ = Phase::kRunning;
  Instant phase_until_{};
  std::thread thread_;
};

}  // namespace rfneedle::daemon

// The service thread's side of the safety thread (DESIGN 6): a DeviceGateway over the
// SafetyLoop's queues. Every millisecond, on the service thread's io_context, it answers
// requests, stores what the loop published through the Store (in order, retrying a write
// that failed), acknowledges stored pulse records back to the core (SR-69), keeps the
// latest snapshot, fans out to listeners, writes the loop's log records with spdlog,
// keeps pulse IDs reserved ahead of the core (SR-68) and records each completed
// calibration, handing the calibrations in force to the loop at start-up (SR-66).
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <array>
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "controller/daemon/device_gateway.h"
#include "controller/daemon/latency_histogram.h"
#include "controller/daemon/reconcile.h"
#include "controller/daemon/safety_loop.h"
#include "controller/daemon/store.h"

namespace rfneedle::daemon {

struct CoreGatewayOptions {
  // Pulse IDs reserved ahead of the core; topped up when half are used.
  std::uint64_t pulse_id_window = 64;
  // How often the service thread takes what the safety thread queued (its queues hold
  // well over this much: 512 telemetry samples at 1 kHz) and hands it requests.
  std::chrono::milliseconds pump_period{10};
  // Recorded with every session (issue 9): this build's version (kSoftwareVersion) and
  // the SHA-256 of the configuration file's bytes.
  std::string software_version;
  std::string configuration_hash;
  // How long a read of the generator's pulse log waits for the core's own final record of
  // a pulse it covers before it is reconciled anyway.
  std::chrono::milliseconds reconcile_wait{5000};
  // While the store refuses writes (SR-85), they are tried again at most this often: a
  // busy store takes its whole busy timeout (1 s) to refuse.
  std::chrono::milliseconds store_retry_period{100};
  // Why the store could not be used at start-up (SR-86; set by rfneedled, which then
  // hands the gateway a store in memory): the gateway raises store_unusable, so the core
  // stays in ServiceLock. Empty when the store opened.
  std::string store_unusable;
  // The wall clock records are dated by (SR-87); null: the system clock.
  std::function<WallMs()> wall_now;
};

// What GET /metrics shows of the pulse records the gateway stored (issue 14); written and
// read on the service thread.
struct GatewayFigures {
  static constexpr std::size_t kKinds = 3;     // core::PulseKind
  static constexpr std::size_t kOutcomes = 6;  // core::PulseOutcome
  // The core's final pulse records stored, by kind and outcome.
  std::array<std::array<std::uint64_t, kOutcomes>, kKinds> pulses{};
  std::uint64_t delivered_energy_uj = 0;  // their delivered energy
  // Each pulse record's commit, started or final: the next pulse waits for it (SR-69).
  LatencyHistogram pulse_commit{kCommitBoundsUs};
  // Each event's commit (the core's and the daemon's own), refused ones included.
  LatencyHistogram event_commit{kCommitBoundsUs};
};

// A board whose serial number differs from the last one the store knew: `before` is
// that last one. The calibration records follow the generator's serial (issue 9).
using BoardChangedHandler =
    std::function<void(const BoardIdentity& before, const BoardIdentity& now)>;

class CoreGateway final : public DeviceGateway {
 public:
  // Hands the store's latches and pulse-ID series to `loop` (SR-53, SR-68), so it must
  // run before loop.start(); then pumps on `service_io` until shutdown().
  CoreGateway(boost::asio::io_context& service_io, SafetyLoop& loop, Store& store,
              CoreGatewayOptions options = {});
  ~CoreGateway() override;
  CoreGateway(const CoreGateway&) = delete;
  CoreGateway& operator=(const CoreGateway&) = delete;

  // After loop.stop(): stops the timer and stores everything still queued (one last try
  // each; what the store still refuses is counted in unstored()).
  void shutdown();
  // One pass over every queue (the timer's work; tests may call it).
  void pump();

  // DeviceGateway
  void request(CoreRequest request, Reply reply) override;
  void stop() override;
  [[nodiscard]] const core::Status& status() const override { return latest_.status; }
  [[nodiscard]] bool boards_simulated() const override { return loop_.boards_simulated(); }
  void add_listener(DeviceListener& listener) override;
  void remove_listener(DeviceListener& listener) override;

  // Records the store has not yet taken (events, latches, pulses, calibrations).
  [[nodiscard]] std::size_t unstored() const {
    return events_.size() + latches_.size() + pulses_.size() + calibrations_.size() +
           own_events_.size() + session_writes_.size() +
           static_cast<std::size_t>(identity_unsaved_[0]) +
           static_cast<std::size_t>(identity_unsaved_[1]);
  }
  [[nodiscard]] std::uint64_t reserved_pulse_ids() const { return reserved_; }
  // The boards' identities from their latest handshakes (empty before the first).
  [[nodiscard]] const BoardIdentity& board(core::Board board) const {
    return boards_[static_cast<std::size_t>(board)];
  }
  void on_board_changed(BoardChangedHandler handler) { board_changed_ = std::move(handler); }

  // What holds the device because of its store (SR-85, SR-86, SR-87), for the API's
  // status; empty when nothing does.
  [[nodiscard]] std::string store_problem() const override;
  // A service engineer confirmed the wall clock (SR-87): clock_behind_records clears.
  // False when the clock was not held.
  bool confirm_clock() override;
  [[nodiscard]] bool store_failing() const { return store_failing_; }
  [[nodiscard]] const GatewayFigures& figures() const { return figures_; }
  // Records taken from the safety thread's queues and not yet stored, by kind (GET
  // /metrics: the service side of the queues' depth).
  [[nodiscard]] std::size_t events_waiting() const { return events_.size() + own_events_.size(); }
  [[nodiscard]] std::size_t pulses_waiting() const { return pulses_.size(); }

 private:
  // The cartridge the core last read, as its memory names it; "" when none is in.
  [[nodiscard]] std::string cartridge_serial() const;
  void schedule();
  void take_replies();
  void take_logs();
  void log_event(const StoredEvent& e);
  void store_events();
  void store_latches();
  void store_pulses();
  void store_calibrations();
  void take_snapshots();
  void take_telemetry();
  void take_identities();
  void take_pulse_logs();
  void reconcile_pulse_logs();
  void record_event(core::EventKind kind, core::Severity severity, std::string text,
                    std::string detail, std::int64_t value);
  // Start-up (SR-70): the sessions the previous run left open are closed as interrupted.
  void close_interrupted();
  void reserve_ahead();
  void send_inputs();
  void note_store_failure(const char* what);
  // Whether this pass may write: always while the store takes writes, once per
  // store_retry_period while it refuses them, never after a refusal in this pass.
  [[nodiscard]] bool may_write() const { return retry_due_ && !pass_failed_; }
  // store_failed clears once a pass wrote everything held (SR-85).
  void settle_store_failure();
  void send_store_condition(core::Condition condition, bool present);
  // Appends one event, its commit time in figures_.event_commit.
  [[nodiscard]] bool append_timed(StoredEvent& event);
  void store_own_events();
  void store_sessions();
  void store_identities();
  void check_clock();
  [[nodiscard]] WallMs wall_now() const;
  void log_loop_counters();

  boost::asio::io_context& io_;
  SafetyLoop& loop_;
  Store& store_;
  CoreGatewayOptions options_;
  boost::asio::steady_timer timer_;
  bool pumping_ = true;

  // One per request in flight, in order; a session opened or closed is recorded in the
  // store when the core accepted it.
  struct PendingReply {
    Reply reply;
    std::optional<OpenSession> opens;
    bool closes = false;
    std::uint64_t resumes = 0;  // the session, for a ResumeSession request
    std::optional<std::string> arms;  // the operator, for an Arm request
  };
  std::deque<PendingReply> replies_;
  std::uint64_t open_session_id_ = 0;
  // The session the previous run left open (closed as interrupted at start-up), 0: none.
  std::uint64_t interrupted_session_id_ = 0;
  void record_session(const PendingReply& pending, const LoopReply& reply);
  // Session records not yet stored, in order (an open before its close).
  struct SessionWrite {
    std::optional<SessionRecord> open;
    std::uint64_t close_id = 0;
    WallMs closed_at = 0;
    std::uint64_t reopen_id = 0;  // a resumed session (SR-89)
  };
  std::deque<SessionWrite> session_writes_;
  std::deque<StoredEvent> own_events_;  // the gateway's own events, not yet stored
  std::deque<LoopInput> inputs_;  // store answers waiting for room in the input queue
  std::deque<PublishedEvent> events_;
  std::deque<PublishedLatch> latches_;
  std::deque<PublishedPulse> pulses_;
  std::deque<StoredCalibration> calibrations_;
  PublishedSnapshot latest_;
  std::vector<DeviceListener*> listeners_;

  std::array<BoardIdentity, 2> boards_{
      BoardIdentity{core::Board::kGenerator, {}, {}, 0},
      BoardIdentity{core::Board::kActuator, {}, {}, 0}};
  std::array<bool, 2> identity_unsaved_{};
  BoardChangedHandler board_changed_;
  // A generator other than the one the store knew: its pulse log says nothing of this
  // device's pulses, so its reads are not reconciled.
  bool generator_log_trusted_ = true;
  struct PendingLog {
    PulseLogRead read;
    std::chrono::steady_clock::time_point arrived;
  };
  std::deque<PendingLog> pulse_logs_;
  // The log's values of pulses reconciled, for a final record of the core's that comes
  // after the read (it then carries them too).
  std::map<std::uint64_t, LoggedPulse> reconciled_;
  std::optional<std::uint64_t> unfinished_;  // this run's started record without its final

  std::uint64_t reserved_ = 0;
  std::uint64_t highest_pulse_id_ = 0;
  std::optional<std::pair<std::uint64_t, WallMs>> started_;  // the pulse under way
  std::string armed_by_;  // the operator whose Arm the core last accepted
  std::chrono::steady_clock::time_point last_failure_log_{};
  // SR-85: store_failed raised; the last refused write; when writes are tried again.
  bool store_failing_ = false;
  bool pass_failed_ = false;
  bool retry_due_ = true;
  std::string failed_write_;
  std::chrono::steady_clock::time_point next_retry_{};
  // SR-87: clock_behind_records raised, and why.
  bool clock_behind_ = false;
  std::string clock_problem_;
  std::chrono::steady_clock::time_point last_counter_log_{};
  std::uint64_t logged_drops_ = 0;
  GatewayFigures figures_;
};

}  // namespace rfneedle::daemon

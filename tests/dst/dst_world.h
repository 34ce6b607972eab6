// The pieces of one simulated session (tests/dst/dst.h): its random source, its log
// (with the replay hash), the daemon-like shell around the store, and the checker of the
// invariants. Internal to tests/dst.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <variant>
#include <vector>

#include "controller/daemon/memory_store.h"
#include "controller/daemon/pulse_log_reader.h"
#include "controller/daemon/reconcile.h"
#include "simulator/faults.h"
#include "tests/dst/dst.h"
#include "tests/support/whole_device.h"

namespace rfneedle::dst {

using testing::WholeDevice;

// Every choice a session makes comes from here, in a fixed order: the same seed makes the
// same treatment on every standard library (no <random> distributions).
class Rng {
 public:
  explicit Rng(std::uint64_t seed) : engine_(seed) {}
  double uniform() { return static_cast<double>(engine_() >> 11) * 0x1.0p-53; }
  bool chance(double p) { return uniform() < p; }
  // Inclusive.
  std::int64_t between(std::int64_t lo, std::int64_t hi) {
    return lo + static_cast<std::int64_t>(engine_() % static_cast<std::uint64_t>(hi - lo + 1));
  }
  double real(double lo, double hi) { return lo + (hi - lo) * uniform(); }
  Duration ms(std::int64_t lo, std::int64_t hi) { return milliseconds(between(lo, hi)); }
  // Spread evenly over the orders of magnitude between lo and hi.
  Duration log_ms(double lo, double hi);
  template <typename T>
  const T& pick(const std::vector<T>& v) {
    return v[static_cast<std::size_t>(between(0, static_cast<std::int64_t>(v.size()) - 1))];
  }

 private:
  std::mt19937_64 engine_;
};

// What happened, for the replay hash and for the report of a failure.
class Log {
 public:
  explicit Log(bool verbose) : verbose_(verbose) {}
  void line(Instant at, const std::string& text);
  void mix(std::uint64_t value);
  [[nodiscard]] std::uint64_t hash() const { return hash_; }
  [[nodiscard]] std::string tail() const;

 private:
  static constexpr std::size_t kKept = 60;
  bool verbose_;
  std::uint64_t hash_ = 0xcbf29ce484222325ULL;
  std::deque<std::string> last_;
};

[[nodiscard]] std::string describe(const core::CoreEvent& e);
[[nodiscard]] std::string ms_text(Instant t);

// rfneedled's shell around the core, as SafetyLoop and CoreGateway do it: the core's
// pulse records and latch changes go to the store in order, each written `delay` after it
// was published (the service thread's pace; a slow disk); a final pulse record's
// confirmation goes back to the core once written (SR-69); pulse IDs are reserved ahead
// (SR-68); the generator's pulse log is read at its handshake after a restart or a lost
// link, as PulseLogReader says, and reconciled with the store (SR-70). A crash loses
// whatever was not yet written; a restart hands the store's latches and pulse IDs to a new
// controller.
class Shell final : public bridge::BoardRecords {
 public:
  static constexpr std::uint64_t kPulseIdWindow = 16;

  Shell(WholeDevice& device, Log& log) : d_(device), log_(log) {}
  // Before the first handshake: what the (empty) store holds goes to the core.
  void power_on();
  // Every millisecond, after the device stepped.
  void step();
  void crash();
  void restart();
  void set_delay(Duration delay) { delay_ = delay; }
  // Everything queued is written at the next step (the store caught up).
  void flush_now() {
    for (Pending& p : queue_) p.due = d_.now();
  }
  [[nodiscard]] Duration delay() const { return delay_; }
  [[nodiscard]] bool idle() const { return queue_.empty(); }

  daemon::MemoryStore store;
  // Pulse IDs whose final record a crash lost before it was written.
  std::set<std::uint64_t> lost_records;
  // Pulse records reconciliation added or completed from the generator's log.
  int reconciled = 0;
  // Sessions a restart found open in the store and closed as interrupted (SR-70).
  int interrupted_sessions = 0;

  // bridge::BoardRecords
  void on_identity(core::Board board, const device::HandshakeReply& reply) override;
  void on_pulse_ended(const device::PulseLogEntry& entry) override;
  void on_pulse_log(const device::PulseLogReply& reply) override;
  void on_counters(core::Board board, const device::CountersReply& reply) override;
  // The store held latches at the latest restart.
  bool restored_latches = false;

 private:
  struct Pending {
    Instant due;
    std::variant<core::PulseRecord, core::LatchRecord> record;
  };
  void take_new();
  void write(const Pending& p);
  void reserve_ahead();
  void follow_pulse_log();
  void reconcile_pulse_logs();

  WholeDevice& d_;
  Log& log_;
  Duration delay_ = milliseconds(1);
  std::deque<Pending> queue_;
  std::size_t records_seen_ = 0;
  std::size_t latches_seen_ = 0;
  std::uint64_t reserved_ = 0;
  std::uint64_t highest_ = 0;
  std::uint64_t open_session_ = 0;  // the session the store holds open, 0: none
  // The pulse log: the safety thread's reader, the service thread's reads to reconcile.
  daemon::PulseLogReader reader_;
  bool generator_connected_ = false;
  std::optional<daemon::PulseLogReader::Query> query_;
  Instant asked_at_{};
  std::uint64_t generator_link_faults_ = 0;
  struct PendingRead {
    daemon::PulseLogRead read;
    Instant arrived;
  };
  std::deque<PendingRead> reads_;
  std::map<std::uint64_t, daemon::LoggedPulse> reconciled_;
  std::optional<std::uint64_t> unfinished_;
};

// What the checker needs to know of the treatment, beyond the device and the store.
struct TreatmentFacts {
  std::int32_t today = 0;  // the session's date, days since 1970-01-01
  // Logical sessions (each accepted open_session is a new one, whatever ID the core gave
  // it), for the cartridge-reuse check (SR-62).
  int logical_session = 0;
  std::uint64_t core_session_id = 0;
};

class Checker final : public bridge::CommandObserver {
 public:
  Checker(WholeDevice& device, Shell& shell, Log& log, const TreatmentFacts& facts)
      : d_(device), shell_(shell), log_(log), facts_(facts) {}

  void on_command(const core::BoardCommand& command, const core::Core& core) override;
  // Every millisecond, after the device, the shell and the operator.
  void step();
  void on_crash();
  void on_restart();
  // An acknowledge or a service reset the core accepted.
  void on_clear_accepted() { restored_latch_pending_ = false; }
  // The session is over (RF off, the store caught up): every delivered pulse recorded.
  void finish();

  [[nodiscard]] const std::optional<Violation>& violation() const { return violation_; }
  [[nodiscard]] int pulses_delivered() const { return static_cast<int>(delivered_.size()); }
  [[nodiscard]] int pulses_stored() const { return stored_; }
  [[nodiscard]] MilliCelsius peak_skin() const { return peak_skin_; }

 private:
  struct Delivered {
    std::uint32_t energy_uj = 0;
    std::uint32_t duration_us = 0;
  };
  struct FaultObligation {
    core::Condition condition;
    Instant raised;
  };
  struct Episode {
    Instant start{};
    bool core_ended = false;  // RF was on under the core's permission just before
    std::optional<Instant> seen;
    bool rx_impaired = false;  // generator samples lost on their way
  };

  void fail(Invariant invariant, const std::string& what);
  void check_delivery(const core::DeliverPulse& p, const core::Core& core);
  void take_events();
  void take_records();
  void take_pulse_log();
  void check_rf_outside(const sim::GroundTruth& t, Instant now);
  void check_faults(const sim::GroundTruth& t, Instant now);
  void check_motion(const sim::GroundTruth& t, Instant now);
  void check_latches(Instant now);
  [[nodiscard]] bool permitted() const;
  [[nodiscard]] bool generator_link_impaired(Instant now) const;
  [[nodiscard]] bool actuator_link_impaired(Instant now) const;
  [[nodiscard]] bool fault_active(sim::FaultKind kind, Instant now, Duration since = {}) const;
  [[nodiscard]] std::optional<Instant> generator_last_valid_frame() const;

  WholeDevice& d_;
  Shell& shell_;
  Log& log_;
  const TreatmentFacts& facts_;
  std::optional<Violation> violation_;

  // Commands.
  std::uint64_t last_command_pulse_id_ = 0;
  std::map<std::uint64_t, Microjoules> caps_;  // by pulse ID
  std::map<std::uint32_t, int> cartridge_session_;  // serial -> logical session of its pulses
  std::optional<sim::CartridgeMemory> cartridge_at_insert_;
  // Events, records and the pulse log.
  std::size_t events_seen_ = 0;
  std::size_t records_seen_ = 0;
  std::map<std::uint64_t, int> finals_;
  std::uint64_t last_started_id_ = 0;
  std::uint64_t lifetime_pulses_seen_ = 0;
  std::map<std::uint64_t, Delivered> delivered_;
  std::set<std::uint64_t> pulses_cut_by_crash_;
  int stored_ = 0;
  // RF and the safe state.
  std::optional<sim::GroundTruth> previous_;
  bool previous_permitted_ = false;
  std::optional<Episode> episode_;
  std::uint32_t episode_counter_ = 0;
  std::vector<FaultObligation> obligations_;
  std::optional<Instant> latched_since_;
  bool retracting_ = false;
  bool retract_in_latch_ = false;
  std::int64_t previous_moved_ = 0;
  std::uint64_t generator_line_losses_ = 0;
  std::optional<Instant> generator_impaired_until_;
  std::optional<Instant> actuator_impaired_until_;
  std::optional<Instant> crashed_at_;
  std::optional<Instant> restarted_at_;
  bool restored_latch_pending_ = false;
  MilliCelsius peak_skin_{};
};

}  // namespace rfneedle::dst

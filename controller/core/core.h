// The controller's safety core (DESIGN 4): sans-I/O. Telemetry, acknowledgements, board
// events, operator requests, store acknowledgements and a 1 kHz tick go in, each with
// `now`; board commands, events, latch changes, pulse records and a status snapshot come
// out. No clock reads, no threads, no files, no allocation per sample.
#pragma once

#include <array>
#include <optional>
#include <span>
#include <string>

#include "controller/core/board_commands.h"
#include "controller/core/calibration.h"
#include "controller/core/core_config.h"
#include "controller/core/impedance_measurement.h"
#include "controller/core/interlocks.h"
#include "controller/core/outbox.h"
#include "controller/core/persistence.h"
#include "controller/core/pulse_monitor.h"
#include "controller/core/response.h"
#include "controller/core/self_test.h"
#include "controller/core/skin_temperature.h"
#include "controller/core/status.h"
#include "controller/core/stimulus.h"
#include "controller/core/telemetry.h"
#include "controller/core/treatment_session.h"
#include "controller/core/trigger_monitor.h"
#include "controller/core/withdrawal.h"

namespace rfneedle::core {

class Core {
 public:
  Core(const CoreConfig& config, Instant now);
  Core(const Core&) = delete;
  Core& operator=(const Core&) = delete;

  // Start-up, before the boards connect: latches the daemon persisted, and the last pulse
  // and session IDs it stored (both monotonic per device: a session ID never repeats, so a
  // cartridge bound to a session before a restart is never taken for the new one's, SR-62).
  // Standby is not entered before this was called (SR-53).
  void restore(std::span<const LatchRecord> latches, std::uint64_t last_pulse_id,
               std::uint64_t last_session_id, Instant now);

  // Boards.
  void on_handshake(Board board, const HandshakeOutcome& outcome, Instant now);
  void on_link_fault(Board board, Instant now);
  void on_generator_sample(const GeneratorSample& sample, Instant now);
  void on_actuator_sample(const ActuatorSample& sample, Instant now);
  void on_command_result(const CommandResult& result, Instant now);
  void on_board_event(const BoardEvent& event, Instant now);
  // A cartridge was attached or taken off: its memory is read again.
  void on_cartridge_changed(Instant now);
  // The store: the pulse record with this ID is durable.
  void on_record_stored(std::uint64_t pulse_id, Instant now);
  // The store: pulse IDs up to `up_to` are reserved durably (SR-68). A pulse whose ID
  // would exceed the highest reservation waits (kPulseIdNotReserved); none is reserved
  // until the shell says so.
  void allow_pulse_ids_up_to(std::uint64_t up_to, Instant now);
  // The daemon's judgement of its store (issue 10): kStoreFailed, a commit failed (SR-85;
  // the daemon clears it once the store takes every record it holds); kClockBehindRecords,
  // the wall clock is earlier than the latest stored record (SR-87; cleared when a service
  // engineer confirms the time; Arm is refused while it is in effect); kStoreUnusable, the
  // store could not be used at start-up (SR-86: ServiceLock, which no service reset
  // clears while it is present). Any other condition is the core's own: ignored (false).
  bool on_store_condition(Condition condition, bool present, Instant now);
  // Every 1 ms: heartbeats, gaps, deadlines.
  void tick(Instant now);

  // Operator and service requests (log-in and roles are the daemon's).
  [[nodiscard]] Response open_session(const SessionRequest& request, Instant now);
  [[nodiscard]] Response close_session(Instant now);
  // SR-89: an interrupted session (one a previous run left open, `session_id` from the
  // store, below every ID this core gives) continues, in Standby with no session open, with
  // the cartridge bound to it (its memory's word), unexpired and not spent; `request` is
  // the stored session's, with this operator and today's date.
  [[nodiscard]] Response resume_session(const SessionRequest& request, std::uint64_t session_id,
                                        Instant now);
  // Between pulses, disarmed: another body area within the session.
  [[nodiscard]] Response change_area(BodyArea area, Instant now);
  // Disarmed: the operator swapped the cartridge; its memory is read again and an
  // unbound one is bound to the session.
  [[nodiscard]] Response swap_cartridge(Instant now);
  [[nodiscard]] Response set_parameters(const PulseParameters& parameters, Instant now);
  [[nodiscard]] Response arm(Instant now);
  [[nodiscard]] Response disarm(Instant now);
  // Never refused: ends any pulse, retracts and disarms.
  Response stop(Instant now);
  [[nodiscard]] Response acknowledge(Instant now);
  [[nodiscard]] Response enter_service(Instant now);
  [[nodiscard]] Response exit_service(Instant now);
  [[nodiscard]] Response service_reset(std::string_view reason, Instant now);
  [[nodiscard]] Response run_self_test(Instant now);
  [[nodiscard]] Response display_heartbeat(std::uint64_t snapshot_id, Instant now);
  // An operator logged in again (the PIN entered) while the idle lock was on: the lock
  // ends and the idle time starts anew (SR-64). Never refused.
  Response unlock_screen(Instant now);
  // Calibration, in Service only (SR-66): one reference load per run, into the attached
  // calibration fixture (from the cartridge memory, never the request); the fixture's
  // reference meter reading comes back through on_calibration_reading; each run's result
  // shows in status().calibration_progress and a kCalibrationResult event.
  // complete_calibration sends the averaged correction to the generator and records it
  // with its due date; a failed or missing run, another fixture, or a correction outside
  // the generator's ±10 % range changes nothing. Either way the runs start over.
  [[nodiscard]] Response calibrate(const CalibrationRequest& request, Instant now);
  void on_calibration_reading(Microjoules reference_energy, Instant now);
  [[nodiscard]] Response complete_calibration(std::int32_t today, Instant now);
  // The calibration the daemon stored for the generator now connected, or none (another
  // generator than the calibrated one has none in force). Called before the generator's
  // handshake reaches on_handshake, whose configure sends it. The first call, and every
  // change of the correction in force after it, is an event.
  void restore_calibration(const std::optional<CalibrationRecord>& record, Instant now);
  [[nodiscard]] Response shutdown(Instant now);

  [[nodiscard]] Outbox& outbox() { return out_; }
  [[nodiscard]] const Status& status();
  // A status for the display: numbered, so its heartbeat can prove it was rendered.
  [[nodiscard]] const Status& snapshot(Instant now);
  [[nodiscard]] State state() const { return state_; }
  // Raised by every RF-off command (abort): the shell sees from it that one was made.
  [[nodiscard]] std::uint32_t epoch() const { return epoch_; }
  [[nodiscard]] const Interlocks& interlocks() const { return interlocks_; }
  [[nodiscard]] const CoreConfig& config() const { return config_; }
  // The latest sample from each board, as the core judged it (for the shell's telemetry).
  [[nodiscard]] const GeneratorSample& generator_sample() const { return generator_; }
  [[nodiscard]] const ActuatorSample& actuator_sample() const { return actuator_; }
  // The voltage limit the reachability check uses: the lower of the configuration's and
  // the generator's reported one.
  [[nodiscard]] Millivolts voltage_limit() const { return voltage_limit_; }
  // What every heartbeat carries: RF only while Energizing, for the self-test's request
  // that the generator must refuse (in SelfTest or Service) and for a calibration pulse
  // (in Service only); never in a latched state (SR-06, SR-51).
  [[nodiscard]] bool rf_permitted() const {
    return state_ == State::kEnergizing ||
           (self_test_.permits_rf() && (state_ == State::kSelfTest || state_ == State::kService)) ||
           (calibration_.permits_rf() && state_ == State::kService);
  }

 private:
  // State machine (transition_table.h); false and a logged rejection when refused.
  bool apply(Stimulus stimulus, Instant now);
  void enter(State next, Instant now);

  // The ladder.
  // What a detector of the core reports; a board latch of the same condition (board_held_)
  // keeps it present too.
  void set_condition(Condition condition, bool present, Instant now);
  void apply_condition(Condition condition, Instant now);
  void hold_board_latches(const std::bitset<kConditionCount>& held, Instant now);
  // Clear-latched-fault commands for the bits whose conditions `allowed` names and whose
  // cause the core no longer sees.
  void clear_board_latches(const std::bitset<kConditionCount>& allowed);
  void complete_service_reset(Instant now);
  // A cause at fault or above that the core's own detectors still see.
  [[nodiscard]] bool latched_cause_detected() const;
  // Both boards' latest samples are at most the energizing gap old.
  [[nodiscard]] bool boards_fresh(Instant now) const;
  // A sample of `board` arrived since its handshake (the counter restarts there).
  [[nodiscard]] bool sampled_since_handshake(Board board) const {
    return last_counter_[static_cast<std::size_t>(board)].has_value();
  }
  void on_raised(Condition condition, Instant now);
  // For end- and abort-pulse causes, which act each time they occur.
  void trip(Condition condition, Instant now);
  void on_cleared(Condition condition, Instant now);
  void report_cleared(const std::bitset<kConditionCount>& cleared, Instant now);
  void update_block(Instant now);

  // The safe state, in order: RF off first (abort, heartbeat with RF not permitted,
  // optionally the relay), then the withdrawal retracts once RF-active has dropped.
  // `withdraw`: retract once RF has dropped (never in NeedleStuck: the motor stays off).
  void command_rf_off(bool open_relay, Instant now, bool withdraw = true);
  // Enters (or re-asserts) a latched rung: the self-test and calibration end first, then
  // the whole safe state (SR-51).
  void latch(Stimulus stimulus, Instant now);
  void command_safe_state(State latched, Instant now);
  void end_service_runs();
  // After an acknowledge or reset: Standby, or the power-on self-test again if a latch
  // interrupted it (SR-65).
  void leave_latch(Stimulus stimulus, Instant now);
  void end_pulse(Condition cause, Instant now);
  void handle_withdrawal(Instant now);

  // The pulse sequence.
  void on_new_press(Instant now);
  // Whether the next pulse ID is reserved (SR-68); raises or clears kPulseIdNotReserved.
  [[nodiscard]] bool next_pulse_id_reserved(Instant now);
  void start_measurement(Instant now);
  void start_energizing(Instant now);
  // The pulse's final record; its RF time runs to `rf_off` (now when not given).
  void finish_pulse_record(Instant now, std::optional<Instant> rf_off = std::nullopt);
  // A final record deferred until the generator speaks again (handle_withdrawal): made on
  // its first sample showing RF off, or when the wait runs out.
  void finish_deferred_record(const GeneratorSample* sample, Instant now);
  // Self-test and calibration pulses: an ID from the same series, recorded before sending.
  void command_service_pulse(DeliverPulse pulse, PulseKind kind, Instant now);
  void finish_service_pulse(PulseOutcome outcome, Microjoules delivered);

  void evaluate_board_lines(Instant now);
  void evaluate_generator(const GeneratorSample& s, Instant now);
  void evaluate_actuator(const ActuatorSample& s, Instant now);
  void check_gaps(Instant now);
  void check_missed(Condition gap, std::uint32_t missed, std::uint64_t& counter, Instant now);
  // Per received sample of either board: sample-counter gaps (SR-40), counters, freshness.
  void count_sample(Board board, std::uint32_t sample_counter, Condition gap,
                    std::uint64_t& received, std::uint64_t& missed, Instant now);
  // What every received sample drives once its own checks ran.
  void after_sample(Instant now);
  [[nodiscard]] Duration gap_limit(Instant now) const;
  void check_deadlines(Instant now);
  void send_heartbeats(Instant now);
  void update_cartridge_conditions(Instant now);
  void on_measurement(const CommandResult& result, Instant now);
  void on_cartridge_result(const CommandResult& result, Instant now);
  void on_insert_refused_for_the_cartridge(Instant now);
  // The generator's limits follow every plan (DESIGN 2.2); a pulse waits for its answer.
  void configure_generator(Milliwatts max_power, Duration max_pulse_time, Microjoules max_energy,
                           Instant now);
  void update_setup_conditions(Instant now);
  void run_self_test_steps(Instant now);
  void run_calibration_steps(Instant now);
  void count_calibration_run(const CalibrationResult& result);
  void reset_calibration_runs();
  void apply_restored_latch(Instant now);
  void complete_acknowledge(Instant now);

  void command(const BoardCommand& c);
  void command_first(const BoardCommand& c);
  void overflowed();
  // Called at the end of every input: raises what overflowed() noted.
  void settle(Instant now);
  void event(EventKind kind, Severity severity, Instant now, std::string_view text = {},
             std::int64_t value = 0, std::optional<Condition> condition = std::nullopt,
             std::string_view detail = {});
  Response reject(std::string_view reason, Instant now);
  void note_activity(Instant now);

  [[nodiscard]] bool generator_silent(Instant now) const;
  [[nodiscard]] bool needles_retracted() const;

  CoreConfig config_;
  State state_ = State::kConnecting;
  Interlocks interlocks_;
  Outbox out_;
  Status status_;
  TreatmentSession session_;
  std::uint64_t next_session_id_ = 1;

  // Boards.
  std::array<bool, 2> connected_{};
  std::array<std::optional<Instant>, 2> last_sample_at_{};
  // Telemetry actually received (last_sample_at_ also starts at the handshake).
  std::array<std::optional<Instant>, 2> last_telemetry_at_{};
  std::array<std::optional<std::uint32_t>, 2> last_counter_{};
  GeneratorSample generator_{};
  ActuatorSample actuator_{};
  bool have_generator_ = false;
  bool generator_plausible_ = true;
  bool heatsink_warm_ = false;  // with its hysteresis (kWarnHysteresis)
  bool actuator_plausible_ = true;
  bool have_actuator_ = false;
  // The lower of the configured limit and the generator's own (SR-12).
  Millivolts voltage_limit_{};
  // The cartridge as its memory last reported it (SR-24): never from a request.
  std::optional<CartridgeInfo> cartridge_;
  // Board set-up the next pulse relies on: configures and a cartridge bind still awaiting
  // their answer, and the latest refusals (kBoardSetupPending / kBoardSetupRefused).
  // By Board; a new link session forgets what the old one still owed.
  std::array<int, 2> configures_outstanding_{};
  std::array<bool, 2> configure_refused_{};
  bool bind_outstanding_ = false;
  bool cartridge_refused_ = false;
  Instant last_heartbeat_at_{};
  std::uint32_t epoch_ = 1;

  // Detectors.
  TriggerMonitor trigger_;
  SkinTemperature skin_;
  ConsecutiveSamples rf_uncommanded_;
  Persistence encoder_mismatch_;
  // The pre-pulse measurement under way: its request's sequence (SR-10).
  std::uint32_t measurement_sequence_ = 0;
  Ohms measured_impedance_{};
  PulseMonitor pulse_monitor_;
  Withdrawal withdrawal_;
  SelfTest self_test_;
  CalibrationRun calibration_;
  // The runs since Service was entered or the last completion (their counts and the last
  // result are status_.calibration_progress): the sum of each passed run's absolute
  // correction (the generator's correction during the run times the run's ratio), the
  // fixture they used, and the correction the generator applies during the run under way.
  std::int64_t calibration_ppm_sum_ = 0;
  std::optional<CartridgeSerial> calibration_fixture_;
  std::int32_t calibration_base_ppm_ = 1'000'000;
  bool calibration_restored_ = false;

  // The pulse under way.
  Instant phase_deadline_{};
  bool disarm_after_pulse_ = false;
  bool pulse_stopped_ = false;
  std::optional<Condition> pulse_end_cause_;
  std::optional<PulseRecord> pulse_;
  // RF went off (the actuator's line said so) while the generator was silent: its samples,
  // once they resume, carry the energy it delivered through the silence. Until then, or
  // this deadline, the record waits; the retraction does not.
  struct DeferredRecord {
    Instant rf_off;
    Instant until;
  };
  std::optional<DeferredRecord> record_deferred_;
  std::optional<PulseRecord> service_pulse_;
  std::uint64_t last_pulse_id_ = 0;
  std::uint64_t reserved_pulse_ids_ = 0;
  std::optional<std::uint64_t> awaiting_store_;
  Instant last_pulse_end_{};
  MilliCelsius skin_peak_{};

  // Operator.
  std::optional<Instant> last_display_heartbeat_;
  Instant last_activity_{};
  std::optional<Instant> acknowledge_pending_until_;
  bool reset_pending_ = false;
  std::optional<Instant>
      relay_watch_until_;  // the pending clear is a service reset, not an acknowledge
  std::bitset<kConditionCount> detected_;
  std::bitset<kConditionCount> board_held_;
  std::optional<State> restored_latch_;
  std::optional<Condition> restored_cause_;
  bool invariant_broken_ = false;
  bool latches_restored_ = false;
  bool self_test_passed_pending_ = false;
  bool power_on_self_test_passed_ = false;
  // Snapshot IDs issued to the display, with when (SR-78).
  struct Issued {
    std::uint64_t id = 0;
    Instant at{};
  };
  std::array<Issued, 64> issued_{};
  std::uint64_t next_snapshot_id_ = 1;
};

}  // namespace rfneedle::core

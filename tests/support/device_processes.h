// The whole device as real processes, for integration tests and the end-to-end benchmark:
// rfneedle-sim serving both boards on pseudo-terminals and rfneedled driving them, in a
// fresh temporary directory, with a generated configuration (simulated boards allowed, one
// operator with a random PIN, a random service key, their Argon2id hashes made by
// `rfneedled --hash-secret`) and the API on a free loopback port. Helpers speak the API as
// the operator and the service engineer (api_client.h) and ask the simulator for its
// ground truth on its control socket (docs/simulator.md).
//
//   const DevicePrograms programs = ...;          // from the test's command line
//   DeviceProcesses device(programs, {.auto_trigger_hz = 1.0});  // waits for Standby
//   DisplayClient display("127.0.0.1", device.port());
//   const std::string op = device.login_operator();
//   const std::uint64_t session = device.open_session(op);
//   device.set_parameters(op, DeviceProcesses::parameters(2000, 10000, 100));
//   device.arm(op);
//   ... device.history().pulses ...
//   EXPECT_EQ(device.terminate_daemon(), 0);
//
// Helpers that need an answer throw DeviceError (a gtest failure naming the request, the
// answer and the end of rfneedled's log) rather than return something half-valid.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "proto/api.pb.h"
#include "tests/support/api_client.h"
#include "tests/support/child_process.h"

namespace rfneedle::testing {

class DeviceError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Thrown by the helpers when the host starved the processes beyond what the policy below
// clears (is_host_disturbed: a link fault, say): this device cannot go on, and what the
// test checks was not at fault. on_fresh_processes() runs the test's body again.
class HostDisturbed : public DeviceError {
 public:
  explicit HostDisturbed(const std::string& what, std::int64_t worst_late_us = -1)
      : DeviceError(what), board_worst_late_us(worst_late_us) {}
  // How late, at worst, the simulated boards' own 1 kHz tick woke while the disturbed
  // processes ran (rfneedle-sim's worst_tick_late_us; -1: not known). on_fresh_processes
  // also asks the processes themselves (worst_tick_late_us()).
  std::int64_t board_worst_late_us;
};

// A simulated board whose own tick woke this late was starved by the host itself: over
// SR-40's 2 ms gap limit while RF may be on, which real firmware on its own processor
// never is. So was a controller whose safety thread (SCHED_FIFO, memory locked) woke this
// late past its 1 ms tick. Such a run cannot test a timing, whatever it shows.
inline constexpr std::int64_t kTickStarvedUs = 2'000;

// The host caveat (docs/operations.md, "Testing with the real processes"): a vCPU the host
// preempts for a few milliseconds while RF may be on makes the core declare a telemetry gap
// (SR-40), correctly, and that Fault says nothing about what a test checks. The only causes
// the host's scheduling produces on its own:
[[nodiscard]] bool is_host_fault_cause(const std::string& condition);
// Whether a latch is the host's by that policy (DeviceProcesses::clear_host_fault clears
// it): a Fault whose causes are gaps (with rf_still_active beside them at most), or the
// ServiceLock of SR-56 whose every kind at the limit is a gap.
[[nodiscard]] bool is_host_latch(const api::Status& status);
// Whether a process the host starved beyond that policy latched the device: every cause
// one a starved process produces by itself (a telemetry gap, a link fault and the boards'
// dead-man after it, the faults of SR-56's count, the RF a gap kept from being seen ending:
// rf_still_active, rf_uncommanded; the needles it kept from being seen moving in time:
// not_retracted, not_at_depth), at least one of them a gap or a link fault. A latched link
// fault has no way back but a restart; a test of something else runs again on fresh processes.
[[nodiscard]] bool is_host_disturbed(const api::Status& status);
// The same judgement of a latch's fault causes (ladder names), for tests that read the
// core's status in-process.
[[nodiscard]] bool only_starvation_causes(const std::set<std::string>& causes);
// The fault causes a status shows: its conditions on the fault rung or above.
[[nodiscard]] std::set<std::string> fault_causes(const api::Status& status);

// Runs `attempt` (which starts its own DeviceProcesses) until it ends without being lost to
// the host, at most `tries` times. An attempt is lost when it throws HostDisturbed, or when
// it failed (a gtest failure or an exception) while a process it started had its own tick
// starved (a simulated board's or the controller's, over kTickStarvedUs late:
// worst_tick_late_us()). A lost attempt's failures are printed, not reported, and the next
// runs on fresh processes. When every try was lost and in each a tick was starved so, this
// machine cannot run the test: the reason is returned, for the test to skip with
// (GTEST_SKIP, so the run says so). Otherwise the attempt that ended the runs counts as it
// happened: its failures are reported and its exception rethrown, and on a machine that
// kept the processes' time every failure fails the test.
[[nodiscard]] std::optional<std::string> on_fresh_processes(int tries,
                                                            const std::function<void()>& attempt);
// Whether the attempt on_fresh_processes is running has failed so far (a test keeps its
// directory by it: gtest's HasFailure() does not see an attempt's failures until it ends).
[[nodiscard]] bool attempt_failed();
[[nodiscard]] bool is_latched(api::State state);

// A running simulator or controller, watched for the host's evidence: `worst_late_us` (how
// late its own tick woke, at worst; -1 when it cannot be asked) is asked when the attempt
// that started it ends, or when it stops first (end(), called before the process stops).
class TickWatch {
 public:
  explicit TickWatch(std::function<std::int64_t()> worst_late_us);
  ~TickWatch();
  TickWatch(const TickWatch&) = delete;
  TickWatch& operator=(const TickWatch&) = delete;
  void end();

 private:
  friend std::int64_t worst_tick_late_us();
  std::function<std::int64_t()> worst_late_us_;
  std::uint64_t attempt_;
  bool ended_ = false;
};
// The worst lateness of every process the current attempt started (those still running are
// asked now); -1 if none could say.
[[nodiscard]] std::int64_t worst_tick_late_us();
// From a GET /metrics body: the highest bucket bound (microseconds) of the safety thread's
// tick lateness histogram (rfneedle_safety_tick_lateness_seconds) that some tick woke later
// than; 0 if none did; -1 if the body has no such histogram.
[[nodiscard]] std::int64_t safety_tick_exceeded_us(const std::string& metrics);

// The two programs, as a test receives them on its command line (CMake passes
// $<TARGET_FILE:rfneedle-sim> $<TARGET_FILE:rfneedled>).
struct DevicePrograms {
  std::string simulator;  // rfneedle-sim
  std::string daemon;     // rfneedled
};
// From what is left of argv after InitGoogleTest: exactly the two paths, each an
// executable file; otherwise prints a usage line naming what is wrong and returns nothing.
[[nodiscard]] std::optional<DevicePrograms> programs_from_command_line(int argc, char** argv);

struct DeviceOptions {
  std::uint64_t seed = 1;                     // rfneedle-sim --seed
  std::optional<double> auto_trigger_hz{};    // rfneedle-sim --auto-trigger
  std::vector<std::string> simulator_args{};  // any further rfneedle-sim arguments
  // False: only rfneedled starts (its serial devices do not exist yet, so it stays
  // Connecting) and the test calls start_simulator() itself.
  bool simulator_first = true;
  // Text-format DeviceConfig fields appended to the generated configuration (e.g.
  // "session { idle_lock_s: 60 }"); a bad one makes rfneedled exit 2, which start reports.
  std::string extra_config{};
  // Further rfneedled arguments, after --config (e.g. --metrics-listen 127.0.0.1:0).
  std::vector<std::string> daemon_args{};
  // How long start-up may take to reach Standby (handshakes, self-test, homing).
  std::chrono::milliseconds standby_limit = std::chrono::seconds(30);
  // rfneedled's data directory (the store, its log), an existing directory; empty: `data`
  // in the device's directory (e.g. a small filesystem a test mounted, so the disk fills).
  std::filesystem::path data_dir{};
};

// Ground truth from the simulator's control socket (docs/simulator.md, "Control socket").
struct SimStatus {
  std::int64_t sim_time_us = 0;
  bool rf_on = false;
  std::int64_t delivered_power_mw = 0;
  std::int64_t pulse_energy_uj = 0;
  std::int64_t needle_position_um = 0;
  bool relay_closed = false;
  bool rf_active_line = false;
  std::int64_t late_ticks = 0;
  std::int64_t worst_tick_late_us = 0;
  std::int64_t clock_steps = 0;
  // When each board last received a valid frame (its dead-man counts from it); -1 while
  // the board reboots.
  std::int64_t generator_last_frame_us = -1;
  std::int64_t actuator_last_frame_us = -1;
  // Each board's dead-man trips so far (its counters' link.dead_man_trips; -1 while the
  // board reboots).
  std::int64_t generator_dead_man_trips = -1;
  std::int64_t actuator_dead_man_trips = -1;
  std::vector<std::string> active_faults;
  std::string json;  // the whole answer, for failure messages
};
struct SimPulse {
  std::int64_t n = 0;
  std::int64_t rf_on_us = 0;
  std::optional<std::int64_t> rf_off_us;  // none while RF is on
  std::int64_t energy_uj = 0;
  std::int64_t peak_skin_temp_mdegc = 0;
};
struct SimInjection {
  std::int64_t n = 0;
  std::string name;
  std::int64_t at_us = 0;
  std::optional<std::int64_t> until_us;  // none while it runs until cleared
};
struct SimHistory {
  std::int64_t sim_time_us = 0;
  std::vector<SimPulse> pulses;  // oldest first, the latest 256
  std::vector<SimInjection> injections;
  // The pulse whose RF interval contains `t_us` (or began at or after it, if RF was off then
  // and one began later), if the history holds one.
  [[nodiscard]] const SimPulse* pulse_at_or_after(std::int64_t t_us) const;
  [[nodiscard]] const SimInjection* injection(std::string_view name) const;  // the latest
};

// The simulator's answers to `status` and `history` (one JSON line each), for harnesses
// that talk to its control socket themselves. Throw DeviceError if it is not JSON.
[[nodiscard]] SimStatus parse_sim_status(const std::string& json);
[[nodiscard]] SimHistory parse_sim_history(const std::string& json);

class DeviceProcesses {
 public:
  // Starts the processes (see DeviceOptions::simulator_first) and, with the simulator,
  // waits until the device is in Standby. Throws DeviceError if it does not get there.
  explicit DeviceProcesses(DevicePrograms programs, DeviceOptions options = {});
  // SIGTERM to rfneedled, then to rfneedle-sim; the directory is removed unless keep_dir()
  // was called or RFNEEDLE_KEEP_TEST_DIRS is set (then its path is printed: both programs'
  // logs, the configuration and the store are in it).
  ~DeviceProcesses();
  DeviceProcesses(const DeviceProcesses&) = delete;
  DeviceProcesses& operator=(const DeviceProcesses&) = delete;

  // Starts rfneedle-sim (when the options deferred it) and waits for its links.
  void start_simulator();
  // Waits for Standby, clearing host faults on the way (clear_host_fault()); throws
  // DeviceError on any other latch, or if the time runs out.
  api::Status wait_for_standby(std::chrono::milliseconds limit = std::chrono::seconds(30));
  // The host-caveat policy's action. If the device is latched and every fault cause is the
  // host's (a telemetry gap; or a ServiceLock the core entered because such gaps reached 3
  // in the session, SR-56), clears it as the manual says (a Fault: operator acknowledge; the
  // ServiceLock: service reset with a reason), waits until it has left the latch and returns
  // a line saying what it did (also kept in host_fault_log() and printed). Nothing when the
  // device is not latched, or its latch has another cause (which the caller then reports).
  std::optional<std::string> clear_host_fault();
  // The same for a host's ServiceLock the store handed back at a restart (rfneedled killed
  // while it held one): `before` is the status last seen before the kill. The restart's
  // own causes beside it (the boards' dead-man, a link fault) are cleared with it.
  std::optional<std::string> clear_restored_host_lock(const api::Status& before);
  // Logs in the operator and the service role the policy clears faults as, now rather than
  // when a fault comes (a burst of log-ins a test makes would keep them waiting).
  void log_in_for_host_faults();
  [[nodiscard]] const std::vector<std::string>& host_fault_log() const { return host_faults_; }
  // Polls GET /status (as the display) until the state is `state`; the last status seen.
  // Throws DeviceError naming the state reached if the time runs out or rfneedled exits.
  api::Status wait_for_state(api::State state,
                             std::chrono::milliseconds limit = std::chrono::seconds(30)) const;

  // Where things are.
  [[nodiscard]] const std::filesystem::path& dir() const { return dir_; }
  [[nodiscard]] std::filesystem::path data_dir() const {
    return options_.data_dir.empty() ? dir_ / "data" : options_.data_dir;
  }
  // The store's SQLite file in the data directory; throws DeviceError if it is not there.
  [[nodiscard]] std::filesystem::path store_path() const;
  [[nodiscard]] std::filesystem::path control_path() const { return dir_ / "sim.sock"; }
  [[nodiscard]] std::uint16_t port() const { return port_; }
  [[nodiscard]] const ApiClient& api() const { return *api_; }
  [[nodiscard]] ChildProcess& daemon() { return *daemon_; }
  [[nodiscard]] ChildProcess* simulator() { return sim_.get(); }
  // The last lines of rfneedled's standard error (its log), for failure messages.
  [[nodiscard]] std::string daemon_log_tail(std::size_t lines = 30) const;
  // Keep the directory after the processes end (a test calls it when it failed).
  void keep_dir() { keep_dir_ = true; }

  // The generated accounts.
  [[nodiscard]] const std::string& operator_user() const { return operator_user_; }
  [[nodiscard]] const std::string& operator_pin() const { return operator_pin_; }
  [[nodiscard]] const std::string& service_key() const { return service_key_; }

  // ---- The API (each throws DeviceError unless the daemon accepts) --------------------
  [[nodiscard]] api::Status status() const;  // GET /status as the display
  // Log-ins, retried while another log-in's hash is being checked (429); the token.
  [[nodiscard]] std::string login_operator() const;
  [[nodiscard]] std::string login_service() const;
  // POST /session with every checklist item answered NO; waits until the status shows the
  // session open and its cartridge bound (no board set-up pending), and returns its ID.
  std::uint64_t open_session(const std::string& token, api::BodyArea area = api::BODY_AREA_CHEEK,
                             const std::string& patient_ref = "P-IT-0001") const;
  [[nodiscard]] static api::ParametersRequest parameters(std::int32_t depth_um,
                                                         std::int32_t power_mw,
                                                         std::int32_t duration_ms);
  void set_parameters(const std::string& token, const api::ParametersRequest& request) const;
  // POST /arm once the board set-up the last change started has been answered (retried
  // while the audit cannot be written: 503).
  void arm(const std::string& token) const;
  // Retried for up to 10 s while the core is not ready to clear (409: the needles still
  // coming out, the cause still present) or the audit cannot be written (503).
  void acknowledge(const std::string& operator_token) const;
  void reset(const std::string& service_token, const std::string& reason) const;
  [[nodiscard]] api::SessionDetail session(const std::string& token, std::uint64_t id) const;
  // POST /session/{id}/resume (SR-89); waits, as open_session does, until the status shows
  // the session open with its cartridge bound, and returns its ID.
  std::uint64_t resume_session(const std::string& token, std::uint64_t id) const;

  // ---- The simulator's control socket --------------------------------------------------
  // One request line; the answer line. Throws DeviceError if there is no answer or it is
  // {"ok":false,...}.
  std::string control(const std::string& line) const;
  [[nodiscard]] SimStatus sim_status() const;
  // The simulator's worst_tick_late_us; -1 when it cannot be asked.
  [[nodiscard]] std::int64_t board_worst_late_us() const;
  // rfneedled's safety thread's worst tick lateness since it started, as its GET /metrics
  // histogram tells it (safety_tick_exceeded_us); -1 when it cannot be asked.
  [[nodiscard]] std::int64_t controller_worst_late_us() const;
  [[nodiscard]] SimHistory history() const;

  // ---- Ending ----------------------------------------------------------------------------
  // SIGTERM to rfneedled and its exit status (none if it is still running after `limit`).
  std::optional<int> terminate_daemon(std::chrono::milliseconds limit = std::chrono::seconds(10));
  // kill -9 rfneedled: no shutdown of any kind (the boards' dead-man ends RF); its exit
  // status (128 + 9) once it is gone.
  std::optional<int> kill_daemon(std::chrono::milliseconds limit = std::chrono::seconds(10));
  // Starts rfneedled again, after it ended, on the same configuration and store: a new API
  // port (api() follows it) or, with kSame, the one it had (for clients that reconnect by
  // themselves, as rfneedle-diag's watch and events -f), every token of the previous run
  // gone. The caller waits for the state it expects (a board latched by its dead-man comes
  // back as a Fault).
  enum class Port { kFree, kSame };
  void restart_daemon(Port port = Port::kFree);

 private:
  void write_credentials_and_config();
  [[nodiscard]] std::string hash_secret(const std::string& secret) const;
  // `listen`: --listen ADDR:PORT, or empty for the configuration's free port.
  void start_daemon(const std::string& listen = {});
  [[nodiscard]] std::uint64_t wait_for_session_bound() const;
  [[nodiscard]] std::string fail_context() const;
  [[nodiscard]] ApiResponse expect_ok(const ApiResponse& r, const std::string& what) const;

  DevicePrograms programs_;
  DeviceOptions options_;
  std::filesystem::path dir_;
  std::string operator_user_ = "op-it";
  std::string operator_pin_;
  std::string service_key_;
  std::unique_ptr<ChildProcess> sim_;
  std::unique_ptr<ChildProcess> daemon_;
  std::uint16_t port_ = 0;
  std::unique_ptr<ApiClient> api_;
  bool keep_dir_ = false;
  // The policy's own log-ins, made when first needed.
  mutable std::string policy_operator_token_;
  mutable std::string policy_service_token_;
  std::vector<std::string> host_faults_;
  std::int64_t steal_at_start_ms_ = 0;
  TickWatch tick_watch_{
      [this] { return std::max(board_worst_late_us(), controller_worst_late_us()); }};
  std::string clear_latch_by_policy(const api::Status& latched, const std::string& how);
  std::string clear_latch_once(const api::Status& latched, const std::string& how);
};

}  // namespace rfneedle::testing

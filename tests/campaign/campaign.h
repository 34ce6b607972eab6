// The fault campaign (issue 12, docs/testing.md "Fault campaign"): every fault of the
// simulator's catalogue in every core state a clinician's device passes through, on the
// whole device in one process (tests/support/whole_device.h) behind the deterministic
// simulation's shell and checker (tests/dst/). The matrix of pairs is committed data
// (matrix.txt): each pair is included, with what must happen, or excluded with a reason.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "controller/core/ladder.h"
#include "controller/core/state.h"
#include "hal/time.h"
#include "hal/units.h"
#include "simulator/faults.h"

namespace rfneedle::campaign {

// The states a clinician's device passes through, in the matrix's and the table's order.
inline constexpr core::State kCampaignStates[] = {
    core::State::kSelfTest,   core::State::kStandby,   core::State::kReady,
    core::State::kInserting,  core::State::kMeasuring, core::State::kEnergizing,
    core::State::kRetracting, core::State::kPaused,    core::State::kService,
};

// Where a pair's deadline to RF off is counted from (docs/safety.md section 4).
enum class DeadlineFrom : std::uint8_t {
  kNone,       // the action does not stop RF, or RF is not on when the condition arises
  kCondition,  // the core's condition became true (SR-52: 3 ms)
  kInjection,  // the link's last valid frame, which is the injection's instant (SR-39: 51 ms)
};

struct Pair {
  int line = 0;  // in the matrix file
  sim::FaultParameters fault{sim::FaultKind::kEstop};
  std::string fault_text;  // the fault and its parameters as written, for the table
  core::State state = core::State::kStandby;
  // The pulse's power and conduction time (depth 2.0 mm), "pulse=W/ms" among the fault's
  // parameters; 10 W for 100 ms otherwise.
  Milliwatts pulse_power{10'000};
  Duration pulse_time = milliseconds(100);
  // "after=ms" among the fault's parameters: the fault strikes no earlier than this into
  // the state (a jam must catch the needles out of the cartridge).
  Duration earliest{};
  bool included = false;
  std::string excluded_reason;
  // Included pairs: any of these conditions must be raised; the first raised is the
  // pair's, and its event must carry `priority`.
  std::vector<core::Condition> conditions;
  core::AlarmPriority priority = core::AlarmPriority::kNone;
  std::vector<core::State> end_states;  // the safe state is one of these
  DeadlineFrom deadline_from = DeadlineFrom::kNone;
  Duration deadline{};
  std::string known_defect;  // when set, the pair runs but its failures are reported only
};

struct Matrix {
  std::vector<Pair> pairs;
};

// Reads the matrix; on any error returns nothing and sets `error` to a message naming the
// line and what is wrong.
[[nodiscard]] std::optional<Matrix> read_matrix(const std::string& path, std::string& error);
[[nodiscard]] std::optional<core::State> state_by_name(const std::string& name);
[[nodiscard]] std::optional<core::Condition> condition_by_name(const std::string& name);

// One run of an included pair.
struct RunResult {
  std::uint64_t seed = 0;
  core::State state_at_injection = core::State::kConnecting;
  bool rf_on_at_injection = false;
  std::optional<core::Condition> condition;                   // the first expected one raised
  core::AlarmPriority priority = core::AlarmPriority::kNone;  // its event's
  bool stored = false;                                        // its event is in the store
  std::optional<Duration> detection;  // injection -> condition raised in the core
  // Injection -> RF off in ground truth, when RF was on at the injection or came on after
  // it outside Energizing (a stuck output stage).
  std::optional<Duration> rf_off;
  // The condition raised -> RF off, when RF was on then (section 4's deadlines).
  std::optional<Duration> rf_off_after_condition;
  bool safe_state = false;
  core::State end_state = core::State::kConnecting;
  // Every condition raised after the injection: "name (priority) at +ms", for --discover.
  std::vector<std::string> raised;
  std::string failure;         // the safe state, its order and deadline; empty: every check held
  std::string record_failure;  // a delivered pulse not recorded once (SR-69, SR-70)
  std::string log_tail;
};

[[nodiscard]] RunResult run_pair(const Pair& pair, std::uint64_t seed);

// The text between the markers in docs/safety.md.
[[nodiscard]] std::string result_table(const Matrix& matrix,
                                       const std::vector<std::vector<RunResult>>& results);

}  // namespace rfneedle::campaign

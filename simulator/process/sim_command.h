// The simulator's action language, shared by the control socket and scenario files:
//
//   faults                                  list the fault catalogue
//   inject NAME [for=DURATION] [PARAM=VALUE ...]
//   clear NAME | clear all
//   trigger press | trigger release | trigger tap
//   estop press | estop release
//   cartridge swap | cartridge remove | cartridge fixture [meter_due=YYYY-MM-DD]
//   unplug generator|actuator [for=DURATION] | plug generator|actuator
//   status                                  ground truth and counters
//
// A scenario file is one action a line, each after the time it runs at, measured from
// the simulator's start: `1.5s inject skin-heating for=4s target=44`. `#` starts a
// comment. Durations: a number with a unit, us, ms or s.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "hal/time.h"
#include "simulator/faults.h"

namespace rfneedle::sim {

struct ListFaults {};
struct Status {};
struct History {};
struct InjectFault {
  FaultParameters parameters;
  std::optional<Duration> duration;  // none: until cleared
};
struct ClearFault {
  std::optional<FaultKind> kind;  // none: every fault
};
enum class TriggerAction { kPress, kRelease, kTap };
struct Trigger {
  TriggerAction action;
};
struct Estop {
  bool pressed;
};
enum class CartridgeAction { kSwap, kRemove, kFixture };
struct Cartridge {
  CartridgeAction action;
  // kFixture: its reference meter's calibration due date, when not the default fixture's
  // (an overdue meter, for the calibration's refusal, SR-66).
  std::optional<std::chrono::sys_days> meter_due{};
};

// A board's serial cable pulled out (its pseudo-terminal gone) or plugged back in; the
// board stays powered.
enum class CableBoard { kGenerator, kActuator };
struct Cable {
  CableBoard board;
  bool plug;                         // false: unplug
  std::optional<Duration> duration;  // unplug only: plugged back after it; none: until `plug`
};

using SimCommand =
    std::variant<ListFaults, Status, History, InjectFault, ClearFault, Trigger, Estop, Cartridge,
                 Cable>;

struct CommandError {
  std::string message;
};

[[nodiscard]] std::variant<SimCommand, CommandError> parse_sim_command(std::string_view line);
[[nodiscard]] std::optional<Duration> parse_duration(std::string_view text);

struct ScenarioStep {
  Duration at;
  SimCommand command;
  int line;
};

// Errors read "FILE:LINE: what is wrong". Steps come back in time order (stable).
[[nodiscard]] std::variant<std::vector<ScenarioStep>, CommandError> parse_scenario(
    std::string_view text, std::string_view file_name);

}  // namespace rfneedle::sim

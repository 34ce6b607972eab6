// The simulator's fault catalogue (DESIGN 5, issue 4) and the schedule of injected faults.
// Faults reach the simulator only through its command line, scenario files and control
// socket, never through device.proto (DESIGN 2.5, SR-77).
//
// Model faults act through the hooks of the physical models (simulator/model/); link faults
// and board reboot are applied by the firmware and process layer, which reads the same
// schedule.
#pragma once

#include <array>
#include <cstddef>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "hal/time.h"

namespace rfneedle::sim {

enum class FaultKind {
  kLinkDrop,
  kLinkCorrupt,
  kLinkDelay,
  kLinkStall,
  kLinkDisconnect,
  kBoardReboot,
  kImpedanceOpen,
  kImpedanceShort,
  kImpedanceDrift,
  kThermistorAOpen,
  kThermistorAShort,
  kThermistorAStuck,
  kThermistorADrift,
  kThermistorBOpen,
  kThermistorBShort,
  kThermistorBStuck,
  kThermistorBDrift,
  kThermistorPairDisagree,
  kSkinHeating,
  kRfStuckOn,
  kPowerDrift,
  kHeatsinkOverheat,
  kMotorStall,
  kEncoderSlip,
  kRetractionJam,
  kCartridgeMissing,
  kCartridgeExpired,
  kTriggerStuck,
  kEstop,
};
inline constexpr std::size_t kFaultKindCount = static_cast<std::size_t>(FaultKind::kEstop) + 1;

// Who makes the fault happen.
enum class FaultLayer {
  kModel,     // a hook of the physical models (HandpieceWorld applies it)
  kFirmware,  // the board firmware emulation
  kLink,      // the process's byte lines between controller and boards
};

struct FaultParameterSpec {
  std::string_view name;
  // "W", "ohm", "degC", "degC/s", "%/s", "%", "um", "ms", "fraction" (0-1), "flag" (0 or 1)
  // or "choice".
  std::string_view unit;
  double default_value;
  double min;
  double max;
  // For unit "choice": the value is the index of one of these names.
  std::span<const std::string_view> choices;
};

inline constexpr std::size_t kMaxFaultParameters = 2;

struct FaultSpec {
  FaultKind kind;
  std::string_view name;     // kebab-case, as typed on the command line
  std::string_view affects;  // which board and part
  FaultLayer layer;
  std::span<const FaultParameterSpec> parameters;
  std::string_view effect;  // one line, for rfneedle-sim --list-faults
};

// Every fault, in FaultKind order.
[[nodiscard]] std::span<const FaultSpec> fault_catalogue();
[[nodiscard]] const FaultSpec& fault_spec(FaultKind kind);
[[nodiscard]] std::optional<FaultKind> fault_by_name(std::string_view name);

enum class FaultParameterError { kUnknownName, kNotANumber, kOutOfRange, kUnknownChoice };

// The parameter values of one injected fault, in the order of its spec.
class FaultParameters {
 public:
  // Every parameter at its default.
  explicit FaultParameters(FaultKind kind);

  // Sets `name` from its text form ("46", "2.5", or a choice's name); on error nothing
  // changes.
  [[nodiscard]] std::optional<FaultParameterError> set(std::string_view name,
                                                       std::string_view text);
  // The value of `name`; the parameter must exist in the fault's spec.
  [[nodiscard]] double get(std::string_view name) const;
  [[nodiscard]] FaultKind kind() const { return kind_; }

 private:
  FaultKind kind_;
  std::array<double, kMaxFaultParameters> values_{};
};

struct ScheduledFault {
  FaultKind kind;
  Instant start;
  std::optional<Instant> end;  // none: until cleared
  FaultParameters parameters;

  [[nodiscard]] bool active_at(Instant t) const { return t >= start && (!end || t < *end); }
};

// Which faults are active when. Entries are added while setting up or from the control
// socket; the per-tick queries below do not allocate.
class FaultSchedule {
 public:
  // From `start` for `duration`, or until cleared when there is no duration.
  void add(Instant start, std::optional<Duration> duration, const FaultParameters& parameters);
  // Ends, at `at`, every entry of `kind` active or still to come; returns how many.
  std::size_t clear(FaultKind kind, Instant at);
  std::size_t clear_all(Instant at);

  // The most recently started entry of `kind` active at `now`, if any.
  [[nodiscard]] const ScheduledFault* active(FaultKind kind, Instant now) const;
  [[nodiscard]] bool is_active(FaultKind kind, Instant now) const {
    return active(kind, now) != nullptr;
  }
  [[nodiscard]] std::span<const ScheduledFault> entries() const { return entries_; }

 private:
  std::vector<ScheduledFault> entries_;
};

}  // namespace rfneedle::sim

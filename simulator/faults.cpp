#include "simulator/faults.h"

#include <algorithm>
#include <charconv>
#include <cmath>

namespace rfneedle::sim {

namespace {

using Param = FaultParameterSpec;

constexpr std::array<std::string_view, 3> kLinks = {"both", "generator", "actuator"};
constexpr std::array<std::string_view, 2> kBoards = {"generator", "actuator"};

constexpr Param kLinkChoice{"link", "choice", 0, 0, 2, kLinks};

constexpr std::array kLinkDropParams = {kLinkChoice, Param{"rate", "fraction", 1.0, 0.0, 1.0, {}}};
constexpr std::array kLinkCorruptParams = {kLinkChoice,
                                           Param{"rate", "fraction", 0.2, 0.0, 1.0, {}}};
constexpr std::array kLinkDelayParams = {kLinkChoice, Param{"delay", "ms", 30, 0, 1000, {}}};
constexpr std::array kLinkOnlyParams = {kLinkChoice};
constexpr std::array kRebootParams = {Param{"board", "choice", 0, 0, 1, kBoards},
                                      Param{"boot", "ms", 200, 0, 10'000, {}}};
constexpr std::array kShortParams = {Param{"ohms", "ohm", 2, 0, 25, {}}};
constexpr std::array kImpedanceDriftParams = {Param{"rate", "%/s", 50, -95, 1000, {}}};
constexpr std::array kThermistorDriftParams = {Param{"rate", "degC/s", 0.5, -5, 5, {}}};
constexpr std::array kDisagreeParams = {Param{"offset", "degC", 4, -20, 20, {}}};
// Issue 4: a plausible rate, at most 5 degC/s (well under the 50 degC/s plausibility
// limit of SR-28, so it is taken for real heating).
constexpr std::array kSkinHeatingParams = {Param{"target", "degC", 46, 20, 60, {}},
                                           Param{"rate", "degC/s", 2, 0.1, 5, {}}};
constexpr std::array kStuckOnParams = {Param{"power", "W", 10, 1, 50, {}}};
// Up to 100 000 %/s, the departure reaches its limit within one 1 ms tick: a step, whose
// onset a benchmark can time to the sample (the reaction figures of docs/operations.md).
constexpr std::array kPowerDriftParams = {Param{"rate", "%/s", 20, -100'000, 100'000, {}},
                                          Param{"limit", "%", 50, 0, 100, {}}};
constexpr std::array kHeatsinkParams = {Param{"target", "degC", 80, 30, 120, {}},
                                        Param{"rate", "degC/s", 1, 0.1, 10, {}}};
constexpr std::array kSlipParams = {Param{"slip", "um", 200, 10, 7'000, {}}};
constexpr std::array kTriggerParams = {Param{"contact_a", "flag", 1, 0, 1, {}},
                                       Param{"contact_b", "flag", 1, 0, 1, {}}};

constexpr std::string_view kLinkPart = "link (generator, actuator or both)";
constexpr std::string_view kGeneratorLoad = "generator board: load (needles in tissue)";
constexpr std::string_view kThermistorA = "actuator board: handpiece skin thermistor A";
constexpr std::string_view kThermistorB = "actuator board: handpiece skin thermistor B";

constexpr std::array<FaultSpec, kFaultKindCount> kCatalogue = {{
    {FaultKind::kLinkDrop, "link-drop", kLinkPart, FaultLayer::kLink, kLinkDropParams,
     "frames on the link are lost, each with probability rate (1: every frame)"},
    {FaultKind::kLinkCorrupt, "link-corrupt", kLinkPart, FaultLayer::kLink, kLinkCorruptParams,
     "frames on the link get one bit flipped, each with probability rate, and fail the CRC"},
    {FaultKind::kLinkDelay, "link-delay", kLinkPart, FaultLayer::kLink, kLinkDelayParams,
     "every frame on the link arrives delay ms late, in order"},
    {FaultKind::kLinkStall, "link-stall", kLinkPart, FaultLayer::kLink, kLinkOnlyParams,
     "nothing arrives on the link while active; what was sent arrives, in order, at the end"},
    {FaultKind::kLinkDisconnect, "link-disconnect", kLinkPart, FaultLayer::kLink, kLinkOnlyParams,
     "the line is cut: everything sent either way while active is lost"},
    {FaultKind::kBoardReboot, "board-reboot", "generator or actuator board", FaultLayer::kFirmware,
     kRebootParams,
     "the board restarts: outputs off, volatile link state lost, silent for boot ms, then "
     "awaits a new handshake; counters and pulse log survive"},
    {FaultKind::kImpedanceOpen,
     "impedance-open",
     kGeneratorLoad,
     FaultLayer::kModel,
     {},
     "the load is an open circuit (100 kohm): a broken needle or cable connection"},
    {FaultKind::kImpedanceShort, "impedance-short", kGeneratorLoad, FaultLayer::kModel,
     kShortParams, "the load is a short of ohms: needles touching or bent"},
    {FaultKind::kImpedanceDrift, "impedance-drift", kGeneratorLoad, FaultLayer::kModel,
     kImpedanceDriftParams,
     "the true impedance changes by rate % of its value per second since the fault began"},
    {FaultKind::kThermistorAOpen,
     "thermistor-a-open",
     kThermistorA,
     FaultLayer::kModel,
     {},
     "thermistor A reads -40 degC, the open-circuit end of its conversion table"},
    {FaultKind::kThermistorAShort,
     "thermistor-a-short",
     kThermistorA,
     FaultLayer::kModel,
     {},
     "thermistor A reads 150 degC, the short-circuit end of its conversion table"},
    {FaultKind::kThermistorAStuck,
     "thermistor-a-stuck",
     kThermistorA,
     FaultLayer::kModel,
     {},
     "thermistor A keeps the reading it had when the fault began"},
    {FaultKind::kThermistorADrift, "thermistor-a-drift", kThermistorA, FaultLayer::kModel,
     kThermistorDriftParams, "thermistor A's reading drifts by rate degC/s since the fault began"},
    {FaultKind::kThermistorBOpen,
     "thermistor-b-open",
     kThermistorB,
     FaultLayer::kModel,
     {},
     "thermistor B reads -40 degC, the open-circuit end of its conversion table"},
    {FaultKind::kThermistorBShort,
     "thermistor-b-short",
     kThermistorB,
     FaultLayer::kModel,
     {},
     "thermistor B reads 150 degC, the short-circuit end of its conversion table"},
    {FaultKind::kThermistorBStuck,
     "thermistor-b-stuck",
     kThermistorB,
     FaultLayer::kModel,
     {},
     "thermistor B keeps the reading it had when the fault began"},
    {FaultKind::kThermistorBDrift, "thermistor-b-drift", kThermistorB, FaultLayer::kModel,
     kThermistorDriftParams, "thermistor B's reading drifts by rate degC/s since the fault began"},
    {FaultKind::kThermistorPairDisagree, "thermistor-pair-disagree",
     "actuator board: handpiece skin thermistors A and B", FaultLayer::kModel, kDisagreeParams,
     "thermistor B reads offset degC away from thermistor A, which stays right"},
    {FaultKind::kSkinHeating, "skin-heating", "patient: skin under the tip face (both thermistors)",
     FaultLayer::kModel, kSkinHeatingParams,
     "the true skin surface heats at rate to target and holds; both thermistors follow with "
     "their lag; afterwards it cools naturally"},
    {FaultKind::kRfStuckOn, "rf-stuck-on", "generator board: RF output stage", FaultLayer::kModel,
     kStuckOnParams,
     "the output stage drives power whatever it is commanded; only the relay stops it"},
    {FaultKind::kPowerDrift, "power-drift", "generator board: RF output stage", FaultLayer::kModel,
     kPowerDriftParams,
     "delivered power departs from what is regulated by rate % per second since the fault "
     "began, up to limit %; the generator's measurement sees it"},
    {FaultKind::kHeatsinkOverheat, "heatsink-overheat", "generator board: heatsink",
     FaultLayer::kModel, kHeatsinkParams,
     "cooling fails: the heatsink heats at rate to target and holds"},
    {FaultKind::kMotorStall,
     "motor-stall",
     "actuator board: needle motor",
     FaultLayer::kModel,
     {},
     "the carriage cannot move: position holds, motor current rises to its stall value and "
     "the driver reports a stall after 5 ms of blocked motion"},
    {FaultKind::kEncoderSlip, "encoder-slip", "actuator board: needle encoder", FaultLayer::kModel,
     kSlipParams, "the encoder reads slip um less than the true needle position"},
    {FaultKind::kRetractionJam,
     "retraction-jam",
     "actuator board: needle carriage",
     FaultLayer::kModel,
     {},
     "the needles cannot retract past where they were when the fault began; insertion works"},
    {FaultKind::kCartridgeMissing,
     "cartridge-missing",
     "actuator board: handpiece cartridge",
     FaultLayer::kModel,
     {},
     "no cartridge is detected: its memory cannot be read and there are no needles (open load)"},
    {FaultKind::kCartridgeExpired,
     "cartridge-expired",
     "actuator board: handpiece cartridge",
     FaultLayer::kModel,
     {},
     "the cartridge memory reports an expiry date of 2000-01-01"},
    {FaultKind::kTriggerStuck, "trigger-stuck", "actuator board: handpiece trigger",
     FaultLayer::kModel, kTriggerParams,
     "the trigger contacts flagged 1 read closed whatever the operator does"},
    {FaultKind::kEstop,
     "estop",
     "both boards: hard-wired E-stop",
     FaultLayer::kModel,
     {},
     "the E-stop reads pressed on both boards while active"},
}};

constexpr bool catalogue_in_kind_order() {
  for (std::size_t i = 0; i < kCatalogue.size(); ++i) {
    if (static_cast<std::size_t>(kCatalogue[i].kind) != i) return false;
    if (kCatalogue[i].parameters.size() > kMaxFaultParameters) return false;
  }
  return true;
}
static_assert(catalogue_in_kind_order(), "kCatalogue must list every FaultKind in order");

std::optional<std::size_t> parameter_index(FaultKind kind, std::string_view name) {
  const auto parameters = fault_spec(kind).parameters;
  for (std::size_t i = 0; i < parameters.size(); ++i) {
    if (parameters[i].name == name) return i;
  }
  return std::nullopt;
}

}  // namespace

std::span<const FaultSpec> fault_catalogue() { return kCatalogue; }

const FaultSpec& fault_spec(FaultKind kind) { return kCatalogue[static_cast<std::size_t>(kind)]; }

std::optional<FaultKind> fault_by_name(std::string_view name) {
  for (const FaultSpec& spec : kCatalogue) {
    if (spec.name == name) return spec.kind;
  }
  return std::nullopt;
}

FaultParameters::FaultParameters(FaultKind kind) : kind_(kind) {
  const auto parameters = fault_spec(kind).parameters;
  for (std::size_t i = 0; i < parameters.size(); ++i) values_[i] = parameters[i].default_value;
}

std::optional<FaultParameterError> FaultParameters::set(std::string_view name,
                                                        std::string_view text) {
  const std::optional<std::size_t> index = parameter_index(kind_, name);
  if (!index) return FaultParameterError::kUnknownName;
  const FaultParameterSpec& spec = fault_spec(kind_).parameters[*index];
  if (!spec.choices.empty()) {
    const auto found = std::find(spec.choices.begin(), spec.choices.end(), text);
    if (found == spec.choices.end()) return FaultParameterError::kUnknownChoice;
    values_[*index] = static_cast<double>(found - spec.choices.begin());
    return std::nullopt;
  }
  double value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc{} || end != text.data() + text.size() || !std::isfinite(value)) {
    return FaultParameterError::kNotANumber;
  }
  if (value < spec.min || value > spec.max) return FaultParameterError::kOutOfRange;
  values_[*index] = value;
  return std::nullopt;
}

double FaultParameters::get(std::string_view name) const {
  const std::optional<std::size_t> index = parameter_index(kind_, name);
  return index ? values_[*index] : 0.0;
}

void FaultSchedule::add(Instant start, std::optional<Duration> duration,
                        const FaultParameters& parameters) {
  std::optional<Instant> end;
  if (duration) end = start + *duration;
  entries_.push_back(ScheduledFault{parameters.kind(), start, end, parameters});
}

std::size_t FaultSchedule::clear(FaultKind kind, Instant at) {
  std::size_t cleared = 0;
  for (ScheduledFault& entry : entries_) {
    if (entry.kind != kind || (entry.end && *entry.end <= at)) continue;
    entry.end = at;
    ++cleared;
  }
  return cleared;
}

std::size_t FaultSchedule::clear_all(Instant at) {
  std::size_t cleared = 0;
  for (std::size_t i = 0; i < kFaultKindCount; ++i) cleared += clear(static_cast<FaultKind>(i), at);
  return cleared;
}

const ScheduledFault* FaultSchedule::active(FaultKind kind, Instant now) const {
  const ScheduledFault* latest = nullptr;
  for (const ScheduledFault& entry : entries_) {
    if (entry.kind != kind || !entry.active_at(now)) continue;
    if (latest == nullptr || entry.start >= latest->start) latest = &entry;
  }
  return latest;
}

}  // namespace rfneedle::sim

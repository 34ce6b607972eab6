#include "simulator/model/fault_effects.h"

#include <algorithm>
#include <optional>

#include "simulator/model/physical.h"

namespace rfneedle::sim {

namespace {

// Seconds since an active fault began.
double seconds_active(const ScheduledFault& fault, Instant now) {
  return seconds_of(now - fault.start);
}

class ActiveFaults {
 public:
  ActiveFaults(const FaultSchedule& schedule, Instant now) : schedule_(schedule), now_(now) {}
  [[nodiscard]] const ScheduledFault* operator[](FaultKind kind) const {
    return schedule_.active(kind, now_);
  }
  [[nodiscard]] bool has(FaultKind kind) const { return schedule_.is_active(kind, now_); }
  [[nodiscard]] Instant now() const { return now_; }

 private:
  const FaultSchedule& schedule_;
  Instant now_;
};

void apply_to_tissue(const ActiveFaults& active, TissueModel& tissue) {
  if (const ScheduledFault* shorted = active[FaultKind::kImpedanceShort]) {
    tissue.set_load_fault(LoadFault::kShort, to_ohms(shorted->parameters.get("ohms")));
  } else if (active.has(FaultKind::kImpedanceOpen) || active.has(FaultKind::kCartridgeMissing)) {
    tissue.set_load_fault(LoadFault::kOpen);
  } else {
    tissue.set_load_fault(LoadFault::kNone);
  }

  double scale = 1.0;
  if (const ScheduledFault* drift = active[FaultKind::kImpedanceDrift]) {
    const double percent = drift->parameters.get("rate") * seconds_active(*drift, active.now());
    // An impedance cannot fall below a small fraction of itself by drifting.
    scale = std::max(0.05, 1.0 + percent / 100.0);
  }
  tissue.set_impedance_scale(scale);

  std::optional<SkinHeating> heating;
  if (const ScheduledFault* skin = active[FaultKind::kSkinHeating]) {
    heating = SkinHeating{to_millicelsius(skin->parameters.get("target")),
                          to_millicelsius(skin->parameters.get("rate"))};
  }
  tissue.set_skin_heating(heating);
}

void apply_to_generator(const ActiveFaults& active, GeneratorModel& generator) {
  std::optional<Milliwatts> stuck_on;
  if (const ScheduledFault* stuck = active[FaultKind::kRfStuckOn]) {
    stuck_on = to_milliwatts(stuck->parameters.get("power"));
  }
  generator.set_stuck_on(stuck_on);

  double drift = 0;
  if (const ScheduledFault* power = active[FaultKind::kPowerDrift]) {
    const double limit = power->parameters.get("limit") / 100.0;
    const double percent = power->parameters.get("rate") * seconds_active(*power, active.now());
    drift = std::clamp(percent / 100.0, -limit, limit);
  }
  generator.set_power_drift(drift);

  std::optional<HeatsinkHeating> heating;
  if (const ScheduledFault* hot = active[FaultKind::kHeatsinkOverheat]) {
    heating = HeatsinkHeating{to_millicelsius(hot->parameters.get("target")),
                              to_millicelsius(hot->parameters.get("rate"))};
  }
  generator.set_heatsink_heating(heating);
}

void apply_to_actuator(const ActiveFaults& active, ActuatorModel& actuator) {
  actuator.set_stalled(active.has(FaultKind::kMotorStall));
  actuator.set_retraction_jammed(active.has(FaultKind::kRetractionJam));
  Micrometres slip{0};
  if (const ScheduledFault* slipped = active[FaultKind::kEncoderSlip]) {
    slip = Micrometres(rounded(slipped->parameters.get("slip")));
  }
  actuator.set_encoder_slip(slip);
}

struct ThermistorFaultKinds {
  FaultKind open;
  FaultKind shorted;
  FaultKind stuck;
  FaultKind drift;
};

void apply_to_thermistor(const ActiveFaults& active, const ThermistorFaultKinds& kinds,
                         double extra_offset_celsius, SkinThermistor& thermistor) {
  ThermistorFault fault = ThermistorFault::kNone;
  if (active.has(kinds.stuck)) fault = ThermistorFault::kStuck;
  if (active.has(kinds.shorted)) fault = ThermistorFault::kShort;
  if (active.has(kinds.open)) fault = ThermistorFault::kOpen;
  thermistor.set_fault(fault);

  double offset = extra_offset_celsius;
  if (const ScheduledFault* drift = active[kinds.drift]) {
    offset += drift->parameters.get("rate") * seconds_active(*drift, active.now());
  }
  thermistor.set_offset(to_millicelsius(offset));
}

}  // namespace

FaultLines apply_model_faults(const FaultSchedule& schedule, Instant now,
                              const FaultTargets& targets) {
  const ActiveFaults active(schedule, now);
  if (targets.tissue) apply_to_tissue(active, *targets.tissue);
  if (targets.generator) apply_to_generator(active, *targets.generator);
  if (targets.actuator) apply_to_actuator(active, *targets.actuator);
  if (targets.thermistor_a) {
    apply_to_thermistor(active,
                        {FaultKind::kThermistorAOpen, FaultKind::kThermistorAShort,
                         FaultKind::kThermistorAStuck, FaultKind::kThermistorADrift},
                        0.0, *targets.thermistor_a);
  }
  if (targets.thermistor_b) {
    double disagreement = 0;
    if (const ScheduledFault* pair = active[FaultKind::kThermistorPairDisagree]) {
      disagreement = pair->parameters.get("offset");
    }
    apply_to_thermistor(active,
                        {FaultKind::kThermistorBOpen, FaultKind::kThermistorBShort,
                         FaultKind::kThermistorBStuck, FaultKind::kThermistorBDrift},
                        disagreement, *targets.thermistor_b);
  }
  if (targets.trigger) {
    const ScheduledFault* stuck = active[FaultKind::kTriggerStuck];
    targets.trigger->set_stuck(stuck && stuck->parameters.get("contact_a") != 0,
                               stuck && stuck->parameters.get("contact_b") != 0);
  }
  if (targets.cartridge) {
    targets.cartridge->set_missing(active.has(FaultKind::kCartridgeMissing));
    targets.cartridge->set_expired(active.has(FaultKind::kCartridgeExpired));
  }
  return FaultLines{active.has(FaultKind::kEstop)};
}

}  // namespace rfneedle::sim

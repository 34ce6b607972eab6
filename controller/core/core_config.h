// Every threshold, timing and preset the core uses, with the defaults of DESIGN 4. Filled
// from proto/config.proto by config_loader.h, which refuses anything wider than the
// compiled-in hard envelope (hard_envelope.h).
#pragma once

#include <array>

#include "controller/core/treatment.h"
#include "hal/units.h"

namespace rfneedle::core {

// A warning clears only this far below its threshold, so a reading that hovers at the
// threshold (sensor noise is a few tenths of a degree) does not raise and clear the alarm
// on every sample (SR-24, SR-27).
inline constexpr MilliCelsius kWarnHysteresis{500};

struct SkinLimits {
  MilliCelsius warn = celsius(41);  // clears below warn - kWarnHysteresis
  MilliCelsius block = celsius(43);      // also ends a pulse under way
  MilliCelsius cool_down = celsius(40);  // the block clears below this
  MilliCelsius fault = celsius(45);
};

struct ThermistorLimits {
  MilliCelsius min = celsius(5);
  MilliCelsius max = celsius(90);
  MilliCelsius max_change = celsius(5);  // over rate_window: 50 °C/s over 100 ms
  Duration rate_window = milliseconds(100);
  MilliCelsius max_disagreement = celsius(3);
  Duration disagreement_time = milliseconds(500);
  // Stuck (SR-84): both unchanged by one LSB (1 m°C) for longer than stuck_time once
  // stuck_energy has been delivered since either last changed. A default pulse is 1 J
  // (10 W, 100 ms); three of them under the tip face warm the skin surface by far more
  // than 1 m°C, and a live NTC's reading noise (about 30 m°C) alone moves it by an LSB
  // every few samples; 3 s is several time constants of the tip face's thermal lag
  // (about 0.5 s), so a live pair has answered by then.
  Microjoules stuck_energy = millijoules(3000);
  Duration stuck_time = seconds(3);
};

struct ImpedanceLimits {
  Ohms min{25};
  Ohms max{1500};
  int samples = 2;                      // consecutive samples to decide
  int desiccation_rise_percent = 40;    // above the pulse's minimum
  int reachability_margin_tenths = 14;  // planned power reachable at 1.4 × Z
  Duration measurement_deadline = milliseconds(50);
  // How long the generator measures: 5 samples at 1 kHz, well above `samples`.
  Duration measurement_time = milliseconds(5);
};

struct PowerLimits {
  int deviation_percent = 20;
  Duration ramp_blanking = milliseconds(3);
  Duration deviation_time = milliseconds(5);
  int energy_overrun_percent = 110;
  Millivolts generator_voltage_limit{150'000};
  Milliwatts rf_on_threshold = watts(1);  // measured power meaning "RF on"
  int rf_uncommanded_samples = 2;
  Duration rf_off_deadline = milliseconds(5);  // RF-active must drop within this
};

struct LinkTiming {
  Duration heartbeat_period = milliseconds(10);
  Duration gap_energizing = milliseconds(2);
  Duration gap_otherwise = milliseconds(20);
  Duration pulse_expiry = milliseconds(10);  // ≤ 20 ms after the board's latest sample
  Duration dead_man = milliseconds(50);      // the boards' (configured through Configure)
};

struct NeedleLimits {
  Duration insert_deadline = milliseconds(150);
  Duration retract_deadline = milliseconds(150);
  Micrometres position_tolerance{100};  // ±0.1 mm (SR-29)
  Micrometres encoder_motor_disagreement{100};
  Duration disagreement_time = milliseconds(10);
  int retract_retries = 2;
  Duration home_deadline = seconds(3);
  // The actuator's motor current limit (its configure: 100..3 000 mA).
  Milliamps max_motor_current{1000};
};

struct TriggerLimits {
  Duration contact_skew = milliseconds(20);
};

struct HeatsinkLimits {
  MilliCelsius warn = celsius(60);  // clears below warn - kWarnHysteresis
  MilliCelsius fault = celsius(75);
};

struct SessionLimits {
  Duration idle_lock = seconds(300);
  Duration display_stale = seconds(2);
  Duration inter_pulse_interval = milliseconds(250);
  int cartridge_near_limit_percent = 10;
  int faults_before_service_lock = 3;
};

struct Envelope {
  Milliwatts power_min = watts(1);
  Milliwatts power_max = watts(50);
  Duration time_min = milliseconds(10);
  Duration time_max = milliseconds(1000);
  Microjoules energy_per_needle = millijoules(62);
  Micrometres depth_min{500};
  Micrometres face_depth_max{3500};
  Micrometres body_depth_max{7000};
  Micrometres depth_step{100};
};

struct CalibrationLimits {
  Microjoules max_pulse_energy = millijoules(2000);
  int tolerance_percent = 10;
  int due_after_days = 182;  // 6 months
};

struct AreaPreset {
  Micrometres depth_min{};
  Micrometres depth_max{};
  CartridgeKind cartridge = CartridgeKind::kFace;
};

using AreaPresets = std::array<AreaPreset, kBodyAreaCount>;

// DESIGN 4 body-area presets, indexed by BodyArea.
inline constexpr AreaPresets kDefaultPresets = {{
    {Micrometres{500}, Micrometres{1000}, CartridgeKind::kFace},   // periorbital
    {Micrometres{1000}, Micrometres{1500}, CartridgeKind::kFace},  // forehead
    {Micrometres{500}, Micrometres{1000}, CartridgeKind::kFace},   // perioral
    {Micrometres{1000}, Micrometres{2000}, CartridgeKind::kFace},  // nose
    {Micrometres{1500}, Micrometres{3500}, CartridgeKind::kFace},  // cheek
    {Micrometres{1000}, Micrometres{2000}, CartridgeKind::kFace},  // neck
    {Micrometres{1000}, Micrometres{2000}, CartridgeKind::kFace},  // chest
    {Micrometres{2000}, Micrometres{5000}, CartridgeKind::kBody},  // abdomen
    {Micrometres{2000}, Micrometres{5000}, CartridgeKind::kBody},  // thighs
    {Micrometres{2000}, Micrometres{5000}, CartridgeKind::kBody},  // arms
    {Micrometres{1000}, Micrometres{2000}, CartridgeKind::kFace},  // chin
    {Micrometres{500}, Micrometres{1500}, CartridgeKind::kFace},   // scalp
    {Micrometres{2000}, Micrometres{5000}, CartridgeKind::kBody},  // hips
    {Micrometres{2000}, Micrometres{5000}, CartridgeKind::kBody},  // legs
}};

// DESIGN 4 screening items, in the order they are asked. Configuration may reword them and
// add items, never remove a contraindication or make it advisory (the loader checks).
[[nodiscard]] inline ScreeningItems default_screening_items() {
  using K = ScreeningKind;
  return {
      {"active_infection_cold_sores_or_warts", "active infection, cold sores or warts in the area",
       K::kContraindication},
      {"active_acne", "active acne", K::kContraindication},
      {"keloids", "keloids or raised scarring", K::kContraindication},
      {"eczema_psoriasis_rosacea", "eczema, psoriasis or rosacea in the area", K::kContraindication},
      {"changing_moles_or_growths", "moles or growths that change or bleed", K::kContraindication},
      {"anticoagulants_or_bleeding_disorder", "anticoagulants or bleeding disorder",
       K::kContraindication},
      {"diabetes", "diabetes", K::kContraindication},
      {"compromised_immune_system", "a compromised immune system", K::kContraindication},
      {"chemotherapy_or_radiation", "chemotherapy or radiation", K::kContraindication},
      {"pregnancy", "pregnancy", K::kContraindication},
      {"implant_or_metal_in_area", "implanted electronic device or metal in the area",
       K::kContraindication},
      {"isotretinoin_last_6_months", "isotretinoin in the last 6 months", K::kContraindication},
      {"under_18", "under 18", K::kContraindication},
      {"smoking_last_2_weeks", "smoking in the last 2 weeks", K::kAdvisory},
      {"retinol_vitamin_c_or_glycolic_acid", "retinol, vitamin C serum or glycolic acid on the area",
       K::kAdvisory},
  };
}

struct CoreConfig {
  SkinLimits skin;
  ThermistorLimits thermistor;
  ImpedanceLimits impedance;
  PowerLimits power;
  LinkTiming link;
  NeedleLimits needle;
  TriggerLimits trigger;
  HeatsinkLimits heatsink;
  SessionLimits session;
  Envelope envelope;
  CalibrationLimits calibration;
  AreaPresets presets = kDefaultPresets;
  ScreeningItems screening = default_screening_items();
};

}  // namespace rfneedle::core

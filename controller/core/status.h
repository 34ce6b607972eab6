// The status snapshot the daemon publishes (DESIGN 6): state, active conditions with their
// priorities, counters, session, settings, cartridge, the last pulse.
#pragma once

#include <array>
#include <bitset>
#include <optional>
#include <string_view>

#include "controller/core/ladder.h"
#include "controller/core/pulse_record.h"
#include "controller/core/state.h"
#include "controller/core/treatment.h"

namespace rfneedle::core {

struct Counters {
  std::uint64_t generator_samples = 0;
  std::uint64_t actuator_samples = 0;
  std::uint64_t generator_samples_missed = 0;  // from sample_counter gaps
  std::uint64_t actuator_samples_missed = 0;
  std::uint64_t pulses_delivered = 0;
  std::uint64_t rejections = 0;
  std::uint64_t output_overflows = 0;  // commands, latches or records lost: ServiceLock
  std::uint64_t events_dropped = 0;
  std::array<std::uint16_t, kConditionCount> faults_this_session{};
};

// The calibration in force (SR-66): the generator's power correction, when it was
// measured and when it is due again, and the fixture it was measured with.
struct CalibrationRecord {
  std::int32_t power_correction_ppm = 1'000'000;
  std::int32_t calibrated_day = 0;  // days since 1970-01-01
  std::int32_t due_day = 0;
  CartridgeSerial fixture_serial;
  std::int32_t fixture_meter_due_day = 0;  // the fixture's reference meter's own due date
  // The store's ID of this record, carried for the session records; 0 until it is stored.
  std::uint64_t record_id = 0;
};

// One calibration run: one reference load, the generator against the reference meter.
struct CalibrationResult {
  std::uint32_t load_index = 0;
  bool passed = false;
  std::string_view reason;  // static text; empty when passed
  Microjoules generator_energy{};
  Microjoules reference_energy{};
  std::int32_t correction_ppm = 1'000'000;  // reference / generator
};

// The calibration under way in Service: the runs since Service was entered or the last
// completion, and the latest run's result.
struct CalibrationProgress {
  bool running = false;
  int passed = 0;
  int failed = 0;
  std::optional<CalibrationResult> last;
};

struct SelfTestSummary {
  int passed = 0;
  int total = 0;
  bool finished = false;
};

struct Status {
  std::uint64_t snapshot_id = 0;  // echoed by the display's heartbeat (SR-78)
  State state = State::kConnecting;
  Action action = Action::kNone;
  AlarmPriority priority = AlarmPriority::kNone;
  std::bitset<kConditionCount> in_effect;
  Counters counters;
  bool session_open = false;
  std::uint64_t session_id = 0;
  BodyArea area = BodyArea::kCheek;
  std::optional<PulseParameters> parameters;
  // As the cartridge memory last reported it; none before it was read.
  std::optional<CartridgeInfo> cartridge;
  std::optional<PulseRecord> last_pulse;
  bool screen_locked = false;
  std::uint32_t epoch = 0;
  std::uint64_t last_pulse_id = 0;
  std::optional<CalibrationRecord> calibration;
  CalibrationProgress calibration_progress;
  SelfTestSummary self_test;
};

}  // namespace rfneedle::core

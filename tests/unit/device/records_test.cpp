// What the core records for each pulse, against the real firmware: the delivered values
// are those of the pulse that carried them (SR-69, H-18).
#include <gtest/gtest.h>

#include "tests/unit/device/device_scenarios.h"

namespace rfneedle::testing {
namespace {

using core::PulseKind;
using core::PulseOutcome;

// Verifies: SR-69
// The self-test's pulse request is refused by the generator (the needles are retracted):
// its record delivers nothing, although the generator's telemetry still reports the
// energy of the treatment pulse before it.
TEST(RealBoardsRecords, ARefusedSelfTestPulseRecordsNoEnergyAfterATreatmentPulse) {
  WholeDevice d;
  ASSERT_TRUE(d.ready());
  d.press_and_hold();
  ASSERT_EQ(pulses_delivered(d), 1);
  ASSERT_GT(d.records.back().delivered_energy, Microjoules{0});
  const std::uint64_t treatment_pulse = d.records.back().pulse_id;
  d.run(milliseconds(300));
  ASSERT_TRUE(d.core().disarm(d.now()).ok());
  d.send_commands();
  d.run(milliseconds(20));
  ASSERT_TRUE(d.core().enter_service(d.now()).ok());
  ASSERT_TRUE(d.core().run_self_test(d.now()).ok());
  d.send_commands();
  d.run(seconds(2));
  int self_test_records = 0;
  for (const core::PulseRecord& r : d.records) {
    if (r.kind != PulseKind::kSelfTest || r.outcome == PulseOutcome::kStarted ||
        r.pulse_id < treatment_pulse) {
      continue;
    }
    ++self_test_records;
    EXPECT_EQ(r.delivered_energy, Microjoules{0}) << "pulse " << r.pulse_id;
  }
  EXPECT_EQ(self_test_records, 1);
  EXPECT_EQ(pulses_delivered(d), 1);
}

}  // namespace
}  // namespace rfneedle::testing

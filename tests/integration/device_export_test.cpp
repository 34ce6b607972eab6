// The `fhir` export of a real session (issue 10), validated by the `fhir` npm package's
// validator: rfneedled and rfneedle-sim run a short treatment, the session is exported as a
// FHIR R4 Bundle (GET /api/v1/sessions/{id}/export?format=fhir) and node runs
// tests/fhir/validate.cjs on it. CTest gives the node program and the script in
// RFNEEDLE_NODE and RFNEEDLE_FHIR_VALIDATOR (tests/integration/CMakeLists.txt).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>

#include "tests/integration/device_test_main.h"
#include "tests/support/treatment_runner.h"

namespace rfneedle::testing {
namespace {

using ::testing::HasSubstr;

std::string from_environment(const char* name) {
  const char* value = std::getenv(name);
  return value == nullptr ? std::string{} : std::string(value);
}

TEST(DeviceExport, TheFhirBundleOfARealSessionPassesTheFhirPackagesValidator) {
  const std::string node = from_environment("RFNEEDLE_NODE");
  const std::string validator = from_environment("RFNEEDLE_FHIR_VALIDATOR");
  ASSERT_FALSE(node.empty()) << "RFNEEDLE_NODE (the node program) is not set";
  ASSERT_FALSE(validator.empty()) << "RFNEEDLE_FHIR_VALIDATOR (tests/fhir/validate.cjs) is not set";

  // A treatment the host starved (a link fault, a board's tick stalled) runs again on fresh
  // processes (on_fresh_processes, tests/support/device_processes.h).
  const auto starved = on_fresh_processes(3, [&] {
    DeviceProcesses device(device_programs(), {.auto_trigger_hz = 2.0});
    TreatmentRunner run(device);
    const std::uint64_t session = run.open(DeviceProcesses::parameters(2000, 10'000, 100));
    run.arm();
    (void)run.run_until([&](const api::Status&) { return run.completed_pulses() >= 2; });
    run.disarm();
    const ApiResponse closed = device.api().post("/api/v1/session/close", run.operator_token());
    ASSERT_TRUE(closed.ok()) << closed.describe();

    const std::string route = "/api/v1/sessions/" + std::to_string(session) + "/export?format=fhir";
    const ApiResponse exported = device.api().get(route, run.operator_token());
    ASSERT_TRUE(exported.ok()) << exported.describe();
    EXPECT_THAT(exported.body, HasSubstr("\"resourceType\":\"Bundle\""));
    const std::filesystem::path bundle = device.dir() / "session.fhir.json";
    {
      std::ofstream out(bundle);
      out << exported.body;
    }
    const RunResult checked =
        run_program(node, {validator, bundle.string()}, device.dir(), std::chrono::seconds(60));
    EXPECT_EQ(checked.status, 0) << checked.out << checked.err;
    EXPECT_THAT(checked.out, HasSubstr(": valid"));
    if (attempt_failed()) {
      device.keep_dir();
    }
  });
  if (starved) {
    GTEST_SKIP() << *starved;
  }
}

}  // namespace
}  // namespace rfneedle::testing

// main() of the tests that start rfneedle-sim and rfneedled: gtest's flags, then the two
// programs' paths (CMake passes them).
#include "tests/integration/device_test_main.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace rfneedle::testing {

DevicePrograms g_device_programs;

const DevicePrograms& device_programs() { return g_device_programs; }

}  // namespace rfneedle::testing

int main(int argc, char** argv) {
  ::testing::InitGoogleMock(&argc, argv);
  const auto programs = rfneedle::testing::programs_from_command_line(argc, argv);
  if (!programs) {
    return 2;
  }
  rfneedle::testing::g_device_programs = *programs;
  return RUN_ALL_TESTS();
}

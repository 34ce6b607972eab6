// main() of the rfneedle-diag tests: gtest's flags, then the paths of rfneedle-sim,
// rfneedled and rfneedle-diag (CMake passes them).
#include "tests/integration/diag_test_main.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>

namespace rfneedle::testing {
namespace {
DevicePrograms g_programs;
std::string g_diag;
}  // namespace

const DevicePrograms& device_programs() { return g_programs; }
const std::string& diag_program() { return g_diag; }

}  // namespace rfneedle::testing

int main(int argc, char** argv) {
  ::testing::InitGoogleMock(&argc, argv);
  if (argc != 4 || ::access(argv[3], X_OK) != 0) {
    std::fprintf(stderr, "usage: %s [gtest flags] RFNEEDLE_SIM RFNEEDLED RFNEEDLE_DIAG\n", argv[0]);
    return 2;
  }
  rfneedle::testing::g_diag = argv[3];
  const auto programs = rfneedle::testing::programs_from_command_line(3, argv);
  if (!programs) {
    return 2;
  }
  rfneedle::testing::g_programs = *programs;
  return RUN_ALL_TESTS();
}

// The programs the device tests start, from their command line (device_test_main.cpp).
#pragma once

#include "tests/support/device_processes.h"

namespace rfneedle::testing {

// Set by main() before the tests run.
extern DevicePrograms g_device_programs;
[[nodiscard]] const DevicePrograms& device_programs();

}  // namespace rfneedle::testing

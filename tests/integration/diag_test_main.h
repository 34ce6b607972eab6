// The programs the rfneedle-diag tests start, from their command line (diag_test_main.cpp):
// rfneedle-sim and rfneedled as for every device test, and rfneedle-diag.
#pragma once

#include <string>

#include "tests/support/device_processes.h"
#include "tools/diag/diag_output.pb.h"

namespace rfneedle::testing {

[[nodiscard]] const DevicePrograms& device_programs();
[[nodiscard]] const std::string& diag_program();

}  // namespace rfneedle::testing

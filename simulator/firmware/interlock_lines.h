// The hard-wired signals between the two boards and the E-stop (DESIGN 3): each board
// drives its own output line and reads the other's; the E-stop reaches both.
#pragma once

namespace rfneedle::sim {

struct InterlockLines {
  bool needles_at_depth = false;  // actuator → generator: no RF unless high (SR-08)
  bool rf_active = false;         // generator → actuator: no needle motion while high (SR-09)
  bool estop = false;             // E-stop pressed, hard-wired to both boards (SR-50)
};

}  // namespace rfneedle::sim

// The boards' serial cables as the process serves them (DESIGN 5): `unplug` closes a
// board's pseudo-terminal and removes its link, as a USB serial adapter pulled out; `plug`
// serves a new one under the same link. The board stays powered meanwhile (its dead-man
// trips, SR-39). An unplug with a duration plugs back by itself on the tick.
#pragma once

#include <array>
#include <optional>
#include <string>

#include "hal/time.h"
#include "simulator/firmware/simulated_device.h"
#include "simulator/process/sim_command.h"

namespace rfneedle::sim {

class PtyPort;

class SerialCables {
 public:
  SerialCables(PtyPort& generator, PtyPort& actuator, const SimulatedDevice& device)
      : ports_{&generator, &actuator}, device_(device) {}

  // Answers {"ok":true,"board":...,"plugged":...} (an unplug adds the simulator's clock and
  // the board's last valid frame, from which its dead-man counts) or
  // {"ok":false,"error":...}.
  [[nodiscard]] std::string execute(const Cable& cable, Instant now);
  // Plugs back a cable whose unplug duration has passed.
  void tick(Instant now);

 private:
  [[nodiscard]] std::string plug(CableBoard board);

  std::array<PtyPort*, 2> ports_;
  const SimulatedDevice& device_;
  std::array<std::optional<Instant>, 2> plug_at_{};
};

}  // namespace rfneedle::sim

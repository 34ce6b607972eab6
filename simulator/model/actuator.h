// The needle actuator: a motor moving the needle carriage on a trapezoidal profile, an
// incremental encoder on the carriage, the motor driver's own position and current, stall
// and homing (DESIGN 5). Position is the needle tips' travel beyond the tip face in um;
// 0 is fully retracted, against the home stop.
#pragma once

#include "hal/time.h"
#include "hal/units.h"

namespace rfneedle::sim {

struct ActuatorConfig {
  // Engineering assumptions for a voice-coil/linear-stepper handpiece: 200 mm/s and
  // 20 m/s^2 insert 3.5 mm in about 28 ms, well inside the 150 ms at-depth deadline (SR-29).
  double max_speed_um_per_s = 200'000;
  double acceleration_um_per_s2 = 20'000'000;
  // Engineering assumption: homing creeps to the stop at 20 mm/s.
  double homing_speed_um_per_s = 20'000;
  // Datasheet-typical linear encoder resolution (issue 4: e.g. 10 um).
  Micrometres encoder_resolution{10};
  // Mechanical travel: body cartridges reach 7.0 mm, plus margin.
  Micrometres travel{7'500};
  // Where the carriage is at power-on, before homing (unknown to the firmware).
  Micrometres power_on_position{300};
  // Datasheet-typical small stepper driver currents: holding, moving, and stalled (the
  // driver's current limit).
  Milliamps holding_current{100};
  Milliamps running_current{300};
  Milliamps stall_current{900};
  // Datasheet-typical stall detection of an integrated stepper driver: the load has
  // blocked a commanded motion for this long.
  Duration stall_detect = std::chrono::milliseconds(5);
};

class ActuatorModel {
 public:
  explicit ActuatorModel(const ActuatorConfig& config = {});

  // Commands from the firmware. A move or home replaces any move in progress.
  void move_to(Micrometres target);
  void home();
  // Motor power off: the carriage stays where it is and nothing moves.
  void set_enabled(bool enabled);

  // Fault hooks.
  // motor-stall: the carriage cannot move in either direction.
  void set_stalled(bool stalled) { stalled_ = stalled; }
  // retraction-jam: the carriage cannot move back (toward 0) past where it is now.
  void set_retraction_jammed(bool jammed);
  // encoder-slip: the encoder reads `lost` short of where the carriage is.
  void set_encoder_slip(Micrometres lost) { encoder_slip_um_ = lost.value(); }

  void step(Duration dt);

  // Ground truth.
  [[nodiscard]] Micrometres position() const;
  [[nodiscard]] double speed_um_per_s() const { return carriage_speed_; }
  // What the firmware reads.
  [[nodiscard]] Micrometres encoder_position() const;
  [[nodiscard]] Micrometres motor_position() const;
  [[nodiscard]] Milliamps motor_current() const;
  [[nodiscard]] bool stall_detected() const { return blocked_for_ >= config_.stall_detect; }
  [[nodiscard]] bool homed() const { return homed_; }
  [[nodiscard]] bool homing() const { return homing_; }
  // The motor's profile has arrived at the target (the carriage may not have: stall).
  [[nodiscard]] bool profile_done() const { return profile_done_; }
  [[nodiscard]] const ActuatorConfig& config() const { return config_; }

 private:
  void step_profile(double dt_s);
  void step_carriage(double dt_s);
  [[nodiscard]] bool blocked() const;

  ActuatorConfig config_;
  bool enabled_ = true;
  bool homed_ = false;
  bool homing_ = false;
  bool profile_done_ = true;
  bool stalled_ = false;
  bool jammed_ = false;
  double jam_floor_um_ = 0;
  std::int64_t encoder_slip_um_ = 0;
  double target_um_ = 0;        // in the motor's frame
  double profile_um_ = 0;       // the motor's idea of its position (its frame)
  double profile_speed_ = 0;    // um/s, signed
  double carriage_um_ = 0;      // true position
  double carriage_speed_ = 0;   // um/s, signed
  double frame_offset_um_ = 0;  // true position at motor-frame zero
  Duration blocked_for_{0};
};

}  // namespace rfneedle::sim

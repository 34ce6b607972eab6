// Both simulated boards, the interlock lines between them and the physical world behind
// them (DESIGN 5), sans-I/O: the rfneedle-sim process and the tests feed bytes and a 1 kHz
// tick with `now`, take bytes out, act as the operator and inject faults. Link faults are
// applied here to the bytes in and out of each board; a board reboot rebuilds that
// board's firmware (its non-volatile counters and pulse log survive).
#pragma once

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "hal/time.h"
#include "hal/units.h"
#include "simulator/faults.h"
#include "simulator/firmware/actuator_firmware.h"
#include "simulator/firmware/device_physics.h"
#include "simulator/firmware/generator_firmware.h"
#include "simulator/firmware/interlock_lines.h"
#include "simulator/firmware/link_fault_filter.h"
#include "simulator/model/cartridge.h"

namespace rfneedle::sim {

struct SimulatedDeviceOptions {
  std::uint64_t seed = 1;
  std::string generator_serial = "SIM-GEN-0001";
  std::string actuator_serial = "SIM-ACT-0001";
  std::string firmware_version = "sim-1.0.0";
  std::optional<CartridgeMemory> cartridge =
      face_cartridge(1001, 25, std::chrono::sys_days{std::chrono::year{2030} / 1 / 1});
  // The calibration fixture's reference meter: its gain error (a fraction; the meter's
  // default +0.5 %, calibration_fixture.h). A meter far off lets tests see a calibration
  // fail (SR-66).
  double reference_meter_gain_error = ReferenceMeterConfig{}.gain_error;
  Instant power_on{};  // both boards boot here; their clocks count from it
};

// What really happens, for the control socket's status and for tests (never sent over
// device.proto).
struct GroundTruth {
  bool rf_on = false;  // power truly reaches the load
  Milliwatts delivered_power{0};
  Microjoules pulse_energy{0};         // delivered since the current/last pulse started
  MilliCelsius tissue_temperature{0};  // at the needle tips
  MilliCelsius skin_temperature{0};    // skin surface under the tip face
  MilliCelsius heatsink_temperature{0};
  Ohms load{0};
  Micrometres needle_position{0};
  bool relay_closed = false;
  InterlockLines lines;
  bool generator_booting = false;
  bool actuator_booting = false;
  std::uint32_t generator_latched_faults = 0;
  std::uint32_t actuator_latched_faults = 0;
};

class SimulatedDevice {
 public:
  explicit SimulatedDevice(const SimulatedDeviceOptions& options);
  SimulatedDevice(const SimulatedDevice&) = delete;
  SimulatedDevice& operator=(const SimulatedDevice&) = delete;

  void generator_bytes_in(std::span<const std::uint8_t> bytes, Instant now);
  void actuator_bytes_in(std::span<const std::uint8_t> bytes, Instant now);
  [[nodiscard]] std::size_t take_generator_output(std::span<std::uint8_t> out, Instant now);
  [[nodiscard]] std::size_t take_actuator_output(std::span<std::uint8_t> out, Instant now);
  // 1 kHz: steps the physics by the time since the last tick, runs both boards' limits and
  // queues their telemetry.
  void tick(Instant now);

  // The operator, at the time of the latest call that carried one.
  void press_trigger();
  void release_trigger();
  void set_estop(bool pressed);
  // The process is stopping: the generator turns RF off and opens its relay first.
  void power_off(Instant now);
  // Nothing: the cartridge is taken out.
  void swap_cartridge(const std::optional<CartridgeMemory>& cartridge);

  // From `start` for `duration`, or until cleared.
  void inject(const FaultParameters& parameters, Instant start,
              std::optional<Duration> duration = std::nullopt);
  // With the catalogue's default parameters, until cleared.
  void inject(const FaultSpec& spec, Instant start);
  // Ends every entry of the named fault now; returns how many, 0 for an unknown name.
  std::size_t clear_fault(std::string_view name);
  [[nodiscard]] const FaultSchedule& faults() const { return schedule_; }

  [[nodiscard]] GroundTruth ground_truth() const;
  // The generator's non-volatile memory: its pulse log and lifetime counters, the ground
  // truth of every pulse it delivered (for tests; the controller asks over device.proto).
  [[nodiscard]] const GeneratorMemory& generator_memory() const { return generator_memory_; }
  // The cartridge memory as the actuator reads it now (faults applied); nothing when no
  // cartridge is detected.
  [[nodiscard]] std::optional<CartridgeMemory> cartridge() const {
    return physics_.cartridge.read();
  }
  // Null while the board is rebooting.
  [[nodiscard]] const GeneratorFirmware* generator() const;
  [[nodiscard]] const ActuatorFirmware* actuator() const;

 private:
  enum Board : std::size_t { kGenerator = 0, kActuator = 1 };
  enum Direction : std::size_t { kIn = 0, kOut = 1 };

  void boot(Board board, Instant now, bool rebooted);
  void process_reboots(Instant now);
  [[nodiscard]] LinkFaultState link_faults(Board board, Instant now) const;
  void deliver_in(Board board, std::span<const std::uint8_t> bytes, Instant now);
  void release_in(Board board, Instant now);
  [[nodiscard]] std::size_t take_output(Board board, std::span<std::uint8_t> out, Instant now);
  void note_pulse_start(bool was_delivering);
  void observe(Instant now);

  SimulatedDeviceOptions options_;
  DevicePhysics physics_;
  InterlockLines lines_;
  bool operator_estop_ = false;
  GeneratorMemory generator_memory_;
  ActuatorMemory actuator_memory_;
  std::optional<GeneratorFirmware> generator_;
  std::optional<ActuatorFirmware> actuator_;
  std::array<std::optional<Instant>, 2> booting_until_{};

  FaultSchedule schedule_;
  std::vector<bool> reboot_handled_;
  std::array<std::array<LinkFaultFilter, 2>, 2> filters_;
  std::array<std::uint8_t, 2048> scratch_{};

  Instant now_;
  std::optional<Instant> last_tick_;
};

}  // namespace rfneedle::sim

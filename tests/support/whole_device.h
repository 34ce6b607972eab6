// The whole device in one process, on the virtual clock: the controller core and the
// joining layer (controller/bridge) with both drivers and link sessions, talking over two
// FaultyByteChannels at 921 600 baud to both simulated boards' firmware and physics
// (simulator/firmware). Nothing is faked on either side of the wire: this is what
// rfneedled's safety thread runs against rfneedle-sim, minus the processes. The test
// plays the shell: the store (records are acknowledged at once unless told otherwise),
// the display's heartbeat, the operator's requests and hand.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <vector>

#include "controller/bridge/board_bridge.h"
#include "controller/core/core.h"
#include "simulator/firmware/simulated_device.h"
#include "tests/support/faulty_byte_channel.h"
#include "tests/support/virtual_clock.h"

namespace rfneedle::testing {

struct WholeDeviceOptions {
  sim::SimulatedDeviceOptions device;
  core::CoreConfig core;
  // Accepts rfneedle-sim's firmware version and simulated boards.
  hal::HandshakePolicy policy{{"sim-1.0.0"}, true};
  std::uint64_t nonce = 0x5EED'0001;
  // What the shell keeps of the boards (their identities, the pulse log); may be null.
  bridge::BoardRecords* records = nullptr;
};

class WholeDevice {
 public:
  explicit WholeDevice(const WholeDeviceOptions& options = {});
  WholeDevice(const WholeDevice&) = delete;
  WholeDevice& operator=(const WholeDevice&) = delete;

  VirtualClock clock;
  sim::SimulatedDevice device;
  FaultyByteChannel generator_line;
  FaultyByteChannel actuator_line;
  core::Core core;
  bridge::BoardBridge bridge;

  // The shell's side.
  bool store_acks = true;    // the store confirms every finished pulse record at once
  bool display_live = true;  // the display echoes a fresh snapshot every 500 ms
  std::vector<core::CoreEvent> events;
  std::vector<core::PulseRecord> records;
  std::vector<core::LatchRecord> latches;
  // Ground truth after every millisecond, and when it was taken.
  std::vector<sim::GroundTruth> truth;
  std::vector<Instant> truth_at;
  // The core's state after every millisecond (same index as `truth`).
  std::vector<core::State> states;
  std::function<void()> after_step;

  [[nodiscard]] Instant now() const { return clock.now(); }
  void run(Duration d) { clock.advance(d); }
  bool run_until(const std::function<bool()>& done, Duration limit = seconds(2));
  bool run_until_state(core::State s, Duration limit = seconds(2));

  // Both handshakes, no restored latches, the power-on self-test: Standby.
  bool power_on(std::vector<core::LatchRecord> restored = {});
  static core::SessionRequest session_request(core::BodyArea area = core::BodyArea::kCheek);
  static core::PulseParameters parameters();
  // Opens the session, sets the parameters and, once the boards answered, arms; true when
  // the core accepted all three (arming may still end in Paused).
  bool open_and_arm(const core::PulseParameters& p = parameters(),
                    const core::SessionRequest& r = session_request());
  // Power-on through to Ready with a cheek session at 10 W, 100 ms, 2.0 mm.
  bool ready(const core::PulseParameters& p = parameters(),
             const core::SessionRequest& r = session_request());

  // The operator presses the trigger, holds it until the pulse is over, and lets go.
  void press_and_hold();
  // After an operator request: the core's commands go to the boards now.
  void send_commands() { bridge.send_commands(now()); }

  [[nodiscard]] bool raised(core::Condition c) const;
  // When the core first raised `c` (the moment its condition became true: onset plus
  // persistence, as the core saw it); nothing if it never did.
  [[nodiscard]] std::optional<Instant> raised_at(core::Condition c) const;
  // The first truth index taken at or after `t`.
  [[nodiscard]] std::size_t truth_index(Instant t) const;
  // Milliseconds of ground truth with RF on since `from` (index into `truth`).
  [[nodiscard]] bool rf_on_since(std::size_t from) const;
  void clear_logs();

 private:
  void step();
  void flush_controller();
  void drain_outbox();

  Instant last_display_{};
  std::vector<std::uint64_t> unstored_;
};

}  // namespace rfneedle::testing

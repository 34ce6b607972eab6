// The whole device in one process, on the virtual clock: the controller core and the
// joining layer (controller/bridge) with both drivers and link sessions, talking over two
// FaultyByteChannels at 921 600 baud to both simulated boards' firmware and physics
// (simulator/firmware). Nothing is faked on either side of the wire: this is what
// rfneedled's safety thread runs against rfneedle-sim, minus the processes. The test
// plays the shell: the store (records are acknowledged at once unless told otherwise),
// the display's heartbeat, the operator's requests and hand.
//
// The controller side (core, joining layer, drivers, link sessions) can crash and restart
// while the boards, the lines and the clock carry on, as rfneedled's process would: its
// state is lost, what the shell persisted is handed back by the caller (restart()).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
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
  // Keep `truth`, `truth_at` and `states` for every millisecond (long simulations turn
  // it off and read the ground truth as they go).
  bool record_history = true;
  // What the shell keeps of the boards (identities, pulse log); may be null.
  bridge::BoardRecords* board_records = nullptr;
  // Told every command the core hands the joining layer, with the core's state then.
  bridge::CommandObserver* command_observer = nullptr;
  // This shell's store reserves every pulse ID at once; false: the caller reserves them
  // (allow_pulse_ids_up_to) as rfneedled's store does (SR-68).
  bool reserve_all_pulse_ids = true;
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

  // The controller; only while it runs (see crash()).
  [[nodiscard]] core::Core& core() { return controller_->core; }
  [[nodiscard]] const core::Core& core() const { return controller_->core; }
  [[nodiscard]] bridge::BoardBridge& bridge() { return controller_->bridge; }
  [[nodiscard]] bool controller_running() const { return controller_ != nullptr; }
  // For this controller and every one restart() starts (the options' fields of the same
  // names, set after construction).
  void set_command_observer(bridge::CommandObserver* observer);
  void set_board_records(bridge::BoardRecords* board_records);
  // The controller's process dies: core, joining layer and link sessions are gone, with
  // every record the shell had not yet handed on; nothing more is written to either line
  // and what the boards send is heard by no one. The boards, lines and clock carry on.
  void crash();
  // A new controller process: a fresh core and joining layer with new link sessions
  // (new nonces), the pulse IDs reserved so far allowed, and the latches and last pulse
  // and session IDs the shell's store kept handed back before anything else (SR-53,
  // SR-62, SR-68). The power-on self-test follows once both boards answer.
  void restart(std::span<const core::LatchRecord> restored, std::uint64_t last_pulse_id,
               std::uint64_t reserved_pulse_ids, std::uint64_t last_session_id);

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
  void send_commands() {
    if (controller_) controller_->bridge.send_commands(now());
  }

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

  struct Controller {
    Controller(const WholeDeviceOptions& options, Instant now);
    core::Core core;
    bridge::BoardBridge bridge;
  };
  void start_controller();

  WholeDeviceOptions options_;
  std::unique_ptr<Controller> controller_;
  std::uint64_t next_nonce_;
};

}  // namespace rfneedle::testing

// Carries out the simulator's actions (sim_command.h) on a SimulatedDevice and answers
// each with one JSON line, for the control socket, scenario files and --auto-trigger.
#pragma once

#include <cstdint>
#include <deque>
#include <optional>
#include <string>

#include "hal/time.h"
#include "simulator/firmware/simulated_device.h"
#include "simulator/process/serial_cables.h"
#include "simulator/process/sim_command.h"

namespace rfneedle::sim {

class ControlRequests {
 public:
  // How long `trigger tap` holds the trigger: long enough for a whole default pulse
  // (insert, measure, 100 ms of RF, retract).
  static constexpr Duration kTapHold = milliseconds(1000);

  explicit ControlRequests(SimulatedDevice& device) : device_(device) {}
  // The process's cables, for `unplug` and `plug`; without them those are refused.
  void set_cables(SerialCables* cables) { cables_ = cables; }

  // Returns {"ok":true,...} or {"ok":false,"error":"..."}.
  [[nodiscard]] std::string execute(const SimCommand& command, Instant now);
  // Presses the trigger now and releases it after `hold`.
  void tap(Instant now, Duration hold);
  // On the 1 kHz tick: releases a tapped trigger when its hold ends.
  void tick(Instant now);
  // How long after its deadline this process woke for a tick: the host's scheduling
  // latency, which no board has. `status` reports the worst and how many exceeded 1 ms,
  // so a telemetry gap can be told apart from a late simulator.
  void tick_woke_late(Duration late);
  // The process fell so far behind that the boards' clock stepped forward.
  void clock_stepped() { ++clock_steps_; }
  // After every step of the device: notes when RF truly starts and stops reaching the
  // load, for `history`.
  void observe(Instant now);

  // How many true pulses and injections `history` keeps (the latest).
  static constexpr std::size_t kHistoryLength = 256;

 private:
  // One interval in which RF truly reached the load.
  struct TruePulse {
    std::uint64_t n = 0;
    Instant rf_on{};
    std::optional<Instant> rf_off;
    std::int64_t energy_uj = 0;
    std::int64_t peak_skin_mdegc = 0;
  };
  struct Injection {
    std::uint64_t n = 0;
    FaultKind kind{};
    Instant at{};
    std::optional<Instant> until;  // none: until cleared
  };

  [[nodiscard]] std::string status(Instant now) const;
  [[nodiscard]] std::string history(Instant now) const;
  void record_injection(FaultKind kind, Instant at, std::optional<Duration> duration);
  void record_clear(std::optional<FaultKind> kind, Instant at);

  SimulatedDevice& device_;
  SerialCables* cables_ = nullptr;
  std::optional<Instant> release_at_;
  std::uint64_t late_ticks_ = 0;
  std::uint64_t starved_ticks_ = 0;  // woke more than 2 ms late
  Duration worst_tick_late_{0};
  std::uint64_t clock_steps_ = 0;
  std::deque<TruePulse> pulses_;
  std::deque<Injection> injections_;
  std::uint64_t pulses_seen_ = 0;
  std::uint64_t injections_seen_ = 0;
};

[[nodiscard]] std::string error_answer(const std::string& message);
[[nodiscard]] std::string fault_catalogue_json();
// For `rfneedle-sim --list-faults`: one line per fault with its effect, and one with its
// parameters.
[[nodiscard]] std::string fault_catalogue_text();

}  // namespace rfneedle::sim

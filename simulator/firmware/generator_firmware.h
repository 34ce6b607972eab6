// The RF generator board's firmware, emulated (DESIGN 3, 5): it speaks device.proto over
// the board-side link, drives the output stage model, and enforces the board's own hard
// limits independently of the controller: dead-man (SR-39), 1000 ms pulse cap (SR-18),
// power ceiling (SR-17), per-pulse energy cap (SR-19), heatsink cut-off (SR-20), the
// at-depth line (SR-08), the output relay (SR-23), E-stop (SR-50), rf_permitted (SR-37)
// and the gate's epoch/expiry/pulse-ID checks (SR-35, SR-36). Sans-I/O.
//
// Split by concern: generator_firmware.cpp (link, commands, latches, telemetry),
// generator_pulse.cpp (the RF pulse), generator_measurement.cpp (the low-level impedance
// measurement).
#pragma once

#include <cstdint>
#include <optional>

#include "hal/time.h"
#include "hal/units.h"
#include "proto/device.pb.h"
#include "simulator/firmware/board_firmware.h"
#include "simulator/firmware/board_link.h"
#include "simulator/firmware/interlock_lines.h"
#include "simulator/firmware/pulse_log.h"
#include "simulator/model/generator.h"

namespace rfneedle::sim {

// Compiled-in maxima the board keeps whatever it is configured (DESIGN 4).
inline constexpr Milliwatts kGeneratorPowerCeiling = watts(50);        // SR-17
inline constexpr Duration kGeneratorPulseCap = milliseconds(1000);     // SR-18
inline constexpr Microjoules kGeneratorEnergyCeiling{3'038'000};       // SR-19
inline constexpr MilliCelsius kGeneratorHeatsinkCutOff = celsius(75);  // SR-20
// Measured power this far above the ceiling means regulation lost control (power drift
// or a failed stage): well beyond the ~1.5 % (1 sigma) noise of the V x I measurement.
inline constexpr double kPowerCeilingTolerance = 1.10;
// RF measured with no pulse for this many samples latches FAULT_RF_UNCOMMANDED and opens
// the relay. Slower than the core's 2-sample check (SR-21), so the core acts first.
inline constexpr int kUncommandedRfSamples = 5;
// What counts as RF measured on: above the detectors' noise floor.
inline constexpr Milliwatts kRfDetectThreshold{200};

// Survives controller restarts and board reboots (the board's non-volatile memory).
struct GeneratorMemory {
  std::uint64_t lifetime_pulses = 0;
  std::uint64_t lifetime_energy_uj = 0;
  std::uint32_t boot_count = 0;
  PulseLog pulse_log;
};

struct GeneratorHardware {
  GeneratorModel& output;
  InterlockLines& lines;
};

class GeneratorFirmware final
    : public BoardFirmware<device::GeneratorCommand, device::GeneratorMessage> {
 public:
  // Boots at `boot`: boot_count is incremented; `rebooted` latches FAULT_REBOOT. The first
  // session after boot starts with a BOARD_EVENT_BOOTED.
  GeneratorFirmware(const BoardIdentity& identity, GeneratorMemory& memory,
                    GeneratorHardware hardware, Instant boot, bool rebooted);
  GeneratorFirmware(const GeneratorFirmware&) = delete;
  GeneratorFirmware& operator=(const GeneratorFirmware&) = delete;
  // Power lost: outputs off; a pulse it cuts short is still logged (pulse log in
  // non-volatile memory, SR-70).
  ~GeneratorFirmware();

  // 1 kHz, after the physics has stepped to `now`. `load` is what the probe measures.
  void tick(Instant now, Ohms load);
  // The board loses power (rfneedle-sim is stopping): RF off and the relay open at once.
  void power_off(Instant now);

  [[nodiscard]] bool delivering_pulse() const { return pulse_.has_value(); }
  [[nodiscard]] Microjoules pulse_energy() const { return Microjoules(energy_uj_); }
  // What CountersQuery answers.
  void counters(device::CountersReply& counters) const;

 private:
  struct Pulse {
    PulseRecord record;
    Instant started;
    Instant last_sample;
    Duration duration;
    Microjoules cap;
    double energy_uj = 0;
  };
  struct Measurement {
    std::uint32_t command_id;
    std::uint32_t samples_wanted;
    std::uint32_t samples = 0;
    std::uint64_t sum_ohm = 0;
    std::uint32_t min_ohm = 0;
    std::uint32_t max_ohm = 0;
  };
  struct Calibration {
    double power = 1.0;
    double voltage = 1.0;
    double current = 1.0;
  };

  void execute(const device::GeneratorCommand& command) override;
  [[nodiscard]] bool latch_cause_present(device::FaultCode fault) const override;
  void on_rf_off_ordered() override;
  void on_new_session() override;
  void complete_handshake_reply(device::HandshakeReply& reply) const override;

  [[nodiscard]] device::ResultCode configure(const device::ConfigureGenerator& configure);
  [[nodiscard]] device::ResultCode deliver_pulse(const device::DeliverPulse& pulse);
  [[nodiscard]] device::ResultCode set_relay(bool closed);
  [[nodiscard]] device::ResultCode start_measurement(std::uint32_t command_id,
                                                     std::uint32_t duration_ms);
  void answer_counters(std::uint32_t command_id);
  void answer_pulse_log(std::uint32_t command_id, const device::PulseLogQuery& query);

  void step_pulse(Instant now);
  void step_measurement(Ohms load);
  void end_pulse(device::PulseEnd end, Instant now);
  // RF off, relay open, latch and report (SR-23: the relay opens on any own latch).
  void trip(device::FaultCode fault, std::int32_t value, Instant now);
  void send_telemetry(Instant now);
  [[nodiscard]] GeneratorReading measured() const;

  GeneratorMemory& memory_;
  GeneratorHardware hw_;

  bool configured_ = false;
  Milliwatts max_power_ = kGeneratorPowerCeiling;
  Duration max_pulse_ = kGeneratorPulseCap;
  Microjoules max_energy_ = kGeneratorEnergyCeiling;
  MilliCelsius heatsink_cut_off_ = kGeneratorHeatsinkCutOff;
  Calibration gain_;

  bool relay_closed_ = false;
  std::optional<Pulse> pulse_;
  std::optional<Measurement> measurement_;
  std::uint64_t last_pulse_id_ = 0;
  std::uint32_t energy_uj_ = 0;  // current/last pulse, for telemetry
  // Telemetry's impedance_ohm: the sample a pulse or a measurement took on this tick; 0
  // ("no reading") on a tick with neither (docs/protocol.md 6.7).
  std::uint32_t live_impedance_ohm_ = 0;
  int uncommanded_rf_samples_ = 0;
  std::uint32_t sample_counter_ = 0;

  // Telemetry only, never cleared: its sub-message is reused at every tick.
  device::GeneratorMessage telemetry_;
};

}  // namespace rfneedle::sim

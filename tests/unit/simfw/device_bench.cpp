#include "tests/unit/simfw/device_bench.h"

#include <array>

namespace rfneedle::testing {
namespace {

constexpr Duration kTick = milliseconds(1);
constexpr Duration kHeartbeatPeriod = milliseconds(10);
constexpr std::size_t kChunk = 512;

template <typename Message, typename Command>
std::uint32_t send_command(ControllerEnd<Message>& end, Command command) {
  const std::uint32_t id = end.next_command_id++;
  command.set_command_id(id);
  const std::string bytes = command.SerializeAsString();
  (void)end.session.send_reliable(
      std::span(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size()));
  return id;
}

// Splits what a board wrote at one tick into frames at their 0x00 delimiters.
void record_frames(std::span<const std::uint8_t> bytes, Instant at, bool during_pulse,
                   std::vector<WrittenFrame>& frames) {
  std::size_t start = 0;
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    if (bytes[i] == 0x00) {
      frames.push_back(WrittenFrame{at, i + 1 - start, during_pulse});
      start = i + 1;
    }
  }
}

template <typename Message>
std::vector<device::BoardEvent> events_of(const std::vector<Message>& received) {
  std::vector<device::BoardEvent> out;
  for (const Message& m : received) {
    if (m.has_event()) out.push_back(m.event());
  }
  return out;
}

template <typename Message>
std::optional<device::CommandResult> find_result(const std::vector<Message>& received,
                                                 std::uint32_t id) {
  for (const Message& m : received) {
    if (m.has_result() && m.result().command_id() == id) return m.result();
  }
  return std::nullopt;
}

}  // namespace

device::GeneratorCommand generator_command() { return {}; }
device::ActuatorCommand actuator_command() { return {}; }

device::GeneratorCommand generator_configure(std::uint32_t dead_man_ms) {
  device::GeneratorCommand configure;
  device::ConfigureGenerator& c = *configure.mutable_configure();
  c.set_max_power_mw(50'000);
  c.set_max_pulse_ms(1'000);
  c.set_max_energy_uj(3'038'000);
  c.set_max_heatsink_mdegc(75'000);
  c.set_dead_man_ms(dead_man_ms);
  c.set_power_gain_ppm(1'000'000);
  c.set_voltage_gain_ppm(1'000'000);
  c.set_current_gain_ppm(1'000'000);
  c.set_max_voltage_mv(120'000);
  return configure;
}

device::ActuatorCommand actuator_configure(std::uint32_t dead_man_ms) {
  device::ActuatorCommand configure;
  device::ConfigureActuator& c = *configure.mutable_configure();
  c.set_max_depth_um(3'500);
  c.set_dead_man_ms(dead_man_ms);
  c.set_max_motor_current_ma(1'000);
  c.set_at_depth_tolerance_um(100);
  return configure;
}

DeviceBench::DeviceBench(const sim::SimulatedDeviceOptions& options,
                         const hal::LinkConfig& controller_link)
    : clock(options.power_on),
      device(options),
      generator_line(clock, FaultyByteChannel::Options{options.seed, 92.16}),
      actuator_line(clock, FaultyByteChannel::Options{options.seed + 1, 92.16}),
      generator(clock, controller_link),
      actuator(clock, controller_link) {
  generator_line.set_receiver(Direction::kAToB, [this](std::span<const std::uint8_t> bytes) {
    generator_last_arrival = clock.now();
    device.generator_bytes_in(bytes, clock.now());
  });
  generator_line.set_receiver(Direction::kBToA, [this](std::span<const std::uint8_t> bytes) {
    generator.session.on_bytes(bytes, clock.now());
  });
  actuator_line.set_receiver(Direction::kAToB, [this](std::span<const std::uint8_t> bytes) {
    actuator_last_arrival = clock.now();
    device.actuator_bytes_in(bytes, clock.now());
  });
  actuator_line.set_receiver(Direction::kBToA, [this](std::span<const std::uint8_t> bytes) {
    actuator.session.on_bytes(bytes, clock.now());
  });
  clock.call_every(kTick, [this] { on_tick(); });
  clock.call_every(kHeartbeatPeriod, [this] { send_heartbeats(); });
}

void DeviceBench::on_tick() {
  const Instant now = clock.now();
  device.tick(now);
  history.push_back(device.ground_truth());
  std::array<std::uint8_t, kChunk> buffer{};
  const bool pulse = device.generator() != nullptr && device.generator()->delivering_pulse();
  if (std::size_t n = device.take_generator_output(buffer, now); n > 0) {
    record_frames(std::span(buffer.data(), n), now, pulse, generator_frames);
    generator_line.send_from_b(std::span(buffer.data(), n));
  }
  if (std::size_t n = device.take_actuator_output(buffer, now); n > 0) {
    record_frames(std::span(buffer.data(), n), now, pulse, actuator_frames);
    actuator_line.send_from_b(std::span(buffer.data(), n));
  }
  generator.session.tick(now);
  actuator.session.tick(now);
  if (controller_silent) {
    return;
  }
  if (std::size_t n = generator.session.take_output(buffer, now); n > 0) {
    generator_line.send_from_a(std::span(buffer.data(), n));
  }
  if (std::size_t n = actuator.session.take_output(buffer, now); n > 0) {
    actuator_line.send_from_a(std::span(buffer.data(), n));
  }
}

void DeviceBench::send_heartbeats() {
  if (!heartbeats || controller_silent || nonce_ == 0) {
    return;
  }
  device::GeneratorCommand g;
  g.mutable_heartbeat()->set_rf_permitted(rf_permitted);
  g.mutable_heartbeat()->set_epoch(epoch);
  const std::string gb = g.SerializeAsString();
  (void)generator.session.send_unreliable(
      std::span(reinterpret_cast<const std::uint8_t*>(gb.data()), gb.size()));
  device::ActuatorCommand a;
  a.mutable_heartbeat()->set_rf_permitted(rf_permitted);
  a.mutable_heartbeat()->set_epoch(epoch);
  const std::string ab = a.SerializeAsString();
  (void)actuator.session.send_unreliable(
      std::span(reinterpret_cast<const std::uint8_t*>(ab.data()), ab.size()));
}

void DeviceBench::handshake(std::uint64_t nonce) {
  nonce_ = nonce;
  generator.session.reset(nonce, clock.now());
  actuator.session.reset(nonce, clock.now());
  generator.awaiting_nonce = nonce;
  actuator.awaiting_nonce = nonce;
  device::GeneratorCommand g;
  g.mutable_handshake()->set_protocol_version(1);
  g.mutable_handshake()->set_session_nonce(nonce);
  const std::string gb = g.SerializeAsString();
  (void)generator.session.send_unreliable(
      std::span(reinterpret_cast<const std::uint8_t*>(gb.data()), gb.size()));
  device::ActuatorCommand a;
  a.mutable_handshake()->set_protocol_version(1);
  a.mutable_handshake()->set_session_nonce(nonce);
  const std::string ab = a.SerializeAsString();
  (void)actuator.session.send_unreliable(
      std::span(reinterpret_cast<const std::uint8_t*>(ab.data()), ab.size()));
  // The controller resets again when the matching reply arrives (ControllerEnd).
  for (int i = 0; i < 50 && (generator.awaiting_nonce || actuator.awaiting_nonce); ++i) {
    run_for(kTick);
  }
}

std::uint32_t DeviceBench::send(device::GeneratorCommand command) {
  return send_command(generator, std::move(command));
}

std::uint32_t DeviceBench::send(device::ActuatorCommand command) {
  return send_command(actuator, std::move(command));
}

std::optional<device::CommandResult> DeviceBench::generator_result(std::uint32_t id) {
  for (int i = 0; i < 100; ++i) {
    if (auto r = find_result(generator.received, id)) return r;
    run_for(kTick);
  }
  return find_result(generator.received, id);
}

std::optional<device::CommandResult> DeviceBench::actuator_result(std::uint32_t id) {
  for (int i = 0; i < 100; ++i) {
    if (auto r = find_result(actuator.received, id)) return r;
    run_for(kTick);
  }
  return find_result(actuator.received, id);
}

device::ResultCode DeviceBench::generator_do(const device::GeneratorCommand& command) {
  const auto result = generator_result(send(command));
  return result ? result->result() : device::RESULT_UNSPECIFIED;
}

device::ResultCode DeviceBench::actuator_do(const device::ActuatorCommand& command) {
  const auto result = actuator_result(send(command));
  return result ? result->result() : device::RESULT_UNSPECIFIED;
}

void DeviceBench::make_ready(std::uint32_t depth_um) {
  handshake(0x5EED);
  (void)generator_do(generator_configure(dead_man_ms));
  (void)actuator_do(actuator_configure(dead_man_ms));
  device::ActuatorCommand bind;
  bind.mutable_cartridge_bind()->set_session_id(session_id);
  bind.mutable_cartridge_bind()->set_today_unix_days(today_unix_days);
  (void)actuator_do(bind);
  device::ActuatorCommand home;
  home.mutable_move_needle()->set_motion(device::NEEDLE_MOTION_HOME);
  (void)actuator_do(home);
  run_for(milliseconds(100));
  device::ActuatorCommand insert;
  insert.mutable_move_needle()->set_motion(device::NEEDLE_MOTION_INSERT);
  insert.mutable_move_needle()->set_depth_um(depth_um);
  (void)actuator_do(insert);
  run_for(milliseconds(60));
  device::GeneratorCommand relay;
  relay.mutable_set_relay()->set_closed(true);
  (void)generator_do(relay);
  rf_permitted = true;
  run_for(milliseconds(20));
}

device::ResultCode DeviceBench::deliver_pulse(std::uint64_t pulse_id, std::uint32_t power_mw,
                                              std::uint32_t duration_ms,
                                              std::uint32_t energy_cap_uj,
                                              std::uint32_t pulse_epoch) {
  device::GeneratorCommand command;
  device::DeliverPulse& p = *command.mutable_deliver_pulse();
  p.set_pulse_id(pulse_id);
  p.set_power_mw(power_mw);
  p.set_duration_ms(duration_ms);
  p.set_energy_cap_uj(energy_cap_uj);
  p.set_epoch(pulse_epoch);
  // DESIGN 3: the latest telemetry time plus at most 20 ms.
  p.set_expires_at_board_us(generator_board_us() + 15'000);
  return generator_do(command);
}

std::uint64_t DeviceBench::generator_board_us() const {
  const auto t = generator_telemetry();
  return t.empty() ? 0 : t.back().board_time_us();
}

std::vector<device::GeneratorTelemetry> DeviceBench::generator_telemetry() const {
  std::vector<device::GeneratorTelemetry> out;
  for (const auto& m : generator.received) {
    if (m.has_telemetry()) out.push_back(m.telemetry());
  }
  return out;
}

std::vector<device::ActuatorTelemetry> DeviceBench::actuator_telemetry() const {
  std::vector<device::ActuatorTelemetry> out;
  for (const auto& m : actuator.received) {
    if (m.has_telemetry()) out.push_back(m.telemetry());
  }
  return out;
}

std::vector<device::PulseLogEntry> DeviceBench::pulses_ended() const {
  std::vector<device::PulseLogEntry> out;
  for (const auto& m : generator.received) {
    if (m.has_pulse_ended()) out.push_back(m.pulse_ended());
  }
  return out;
}

std::vector<device::BoardEvent> DeviceBench::generator_events() const {
  return events_of(generator.received);
}

std::vector<device::BoardEvent> DeviceBench::actuator_events() const {
  return events_of(actuator.received);
}

}  // namespace rfneedle::testing

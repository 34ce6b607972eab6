// Link faults and the board reboot having their stated effect (docs/simulator.md), and the
// 64-byte limit while a pulse is delivered (SR-43).
#include <gtest/gtest.h>

#include <algorithm>

#include "tests/unit/simfw/device_bench.h"

namespace rfneedle::testing {
namespace {

constexpr std::uint32_t bit(device::FaultCode code) { return 1u << code; }

sim::FaultParameters on_generator_link(sim::FaultKind kind) {
  sim::FaultParameters parameters(kind);
  EXPECT_FALSE(parameters.set("link", "generator").has_value());
  return parameters;
}

// When a telemetry sample left the board (the bench's boards booted at power_on).
Instant sent_at(const device::GeneratorTelemetry& t) {
  return sim::SimulatedDeviceOptions{}.power_on +
         microseconds(static_cast<std::int64_t>(t.board_time_us()));
}

struct TelemetryArrival {
  device::GeneratorTelemetry telemetry;
  Instant arrived;
};

std::vector<TelemetryArrival> generator_arrivals(const DeviceBench& bench) {
  std::vector<TelemetryArrival> out;
  for (std::size_t i = 0; i < bench.generator.received.size(); ++i) {
    if (bench.generator.received[i].has_telemetry()) {
      out.push_back({bench.generator.received[i].telemetry(), bench.generator.received_at[i]});
    }
  }
  return out;
}

void expect_consecutive(const std::vector<TelemetryArrival>& arrivals) {
  for (std::size_t i = 1; i < arrivals.size(); ++i) {
    EXPECT_EQ(arrivals[i].telemetry.sample_counter(),
              arrivals[i - 1].telemetry.sample_counter() + 1)
        << "at arrival " << i;
  }
}

TEST(SimFirmwareLinkFaults, CorruptFramesAreCountedAsCrcErrorsOnTheReceivingSide) {
  DeviceBench bench;
  bench.make_ready();
  const hal::DecoderStats controller_before = bench.generator.session.stats().decoder;
  const hal::DecoderStats board_before = bench.device.generator()->session().stats().decoder;
  const std::size_t telemetry_before = bench.generator_telemetry().size();

  sim::FaultParameters corrupt = on_generator_link(sim::FaultKind::kLinkCorrupt);
  ASSERT_FALSE(corrupt.set("rate", "1").has_value());
  bench.device.inject(corrupt, bench.now(), milliseconds(30));
  bench.run_for(milliseconds(30));
  bench.run_for(milliseconds(10));

  const hal::DecoderStats controller = bench.generator.session.stats().decoder;
  const hal::DecoderStats board = bench.device.generator()->session().stats().decoder;
  const auto rejected = [](const hal::DecoderStats& after, const hal::DecoderStats& before) {
    return (after.crc_errors - before.crc_errors) + (after.framing_errors - before.framing_errors);
  };
  // 30 telemetry frames and a heartbeat every 10 ms went through the fault.
  EXPECT_GE(controller.crc_errors - controller_before.crc_errors, 20u);
  EXPECT_GE(rejected(controller, controller_before), 29u);
  EXPECT_GE(rejected(board, board_before), 2u);
  EXPECT_GE(board.crc_errors - board_before.crc_errors, 1u);
  // None of them was taken for a valid frame: telemetry resumes with a gap.
  const auto telemetry = bench.generator_telemetry();
  ASSERT_GT(telemetry.size(), telemetry_before);
  std::uint32_t largest_gap = 0;
  for (std::size_t i = telemetry_before; i < telemetry.size(); ++i) {
    largest_gap =
        std::max(largest_gap, telemetry[i].sample_counter() - telemetry[i - 1].sample_counter());
  }
  EXPECT_GE(largest_gap, 29u);
  EXPECT_EQ(bench.device.ground_truth().generator_latched_faults, 0u);  // 30 ms < dead-man
}

TEST(SimFirmwareLinkFaults, StallDeliversNothingThenEverythingInOrder) {
  DeviceBench bench;
  bench.make_ready();
  const Instant start = bench.now();
  bench.device.inject(on_generator_link(sim::FaultKind::kLinkStall), start, milliseconds(30));
  bench.run_for(milliseconds(100));

  const auto arrivals = generator_arrivals(bench);
  expect_consecutive(arrivals);  // nothing lost, nothing reordered
  int sent_during_stall = 0;
  for (const TelemetryArrival& a : arrivals) {
    EXPECT_FALSE(a.arrived > start + milliseconds(2) && a.arrived < start + milliseconds(30))
        << "telemetry arrived during the stall";
    const Instant sent = sent_at(a.telemetry);
    if (sent > start && sent < start + milliseconds(29)) {
      ++sent_during_stall;
      EXPECT_GE(a.arrived, start + milliseconds(30));
    }
  }
  EXPECT_GE(sent_during_stall, 25);
}

TEST(SimFirmwareLinkFaults, DelayDeliversEveryFrameLateByTheDelayInOrder) {
  DeviceBench bench;
  bench.make_ready();
  const Instant start = bench.now();  // the telemetry of this tick has already left
  sim::FaultParameters delay = on_generator_link(sim::FaultKind::kLinkDelay);
  ASSERT_FALSE(delay.set("delay", "30").has_value());
  bench.device.inject(delay, start, milliseconds(100));
  bench.run_for(milliseconds(200));

  const auto arrivals = generator_arrivals(bench);
  expect_consecutive(arrivals);
  int delayed = 0;
  int late_by_the_delay_alone = 0;
  for (const TelemetryArrival& a : arrivals) {
    const Instant sent = sent_at(a.telemetry);
    const Duration late = a.arrived - sent;
    if (sent <= start) {
      EXPECT_LT(late, milliseconds(2));  // the line alone: ~0.6 ms for 55 bytes
    } else if (sent < start + milliseconds(100)) {
      ++delayed;
      EXPECT_GE(late, milliseconds(30));
      // Plus at most the line time of one 512-byte burst queued ahead of it: when the
      // fault ends, what was sent since waits behind the last delayed frames.
      EXPECT_LT(late, milliseconds(36));
      if (late < milliseconds(32)) ++late_by_the_delay_alone;
    }
  }
  EXPECT_GE(delayed, 99);
  EXPECT_GE(late_by_the_delay_alone, 95);
}

// Verifies: SR-36
TEST(SimFirmwareLinkFaults, APulseCommandDelayedPastItsExpiryIsNeverExecuted) {
  // A controller that tolerates the delay, so the command and its answer get through.
  hal::LinkConfig patient;
  patient.retransmit_after = milliseconds(100);
  patient.dead_link_after = Duration::zero();
  DeviceBench bench({}, patient);
  bench.make_ready();
  sim::FaultParameters delay = on_generator_link(sim::FaultKind::kLinkDelay);
  ASSERT_FALSE(delay.set("delay", "30").has_value());
  bench.device.inject(delay, bench.now(), milliseconds(200));
  bench.run_for(milliseconds(40));  // the controller's latest telemetry is 30 ms old
  EXPECT_EQ(bench.deliver_pulse(1, 10'000, 100, 3'000'000), device::RESULT_EXPIRED);
  for (const sim::GroundTruth& truth : bench.history) {
    EXPECT_FALSE(truth.rf_on);
  }
}

// Verifies: SR-43
TEST(SimFirmwarePulseFrames, NoFrameOver64WireBytesOnEitherLinkWhileAPulseIsDelivered) {
  sim::SimulatedDeviceOptions options;  // a cartridge whose memory reads long
  options.cartridge = sim::face_cartridge(4'294'967'295u, 49,
                                          std::chrono::sys_days{std::chrono::year{2030} / 1 / 1});
  options.cartridge->pulse_limit = 100'000;
  DeviceBench bench(options);
  bench.session_id = 0xFFFF'FFFF'FFFF'FFFFu;  // make_ready binds it: the longest memory
  bench.make_ready();
  for (std::uint64_t id = 1; id <= 4; ++id) {  // a full pulse log: a long reply
    ASSERT_EQ(bench.deliver_pulse(id, 10'000, 10, 3'000'000), device::RESULT_OK);
    bench.run_for(milliseconds(20));
  }
  ASSERT_EQ(bench.deliver_pulse(5, 10'000, 300, 3'000'000), device::RESULT_OK);
  device::GeneratorCommand log;
  log.mutable_pulse_log_query()->set_max_entries(4);
  const std::uint32_t log_id = bench.send(log);
  device::GeneratorCommand generator_counters;
  generator_counters.mutable_counters_query();
  const std::uint32_t counters_id = bench.send(generator_counters);
  device::ActuatorCommand read;
  read.mutable_cartridge_read();
  const std::uint32_t read_id = bench.send(read);
  device::ActuatorCommand actuator_counters;
  actuator_counters.mutable_counters_query();
  const std::uint32_t actuator_counters_id = bench.send(actuator_counters);
  bench.run_for(milliseconds(400));

  const auto largest = [](const std::vector<WrittenFrame>& frames, bool during_pulse) {
    std::size_t bytes = 0;
    std::size_t count = 0;
    for (const WrittenFrame& frame : frames) {
      if (frame.during_pulse != during_pulse) continue;
      ++count;
      bytes = std::max(bytes, frame.wire_bytes);
    }
    return std::pair(bytes, count);
  };
  const auto [generator_during, generator_count] = largest(bench.generator_frames, true);
  const auto [actuator_during, actuator_count] = largest(bench.actuator_frames, true);
  EXPECT_LE(generator_during, 64u);
  EXPECT_LE(actuator_during, 64u);
  EXPECT_GE(generator_count, 300u);  // telemetry throughout the pulse
  EXPECT_GE(actuator_count, 300u);
  EXPECT_GT(largest(bench.generator_frames, false).first, 64u);  // the long replies waited

  // The long pulse-log reply went out after the pulse had ended.
  ASSERT_EQ(bench.pulses_ended().size(), 5u);
  const auto arrival = [](const auto& end, auto predicate) {
    for (std::size_t i = 0; i < end.received.size(); ++i) {
      if (predicate(end.received[i])) return end.received_at[i];
    }
    return Instant::max();
  };
  const Instant pulse_ended = arrival(bench.generator, [](const device::GeneratorMessage& m) {
    return m.has_pulse_ended() && m.pulse_ended().pulse_id() == 5;
  });
  const Instant pulse_started = arrival(bench.generator, [](const device::GeneratorMessage& m) {
    return m.has_telemetry() && m.telemetry().pulse_id() == 5;
  });
  const auto result_for = [](std::uint32_t id) {
    return [id](const auto& m) { return m.has_result() && m.result().command_id() == id; };
  };
  EXPECT_GE(arrival(bench.generator, result_for(log_id)), pulse_ended);
  EXPECT_LT(arrival(bench.generator, result_for(log_id)), Instant::max());
  EXPECT_LT(arrival(bench.generator, result_for(counters_id)), Instant::max());
  // The actuator's replies fit in 64 bytes (this cartridge reply: 60): they go at once.
  EXPECT_GT(arrival(bench.actuator, result_for(read_id)), pulse_started);
  EXPECT_LT(arrival(bench.actuator, result_for(read_id)), pulse_ended);
  EXPECT_LT(arrival(bench.actuator, result_for(actuator_counters_id)), pulse_ended);
}

TEST(SimFirmwareReboot, CutsRfAtOnceStaysSilentForTheBootTimeThenAwaitsAHandshake) {
  DeviceBench bench;
  bench.make_ready();
  ASSERT_EQ(bench.deliver_pulse(1, 10'000, 500, 3'000'000), device::RESULT_OK);
  bench.run_for(milliseconds(20));
  ASSERT_TRUE(bench.device.ground_truth().rf_on);
  sim::FaultParameters reboot(sim::FaultKind::kBoardReboot);
  ASSERT_FALSE(reboot.set("boot", "100").has_value());
  const Instant start = bench.now();
  bench.device.inject(reboot, start, milliseconds(1));
  bench.run_for(milliseconds(1));
  EXPECT_FALSE(bench.device.ground_truth().rf_on);
  EXPECT_FALSE(bench.device.ground_truth().relay_closed);
  EXPECT_TRUE(bench.device.ground_truth().generator_booting);

  bench.run_for(milliseconds(99));
  for (const WrittenFrame& frame : bench.generator_frames) {
    EXPECT_FALSE(frame.at > start && frame.at < start + milliseconds(100));
  }
  bench.run_for(milliseconds(10));
  EXPECT_FALSE(bench.device.ground_truth().generator_booting);
  const device::GeneratorTelemetry first_after = [&] {
    for (const auto& a : generator_arrivals(bench)) {
      if (a.arrived > start + milliseconds(100)) return a.telemetry;
    }
    return device::GeneratorTelemetry{};
  }();
  EXPECT_EQ(first_after.sample_counter(), 0u);  // volatile state starts again
  EXPECT_LT(first_after.board_time_us(), 2'000u);
  EXPECT_NE(first_after.latched_faults() & bit(device::FAULT_REBOOT), 0u);

  // The old session is gone: its commands are not executed until a new handshake.
  device::GeneratorCommand relay;
  relay.mutable_set_relay()->set_closed(true);
  (void)bench.send(relay);
  bench.run_for(milliseconds(20));
  EXPECT_FALSE(bench.device.ground_truth().relay_closed);

  bench.handshake(0xB0);
  EXPECT_EQ(bench.deliver_pulse(2, 10'000, 100, 3'000'000), device::RESULT_LATCHED);
  device::GeneratorCommand clear;
  clear.mutable_clear_latched_faults()->set_faults(bit(device::FAULT_REBOOT));
  EXPECT_EQ(bench.generator_do(clear), device::RESULT_OK);

  // The pulse the reboot cut short is in the pulse log, as delivered so far (SR-70).
  device::GeneratorCommand log;
  log.mutable_pulse_log_query()->set_max_entries(4);
  const auto reply = bench.generator_result(bench.send(log));
  ASSERT_TRUE(reply.has_value() && reply->has_pulse_log());
  ASSERT_EQ(reply->pulse_log().entries_size(), 1);
  EXPECT_EQ(reply->pulse_log().entries(0).pulse_id(), 1u);
  EXPECT_EQ(reply->pulse_log().entries(0).end(), device::PULSE_END_FAULT);
  EXPECT_NEAR(reply->pulse_log().entries(0).delivered_duration_us(), 20'000, 2'000);
}

}  // namespace
}  // namespace rfneedle::testing

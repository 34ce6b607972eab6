// A running rfneedle-sim and the controller's side of both links, through the real
// SerialTransport and drivers, for the integration tests. The io_context runs on the
// test's thread: tests pump it until a condition holds.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "hal/actuator_driver.h"
#include "hal/generator_driver.h"
#include "hal/serial_transport.h"
#include "tests/support/child_process.h"
#include "tests/support/device_processes.h"

namespace rfneedle::testing {

// The path of rfneedle-sim, from the test program's command line.
extern std::string g_sim_program;

struct TelemetrySample {
  std::uint32_t sample_counter;
  std::uint64_t board_time_us;
  std::uint32_t missed;
  std::uint32_t signals;
};

class SimProcessFixture : public hal::GeneratorObserver, public hal::ActuatorObserver {
 public:
  explicit SimProcessFixture(std::vector<std::string> extra_args = {});
  ~SimProcessFixture();

  // Connects both links and starts a session on each (the handshake).
  void connect();
  // Runs the io_context until `done` holds or `limit` passes; returns `done()`.
  template <typename Done>
  bool pump_until(Done done, std::chrono::milliseconds limit = std::chrono::seconds(10)) {
    const auto give_up = std::chrono::steady_clock::now() + limit;
    while (!done()) {
      if (std::chrono::steady_clock::now() > give_up) {
        return false;
      }
      io_.run_for(std::chrono::milliseconds(2));
      io_.restart();
    }
    return true;
  }

  ChildProcess& sim() { return *sim_; }
  const std::filesystem::path& dir() const { return dir_; }
  std::filesystem::path generator_link() const { return dir_ / "generator"; }
  std::filesystem::path actuator_link() const { return dir_ / "actuator"; }
  std::filesystem::path control_path() const { return dir_ / "sim.sock"; }
  // One request on the simulator's control socket; returns the answer line.
  std::string control(const std::string& request) const;

  std::optional<device::HandshakeReply> generator_handshake;
  std::optional<device::HandshakeReply> actuator_handshake;
  hal::HandshakeMismatch generator_mismatch = hal::HandshakeMismatch::kNone;
  hal::HandshakeMismatch actuator_mismatch = hal::HandshakeMismatch::kNone;
  std::vector<TelemetrySample> generator_samples;
  std::vector<TelemetrySample> actuator_samples;
  int link_faults = 0;

 private:
  void on_generator_telemetry(const device::GeneratorTelemetry& t, std::uint32_t missed) override;
  void on_generator_result(const device::CommandResult&) override {}
  void on_generator_event(const device::BoardEvent&) override {}
  void on_pulse_ended(const device::PulseLogEntry&) override {}
  void on_generator_handshake(const device::HandshakeReply& reply,
                              hal::HandshakeMismatch mismatch) override {
    generator_handshake = reply;
    generator_mismatch = mismatch;
  }
  void on_generator_link_fault(hal::LinkFault) override { ++link_faults; }
  void on_actuator_telemetry(const device::ActuatorTelemetry& t, std::uint32_t missed) override;
  void on_actuator_result(const device::CommandResult&) override {}
  void on_actuator_event(const device::BoardEvent&) override {}
  void on_actuator_handshake(const device::HandshakeReply& reply,
                             hal::HandshakeMismatch mismatch) override {
    actuator_handshake = reply;
    actuator_mismatch = mismatch;
  }
  void on_actuator_link_fault(hal::LinkFault) override { ++link_faults; }

  Instant now() const;
  void tick();
  void flush();

  std::filesystem::path dir_;
  std::unique_ptr<ChildProcess> sim_;
  boost::asio::io_context io_;
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
  hal::GeneratorDriver generator_;
  hal::ActuatorDriver actuator_;
  Instant last_heartbeat_{};
  std::unique_ptr<hal::SerialTransport> generator_line_;
  std::unique_ptr<hal::SerialTransport> actuator_line_;
  boost::asio::steady_timer timer_;
  // The host's evidence for on_fresh_processes (tests/support/device_processes.h).
  TickWatch tick_watch_;
};

}  // namespace rfneedle::testing

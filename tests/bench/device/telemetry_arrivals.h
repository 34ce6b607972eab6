// The controller's end of rfneedle-sim's two lines, for measuring how regularly telemetry
// arrives: the real SerialTransport and drivers, a handshake on each link, heartbeats every
// 10 ms (RF never permitted), and for every telemetry sample the moment it reached this
// reader (steady clock). Its io_context runs on its own thread, at the real-time priority
// rfneedled's safety thread takes when permitted (SCHED_FIFO 20, reset on fork so nothing
// this process starts inherits it), so the figure is what the controller's reader sees.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>

#include "hal/actuator_driver.h"
#include "hal/generator_driver.h"
#include "hal/serial_transport.h"

namespace rfneedle::bench {

// What one link delivered during a window.
struct ArrivalStats {
  std::uint64_t samples = 0;
  std::uint64_t missed = 0;  // samples skipped by the board's sample counter
  std::chrono::microseconds worst_gap{0};
  std::uint64_t gaps_over_2ms = 0;  // SR-40's limit while energizing
};

class TelemetryArrivals : private hal::GeneratorObserver, private hal::ActuatorObserver {
 public:
  TelemetryArrivals(std::filesystem::path generator_link, std::filesystem::path actuator_link);
  ~TelemetryArrivals();
  TelemetryArrivals(const TelemetryArrivals&) = delete;
  TelemetryArrivals& operator=(const TelemetryArrivals&) = delete;

  // Whether the reader's thread got real-time priority (it does only as root).
  [[nodiscard]] bool real_time() const { return real_time_; }
  // True once both handshakes were answered and telemetry flows on both links.
  [[nodiscard]] bool streaming() const;
  // Starts a new window: the statistics count from the next sample on.
  void begin_window();
  [[nodiscard]] ArrivalStats generator_window() const;
  [[nodiscard]] ArrivalStats actuator_window() const;

 private:
  struct Link {
    std::optional<std::chrono::steady_clock::time_point> last;
    ArrivalStats stats;
    bool handshake = false;
  };

  void run();
  void tick();
  void flush();
  void arrived(Link& link, std::uint32_t missed);
  Instant now() const;

  void on_generator_telemetry(const device::GeneratorTelemetry&, std::uint32_t missed) override;
  void on_generator_result(const device::CommandResult&) override {}
  void on_generator_event(const device::BoardEvent&) override {}
  void on_pulse_ended(const device::PulseLogEntry&) override {}
  void on_generator_handshake(const device::HandshakeReply&, hal::HandshakeMismatch) override;
  void on_generator_link_fault(hal::LinkFault) override {}
  void on_actuator_telemetry(const device::ActuatorTelemetry&, std::uint32_t missed) override;
  void on_actuator_result(const device::CommandResult&) override {}
  void on_actuator_event(const device::BoardEvent&) override {}
  void on_actuator_handshake(const device::HandshakeReply&, hal::HandshakeMismatch) override;
  void on_actuator_link_fault(hal::LinkFault) override {}

  std::filesystem::path generator_path_;
  std::filesystem::path actuator_path_;
  const std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
  boost::asio::io_context io_;
  hal::GeneratorDriver generator_;
  hal::ActuatorDriver actuator_;
  std::unique_ptr<hal::SerialTransport> generator_line_;
  std::unique_ptr<hal::SerialTransport> actuator_line_;
  boost::asio::steady_timer timer_;
  Instant last_heartbeat_{};
  bool real_time_ = false;

  mutable std::mutex mutex_;  // guards the two Links
  Link generator_link_;
  Link actuator_link_;

  std::thread thread_;
};

}  // namespace rfneedle::bench

#include "tests/bench/device/telemetry_arrivals.h"

#include <pthread.h>
#include <sched.h>

#include <array>
#include <future>

namespace rfneedle::bench {
namespace {

// rfneedled's safety thread's priority (docs/operations.md), reset on fork so that a
// program this process starts later (stress-ng) runs at normal priority.
bool raise_this_thread() {
  sched_param param{};
  param.sched_priority = 20;
  return ::sched_setscheduler(0, SCHED_FIFO | SCHED_RESET_ON_FORK, &param) == 0;
}

}  // namespace

TelemetryArrivals::TelemetryArrivals(std::filesystem::path generator_link,
                                     std::filesystem::path actuator_link)
    : generator_path_(std::move(generator_link)),
      actuator_path_(std::move(actuator_link)),
      generator_(*this, Instant{}),
      actuator_(*this, Instant{}),
      timer_(io_) {
  std::promise<bool> raised;
  auto raised_result = raised.get_future();
  thread_ = std::thread([this, raised = std::move(raised)]() mutable {
    raised.set_value(raise_this_thread());
    run();
  });
  real_time_ = raised_result.get();
}

TelemetryArrivals::~TelemetryArrivals() {
  io_.stop();
  thread_.join();
}

Instant TelemetryArrivals::now() const {
  return Instant(std::chrono::duration_cast<Duration>(std::chrono::steady_clock::now() - start_));
}

void TelemetryArrivals::run() {
  generator_line_ = std::make_unique<hal::SerialTransport>(
      io_, hal::SerialOptions{.path = generator_path_.string()},
      [this](std::span<const std::uint8_t> bytes) { generator_.on_bytes(bytes, now()); },
      [](bool) {});
  actuator_line_ = std::make_unique<hal::SerialTransport>(
      io_, hal::SerialOptions{.path = actuator_path_.string()},
      [this](std::span<const std::uint8_t> bytes) { actuator_.on_bytes(bytes, now()); },
      [](bool) {});
  generator_line_->start();
  actuator_line_->start();
  // What rfneedle-sim reports (simulator/firmware/board_link.h), accepted as a
  // configuration allowing a simulator would.
  const hal::HandshakePolicy policy{.accepted_firmware_versions = {"sim-1.0.0"},
                                    .allow_simulated = true};
  generator_.set_handshake_policy(policy);
  actuator_.set_handshake_policy(policy);
  generator_.start_session(0x6761'7062'656e'6368ULL, now());
  actuator_.start_session(0x6163'7475'6174'6f72ULL, now());
  tick();
  io_.run();
  generator_line_.reset();
  actuator_line_.reset();
}

void TelemetryArrivals::tick() {
  const Instant t = now();
  generator_.tick(t);
  actuator_.tick(t);
  // The core's heartbeat (SR-38), RF never permitted: it keeps the boards' dead-man renewed.
  if (t - last_heartbeat_ >= milliseconds(10)) {
    generator_.send_heartbeat(false, 0);
    actuator_.send_heartbeat(false, 0);
    last_heartbeat_ = t;
  }
  flush();
  timer_.expires_after(std::chrono::milliseconds(1));
  timer_.async_wait([this](const boost::system::error_code& ec) {
    if (!ec) {
      tick();
    }
  });
}

void TelemetryArrivals::flush() {
  std::array<std::uint8_t, 1024> buffer{};
  const Instant t = now();
  for (std::size_t n; (n = generator_.take_output(buffer, t)) > 0;) {
    (void)generator_line_->write({buffer.data(), n});
  }
  for (std::size_t n; (n = actuator_.take_output(buffer, t)) > 0;) {
    (void)actuator_line_->write({buffer.data(), n});
  }
}

void TelemetryArrivals::arrived(Link& link, std::uint32_t missed) {
  const auto at = std::chrono::steady_clock::now();
  std::lock_guard lock(mutex_);
  if (link.last) {
    const auto gap = std::chrono::duration_cast<std::chrono::microseconds>(at - *link.last);
    link.stats.worst_gap = std::max(link.stats.worst_gap, gap);
    if (gap > std::chrono::milliseconds(2)) {
      ++link.stats.gaps_over_2ms;
    }
  }
  link.last = at;
  ++link.stats.samples;
  link.stats.missed += missed;
}

void TelemetryArrivals::on_generator_telemetry(const device::GeneratorTelemetry&,
                                               std::uint32_t missed) {
  arrived(generator_link_, missed);
}

void TelemetryArrivals::on_actuator_telemetry(const device::ActuatorTelemetry&,
                                              std::uint32_t missed) {
  arrived(actuator_link_, missed);
}

void TelemetryArrivals::on_generator_handshake(const device::HandshakeReply&,
                                               hal::HandshakeMismatch) {
  std::lock_guard lock(mutex_);
  generator_link_.handshake = true;
}

void TelemetryArrivals::on_actuator_handshake(const device::HandshakeReply&,
                                              hal::HandshakeMismatch) {
  std::lock_guard lock(mutex_);
  actuator_link_.handshake = true;
}

bool TelemetryArrivals::streaming() const {
  std::lock_guard lock(mutex_);
  return generator_link_.handshake && actuator_link_.handshake &&
         generator_link_.stats.samples > 0 && actuator_link_.stats.samples > 0;
}

void TelemetryArrivals::begin_window() {
  std::lock_guard lock(mutex_);
  generator_link_.stats = {};
  actuator_link_.stats = {};
}

ArrivalStats TelemetryArrivals::generator_window() const {
  std::lock_guard lock(mutex_);
  return generator_link_.stats;
}

ArrivalStats TelemetryArrivals::actuator_window() const {
  std::lock_guard lock(mutex_);
  return actuator_link_.stats;
}

}  // namespace rfneedle::bench

// The simulated boards' hot path allocates nothing in steady state (STYLE: no heap
// allocation on hot paths): a connected, idle device ticking at 1 kHz, sending telemetry
// and taking heartbeats. Its own program: rfneedle_alloc_counter replaces the global
// operator new (plain builds only).
#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <span>
#include <string>

#include "hal/link_session.h"
#include "proto/device.pb.h"
#include "simulator/firmware/simulated_device.h"
#include "tests/support/alloc_counter.h"

namespace rfneedle::testing {
namespace {

// The controller's end: counts what arrives, parses nothing (its own cost is not ours).
class CountingEnd final : public hal::LinkListener {
 public:
  explicit CountingEnd(Instant now) : session(hal::LinkConfig{}, *this, now) {}
  void on_payload(const hal::ReceivedPayload& payload) override {
    if (payload.delivery == hal::Delivery::kUnreliable) ++unreliable;
  }
  void on_link_fault(hal::LinkFault) override { ++link_faults; }

  hal::LinkSession session;
  int unreliable = 0;
  int link_faults = 0;
};

template <typename Command>
std::string serialized(const Command& command) {
  return command.SerializeAsString();
}

std::span<const std::uint8_t> bytes_of(const std::string& s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

class IdleDevice {
 public:
  static constexpr std::uint64_t kNonce = 0x1D1E;

  IdleDevice() : device_(sim::SimulatedDeviceOptions{}), generator_(now_), actuator_(now_) {
    device::GeneratorCommand g;
    g.mutable_heartbeat()->set_epoch(0);
    device::ActuatorCommand a;
    a.mutable_heartbeat()->set_epoch(0);
    generator_heartbeat_ = serialized(g);
    actuator_heartbeat_ = serialized(a);
    g.mutable_handshake()->set_protocol_version(1);
    g.mutable_handshake()->set_session_nonce(kNonce);
    a.mutable_handshake()->set_protocol_version(1);
    a.mutable_handshake()->set_session_nonce(kNonce);
    generator_.session.reset(kNonce, now_);
    actuator_.session.reset(kNonce, now_);
    (void)generator_.session.send_unreliable(bytes_of(serialized(g)));
    (void)actuator_.session.send_unreliable(bytes_of(serialized(a)));
  }

  void run_ms(int ms) {
    for (int i = 0; i < ms; ++i) step();
  }

  [[nodiscard]] const sim::SimulatedDevice& device() const { return device_; }
  [[nodiscard]] const CountingEnd& generator() const { return generator_; }
  [[nodiscard]] const CountingEnd& actuator() const { return actuator_; }

 private:
  void step() {
    now_ += milliseconds(1);
    ++ticks_;
    device_.tick(now_);
    std::size_t n = device_.take_generator_output(buffer_, now_);
    generator_.session.on_bytes(std::span(buffer_.data(), n), now_);
    n = device_.take_actuator_output(buffer_, now_);
    actuator_.session.on_bytes(std::span(buffer_.data(), n), now_);
    generator_.session.tick(now_);
    actuator_.session.tick(now_);
    if (ticks_ % 10 == 0) {  // the controller's heartbeat (DESIGN 3)
      (void)generator_.session.send_unreliable(bytes_of(generator_heartbeat_));
      (void)actuator_.session.send_unreliable(bytes_of(actuator_heartbeat_));
    }
    n = generator_.session.take_output(buffer_, now_);
    device_.generator_bytes_in(std::span(buffer_.data(), n), now_);
    n = actuator_.session.take_output(buffer_, now_);
    device_.actuator_bytes_in(std::span(buffer_.data(), n), now_);
  }

  Instant now_{};
  std::uint64_t ticks_ = 0;
  sim::SimulatedDevice device_;
  CountingEnd generator_;
  CountingEnd actuator_;
  std::string generator_heartbeat_;
  std::string actuator_heartbeat_;
  std::array<std::uint8_t, 2048> buffer_{};
};

TEST(SimFirmwareAllocation, AConnectedIdleDeviceAllocatesNothingIn1000Ticks) {
  IdleDevice idle;
  idle.run_ms(200);  // handshake, the BOOTED events and their acknowledgements
  ASSERT_EQ(idle.device().generator()->session().nonce(), IdleDevice::kNonce);
  ASSERT_EQ(idle.device().actuator()->session().nonce(), IdleDevice::kNonce);
  const int generator_before = idle.generator().unreliable;
  const int actuator_before = idle.actuator().unreliable;

  const std::uint64_t before = allocation_count();
  idle.run_ms(1000);
  EXPECT_EQ(allocation_count() - before, 0u);

  // The path under test really ran: telemetry both ways, no link fault, no latch.
  EXPECT_GE(idle.generator().unreliable - generator_before, 1000);
  EXPECT_GE(idle.actuator().unreliable - actuator_before, 1000);
  EXPECT_EQ(idle.generator().link_faults, 0);
  EXPECT_EQ(idle.actuator().link_faults, 0);
  EXPECT_EQ(idle.device().ground_truth().generator_latched_faults, 0u);
  EXPECT_EQ(idle.device().ground_truth().actuator_latched_faults, 0u);
}

}  // namespace
}  // namespace rfneedle::testing

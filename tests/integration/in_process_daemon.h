// rfneedled's two threads in the test process against the real rfneedle-sim: the safety
// thread (SafetyLoop on its own thread) and the service thread's side (CoreGateway's pump
// and the display's heartbeat) run on the test's thread, as rfneedled's would. `StoreT` is
// the store behind the gateway (a MemoryStore, or the unit tests' FakeStore). The
// wall-clock limits only say when to give up.
#pragma once

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <optional>
#include <string>

#include "controller/daemon/core_gateway.h"
#include "controller/daemon/safety_loop.h"
#include "tests/integration/sim_process_fixture.h"
#include "tests/support/device_processes.h"

namespace rfneedle::testing {

template <typename StoreT>
class InProcessDaemon {
 public:
  explicit InProcessDaemon(SimProcessFixture& sim, daemon::CoreGatewayOptions gateway_options = {})
      : loop_(core::CoreConfig{}, hal::HandshakePolicy{{"sim-1.0.0"}, true}, options(sim)),
        gateway(io_, loop_, store, gateway_options) {
    loop_.start();
  }
  ~InProcessDaemon() { shut_down(); }
  InProcessDaemon(const InProcessDaemon&) = delete;
  InProcessDaemon& operator=(const InProcessDaemon&) = delete;

  void shut_down() {
    tick_watch_.end();
    if (!loop_.running()) return;
    loop_.stop();
    gateway.shutdown();
  }

  template <typename Done>
  bool run_until(Done done, std::chrono::milliseconds limit = std::chrono::seconds(20)) {
    const auto give_up = std::chrono::steady_clock::now() + limit;
    while (!done()) {
      if (std::chrono::steady_clock::now() > give_up) return false;
      io_.run_for(std::chrono::milliseconds(2));
      io_.restart();
      heartbeat();
    }
    return true;
  }

  // One request, answered.
  daemon::CoreReply ask(daemon::CoreRequest request) {
    std::optional<daemon::CoreReply> answer;
    gateway.request(std::move(request), [&](const daemon::CoreReply& r) { answer = r; });
    EXPECT_TRUE(run_until([&] { return answer.has_value(); }, std::chrono::seconds(5)));
    return answer.value_or(daemon::CoreReply{core::ResponseCode::kBusy, {}, "no answer"});
  }

  [[nodiscard]] core::State state() const { return gateway.status().state; }
  [[nodiscard]] bool in_effect(core::Condition c) const {
    return gateway.status().in_effect.test(core::index(c));
  }
  [[nodiscard]] std::uint64_t late_ticks() const { return loop_.counters().late_ticks.load(); }

  StoreT store;

 private:
  static daemon::SafetyLoopOptions options(SimProcessFixture& sim) {
    daemon::SafetyLoopOptions o;
    o.generator_path = sim.generator_link().string();
    o.actuator_path = sim.actuator_link().string();
    o.lock_memory = false;  // the test process is not rfneedled
    return o;
  }

  // The touchscreen echoes the snapshot it rendered every 500 ms (SR-78); faster here.
  void heartbeat() {
    const auto now = std::chrono::steady_clock::now();
    if (now - last_heartbeat_ < std::chrono::milliseconds(250) ||
        gateway.status().snapshot_id == 0) {
      return;
    }
    last_heartbeat_ = now;
    gateway.request(daemon::DisplayHeartbeat{gateway.status().snapshot_id},
                    [](const daemon::CoreReply&) {});
  }

  boost::asio::io_context io_;
  daemon::SafetyLoop loop_;

 public:
  daemon::CoreGateway gateway;

 private:
  std::chrono::steady_clock::time_point last_heartbeat_{};
  // The host's evidence for on_fresh_processes: the highest bucket bound of the safety
  // thread's tick lateness that some tick exceeded (tests/support/device_processes.h).
  TickWatch tick_watch_{[this] {
    const daemon::LatencyHistogram& h = loop_.counters().tick_lateness;
    for (std::size_t i = daemon::kLatencyBuckets + 1; i-- > 1;) {
      if (h.count(i) > 0) {
        return static_cast<std::int64_t>(h.upper_us()[i - 1]);
      }
    }
    return std::int64_t{0};
  }};
};

// Today's day number (days since 1970, UTC), as the API sends it.
inline std::int32_t today() {
  return static_cast<std::int32_t>(
      std::chrono::floor<std::chrono::days>(std::chrono::system_clock::now())
          .time_since_epoch()
          .count());
}

// A session of the cheek, every screening item answered "no", opened today.
inline core::SessionRequest cheek_session(std::string patient_ref) {
  core::SessionRequest r;
  r.patient_ref = std::move(patient_ref);
  r.operator_id = "op-it";
  r.area = core::BodyArea::kCheek;
  r.screening = core::Screening::all_no(core::default_screening_items());
  r.today = today();
  return r;
}

}  // namespace rfneedle::testing

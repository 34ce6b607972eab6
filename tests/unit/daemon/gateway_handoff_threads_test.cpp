// The hand-off between a service thread and a running safety thread under load (labelled
// tsan): thousands of requests, STOPs among them, each answered exactly once and in
// order, while the loop publishes snapshots and events on its own 1 kHz tick.
#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <filesystem>

#include "controller/daemon/core_gateway.h"
#include "tests/unit/daemon/fake_store.h"

namespace rfneedle::daemon {
namespace {

TEST(GatewayHandoff, EveryRequestIsAnsweredOnceInOrderWhileStopsAndSnapshotsFlow) {
  const auto dir = std::filesystem::temp_directory_path();
  SafetyLoopOptions o;
  o.generator_path = (dir / "rfneedle-no-such-generator").string();
  o.actuator_path = (dir / "rfneedle-no-such-actuator").string();
  o.realtime_priority = 0;
  o.lock_memory = false;
  testing::FakeStore store;
  boost::asio::io_context io;
  SafetyLoop loop(core::CoreConfig{}, hal::HandshakePolicy{{"sim-1.0.0"}, true}, o);
  CoreGateway gateway(io, loop, store);
  loop.start();

  constexpr int kRequests = 4000;
  std::vector<int> answered(kRequests, 0);
  int last_answered = -1;  // by the core: busy answers come at once, out of turn
  int out_of_order = 0;
  int busy = 0;
  int answers = 0;
  int sent = 0;
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  while ((sent < kRequests || answers < kRequests) && std::chrono::steady_clock::now() < give_up) {
    for (int burst = 0; burst < 40 && sent < kRequests; ++burst, ++sent) {
      const int i = sent;
      CoreRequest r = i % 2 == 0 ? CoreRequest{Disarm{}} : CoreRequest{DisplayHeartbeat{7}};
      gateway.request(std::move(r), [&, i](const CoreReply& reply) {
        ++answered[static_cast<std::size_t>(i)];
        busy += reply.code == core::ResponseCode::kBusy ? 1 : 0;
        if (reply.code != core::ResponseCode::kBusy) {
          out_of_order += i <= last_answered ? 1 : 0;
          last_answered = i;
        }
        ++answers;
      });
      if (i % 97 == 0) {
        gateway.stop();
      }
    }
    io.run_for(std::chrono::milliseconds(1));
    io.restart();
  }
  loop.stop();
  gateway.shutdown();
  io.poll();

  for (int i = 0; i < kRequests; ++i) {
    EXPECT_EQ(answered[static_cast<std::size_t>(i)], 1) << "request " << i;
  }
  EXPECT_EQ(out_of_order, 0);
  EXPECT_LT(busy, kRequests);  // most got through
  EXPECT_GT(gateway.status().snapshot_id, 0u);
  EXPECT_EQ(gateway.status().state, core::State::kShuttingDown);
}

}  // namespace
}  // namespace rfneedle::daemon

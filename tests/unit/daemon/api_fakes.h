// A DeviceGateway for the API's tests (and the daemon's one FakeStore): the gateway
// answers every request at once with `next_reply` (or keeps it for the test to answer). Thread-safe
// enough for a server on another thread: counters are atomic, and the rest is set before the server
// starts or read after it stopped.
#pragma once

#include <atomic>
#include <mutex>
#include <vector>

#include "controller/daemon/device_gateway.h"
#include "controller/daemon/store.h"
#include "tests/unit/daemon/fake_store.h"

namespace rfneedle::daemon::testing {

class FakeGateway final : public DeviceGateway {
 public:
  void request(CoreRequest r, Reply reply) override {
    std::lock_guard lock(mutex);
    requests.push_back(r);
    ++request_count;
    if (hold_replies) {
      held.push_back(std::move(reply));
      return;
    }
    reply(next_reply);
  }
  void stop() override { ++stops; }
  [[nodiscard]] const core::Status& status() const override { return status_; }
  [[nodiscard]] bool boards_simulated() const override { return simulated; }
  [[nodiscard]] std::string store_problem() const override { return problem; }
  bool confirm_clock() override {
    const bool was_held = clock_held;
    clock_held = false;
    return was_held;
  }
  void add_listener(DeviceListener& l) override { listeners.push_back(&l); }
  void remove_listener(DeviceListener& l) override { std::erase(listeners, &l); }

  core::Status status_;
  bool simulated = false;
  std::string problem;
  bool clock_held = false;
  bool hold_replies = false;
  CoreReply next_reply;
  std::mutex mutex;
  std::vector<CoreRequest> requests;
  std::vector<Reply> held;
  std::vector<DeviceListener*> listeners;
  std::atomic<int> stops{0};
  std::atomic<int> request_count{0};
};

}  // namespace rfneedle::daemon::testing

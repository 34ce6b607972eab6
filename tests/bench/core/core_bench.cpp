// Time per telemetry sample through the core, and heap allocations per sample in steady
// state, while the fake boards run pulse after pulse (an operator stamping the trigger).
// Reports sample_ns_p99[ns] (target <= 2 us) and allocs_per_sample[allocs] (target 0).
#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <limits>
#include <vector>

#include "controller/core/core.h"
#include "tests/support/alloc_counter.h"
#include "tests/unit/core/fake_boards.h"

namespace rfneedle::core {
namespace {

using testing::FakeBoards;

class Stamping {
 public:
  Stamping() : core_(CoreConfig{}, Instant{}) {
    boards_.results.reserve(64);
    commands_.reserve(64);
    stored_.reserve(8);
    boards_.act.cartridge.pulse_limit = 1'000'000;
    boards_.act.cartridge.expiry_day = 1'000'000;
    core_.on_handshake(Board::kGenerator, testing::matched_handshake(Board::kGenerator), now_);
    core_.on_handshake(Board::kActuator, testing::matched_handshake(Board::kActuator), now_);
    core_.allow_pulse_ids_up_to(std::numeric_limits<std::uint64_t>::max(), now_);
    core_.restore({}, 0, 0, now_);
    for (int i = 0; i < 2000 && core_.state() != State::kStandby; ++i) step(nullptr);
    SessionRequest r;
    r.patient_ref = "bench";
    r.operator_id = "bench";
    (void)core_.open_session(r, now_);
    (void)core_.set_parameters(PulseParameters{watts(10), milliseconds(50), Micrometres{2000}},
                               now_);
    (void)core_.arm(now_);
    drain();
  }

  // One millisecond: both boards' samples through the core, and the tick. With a
  // recorder, the time and allocations of each sample call are recorded.
  void step(std::vector<std::int64_t>* ns, std::uint64_t* allocs = nullptr) {
    now_ += milliseconds(1);
    operate();
    boards_.advance(now_);
    measure(ns, allocs, [&] { core_.on_generator_sample(boards_.gen.sample, now_); });
    drain();
    measure(ns, allocs, [&] { core_.on_actuator_sample(boards_.act.sample, now_); });
    drain();
    core_.tick(now_);
    drain();
  }

  [[nodiscard]] std::uint64_t pulses() { return core_.status().counters.pulses_delivered; }

 private:
  template <typename F>
  void measure(std::vector<std::int64_t>* ns, std::uint64_t* allocs, F&& call) {
    if (!ns) {
      call();
      return;
    }
    const std::uint64_t before = rfneedle::testing::allocation_count();
    const auto start = std::chrono::steady_clock::now();
    call();
    const auto end = std::chrono::steady_clock::now();
    *allocs += rfneedle::testing::allocation_count() - before;
    ns->push_back(std::chrono::duration_cast<std::chrono::nanoseconds>(end - start).count());
  }

  // Press for 150 ms, release for 300 ms; the display and the store keep up.
  void operate() {
    const auto ms = now_.time_since_epoch().count() / 1000;
    const bool held = ms % 450 < 150;
    boards_.act.trigger_a = boards_.act.trigger_b = held;
    if (ms % 500 == 0) {
      (void)core_.display_heartbeat(core_.snapshot(now_).snapshot_id, now_);
    }
  }

  void drain() {
    for (int round = 0; round < 8; ++round) {
      Outbox& out = core_.outbox();
      if (out.commands.empty() && out.pulses.empty() && out.events.empty() && out.latches.empty()) {
        return;
      }
      commands_.assign(out.commands.begin(), out.commands.end());
      stored_.clear();
      for (const auto& p : out.pulses) {
        if (p.outcome != PulseOutcome::kStarted) stored_.push_back(p.pulse_id);
      }
      out.clear();
      for (const auto& c : commands_) boards_.receive(c, now_);
      for (const auto& r : boards_.results) core_.on_command_result(r, now_);
      boards_.results.clear();
      for (auto id : stored_) core_.on_record_stored(id, now_);
    }
  }

  Instant now_{};
  FakeBoards boards_;
  Core core_;
  std::vector<BoardCommand> commands_;
  std::vector<std::uint64_t> stored_;
};

void BM_TelemetrySampleThroughCore(benchmark::State& state) {
  Stamping rig;
  for (int i = 0; i < 5000; ++i) rig.step(nullptr);  // warm up: several pulses
  std::vector<std::int64_t> ns;
  ns.reserve(static_cast<std::size_t>(2 * 200'000));
  std::uint64_t allocs = 0;
  const std::uint64_t pulses_before = rig.pulses();
  for (auto _ : state) {
    rig.step(&ns, &allocs);
    if (ns.size() + 2 > ns.capacity()) state.SkipWithError("too many iterations");
  }
  std::sort(ns.begin(), ns.end());
  const double p99 = ns.empty() ? 0.0 : static_cast<double>(ns[ns.size() * 99 / 100]);
  state.counters["sample_ns_p99[ns]"] = p99;
  state.counters["allocs_per_sample[allocs]"] =
      ns.empty() ? 0.0 : static_cast<double>(allocs) / static_cast<double>(ns.size());
  state.counters["pulses[pulses]"] = static_cast<double>(rig.pulses() - pulses_before);
}
BENCHMARK(BM_TelemetrySampleThroughCore)->Iterations(100'000);

}  // namespace
}  // namespace rfneedle::core

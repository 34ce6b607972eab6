// rfneedle-sim: both boards in software, served on pseudo-terminals (DESIGN 5).
//
// One thread, one io_context: the firmware and the models are sans-I/O and get `now` from
// here; received bytes are handed over as they arrive, the 1 kHz tick drives telemetry
// and physics, and output is paced at the line rate by PtyPort.
#include <sched.h>
#include <unistd.h>

#include <array>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "hal/frame.h"
#include "simulator/faults.h"
#include "simulator/firmware/simulated_device.h"
#include "simulator/process/control_requests.h"
#include "simulator/process/control_socket.h"
#include "simulator/process/options.h"
#include "simulator/process/pty_port.h"
#include "simulator/process/serial_cables.h"
#include "simulator/process/sim_command.h"

namespace {

using rfneedle::Duration;
using rfneedle::Instant;
using namespace rfneedle::sim;
using SteadyClock = std::chrono::steady_clock;

constexpr int kUsageError = 2;
constexpr int kRuntimeError = 1;

class SimProcess {
 public:
  SimProcess(boost::asio::io_context& io, const SimOptions& options,
             std::vector<ScenarioStep> scenario)
      : start_(SteadyClock::now()),
        device_(SimulatedDeviceOptions{.seed = options.seed}),
        generator_(io, options.generator_link, options.baud),
        actuator_(io, options.actuator_link, options.baud),
        tick_(io),
        cables_(generator_, actuator_, device_),
        requests_(device_),
        scenario_(std::move(scenario)) {
    generator_.start([this](std::span<const std::uint8_t> bytes) {
      device_.generator_bytes_in(bytes, now());
      flush();
    });
    actuator_.start([this](std::span<const std::uint8_t> bytes) {
      device_.actuator_bytes_in(bytes, now());
      flush();
    });
    requests_.set_cables(&cables_);
    if (options.control_path) {
      control_.emplace(io, *options.control_path,
                       [this](const std::string& line) { return handle(line); });
    }
    if (options.auto_trigger_hz > 0) {
      auto_period_ = std::chrono::duration_cast<Duration>(
          std::chrono::duration<double>(1.0 / options.auto_trigger_hz));
      next_auto_tap_ = auto_period_;
    }
    next_tick_ = SteadyClock::now();
    schedule_tick();
  }

  // SIGINT/SIGTERM: RF off on the simulated generator first, then leave.
  void shut_down() {
    device_.power_off(now());
    flush();
    tick_.cancel();
    std::fprintf(stderr, "rfneedle-sim: stopping: RF off, relay open\n");
  }

 private:
  // The boards' clock: the time of the last tick, advanced 1 ms per tick. A tick this
  // process woke late for runs at its own time, and the ticks it missed run right after
  // it, each with its sample: a real board never sleeps, so its clock never steps and its
  // sample counter never skips because the host was busy. Bytes that arrive between two
  // ticks are handled at the last tick's time, as a firmware polling its UART each tick
  // would see them. Behind by more than kMaxCatchUp (the process was stopped), the clock
  // steps to now instead of replaying stale samples at line rate.
  Instant now() const { return board_now_; }

  static constexpr auto kMaxCatchUp = std::chrono::milliseconds(20);

  void schedule_tick() {
    next_tick_ += std::chrono::milliseconds(1);
    tick_.expires_at(next_tick_);
    tick_.async_wait([this](const boost::system::error_code& ec) {
      if (ec) {
        return;
      }
      const auto woke = SteadyClock::now();
      requests_.tick_woke_late(std::chrono::duration_cast<Duration>(woke - next_tick_));
      if (woke - next_tick_ > kMaxCatchUp) {
        requests_.clock_stepped();
        next_tick_ = woke;
      }
      board_now_ = Instant(std::chrono::duration_cast<Duration>(next_tick_ - start_));
      const Instant t = now();
      run_scenario(t);
      cables_.tick(t);
      requests_.tick(t);
      device_.tick(t);
      requests_.observe(t);
      flush();
      schedule_tick();
    });
  }

  void run_scenario(Instant t) {
    const Duration elapsed = t.time_since_epoch();
    while (next_step_ < scenario_.size() && scenario_[next_step_].at <= elapsed) {
      const auto& step = scenario_[next_step_++];
      std::string answer = requests_.execute(step.command, t);
      std::fprintf(stderr, "rfneedle-sim: scenario line %d: %s\n", step.line, answer.c_str());
    }
    if (auto_period_ > Duration::zero() && elapsed >= next_auto_tap_) {
      next_auto_tap_ += auto_period_;
      requests_.tap(t, auto_hold());
    }
  }

  // Held long enough for a whole pulse, released before the next press.
  Duration auto_hold() const {
    return std::min<Duration>(auto_period_ * 7 / 10, std::chrono::milliseconds(1500));
  }

  std::string handle(const std::string& line) {
    auto parsed = parse_sim_command(line);
    if (auto* error = std::get_if<CommandError>(&parsed)) {
      return error_answer(error->message);
    }
    std::string answer = requests_.execute(std::get<SimCommand>(parsed), now());
    flush();
    return answer;
  }

  void flush() {
    const Instant t = now();
    std::size_t n;
    while ((n = device_.take_generator_output(buffer_, t)) > 0) {
      generator_.write_paced({buffer_.data(), n});
    }
    while ((n = device_.take_actuator_output(buffer_, t)) > 0) {
      actuator_.write_paced({buffer_.data(), n});
    }
  }

  SteadyClock::time_point start_;
  Instant board_now_{};
  SimulatedDevice device_;
  PtyPort generator_;
  PtyPort actuator_;
  boost::asio::steady_timer tick_;
  SteadyClock::time_point next_tick_;
  SerialCables cables_;
  ControlRequests requests_;
  std::optional<ControlSocket> control_;
  std::vector<ScenarioStep> scenario_;
  std::size_t next_step_ = 0;
  Duration auto_period_{0};
  Duration next_auto_tap_{0};
  std::array<std::uint8_t, 4 * rfneedle::hal::kMaxWireBytes> buffer_{};
};

// DESIGN 8: when permitted (running as root), the simulated boards run at real-time
// priority, so two busy cores do not turn into false link faults. Timer-driven, so it
// never spins; the kernel's real-time throttling bounds it regardless.
void raise_priority() {
  constexpr int kPriority = 20;
  sched_param param{};
  param.sched_priority = kPriority;
  if (::geteuid() == 0 && ::sched_setscheduler(0, SCHED_FIFO, &param) == 0) {
    std::fprintf(stderr, "rfneedle-sim: running at real-time priority %d\n", kPriority);
  }
}

}  // namespace

int main(int argc, char** argv) {
  auto parsed = parse_sim_options(std::vector<std::string>(argv + 1, argv + argc));
  if (auto* error = std::get_if<OptionsError>(&parsed)) {
    std::fprintf(stderr, "rfneedle-sim: %s\n", error->message.c_str());
    return kUsageError;
  }
  const SimOptions& options = std::get<SimOptions>(parsed);
  if (options.help) {
    std::fputs(sim_usage().c_str(), stdout);
    return 0;
  }
  if (options.list_faults) {
    std::fputs(fault_catalogue_text().c_str(), stdout);
    return 0;
  }
  std::vector<ScenarioStep> scenario;
  if (options.scenario_path) {
    std::ifstream in(*options.scenario_path);
    if (!in) {
      std::fprintf(stderr, "rfneedle-sim: --scenario: cannot read '%s'\n",
                   options.scenario_path->c_str());
      return kUsageError;
    }
    std::stringstream text;
    text << in.rdbuf();
    auto steps = parse_scenario(text.str(), *options.scenario_path);
    if (auto* error = std::get_if<CommandError>(&steps)) {
      std::fprintf(stderr, "rfneedle-sim: %s\n", error->message.c_str());
      return kUsageError;
    }
    scenario = std::get<std::vector<ScenarioStep>>(std::move(steps));
  }

  raise_priority();
  try {
    boost::asio::io_context io;
    SimProcess sim(io, options, std::move(scenario));
    boost::asio::signal_set signals(io, SIGINT, SIGTERM);
    signals.async_wait([&](const boost::system::error_code&, int) {
      sim.shut_down();
      io.stop();
    });
    std::fprintf(stderr, "rfneedle-sim: generator on %s, actuator on %s (seed %llu)\n",
                 options.generator_link.c_str(), options.actuator_link.c_str(),
                 static_cast<unsigned long long>(options.seed));
    io.run();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "rfneedle-sim: %s\n", e.what());
    return kRuntimeError;
  }
  return 0;
}

#include "tests/integration/sim_process_fixture.h"

#include <sched.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <array>
#include <stdexcept>

namespace rfneedle::testing {

std::string g_sim_program;

namespace {
// The controller's safety thread runs at real-time priority when permitted (DESIGN 8), so
// the fixture's end of the links does too when it plays that thread (connect()): a loaded
// machine must not turn into link faults. Only then: a test thread that plays rfneedled's
// service thread (InProcessDaemon) parses JSON and pumps the gateway, and at real-time
// priority it would keep the kernel's pseudo-terminal worker (an ordinary-priority
// kworker that moves the simulator's bytes to the controller's end) off its CPU for a
// millisecond at a time: a telemetry gap of the test's own making.
void raise_priority_when_root() {
  sched_param param{};
  param.sched_priority = 20;
  if (::geteuid() == 0) {
    (void)::sched_setscheduler(0, SCHED_FIFO, &param);
  }
}

std::filesystem::path fresh_dir() {
  static int serial = 0;
  auto dir = std::filesystem::temp_directory_path() /
             ("rfneedle-it-" + std::to_string(::getpid()) + "-" + std::to_string(serial++));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}
}  // namespace

SimProcessFixture::SimProcessFixture(std::vector<std::string> extra_args)
    : dir_(fresh_dir()),
      generator_(*this, Instant{}),
      actuator_(*this, Instant{}),
      timer_(io_),
      tick_watch_([this] {
        try {
          return parse_sim_status(control("status")).worst_tick_late_us;
        } catch (const DeviceError&) {
          return std::int64_t{-1};
        }
      }) {
  std::vector<std::string> args = {"--generator-link", generator_link().string(),
                                   "--actuator-link",  actuator_link().string(),
                                   "--control",        control_path().string()};
  args.insert(args.end(), extra_args.begin(), extra_args.end());
  sim_ = std::make_unique<ChildProcess>(g_sim_program, args, dir_);
  if (!eventually([&] {
        return std::filesystem::exists(generator_link()) &&
               std::filesystem::exists(actuator_link()) && std::filesystem::exists(control_path());
      })) {
    throw std::runtime_error("rfneedle-sim did not publish its links: " + sim_->standard_error());
  }
}

SimProcessFixture::~SimProcessFixture() {
  tick_watch_.end();
  generator_line_.reset();
  actuator_line_.reset();
  sim_.reset();
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
}

Instant SimProcessFixture::now() const {
  return Instant(std::chrono::duration_cast<Duration>(std::chrono::steady_clock::now() - start_));
}

void SimProcessFixture::connect() {
  raise_priority_when_root();
  generator_line_ = std::make_unique<hal::SerialTransport>(
      io_, hal::SerialOptions{.path = generator_link().string()},
      [this](std::span<const std::uint8_t> bytes) { generator_.on_bytes(bytes, now()); },
      [](bool) {});
  actuator_line_ = std::make_unique<hal::SerialTransport>(
      io_, hal::SerialOptions{.path = actuator_link().string()},
      [this](std::span<const std::uint8_t> bytes) { actuator_.on_bytes(bytes, now()); },
      [](bool) {});
  generator_line_->start();
  actuator_line_->start();
  // What rfneedle-sim reports (simulator/firmware/board_link.h), as a configuration that
  // allows a simulator would accept it.
  const hal::HandshakePolicy policy{.accepted_firmware_versions = {"sim-1.0.0"},
                                    .allow_simulated = true};
  generator_.set_handshake_policy(policy);
  actuator_.set_handshake_policy(policy);
  generator_.start_session(0x1234'5678'9abc'def1ULL, now());
  actuator_.start_session(0x0fed'cba9'8765'4321ULL, now());
  tick();
}

void SimProcessFixture::tick() {
  const Instant t = now();
  generator_.tick(t);
  actuator_.tick(t);
  // The core's heartbeat (SR-38), RF never permitted: it keeps the boards' dead-man
  // renewed.
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

void SimProcessFixture::flush() {
  std::array<std::uint8_t, 1024> buffer{};
  const Instant t = now();
  for (std::size_t n; (n = generator_.take_output(buffer, t)) > 0;) {
    (void)generator_line_->write({buffer.data(), n});
  }
  for (std::size_t n; (n = actuator_.take_output(buffer, t)) > 0;) {
    (void)actuator_line_->write({buffer.data(), n});
  }
}

void SimProcessFixture::on_generator_telemetry(const device::GeneratorTelemetry& t,
                                               std::uint32_t missed) {
  generator_samples.push_back({t.sample_counter(), t.board_time_us(), missed, t.signals()});
}

void SimProcessFixture::on_actuator_telemetry(const device::ActuatorTelemetry& t,
                                              std::uint32_t missed) {
  actuator_samples.push_back({t.sample_counter(), t.board_time_us(), missed, t.signals()});
}

std::string SimProcessFixture::control(const std::string& request) const {
  const int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  const std::string path = control_path().string();
  path.copy(address.sun_path, sizeof address.sun_path - 1);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
    ::close(fd);
    return "(cannot connect)";
  }
  const std::string line = request + "\n";
  (void)::write(fd, line.data(), line.size());
  std::string answer;
  char c;
  while (::read(fd, &c, 1) == 1 && c != '\n') {
    answer += c;
  }
  ::close(fd);
  return answer;
}

}  // namespace rfneedle::testing

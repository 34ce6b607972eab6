#include "simulator/process/pty_port.h"
#include "simulator/process/serial_cables.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <termios.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <system_error>
#include <vector>

namespace rfneedle::sim {
namespace {

namespace fs = std::filesystem;
using Bytes = std::vector<std::uint8_t>;

class PtyPortTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("rfneedle-pty-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  // Opens the published link the way the controller does: raw, by path.
  static int open_raw(const fs::path& path) {
    int fd = ::open(path.c_str(), O_RDWR | O_NOCTTY | O_NONBLOCK);
    if (fd >= 0) {
      termios tio{};
      ::tcgetattr(fd, &tio);
      ::cfmakeraw(&tio);
      ::tcsetattr(fd, TCSANOW, &tio);
    }
    return fd;
  }

  // Runs the io_context until `done` holds; the bound only guards against a hang.
  template <typename Done>
  void run_until(Done done) {
    const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (!done() && std::chrono::steady_clock::now() < give_up) {
      io_.run_for(std::chrono::milliseconds(5));
      io_.restart();
    }
  }

  static Bytes read_available(int fd) {
    Bytes out;
    std::uint8_t buffer[256];
    ssize_t n;
    while ((n = ::read(fd, buffer, sizeof buffer)) > 0) {
      out.insert(out.end(), buffer, buffer + n);
    }
    return out;
  }

  boost::asio::io_context io_;
  fs::path dir_;
};

TEST_F(PtyPortTest, PublishesTheSlaveAtTheLinkPathAndRemovesItWhenDone) {
  const fs::path link = dir_ / "generator";
  {
    PtyPort port(io_, link, 921600);
    ASSERT_TRUE(fs::is_symlink(link));
    EXPECT_EQ(fs::read_symlink(link), port.slave_name());
  }
  EXPECT_FALSE(fs::exists(fs::symlink_status(link)));
}

TEST_F(PtyPortTest, RefusesToReplaceAFileThatIsNotASymlink) {
  const fs::path link = dir_ / "actuator";
  std::ofstream(link) << "not a link";
  EXPECT_THROW(PtyPort(io_, link, 921600), std::system_error);
  EXPECT_TRUE(fs::is_regular_file(link));
}

TEST_F(PtyPortTest, CarriesBytesBothWaysUnchanged) {
  const fs::path link = dir_ / "generator";
  PtyPort port(io_, link, 921600);
  Bytes from_controller;
  port.start([&](auto bytes) {
    from_controller.insert(from_controller.end(), bytes.begin(), bytes.end());
  });
  const int fd = open_raw(link);
  ASSERT_GE(fd, 0);

  // Every byte value, including the 0x00 delimiter and what a cooked terminal would eat.
  Bytes all(256);
  for (int i = 0; i < 256; ++i) {
    all[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(i);
  }
  ASSERT_EQ(::write(fd, all.data(), all.size()), 256);
  run_until([&] { return from_controller.size() >= all.size(); });
  EXPECT_EQ(from_controller, all);

  port.write_paced(all);
  Bytes at_controller;
  run_until([&] {
    auto more = read_available(fd);
    at_controller.insert(at_controller.end(), more.begin(), more.end());
    return at_controller.size() >= all.size();
  });
  EXPECT_EQ(at_controller, all);
  EXPECT_EQ(port.stats().bytes_written, 256U);
  ::close(fd);
}

TEST_F(PtyPortTest, LosesAndCountsBytesWhenNobodyReadsInsteadOfBlocking) {
  PtyPort port(io_, dir_ / "generator", 921600 * 100);
  const Bytes chunk(1000, 0x55);
  for (int i = 0; i < 200; ++i) {
    port.write_paced(chunk);
  }
  run_until([&] { return port.stats().bytes_written + port.stats().bytes_lost >= 200000U; });
  EXPECT_EQ(port.stats().bytes_written + port.stats().bytes_lost, 200000U);
  EXPECT_GT(port.stats().bytes_lost, 0U);
}

// What the controller's read sees once the cable is pulled: end of file or EIO (hung up).
bool hung_up(int fd) {
  pollfd p{fd, POLLIN, 0};
  if (::poll(&p, 1, 1000) <= 0) {
    return false;
  }
  std::uint8_t byte;
  const ssize_t n = ::read(fd, &byte, 1);
  return n == 0 || (n < 0 && errno == EIO) || (p.revents & POLLHUP) != 0;
}

TEST_F(PtyPortTest, UnpluggingHangsUpTheControllersEndAndRemovesTheLinkPluggingServesANewOne) {
  const fs::path link = dir_ / "generator";
  PtyPort port(io_, link, 921600);
  Bytes from_controller;
  port.start([&](auto bytes) {
    from_controller.insert(from_controller.end(), bytes.begin(), bytes.end());
  });
  const int before = open_raw(link);
  ASSERT_GE(before, 0);

  ASSERT_TRUE(port.unplug());
  EXPECT_FALSE(port.plugged());
  EXPECT_FALSE(port.unplug());
  EXPECT_TRUE(hung_up(before));
  EXPECT_FALSE(fs::exists(fs::symlink_status(link)));
  port.write_paced(Bytes(10, 0xAA));  // no cable: lost, counted
  EXPECT_EQ(port.stats().bytes_lost, 10U);
  ::close(before);

  ASSERT_TRUE(port.plug());
  EXPECT_FALSE(port.plug());
  ASSERT_TRUE(fs::is_symlink(link));
  EXPECT_EQ(fs::read_symlink(link), port.slave_name());
  const int after = open_raw(link);
  ASSERT_GE(after, 0);
  const Bytes hello{1, 2, 3, 0};
  ASSERT_EQ(::write(after, hello.data(), hello.size()), 4);
  run_until([&] { return from_controller.size() >= hello.size(); });
  EXPECT_EQ(from_controller, hello);
  port.write_paced(hello);
  Bytes at_controller;
  run_until([&] {
    auto more = read_available(after);
    at_controller.insert(at_controller.end(), more.begin(), more.end());
    return at_controller.size() >= hello.size();
  });
  EXPECT_EQ(at_controller, hello);
  ::close(after);
}

TEST_F(PtyPortTest, CablesUnpluggedForADurationComeBackByThemselves) {
  PtyPort generator(io_, dir_ / "generator", 921600);
  PtyPort actuator(io_, dir_ / "actuator", 921600);
  const SimulatedDevice device(SimulatedDeviceOptions{});
  SerialCables cables(generator, actuator, device);
  const Instant t0{};
  EXPECT_EQ(cables.execute(Cable{CableBoard::kGenerator, false, milliseconds(200)}, t0),
            R"({"ok":true,"board":"generator","plugged":false,"sim_time_us":0,"last_frame_us":0})");
  EXPECT_EQ(cables.execute(Cable{CableBoard::kGenerator, false, std::nullopt}, t0),
            R"({"ok":false,"error":"the generator is already unplugged"})");
  EXPECT_TRUE(actuator.plugged());
  cables.tick(t0 + milliseconds(199));
  EXPECT_FALSE(generator.plugged());
  cables.tick(t0 + milliseconds(200));
  EXPECT_TRUE(generator.plugged());
  EXPECT_TRUE(fs::is_symlink(dir_ / "generator"));

  EXPECT_EQ(cables.execute(Cable{CableBoard::kActuator, false, std::nullopt}, t0),
            R"({"ok":true,"board":"actuator","plugged":false,"sim_time_us":0,"last_frame_us":0})");
  cables.tick(t0 + seconds(100));
  EXPECT_FALSE(actuator.plugged());
  EXPECT_EQ(cables.execute(Cable{CableBoard::kActuator, true, std::nullopt}, t0),
            R"({"ok":true,"board":"actuator","plugged":true})");
  EXPECT_EQ(cables.execute(Cable{CableBoard::kActuator, true, std::nullopt}, t0),
            R"({"ok":false,"error":"the actuator is already plugged in"})");
}

}  // namespace
}  // namespace rfneedle::sim

// SerialTransport over real pseudo-terminals: the transport opens the slave by path (a
// symlink, as rfneedle-sim publishes them), the test plays the board on the master.
// Waits are bounded by a generous deadline; nothing asserts how long anything took.
#include "hal/serial_transport.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

namespace rfneedle::hal {
namespace {

using Bytes = std::vector<std::uint8_t>;

struct PseudoTerminal {
  PseudoTerminal() {
    master = posix_openpt(O_RDWR | O_NOCTTY | O_NONBLOCK);
    if (master < 0 || grantpt(master) != 0 || unlockpt(master) != 0) {
      ADD_FAILURE() << "cannot open a pseudo-terminal";
      return;
    }
    slave_path = ptsname(master);
  }
  ~PseudoTerminal() { close_master(); }
  void close_master() {
    if (master >= 0) {
      ::close(master);
      master = -1;
    }
  }
  Bytes read_available() {
    Bytes got;
    std::uint8_t buffer[256];
    ssize_t n = 0;
    while ((n = ::read(master, buffer, sizeof buffer)) > 0) {
      got.insert(got.end(), buffer, buffer + n);
    }
    return got;
  }
  int master = -1;
  std::string slave_path;
};

// A scratch directory holding the symlink the transport opens.
struct DevicePath {
  DevicePath() {
    char pattern[] = "/tmp/rfneedle-serial-XXXXXX";
    dir = mkdtemp(pattern);
    link = dir / "generator";
  }
  ~DevicePath() {
    std::error_code ignored;
    std::filesystem::remove_all(dir, ignored);
  }
  // Atomically re-points the link, as the simulator does when it restarts.
  void point_at(const std::string& target) {
    const auto staging = dir / "staging";
    std::filesystem::remove(staging);
    std::filesystem::create_symlink(target, staging);
    std::filesystem::rename(staging, link);
  }
  std::filesystem::path dir;
  std::filesystem::path link;
};

struct TransportUnderTest {
  explicit TransportUnderTest(const std::filesystem::path& path)
      : transport(
            io,
            SerialOptions{.path = path.string(), .reconnect_period = std::chrono::milliseconds(20)},
            [this](std::span<const std::uint8_t> b) {
              received.insert(received.end(), b.begin(), b.end());
            },
            [this](bool connected) { connection_changes.push_back(connected); }) {}

  template <typename Condition>
  [[nodiscard]] bool run_until(Condition condition) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (!condition()) {
      if (std::chrono::steady_clock::now() > deadline) {
        return false;
      }
      io.restart();
      io.run_for(std::chrono::milliseconds(2));
    }
    return true;
  }

  boost::asio::io_context io;
  SerialTransport transport;
  Bytes received;
  std::vector<bool> connection_changes;
};

// Bytes a line discipline would eat or translate: NUL (the frame delimiter), CR, LF,
// ^C, ^D, ^S, ^Q, DEL and 0xFF.
const Bytes kAwkwardBytes = {0x00, 0x0D, 0x0A, 0x03, 0x04, 0x13, 0x11, 0x7F, 0xFF, 0x01, 0x00};

void expect_both_ways(TransportUnderTest& t, PseudoTerminal& pty) {
  ASSERT_TRUE(t.transport.write(kAwkwardBytes));
  Bytes at_board;
  ASSERT_TRUE(t.run_until([&] {
    const Bytes more = pty.read_available();
    at_board.insert(at_board.end(), more.begin(), more.end());
    return at_board.size() >= kAwkwardBytes.size();
  }));
  EXPECT_EQ(at_board, kAwkwardBytes);

  t.received.clear();
  ASSERT_EQ(::write(pty.master, kAwkwardBytes.data(), kAwkwardBytes.size()),
            static_cast<ssize_t>(kAwkwardBytes.size()));
  ASSERT_TRUE(t.run_until([&] { return t.received.size() >= kAwkwardBytes.size(); }));
  EXPECT_EQ(t.received, kAwkwardBytes);
}

TEST(SerialTransport, CarriesRawBytesBothWaysOverAPseudoTerminal) {
  PseudoTerminal pty;
  DevicePath path;
  path.point_at(pty.slave_path);
  TransportUnderTest t(path.link);
  t.transport.start();
  ASSERT_TRUE(t.run_until([&] { return t.transport.connected(); }));
  expect_both_ways(t, pty);
  EXPECT_EQ(t.transport.stats().bytes_written, kAwkwardBytes.size());
  EXPECT_EQ(t.transport.stats().bytes_read, kAwkwardBytes.size());
}

TEST(SerialTransport, ReconnectsWhenTheDeviceGoesAwayAndComesBack) {
  PseudoTerminal first;
  DevicePath path;
  path.point_at(first.slave_path);
  TransportUnderTest t(path.link);
  t.transport.start();
  ASSERT_TRUE(t.run_until([&] { return t.transport.connected(); }));

  first.close_master();
  ASSERT_TRUE(t.run_until([&] { return !t.transport.connected(); }));
  EXPECT_FALSE(t.transport.write(kAwkwardBytes));

  PseudoTerminal second;
  path.point_at(second.slave_path);
  ASSERT_TRUE(t.run_until([&] { return t.transport.connected(); }));
  EXPECT_EQ(t.connection_changes, (std::vector<bool>{true, false, true}));
  expect_both_ways(t, second);
  EXPECT_EQ(t.transport.stats().disconnects, 1U);
}

TEST(SerialTransport, KeepsTryingUntilThePathAppears) {
  DevicePath path;
  TransportUnderTest t(path.link);
  t.transport.start();
  EXPECT_FALSE(t.transport.connected());
  PseudoTerminal pty;
  path.point_at(pty.slave_path);
  ASSERT_TRUE(t.run_until([&] { return t.transport.connected(); }));
  expect_both_ways(t, pty);
}

TEST(SerialTransport, AcceptsARateWithoutAStandardConstant) {
  PseudoTerminal pty;
  DevicePath path;
  path.point_at(pty.slave_path);
  boost::asio::io_context io;
  SerialTransport transport(
      io, SerialOptions{.path = path.link.string(), .baud = 1'234'567},
      [](std::span<const std::uint8_t>) {}, [](bool) {});
  transport.start();
  EXPECT_TRUE(transport.connected());
}

TEST(SerialTransport, RefusesAWriteThatDoesNotFitItsBuffer) {
  PseudoTerminal pty;
  DevicePath path;
  path.point_at(pty.slave_path);
  boost::asio::io_context io;
  SerialTransport transport(
      io, SerialOptions{.path = path.link.string(), .write_buffer_bytes = 8},
      [](std::span<const std::uint8_t>) {}, [](bool) {});
  transport.start();
  ASSERT_TRUE(transport.connected());
  EXPECT_FALSE(transport.write(Bytes(9, 0x55)));
  EXPECT_TRUE(transport.write(Bytes(8, 0x55)));
  EXPECT_EQ(transport.stats().writes_refused, 1U);
}

// More than the terminal holds while the board is not reading: the rest waits in the
// transport's buffer and goes out, in order, once the board reads again.
TEST(SerialTransport, SendsWhatTheLineCouldNotTakeOnceItDrains) {
  PseudoTerminal pty;
  DevicePath path;
  path.point_at(pty.slave_path);
  TransportUnderTest t(path.link);
  t.transport.start();
  ASSERT_TRUE(t.run_until([&] { return t.transport.connected(); }));
  Bytes sent(48 * 1024);
  for (std::size_t i = 0; i < sent.size(); ++i) {
    sent[i] = static_cast<std::uint8_t>(i * 7 + i / 251);
  }
  ASSERT_TRUE(t.transport.write(sent));
  ASSERT_GT(t.transport.pending_write_bytes(), 0U) << "the terminal took everything at once";
  Bytes at_board;
  ASSERT_TRUE(t.run_until([&] {
    const Bytes more = pty.read_available();
    at_board.insert(at_board.end(), more.begin(), more.end());
    return at_board.size() >= sent.size();
  }));
  EXPECT_EQ(at_board, sent);
  EXPECT_EQ(t.transport.pending_write_bytes(), 0U);
  EXPECT_EQ(t.transport.stats().bytes_written, sent.size());
}

}  // namespace
}  // namespace rfneedle::hal

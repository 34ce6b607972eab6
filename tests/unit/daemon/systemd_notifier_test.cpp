// The systemd watchdog is fed only on the safety thread's evidence (SR-71): WatchdogFeed's
// rule over an injected tick counter, and SystemdNotifier sending to a datagram socket the
// test binds as NOTIFY_SOCKET, with the counter advanced or held by the test. Assertions
// count messages; the wall clock only bounds how long the test waits.
#include "controller/daemon/systemd_notifier.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <string>
#include <vector>

#include "controller/daemon/watchdog_feed.h"
#include "tests/support/notify_socket.h"

namespace rfneedle::daemon {
namespace {

using std::chrono::milliseconds;

// Verifies: SR-71
TEST(WatchdogFeed, FeedsOnlyWhenTheSafetyThreadsTickCounterAdvanced) {
  WatchdogFeed feed;
  EXPECT_FALSE(feed.should_feed(10)) << "the first check has nothing to compare with";
  EXPECT_TRUE(feed.should_feed(11));
  EXPECT_TRUE(feed.should_feed(1'500));
  EXPECT_FALSE(feed.should_feed(1'500)) << "a stalled safety thread";
  EXPECT_FALSE(feed.should_feed(1'500));
  EXPECT_TRUE(feed.should_feed(1'501)) << "ticking again";
}

using testing::count_starting;
using testing::NotifySocket;

class SystemdNotifierTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ::setenv("NOTIFY_SOCKET", socket_.path().c_str(), 1);
    ::setenv("WATCHDOG_USEC", "40000", 1);  // a check every 20 ms
    ::unsetenv("WATCHDOG_PID");
  }
  void TearDown() override {
    ::unsetenv("NOTIFY_SOCKET");
    ::unsetenv("WATCHDOG_USEC");
  }
  // Runs the service thread's io_context, the safety thread's counter advanced before each
  // slice of it, until `feeds` WATCHDOG=1 have arrived (at most 10 s); the messages.
  std::vector<std::string> run_ticking_until_fed(std::size_t feeds) {
    std::vector<std::string> messages;
    const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (count_starting(messages, "WATCHDOG=1") < feeds &&
           std::chrono::steady_clock::now() < give_up) {
      ticks_.fetch_add(20, std::memory_order_relaxed);
      io_.run_for(milliseconds(20));
      for (std::string& m : socket_.drain()) {
        messages.push_back(std::move(m));
      }
    }
    return messages;
  }
  // Runs it with the counter held until the notifier has withheld `checks` more
  // notifications (at most 10 s); the messages.
  std::vector<std::string> run_stalled_for_checks(SystemdNotifier& notifier, std::uint64_t checks) {
    const std::uint64_t until = notifier.withheld() + checks;
    const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (notifier.withheld() < until && std::chrono::steady_clock::now() < give_up) {
      io_.run_for(milliseconds(20));
    }
    return socket_.drain();
  }

  NotifySocket socket_;
  boost::asio::io_context io_;
  std::atomic<std::uint64_t> ticks_{0};
};

TEST_F(SystemdNotifierTest, ReadsTheIntervalSystemdAskedFor) {
  SystemdNotifier notifier(io_, ticks_);
  ASSERT_TRUE(notifier.watchdog_interval());
  EXPECT_EQ(notifier.watchdog_interval()->count(), 40'000);
}

TEST_F(SystemdNotifierTest, NoWatchdogWhenAnotherProcessWasAskedForIt) {
  ::setenv("WATCHDOG_PID", "1", 1);
  SystemdNotifier notifier(io_, ticks_);
  EXPECT_FALSE(notifier.watchdog_interval());
  ::unsetenv("WATCHDOG_PID");
}

// Verifies: SR-71
TEST_F(SystemdNotifierTest, ReadyThenWatchdogWhileTickingNoneWhileStalledThenStopping) {
  SystemdNotifier notifier(io_, ticks_);
  notifier.ready("listening");
  std::vector<std::string> messages = run_ticking_until_fed(3);
  ASSERT_FALSE(messages.empty());
  EXPECT_TRUE(messages.front().starts_with("READY=1\nSTATUS=listening")) << messages.front();
  EXPECT_GE(count_starting(messages, "WATCHDOG=1"), 3u) << "fed while the safety thread ticks";

  // The safety thread stalls: its counter stays where it is. The first check after the
  // last tick may still see it advanced; none after it may feed.
  (void)run_stalled_for_checks(notifier, 1);
  messages = run_stalled_for_checks(notifier, 5);
  EXPECT_EQ(count_starting(messages, "WATCHDOG=1"), 0u) << "a stalled safety thread";
  EXPECT_GE(notifier.withheld(), 6u);

  EXPECT_GE(count_starting(run_ticking_until_fed(3), "WATCHDOG=1"), 3u) << "ticking again";

  notifier.stopping();
  ticks_.fetch_add(20, std::memory_order_relaxed);
  io_.run_for(milliseconds(100));
  messages = socket_.drain();
  EXPECT_EQ(count_starting(messages, "STOPPING=1"), 1u);
  EXPECT_EQ(count_starting(messages, "WATCHDOG=1"), 0u) << "no feeding once stopping";
}

TEST(SystemdNotifier, WithoutNotifySocketEveryCallDoesNothing) {
  ::unsetenv("NOTIFY_SOCKET");
  ::unsetenv("WATCHDOG_USEC");
  boost::asio::io_context io;
  std::atomic<std::uint64_t> ticks{0};
  SystemdNotifier notifier(io, ticks);
  EXPECT_FALSE(notifier.watchdog_interval());
  notifier.ready("listening");
  notifier.stopping();
  EXPECT_EQ(io.run_for(milliseconds(10)), 0u) << "no timer without a watchdog";
}

}  // namespace
}  // namespace rfneedle::daemon

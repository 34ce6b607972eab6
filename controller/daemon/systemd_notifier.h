// rfneedled's side of systemd's notification protocol (Type=notify, WatchdogSec=; the unit
// is packaging/rfneedled.service): READY=1 once the store is open and the API listens,
// WATCHDOG=1 at half the interval systemd asks for, relayed on the safety thread's
// evidence only (WatchdogFeed, SR-71), STOPPING=1 when the shutdown begins. Without
// NOTIFY_SOCKET (not started by systemd) each call does nothing. Runs on the service
// thread's io_context; the safety thread only bumps its tick counter.
#pragma once

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include "controller/daemon/watchdog_feed.h"

namespace rfneedle::daemon {

class SystemdNotifier {
 public:
  // `safety_ticks`: the safety thread's tick counter (SafetyLoopCounters::ticks).
  SystemdNotifier(boost::asio::io_context& io, const std::atomic<std::uint64_t>& safety_ticks);

  // The watchdog interval systemd asked for (WATCHDOG_USEC, for this process), if any.
  [[nodiscard]] std::optional<std::chrono::microseconds> watchdog_interval() const {
    return interval_;
  }
  // READY=1 with a STATUS= line, and the watchdog's timer started when systemd asked for it.
  void ready(const std::string& status);
  // STOPPING=1; the watchdog's timer ends (systemd's TimeoutStopSec= bounds the stop).
  void stopping();
  // Checks whose WATCHDOG=1 were withheld because the safety thread had not ticked.
  [[nodiscard]] std::uint64_t withheld() const { return withheld_; }

 private:
  void schedule();
  void on_timer();

  boost::asio::steady_timer timer_;
  const std::atomic<std::uint64_t>& safety_ticks_;
  std::optional<std::chrono::microseconds> interval_;
  WatchdogFeed feed_;
  bool stopping_ = false;
  std::uint64_t withheld_ = 0;
};

}  // namespace rfneedle::daemon

#include "controller/daemon/systemd_notifier.h"

#include <spdlog/spdlog.h>
#include <systemd/sd-daemon.h>

#include <string>

namespace rfneedle::daemon {

SystemdNotifier::SystemdNotifier(boost::asio::io_context& io,
                                 const std::atomic<std::uint64_t>& safety_ticks)
    : timer_(io), safety_ticks_(safety_ticks) {
  std::uint64_t usec = 0;
  // 0: WATCHDOG_USEC and WATCHDOG_PID stay in the environment (the library checks that
  // WATCHDOG_PID, when set, is this process).
  const int enabled = ::sd_watchdog_enabled(0, &usec);
  if (enabled < 0) {
    spdlog::warn("systemd watchdog settings unreadable ({}): no watchdog", enabled);
  } else if (enabled > 0 && usec > 0) {
    interval_ = std::chrono::microseconds(static_cast<std::int64_t>(usec));
  }
}

void SystemdNotifier::ready(const std::string& status) {
  const std::string message = "READY=1\nSTATUS=" + status;
  if (::sd_notify(0, message.c_str()) < 0) {
    spdlog::warn("systemd: READY=1 could not be sent");
  }
  if (interval_) {
    spdlog::info("systemd watchdog every {} ms, fed while the safety thread ticks",
                 interval_->count() / 2000);
    (void)feed_.should_feed(safety_ticks_.load(std::memory_order_relaxed));
    schedule();
  }
}

void SystemdNotifier::stopping() {
  stopping_ = true;
  timer_.cancel();
  (void)::sd_notify(0, "STOPPING=1");
}

// Half the interval, as sd_watchdog_enabled(3) recommends: one late check still feeds
// it in time.
void SystemdNotifier::schedule() {
  timer_.expires_after(*interval_ / 2);
  timer_.async_wait([this](const boost::system::error_code& error) {
    if (!error) {
      on_timer();
    }
  });
}

void SystemdNotifier::on_timer() {
  if (stopping_) {
    return;
  }
  if (feed_.should_feed(safety_ticks_.load(std::memory_order_relaxed))) {
    (void)::sd_notify(0, "WATCHDOG=1");
  } else {
    // At most once per check (half the interval): systemd ends the process if it lasts.
    ++withheld_;
    spdlog::error("the safety thread has not ticked for {} ms: systemd watchdog not fed",
                  interval_->count() / 2000);
  }
  schedule();
}

}  // namespace rfneedle::daemon

// CoreGateway and the health of its store (issue 10): a write the store refuses raises
// store_failed until a pass has written everything held (SR-85); a store unusable at
// start-up keeps the core in ServiceLock (SR-86); a wall clock behind the latest stored
// record holds arming until a service engineer confirms the time (SR-87).
#include <spdlog/spdlog.h>

#include <chrono>

#include "controller/daemon/core_gateway.h"

namespace rfneedle::daemon {
namespace {

constexpr auto kFailureLogPeriod = std::chrono::seconds(5);

std::string utc_text(WallMs at) {
  const auto seconds = std::chrono::sys_seconds(std::chrono::seconds(at / 1000));
  const auto day = std::chrono::floor<std::chrono::days>(seconds);
  const std::chrono::year_month_day date(day);
  const std::chrono::hh_mm_ss time(seconds - day);
  char text[64];
  std::snprintf(text, sizeof text, "%04d-%02u-%02uT%02lld:%02lld:%02lldZ",
                static_cast<int>(date.year()), static_cast<unsigned>(date.month()),
                static_cast<unsigned>(date.day()), static_cast<long long>(time.hours().count()),
                static_cast<long long>(time.minutes().count()),
                static_cast<long long>(time.seconds().count()));
  return text;
}

}  // namespace

WallMs CoreGateway::wall_now() const {
  if (options_.wall_now) {
    return options_.wall_now();
  }
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

void CoreGateway::send_store_condition(core::Condition condition, bool present) {
  LoopInput input;
  input.kind = LoopInput::Kind::kStoreCondition;
  input.value = store_condition_value(condition, present);
  inputs_.push_back(std::move(input));
}

void CoreGateway::note_store_failure(const char* what) {
  pass_failed_ = true;
  failed_write_ = what;
  const auto now = std::chrono::steady_clock::now();
  next_retry_ = now + options_.store_retry_period;
  if (!store_failing_) {
    store_failing_ = true;
    last_failure_log_ = now;
    spdlog::error(
        "store failed: a {} write was refused ({}); the record is kept and retried, and the "
        "next pulse is blocked (store_failed)",
        what, store_.last_error());
    send_store_condition(core::Condition::kStoreFailed, true);
    return;
  }
  // Rate-limited: a store that keeps failing is retried every store_retry_period.
  if (now - last_failure_log_ >= kFailureLogPeriod) {
    last_failure_log_ = now;
    spdlog::error("store still refuses writes ({} write: {}); {} records held, retrying", what,
                  store_.last_error(), unstored());
  }
}

void CoreGateway::settle_store_failure() {
  if (!store_failing_ || !retry_due_ || pass_failed_ || unstored() > 0) {
    return;
  }
  store_failing_ = false;
  failed_write_.clear();
  spdlog::info("store takes writes again: every record held was stored (store_failed clears)");
  send_store_condition(core::Condition::kStoreFailed, false);
}

bool CoreGateway::append_timed(StoredEvent& event) {
  const auto began = std::chrono::steady_clock::now();
  const bool stored = store_.append_event(event);
  figures_.event_commit.observe(std::chrono::steady_clock::now() - began);
  return stored;
}

void CoreGateway::store_own_events() {
  while (!own_events_.empty() && may_write()) {
    StoredEvent& e = own_events_.front();
    if (!append_timed(e)) {
      note_store_failure("event");
      return;
    }
    const StoredEvent stored = std::move(e);
    own_events_.pop_front();
    for (DeviceListener* l : std::vector<DeviceListener*>(listeners_)) {
      l->on_event(stored);
    }
  }
}

void CoreGateway::store_sessions() {
  while (!session_writes_.empty() && may_write()) {
    const SessionWrite& w = session_writes_.front();
    if (w.open) {
      // A retry after a refusal that did commit finds the record already there.
      if (!store_.open_session(*w.open) && !store_.session(w.open->id)) {
        note_store_failure("session");
        return;
      }
    } else if (w.reopen_id != 0) {
      if (!store_.reopen_session(w.reopen_id)) {
        note_store_failure("session resuming");
        return;
      }
    } else if (!store_.close_session(w.close_id, w.closed_at, "closed")) {
      note_store_failure("session closing");
      return;
    }
    session_writes_.pop_front();
  }
}

void CoreGateway::store_identities() {
  for (std::size_t b = 0; b < boards_.size(); ++b) {
    if (!identity_unsaved_[b] || !may_write()) {
      continue;
    }
    if (!store_.save_board_identity(boards_[b])) {
      note_store_failure("board identity");
      return;
    }
    identity_unsaved_[b] = false;
  }
}

void CoreGateway::check_clock() {
  const std::optional<WallMs> latest = store_.latest_record_at();
  const WallMs now = wall_now();
  if (latest && now >= *latest) {
    return;
  }
  clock_behind_ = true;
  // A check that could not run has not passed (STYLE).
  clock_problem_ = latest ? "the wall clock (" + utc_text(now) +
                                ") is earlier than the latest stored record (" + utc_text(*latest) +
                                ")"
                          : "the latest stored record's time could not be read";
  clock_problem_ += ": arming is refused until a service engineer confirms the time";
  spdlog::warn("{} (clock_behind_records)", clock_problem_);
  send_store_condition(core::Condition::kClockBehindRecords, true);
}

bool CoreGateway::confirm_clock() {
  if (!clock_behind_) {
    return false;
  }
  clock_behind_ = false;
  spdlog::warn(
      "the wall clock ({}) was confirmed by a service engineer (clock_behind_records "
      "clears)",
      utc_text(wall_now()));
  clock_problem_.clear();
  send_store_condition(core::Condition::kClockBehindRecords, false);
  send_inputs();
  return true;
}

std::string CoreGateway::store_problem() const {
  std::string problem = options_.store_unusable;
  const auto add = [&](const std::string& text) {
    if (!text.empty()) {
      problem += (problem.empty() ? "" : "; ") + text;
    }
  };
  add(clock_problem_);
  if (store_failing_) {
    add("the store refused a " + failed_write_ + " write (" + store_.last_error() +
        "): " + std::to_string(unstored()) + " records are held and retried");
  }
  return problem;
}

}  // namespace rfneedle::daemon

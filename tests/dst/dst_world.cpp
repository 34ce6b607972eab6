#include "tests/dst/dst_world.h"

#include <cmath>
#include <cstdio>

#include "controller/daemon/stored_names.h"

namespace rfneedle::dst {

Duration Rng::log_ms(double lo, double hi) {
  const double v = std::exp(real(std::log(lo), std::log(hi)));
  return microseconds(static_cast<std::int64_t>(v * 1000));
}

void Log::line(Instant at, const std::string& text) {
  std::string full = ms_text(at) + " " + text;
  for (const char c : full) {
    hash_ = (hash_ ^ static_cast<std::uint8_t>(c)) * 0x100000001b3ULL;
  }
  if (verbose_) {
    std::printf("%s\n", full.c_str());
  }
  last_.push_back(std::move(full));
  if (last_.size() > kKept) {
    last_.pop_front();
  }
}

void Log::mix(std::uint64_t value) {
  for (int i = 0; i < 8; ++i) {
    hash_ = (hash_ ^ ((value >> (8 * i)) & 0xFF)) * 0x100000001b3ULL;
  }
}

std::string Log::tail() const {
  std::string out;
  for (const std::string& l : last_) {
    out += "  " + l + "\n";
  }
  return out;
}

std::string ms_text(Instant t) {
  char buffer[32];
  const auto us = t.time_since_epoch().count();
  std::snprintf(buffer, sizeof buffer, "%lld.%03lld", static_cast<long long>(us / 1000),
                static_cast<long long>(us % 1000));
  return buffer;
}

std::string describe(const core::CoreEvent& e) {
  std::string s = "core ";
  s += daemon::stored_name(e.kind);
  s += " ";
  s += core::name(e.state);
  if (e.condition) {
    s += " ";
    s += core::spec(*e.condition).name;
  } else if (!e.text.empty()) {
    s += " '";
    s += e.text;
    s += "'";
  }
  if (!e.detail.empty()) {
    s += " (";
    s += e.detail;
    s += ")";
  }
  if (e.value != 0) {
    s += " " + std::to_string(e.value);
  }
  return s;
}

// --- Shell -------------------------------------------------------------------------------

void Shell::power_on() {
  reserved_ = std::max(store.reserved_pulse_ids(), store.last_pulse_id());
  const std::uint64_t last = reserved_;
  (void)store.reserve_pulse_ids(last + kPulseIdWindow);
  reserved_ = last + kPulseIdWindow;
  highest_ = last;
  std::vector<core::LatchRecord> latches;
  for (const daemon::StoredLatch& l : store.active_latches()) {
    latches.push_back(l.latch);
  }
  restored_latches = !latches.empty();
  core::Core& c = d_.core();
  c.allow_pulse_ids_up_to(reserved_, d_.now());
  c.restore(latches, last, d_.now());
  d_.send_commands();
}

void Shell::take_new() {
  const Instant due = d_.now() + delay_;
  for (; records_seen_ < d_.records.size(); ++records_seen_) {
    queue_.push_back(Pending{due, d_.records[records_seen_]});
  }
  for (; latches_seen_ < d_.latches.size(); ++latches_seen_) {
    queue_.push_back(Pending{due, d_.latches[latches_seen_]});
  }
}

void Shell::step() {
  if (!d_.controller_running()) {
    return;
  }
  take_new();
  // In order: a record waits for the ones before it (CoreGateway writes them in order).
  while (!queue_.empty() && queue_.front().due <= d_.now()) {
    const Pending p = queue_.front();
    queue_.pop_front();
    write(p);
  }
  reserve_ahead();
}

void Shell::write(const Pending& p) {
  if (const auto* latch = std::get_if<core::LatchRecord>(&p.record)) {
    (void)store.save_latch(daemon::StoredLatch{*latch, 0, {}, {}});
    return;
  }
  const core::PulseRecord& r = std::get<core::PulseRecord>(p.record);
  (void)store.save_pulse(daemon::StoredPulse{r, 0, core::BodyArea::kCheek, false});
  highest_ = std::max(highest_, r.pulse_id);
  if (r.outcome != core::PulseOutcome::kStarted) {
    d_.core().on_record_stored(r.pulse_id, d_.now());
    d_.send_commands();
  }
}

void Shell::reserve_ahead() {
  if (reserved_ - std::min(reserved_, highest_) > kPulseIdWindow / 2) {
    return;
  }
  reserved_ = highest_ + kPulseIdWindow;
  (void)store.reserve_pulse_ids(reserved_);
  d_.core().allow_pulse_ids_up_to(reserved_, d_.now());
  d_.send_commands();
}

void Shell::crash() {
  if (d_.controller_running()) {
    take_new();
  }
  for (const Pending& p : queue_) {
    if (const auto* r = std::get_if<core::PulseRecord>(&p.record);
        r != nullptr && r->outcome != core::PulseOutcome::kStarted) {
      lost_records.insert(r->pulse_id);
    }
  }
  queue_.clear();
  d_.crash();
  log_.line(d_.now(), "controller crashed");
}

void Shell::restart() {
  log_.line(d_.now(), "controller restarts");
  // A new process: the records it produces are new ones.
  records_seen_ = d_.records.size();
  latches_seen_ = d_.latches.size();
  reserved_ = std::max(store.reserved_pulse_ids(), store.last_pulse_id());
  const std::uint64_t last = reserved_;
  (void)store.reserve_pulse_ids(last + kPulseIdWindow);
  reserved_ = last + kPulseIdWindow;
  highest_ = last;
  std::vector<core::LatchRecord> latches;
  for (const daemon::StoredLatch& l : store.active_latches()) {
    latches.push_back(l.latch);
  }
  restored_latches = !latches.empty();
  d_.restart(latches, last, reserved_);
}

}  // namespace rfneedle::dst

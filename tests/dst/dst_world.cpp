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
  // The first process: the controller WholeDevice built is this one's.
  reserved_ = std::max(store.reserved_pulse_ids(), store.last_pulse_id());
  const std::uint64_t last = reserved_;
  (void)store.reserve_pulse_ids(last + kPulseIdWindow);
  reserved_ = last + kPulseIdWindow;
  highest_ = last;
  restored_latches = false;
  reader_.read_at_connect(daemon::reconcile_from(store), last);
  d_.set_board_records(this);
  core::Core& c = d_.core();
  c.allow_pulse_ids_up_to(reserved_, d_.now());
  c.restore({}, last, store.last_session_id(), d_.now());
  d_.send_commands();
}

void Shell::take_new() {
  // A session the core opened is stored as rfneedled stores it on the open's answer, so a
  // restarted core continues its session IDs (SR-62).
  const std::uint64_t id = d_.core().status().session_id;
  if (id != open_session_ && open_session_ != 0) {
    (void)store.close_session(open_session_, 0, "closed");
  }
  if (id != open_session_ && id > store.last_session_id()) {
    daemon::SessionRecord session;
    session.id = id;
    session.outcome = "open";
    (void)store.open_session(session);
  }
  open_session_ = id;
  const Instant due = d_.now() + delay_;
  for (; records_seen_ < d_.records.size(); ++records_seen_) {
    const core::PulseRecord& r = d_.records[records_seen_];
    if (r.outcome == core::PulseOutcome::kStarted) {
      reader_.on_pulse_id_used(r.pulse_id);
    }
    queue_.push_back(Pending{due, r});
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
  // The safety thread: a lost generator link means the pulse in flight is read from the
  // log at the next handshake.
  if (const std::uint64_t faults = d_.bridge().generator().link_stats().link_faults;
      faults != generator_link_faults_) {
    generator_link_faults_ = faults;
    reader_.on_link_lost();
  }
  follow_pulse_log();
  // The service thread. In order: a record waits for the ones before it (CoreGateway
  // writes them in order).
  while (!queue_.empty() && queue_.front().due <= d_.now()) {
    const Pending p = queue_.front();
    queue_.pop_front();
    write(p);
  }
  reconcile_pulse_logs();
  reserve_ahead();
}

void Shell::follow_pulse_log() {
  const Instant now = d_.now();
  if (generator_connected_) {
    generator_connected_ = false;
    if (const auto first = reader_.on_connected()) {
      query_ = first;
      log_.line(now, "shell reads the generator's pulse log from pulse " +
                         std::to_string(first->from_pulse_id));
    }
  }
  if (!query_ && reader_.reading() && now - asked_at_ >= seconds(1)) {
    query_ = reader_.current_query();  // unanswered: asked again
  }
  if (query_) {
    d_.bridge().query_pulse_log(query_->from_pulse_id, query_->max_entries);
    asked_at_ = now;
    query_.reset();
  }
  if (const daemon::PulseLogRead* read = reader_.finished()) {
    reads_.push_back(PendingRead{*read, now});
    reader_.take_finished();
  }
}

void Shell::reconcile_pulse_logs() {
  while (!reads_.empty()) {
    const PendingRead& pending = reads_.front();
    const daemon::PulseLogRead& read = pending.read;
    // The core's own final record of a pulse the read covers comes first, unless late.
    if (unfinished_ && *unfinished_ >= read.from_pulse_id &&
        d_.now() - pending.arrived < seconds(5)) {
      return;
    }
    daemon::ReconcileScope scope = daemon::scope_of(read);
    scope.session_id = d_.core().status().session_id;
    const std::span<const daemon::LoggedPulse> entries(read.entries.data(), read.count);
    const daemon::ReconcileResult result = daemon::reconcile(store, entries, scope);
    for (const daemon::LoggedPulse& logged : entries) {
      reconciled_[logged.pulse_id] = logged;
    }
    reconciled += static_cast<int>(result.added.size() + result.completed.size());
    if (result.changed() || !result.contradicted.empty()) {
      log_.line(d_.now(), "shell reconciled the pulse log from " +
                              std::to_string(read.from_pulse_id) + ": " +
                              std::to_string(result.added.size()) + " added, " +
                              std::to_string(result.completed.size()) + " completed, " +
                              std::to_string(result.not_delivered.size()) + " not delivered, " +
                              std::to_string(result.contradicted.size()) + " contradicted");
    }
    reads_.pop_front();
  }
}

void Shell::on_identity(core::Board board, const device::HandshakeReply& /*reply*/) {
  generator_connected_ = generator_connected_ || board == core::Board::kGenerator;
}

void Shell::on_pulse_ended(const device::PulseLogEntry& entry) {
  reader_.on_pulse_ended(entry.pulse_id());
}

void Shell::on_pulse_log(const device::PulseLogReply& reply) { query_ = reader_.on_reply(reply); }

void Shell::on_counters(core::Board /*board*/, const device::CountersReply& /*reply*/) {}

void Shell::write(const Pending& p) {
  if (const auto* latch = std::get_if<core::LatchRecord>(&p.record)) {
    (void)store.save_latch(daemon::StoredLatch{*latch, 0, {}, {}});
    return;
  }
  const core::PulseRecord& r = std::get<core::PulseRecord>(p.record);
  daemon::StoredPulse stored{r, 0, core::BodyArea::kCheek, false, "", ""};
  if (const auto logged = reconciled_.find(r.pulse_id); logged != reconciled_.end()) {
    // The generator's log was read before the core finished this record (SR-70).
    daemon::complete_from_log(stored, logged->second);
  }
  (void)store.save_pulse(stored);
  if (r.outcome == core::PulseOutcome::kStarted) {
    unfinished_ = r.pulse_id;
  } else if (unfinished_ == r.pulse_id) {
    unfinished_.reset();
  }
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
  reader_ = daemon::PulseLogReader{};
  reader_.read_at_connect(daemon::reconcile_from(store), last);
  // The session the crash left open (SR-70).
  const daemon::InterruptedSessions closed = daemon::close_interrupted_sessions(store, 0);
  interrupted_sessions += static_cast<int>(closed.closed.size());
  for (const std::uint64_t id : closed.closed) {
    log_.line(d_.now(), "shell closed session " + std::to_string(id) + " as interrupted");
  }
  open_session_ = 0;
  generator_connected_ = false;
  query_.reset();
  reads_.clear();
  reconciled_.clear();
  unfinished_.reset();
  generator_link_faults_ = 0;
  d_.restart(latches, last, reserved_, store.last_session_id());
}

}  // namespace rfneedle::dst

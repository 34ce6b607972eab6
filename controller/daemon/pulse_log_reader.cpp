#include "controller/daemon/pulse_log_reader.h"

#include <algorithm>

namespace rfneedle::daemon {

void PulseLogReader::want_from(std::uint64_t pulse_id) {
  wanted_from_ = std::min(wanted_from_.value_or(pulse_id), pulse_id);
}

void PulseLogReader::read_at_connect(std::uint64_t from_pulse_id, std::uint64_t last_reserved) {
  want_from(from_pulse_id);
  last_used_ = std::max(last_used_, last_reserved);
}

void PulseLogReader::on_pulse_id_used(std::uint64_t pulse_id) {
  last_used_ = std::max(last_used_, pulse_id);
  if (!unconfirmed_from_) {
    unconfirmed_from_ = pulse_id;
  }
}

void PulseLogReader::on_pulse_ended(std::uint64_t pulse_id) {
  // Pulses run one at a time: the latest one ended confirms every one before it.
  if (pulse_id >= last_used_) {
    unconfirmed_from_.reset();
  }
}

void PulseLogReader::on_link_lost() {
  if (unconfirmed_from_) {
    want_from(*unconfirmed_from_);
  }
  if (reading_) {
    want_from(read_.from_pulse_id);
    reading_ = false;
  }
}

std::optional<PulseLogReader::Query> PulseLogReader::on_connected() {
  if (!wanted_from_ || reading_ || finished_) {
    return std::nullopt;
  }
  read_ = PulseLogRead{};
  read_.from_pulse_id = *wanted_from_;
  read_.through_pulse_id = last_used_;
  wanted_from_.reset();
  next_from_ = read_.from_pulse_id;
  reading_ = true;
  // What is unconfirmed now is covered by this read.
  unconfirmed_from_.reset();
  return current_query();
}

std::optional<PulseLogReader::Query> PulseLogReader::current_query() const {
  if (!reading_) {
    return std::nullopt;
  }
  return Query{next_from_, 4};
}

std::optional<PulseLogReader::Query> PulseLogReader::on_reply(const device::PulseLogReply& reply) {
  if (!reading_) {
    return std::nullopt;
  }
  bool progressed = false;
  for (const device::PulseLogEntry& entry : reply.entries()) {
    // Oldest first and from the ID asked: anything else is not an answer to this query.
    if (entry.pulse_id() < next_from_) {
      ++read_.implausible;
      continue;
    }
    next_from_ = entry.pulse_id() + 1;
    progressed = true;
    const std::optional<LoggedPulse> logged = to_logged_pulse(entry);
    if (!logged) {
      ++read_.implausible;
      continue;
    }
    if (read_.count == PulseLogRead::kCapacity) {
      read_.truncated = true;
      break;
    }
    read_.entries[read_.count++] = *logged;
  }
  if (reply.more() && progressed && !read_.truncated) {
    return current_query();
  }
  finish();
  return std::nullopt;
}

void PulseLogReader::finish() {
  reading_ = false;
  finished_ = true;
}

}  // namespace rfneedle::daemon

#include "hal/link_session.h"

#include <algorithm>
#include <cstring>

namespace rfneedle::hal {
namespace {

// How far `to` is ahead of `from` in the 16-bit sequence space.
[[nodiscard]] std::uint16_t distance(std::uint16_t from, std::uint16_t to) {
  return static_cast<std::uint16_t>(to - from);
}

constexpr std::uint16_t kHalfSequenceSpace = 0x8000;

}  // namespace

LinkSession::LinkSession(LinkConfig config, LinkListener& listener, Instant now)
    : config_(config), listener_(listener), last_valid_frame_(now) {}

void LinkSession::reset(std::uint64_t nonce, Instant now) {
  nonce_ = nonce;
  faulted_ = false;
  urgent_.clear();
  reliable_.clear();
  unreliable_.clear();
  in_flight_.clear();
  next_seq_ = 0;
  received_any_reliable_ = false;
  expected_seq_ = 0;
  ack_owed_ = false;
  last_valid_frame_ = now;
  have_sample_ = false;
}

bool LinkSession::fill(Payload& slot, std::span<const std::uint8_t> payload) {
  if (payload.size() > slot.bytes.size()) {
    return false;
  }
  if (!payload.empty()) {
    std::memcpy(slot.bytes.data(), payload.data(), payload.size());
  }
  slot.size = payload.size();
  return true;
}

SendResult LinkSession::send_reliable(std::span<const std::uint8_t> payload) {
  if (payload.size() > kMaxPayloadBytes) {
    return SendResult::kTooLarge;
  }
  if (faulted_) {
    return SendResult::kLinkFaulted;
  }
  Payload* slot = reliable_.push_back();
  if (slot == nullptr) {
    ++stats_.send_queue_full;
    return SendResult::kQueueFull;
  }
  (void)fill(*slot, payload);
  return SendResult::kQueued;
}

SendResult LinkSession::send_unreliable(std::span<const std::uint8_t> payload) {
  if (payload.size() > kMaxPayloadBytes) {
    return SendResult::kTooLarge;
  }
  Payload* slot = unreliable_.push_back();
  if (slot == nullptr) {
    ++stats_.send_queue_full;
    return SendResult::kQueueFull;
  }
  (void)fill(*slot, payload);
  return SendResult::kQueued;
}

SendResult LinkSession::send_urgent(std::span<const std::uint8_t> payload, Delivery delivery) {
  if (payload.size() > kMaxPayloadBytes) {
    return SendResult::kTooLarge;
  }
  if (delivery == Delivery::kReliable && faulted_) {
    return SendResult::kLinkFaulted;
  }
  UrgentFrame* slot = urgent_.push_back();
  if (slot == nullptr) {
    ++stats_.send_queue_full;
    return SendResult::kQueueFull;
  }
  (void)fill(slot->payload, payload);
  slot->delivery = delivery;
  return SendResult::kQueued;
}

std::uint32_t LinkSession::note_telemetry_sample(std::uint32_t sample_counter) {
  if (!have_sample_) {
    have_sample_ = true;
    last_sample_ = sample_counter;
    return 0;
  }
  const std::uint32_t ahead = sample_counter - last_sample_;
  // A repeated or older counter (a duplicated or reordered frame) is no gap and no news.
  if (ahead == 0 || ahead >= 0x80000000U) {
    return 0;
  }
  last_sample_ = sample_counter;
  const std::uint32_t missing = ahead - 1;
  stats_.telemetry_gaps += missing;
  return missing;
}

void LinkSession::on_bytes(std::span<const std::uint8_t> bytes, Instant now) {
  stats_.bytes_received += bytes.size();
  for (std::uint8_t byte : bytes) {
    if (decoder_.push(byte) != DecodeStatus::kFrame) {
      continue;
    }
    last_valid_frame_ = now;
    ++stats_.frames_received;
    on_frame(decoder_.header(), decoder_.payload());
  }
  stats_.decoder = decoder_.stats();
}

void LinkSession::on_frame(const FrameHeader& header, std::span<const std::uint8_t> payload) {
  if ((header.flags & frame_flags::kAckValid) != 0) {
    on_ack(header.ack);
  }
  if ((header.flags & frame_flags::kReliable) == 0) {
    if (payload.empty()) {
      return;  // a bare acknowledgement
    }
    ++stats_.delivered_unreliable;
    listener_.on_payload({Delivery::kUnreliable, 0, payload});
    return;
  }
  if (header.seq == expected_seq_) {
    received_any_reliable_ = true;
    expected_seq_ = static_cast<std::uint16_t>(header.seq + 1);
    ack_owed_ = true;
    ++stats_.delivered_reliable;
    listener_.on_payload({Delivery::kReliable, header.seq, payload});
    return;
  }
  // Repeating the cumulative ack is what lets the sender's go-back-N recover.
  ack_owed_ = received_any_reliable_;
  if (distance(header.seq, expected_seq_) <= kHalfSequenceSpace) {
    ++stats_.duplicates_received;
    return;
  }
  ++stats_.out_of_order_received;
}

void LinkSession::on_ack(std::uint16_t ack) {
  if (in_flight_.empty()) {
    return;
  }
  const std::size_t covered = std::size_t{distance(in_flight_.front().seq, ack)} + 1;
  if (covered > in_flight_.size()) {
    return;  // an old or foreign acknowledgement
  }
  for (std::size_t i = 0; i < covered; ++i) {
    in_flight_.pop_front();
  }
  stats_.acks_received += covered;
}

void LinkSession::tick(Instant now) {
  if (faulted_) {
    return;
  }
  if (config_.dead_link_after > Duration::zero() &&
      now - last_valid_frame_ >= config_.dead_link_after) {
    declare_fault(LinkFault::kSilence);
    return;
  }
  if (in_flight_.empty()) {
    return;
  }
  // Frames are written in sequence order, so the oldest is always the first one due.
  // Go-back-N: a retransmission resends every later frame too, and each of them counts
  // it, so no frame is ever written more than 1 + max_retries times (SR-33).
  const InFlightFrame& oldest = in_flight_.front();
  if (oldest.awaiting_write || now - oldest.last_written < config_.retransmit_after) {
    return;
  }
  if (oldest.retries >= config_.max_retries) {
    declare_fault(LinkFault::kRetriesExhausted);
    return;
  }
  for (std::size_t i = 0; i < in_flight_.size(); ++i) {
    in_flight_[i].awaiting_write = true;
    ++in_flight_[i].retries;
  }
}

void LinkSession::declare_fault(LinkFault fault) {
  faulted_ = true;
  ++stats_.link_faults;
  in_flight_.clear();
  reliable_.clear();
  for (std::size_t i = urgent_.size(); i-- > 0;) {
    if (urgent_[i].delivery == Delivery::kReliable) {
      urgent_.erase(i);
    }
  }
  listener_.on_link_fault(fault);
}

std::size_t LinkSession::normal_in_flight() const {
  std::size_t n = 0;
  for (std::size_t i = 0; i < in_flight_.size(); ++i) {
    n += in_flight_[i].urgent ? 0 : 1;
  }
  return n;
}

bool LinkSession::retransmission_due() const {
  for (std::size_t i = 0; i < in_flight_.size(); ++i) {
    if (in_flight_[i].awaiting_write) {
      return true;
    }
  }
  return false;
}

bool LinkSession::has_output() const {
  if (!urgent_.empty() || !unreliable_.empty() || ack_owed_ || retransmission_due()) {
    return true;
  }
  return !reliable_.empty() && normal_in_flight() < kWindow;
}

LinkSession::Write LinkSession::write_frame(std::uint8_t flags, std::uint16_t seq,
                                            std::span<const std::uint8_t> payload,
                                            std::span<std::uint8_t> out, std::size_t& written) {
  FrameHeader header;
  header.flags = flags;
  header.seq = seq;
  if (received_any_reliable_) {
    header.flags |= frame_flags::kAckValid;
    header.ack = static_cast<std::uint16_t>(expected_seq_ - 1);
  }
  const std::size_t size = encode_frame(header, payload, scratch_);
  if (size == 0) {
    return Write::kHeld;  // cannot happen for a payload the send functions accepted
  }
  if (pulse_mode_ && size > kPulseWireLimit) {
    return Write::kHeld;
  }
  if (size > out.size() - written) {
    return Write::kNoRoom;
  }
  std::memcpy(out.data() + written, scratch_.data(), size);
  written += size;
  ack_owed_ = false;
  ++stats_.frames_sent;
  stats_.bytes_sent += size;
  return Write::kWritten;
}

LinkSession::Write LinkSession::write_new_in_flight(const Payload& payload, bool urgent,
                                                    std::span<std::uint8_t> out,
                                                    std::size_t& written, Instant now) {
  if (in_flight_.full()) {
    return Write::kHeld;
  }
  const Write w = write_frame(frame_flags::kReliable, next_seq_, payload.view(), out, written);
  if (w != Write::kWritten) {
    return w;
  }
  InFlightFrame* frame = in_flight_.push_back();
  frame->payload = payload;
  frame->seq = next_seq_;
  frame->last_written = now;
  frame->retries = 0;
  frame->awaiting_write = false;
  frame->urgent = urgent;
  next_seq_ = static_cast<std::uint16_t>(next_seq_ + 1);
  ++stats_.reliable_sent;
  return Write::kWritten;
}

LinkSession::Write LinkSession::write_retransmissions(std::span<std::uint8_t> out,
                                                      std::size_t& written, Instant now) {
  for (std::size_t i = 0; i < in_flight_.size(); ++i) {
    InFlightFrame& frame = in_flight_[i];
    if (!frame.awaiting_write) {
      continue;
    }
    const Write w =
        write_frame(frame_flags::kReliable, frame.seq, frame.payload.view(), out, written);
    if (w != Write::kWritten) {
      return w;
    }
    frame.awaiting_write = false;
    frame.last_written = now;
    ++stats_.retransmissions;
  }
  return Write::kWritten;
}

LinkSession::Write LinkSession::write_urgent(std::span<std::uint8_t> out, std::size_t& written,
                                             Instant now) {
  while (!urgent_.empty()) {
    const UrgentFrame& frame = urgent_.front();
    if (frame.delivery == Delivery::kUnreliable) {
      const Write w = write_frame(0, 0, frame.payload.view(), out, written);
      if (w != Write::kWritten) {
        return w;
      }
      urgent_.pop_front();
      continue;
    }
    // The urgent frame goes ahead of due retransmissions too, so a lost-then-resent
    // command never reaches the board before the stop (DESIGN 3). A peer that lost the
    // earlier frames drops this one as out of order, so it is due again right behind
    // them: go-back-N, counted as one of its retransmissions (SR-33).
    const bool behind_due_frames = retransmission_due();
    const Write w = write_new_in_flight(frame.payload, true, out, written, now);
    if (w != Write::kWritten) {
      return w;
    }
    if (behind_due_frames) {
      InFlightFrame& sent = in_flight_.back();
      sent.awaiting_write = true;
      ++sent.retries;
    }
    urgent_.pop_front();
  }
  return Write::kWritten;
}

bool LinkSession::write_unreliable(std::span<std::uint8_t> out, std::size_t& written) {
  // Unreliable payloads carry no order, so a large one held by pulse mode lets the small
  // ones behind it pass.
  std::size_t i = 0;
  while (i < unreliable_.size()) {
    switch (write_frame(0, 0, unreliable_[i].view(), out, written)) {
      case Write::kWritten:
        unreliable_.erase(i);
        break;
      case Write::kHeld:
        ++i;
        break;
      case Write::kNoRoom:
        return false;
    }
  }
  return true;
}

void LinkSession::write_new_reliable(std::span<std::uint8_t> out, std::size_t& written,
                                     Instant now) {
  while (!reliable_.empty() && normal_in_flight() < kWindow) {
    if (write_new_in_flight(reliable_.front(), false, out, written, now) != Write::kWritten) {
      return;
    }
    reliable_.pop_front();
  }
}

std::size_t LinkSession::take_output(std::span<std::uint8_t> out, Instant now) {
  std::size_t written = 0;
  // Strict priority (urgent, due retransmissions, unreliable, new reliable), except that
  // a frame held by pulse mode lets smaller ones pass; new reliable frames never pass a
  // held urgent or retransmitted one.
  const Write urgent = write_urgent(out, written, now);
  if (urgent == Write::kNoRoom) {
    return written;
  }
  const Write retransmitted = write_retransmissions(out, written, now);
  if (retransmitted == Write::kNoRoom || !write_unreliable(out, written)) {
    return written;
  }
  if (urgent == Write::kWritten && retransmitted == Write::kWritten) {
    write_new_reliable(out, written, now);
  }
  if (ack_owed_ && write_frame(0, 0, {}, out, written) == Write::kWritten) {
    ++stats_.bare_acks_sent;
  }
  return written;
}

}  // namespace rfneedle::hal

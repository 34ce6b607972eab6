// What both simulated boards' firmware do alike on their link (DESIGN 3): parse each
// command envelope, answer handshakes, hand heartbeats to the gate, refuse commands before
// a handshake, latch and report faults, clear the latches whose cause is gone and answer
// each reliable command with one CommandResult. `Command` and `Message` are the board's
// envelopes: GeneratorCommand and GeneratorMessage, or ActuatorCommand and ActuatorMessage.
// A board adds its commands, its safe state and its causes through the hooks below.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <span>

#include "hal/link_session.h"
#include "hal/time.h"
#include "proto/device.pb.h"
#include "simulator/firmware/board_link.h"
#include "simulator/firmware/command_parser.h"
#include "simulator/firmware/latched_faults.h"

namespace rfneedle::sim {

template <typename Command, typename Message>
class BoardFirmware : private hal::LinkListener {
 public:
  BoardFirmware(const BoardFirmware&) = delete;
  BoardFirmware& operator=(const BoardFirmware&) = delete;

  void on_bytes(std::span<const std::uint8_t> bytes, Instant now);
  [[nodiscard]] std::size_t take_output(std::span<std::uint8_t> out, Instant now);

  [[nodiscard]] std::uint32_t latched_faults() const { return latched_.bits(); }
  [[nodiscard]] std::uint64_t board_us(Instant now) const { return link_.board_us(now); }
  [[nodiscard]] const hal::LinkSession& session() const { return link_.session(); }
  // When the board last received a valid frame: its dead-man counts from here (SR-39).
  // A frame received since the last tick reaches the gate at the next one.
  [[nodiscard]] Instant last_valid_frame() const {
    return std::max(link_.gate().last_valid_frame(), link_.session().last_valid_frame());
  }

 protected:
  // Boots at `boot`; `rebooted` latches FAULT_REBOOT. The first session after boot starts
  // with a BOARD_EVENT_BOOTED.
  BoardFirmware(const BoardIdentity& identity, device::BoardKind kind, Instant boot, bool rebooted);
  ~BoardFirmware() = default;

  // ClearLatchedFaults: clears each bit of `mask` that is latched and whose cause is gone
  // (the dead-man's also in the gate); RESULT_LATCHED while any bit of `mask` stays set.
  [[nodiscard]] device::ResultCode clear_latched(std::uint32_t mask);
  void answer(std::uint32_t command_id, device::ResultCode result);
  // Latches `fault` and reports it with a reliable BOARD_EVENT_FAULT_LATCHED; false (and no
  // report) when it was latched already.
  bool latch(device::FaultCode fault, std::int32_t value, Instant now);
  void send_event(device::BoardEventKind kind, device::FaultCode fault, std::int32_t value,
                  Instant now);
  // The counters both boards keep: boots, uptime and the link's.
  void fill_counters(std::uint32_t boot_count, device::CountersReply& counters) const;
  // A latch of the board or its dead-man blocks everything but the safe direction.
  [[nodiscard]] bool latched() const { return latched_.any() || link_.gate().dead_man_latched(); }

  BoardLink link_;
  LatchedFaults latched_;
  Instant now_;
  // Answers, events and pulse ends, built anew each time.
  Message message_;

 private:
  // A reliable, numbered command of a session that has had its handshake.
  virtual void execute(const Command& command) = 0;
  // Whether the cause of a latched fault is still present (its latch then stays).
  [[nodiscard]] virtual bool latch_cause_present(device::FaultCode fault) const = 0;
  // A heartbeat ordered RF off (SR-37): called inside the call that delivered it.
  virtual void on_rf_off_ordered() {}
  // A handshake with a new nonce started a session: nothing of the old one may continue.
  virtual void on_new_session() {}
  // What only this board states in its HandshakeReply (the generator its voltage limit).
  virtual void complete_handshake_reply(device::HandshakeReply& /*reply*/) const {}

  void on_payload(const hal::ReceivedPayload& payload) final;
  void on_link_fault(hal::LinkFault) final {}
  void on_handshake(const device::HandshakeRequest& request);

  BoardIdentity identity_;
  device::BoardKind kind_;
  bool boot_reported_ = false;
  CommandParser<Command> parser_;
};

}  // namespace rfneedle::sim

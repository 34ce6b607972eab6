#include "simulator/process/serial_cables.h"

#include <cstdio>
#include <system_error>

#include "simulator/process/control_requests.h"
#include "simulator/process/pty_port.h"

namespace rfneedle::sim {
namespace {

constexpr std::size_t slot(CableBoard board) { return static_cast<std::size_t>(board); }

const char* name(CableBoard board) {
  return board == CableBoard::kGenerator ? "generator" : "actuator";
}

std::string answer(CableBoard board, bool plugged) {
  return std::string("{\"ok\":true,\"board\":\"") + name(board) +
         "\",\"plugged\":" + (plugged ? "true" : "false") + "}";
}

}  // namespace

std::string SerialCables::execute(const Cable& cable, Instant now) {
  if (cable.plug) {
    return plug(cable.board);
  }
  PtyPort& port = *ports_[slot(cable.board)];
  if (!port.unplug()) {
    return error_answer(std::string("the ") + name(cable.board) + " is already unplugged");
  }
  plug_at_[slot(cable.board)].reset();
  if (cable.duration) {
    plug_at_[slot(cable.board)] = now + *cable.duration;
  }
  std::optional<Instant> last_frame;
  if (cable.board == CableBoard::kGenerator && device_.generator() != nullptr) {
    last_frame = device_.generator()->last_valid_frame();
  } else if (cable.board == CableBoard::kActuator && device_.actuator() != nullptr) {
    last_frame = device_.actuator()->last_valid_frame();
  }
  std::string out = answer(cable.board, false);
  out.pop_back();
  out += ",\"sim_time_us\":" + std::to_string(now.time_since_epoch().count()) +
         ",\"last_frame_us\":" +
         (last_frame ? std::to_string(last_frame->time_since_epoch().count()) : "null") + "}";
  return out;
}

void SerialCables::tick(Instant now) {
  for (const CableBoard board : {CableBoard::kGenerator, CableBoard::kActuator}) {
    if (plug_at_[slot(board)] && now >= *plug_at_[slot(board)]) {
      const std::string result = plug(board);
      if (result.find("\"ok\":false") != std::string::npos) {
        std::fprintf(stderr, "rfneedle-sim: plugging the %s back: %s\n", name(board),
                     result.c_str());
      }
    }
  }
}

std::string SerialCables::plug(CableBoard board) {
  plug_at_[slot(board)].reset();
  try {
    if (!ports_[slot(board)]->plug()) {
      return error_answer(std::string("the ") + name(board) + " is already plugged in");
    }
  } catch (const std::system_error& e) {
    return error_answer(e.what());
  }
  return answer(board, true);
}

}  // namespace rfneedle::sim

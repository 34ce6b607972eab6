#include "controller/core/board_commands.h"

namespace rfneedle::core {
namespace {

Destination to(Board board) {
  return board == Board::kGenerator ? Destination::kGenerator : Destination::kActuator;
}

struct DestinationOf {
  Destination operator()(const Configure&) const { return Destination::kGenerator; }
  Destination operator()(const ConfigureNeedles&) const { return Destination::kActuator; }
  Destination operator()(const MeasureImpedance&) const { return Destination::kGenerator; }
  Destination operator()(const Insert&) const { return Destination::kActuator; }
  Destination operator()(const Retract&) const { return Destination::kActuator; }
  Destination operator()(const Home&) const { return Destination::kActuator; }
  Destination operator()(const HaltMotor&) const { return Destination::kActuator; }
  Destination operator()(const DeliverPulse&) const { return Destination::kGenerator; }
  Destination operator()(const Abort&) const { return Destination::kBoth; }
  Destination operator()(const Heartbeat& h) const { return to(h.board); }
  Destination operator()(const RelayOpen&) const { return Destination::kGenerator; }
  Destination operator()(const RelayClose&) const { return Destination::kGenerator; }
  Destination operator()(const ClearLatchedFault& c) const { return to(c.board); }
  Destination operator()(const CartridgeRead&) const { return Destination::kActuator; }
  Destination operator()(const CartridgeBind&) const { return Destination::kActuator; }
  Destination operator()(const CartridgeConsume&) const { return Destination::kActuator; }
  Destination operator()(const CalibrationMeasurement&) const { return Destination::kActuator; }
};

}  // namespace

Destination destination(const BoardCommand& command) {
  return std::visit(DestinationOf{}, command);
}

}  // namespace rfneedle::core

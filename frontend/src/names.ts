// Words for what the API sends. The screen renders the controller's values; these are
// only their names for a person.
import { AlarmPriority, BodyArea, CartridgeKind, State } from "./gen/api";

export const STATE_NAMES: Record<State, string> = {
  [State.STATE_UNSPECIFIED]: "Unknown",
  [State.STATE_CONNECTING]: "Connecting",
  [State.STATE_SELF_TEST]: "Self-test",
  [State.STATE_STANDBY]: "Standby",
  [State.STATE_READY]: "Ready: armed",
  [State.STATE_INSERTING]: "Pulse: inserting",
  [State.STATE_MEASURING]: "Pulse: measuring",
  [State.STATE_ENERGIZING]: "Pulse: RF on",
  [State.STATE_RETRACTING]: "Pulse: retracting",
  [State.STATE_PAUSED]: "Paused",
  [State.STATE_FAULT]: "Fault",
  [State.STATE_NEEDLE_STUCK]: "Needle stuck",
  [State.STATE_SERVICE_LOCK]: "Service lock",
  [State.STATE_SERVICE]: "Service mode",
  [State.STATE_SHUTTING_DOWN]: "Shutting down",
};

const CONDITIONS: Record<string, string> = {
  skin_warm: "Skin temperature 41 °C or more",
  skin_hot: "Skin temperature 43 °C or more: let it cool below 40 °C",
  skin_hot_during_pulse: "Skin reached 43 °C during the pulse",
  skin_overheat: "Skin temperature 45 °C or more",
  cartridge_near_limit: "Cartridge close to its pulse limit",
  cartridge_missing: "No cartridge in the handpiece",
  cartridge_expired: "Cartridge expired",
  cartridge_at_limit: "Cartridge at its pulse limit",
  display_stale: "Touchscreen heartbeat stale",
  board_setup_refused: "A board refused its set-up",
  store_failed: "Records cannot be stored: next pulse blocked",
  clock_behind_records: "Clock earlier than the stored records: service must confirm the time",
  board_setup_pending: "Board set-up pending",
  inter_pulse_interval: "Inter-pulse interval",
  record_not_stored: "Pulse record not yet stored",
  pulse_id_not_reserved: "Pulse ID not yet reserved",
  desiccation: "Impedance rose: pulse ended (desiccation)",
  trigger_released: "Trigger released: pulse ended",
  impedance_out_of_window: "Impedance out of window: check needle contact",
  power_unreachable: "Planned power unreachable at this impedance",
  contact_lost: "Contact lost during the pulse",
  pulse_refused: "Pulse command refused by the generator",
  short_circuit: "Short circuit during the pulse",
  power_deviation: "Delivered power off its set-point",
  energy_overrun: "Energy above plan",
  rf_uncommanded: "RF on when not commanded",
  rf_still_active: "RF still active after RF off",
  relay_fault: "RF output relay fault",
  generator_telemetry_gap: "Generator telemetry gap",
  actuator_telemetry_gap: "Actuator telemetry gap",
  link_fault: "Board link fault",
  board_fault: "Board fault",
  board_dead_man: "Board dead-man tripped",
  pulse_time_cap: "Generator pulse time cap",
  at_depth_lost: "Needles-at-depth line lost",
  not_at_depth: "Needles did not reach depth",
  not_retracted: "Needles did not retract",
  encoder_mismatch: "Encoder and motor disagree",
  motor_stall: "Motor stall",
  estop: "Emergency stop pressed",
  trigger_disagree: "Trigger contacts disagree",
  heatsink_warm: "Generator heatsink warm",
  heatsink_overheat: "Generator heatsink over-temperature",
  telemetry_implausible: "Sensor input missing, out of range or stale",
  retraction_failed: "Needle stuck: retraction failed",
  needle_stuck: "Needle stuck",
  thermistor_out_of_range: "Skin thermistor out of range",
  thermistor_rate: "Skin thermistor changing implausibly fast",
  thermistor_disagree: "Skin thermistors disagree",
  thermistor_stuck: "Skin thermistors stuck",
  handshake_mismatch: "Board handshake mismatch",
  self_test_failed: "Self-test failed",
  repeated_fault: "Repeated fault (3 of one kind in the session)",
  internal_invariant: "Internal error",
  store_unusable: "Record store unusable: service required",
};

export function conditionText(name: string): string {
  return CONDITIONS[name] ?? name.replace(/_/g, " ");
}

export const PRIORITY_RANK: Record<AlarmPriority, number> = {
  [AlarmPriority.ALARM_PRIORITY_UNSPECIFIED]: 0,
  [AlarmPriority.ALARM_PRIORITY_NONE]: 0,
  [AlarmPriority.ALARM_PRIORITY_LOW]: 1,
  [AlarmPriority.ALARM_PRIORITY_MEDIUM]: 2,
  [AlarmPriority.ALARM_PRIORITY_HIGH]: 3,
};

// IEC 60601-1-8's markers and the words beside them.
export const PRIORITY_LOOK: Record<number, { cls: string; marker: string; word: string }> = {
  0: { cls: "", marker: "", word: "" },
  1: { cls: "low", marker: "*", word: "Low priority" },
  2: { cls: "medium", marker: "**", word: "Medium priority" },
  3: { cls: "high", marker: "***", word: "High priority" },
};

export function areaName(area: BodyArea): string {
  return area.replace("BODY_AREA_", "").toLowerCase();
}

export function cartridgeName(kind: CartridgeKind): string {
  switch (kind) {
    case CartridgeKind.CARTRIDGE_KIND_FACE:
      return "face";
    case CartridgeKind.CARTRIDGE_KIND_BODY:
      return "body";
    case CartridgeKind.CARTRIDGE_KIND_CALIBRATION_FIXTURE:
      return "calibration fixture";
    default:
      return "unknown";
  }
}

export function mm(um: number): string {
  return (um / 1000).toFixed(1);
}

export function joules(uj: string | number): string {
  return (Number(uj) / 1e6).toFixed(2);
}

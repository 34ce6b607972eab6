// Treatment: depth, power and conduction time on large steppers (one tap, one step, no
// auto-repeat), always showing the controller's confirmed set-points, never a pending one.
// A depth outside the area's range sits in a locked red zone; entering it needs an
// explicit unlock, sent as the API's confirmation (recorded by the controller, SR-61).
import { type App, errorText, type Screen } from "../app";
import { button, h, setText } from "../dom";
import { type Parameters, type SessionDetail, State } from "../gen/api";
import { areaName, cartridgeName, joules, mm } from "../names";

const ARMED = new Set<State>([
  State.STATE_READY,
  State.STATE_INSERTING,
  State.STATE_MEASURING,
  State.STATE_ENERGIZING,
  State.STATE_RETRACTING,
  State.STATE_PAUSED,
]);

interface Stepper {
  el: HTMLElement;
  value: HTMLElement;
  minus: HTMLButtonElement;
  plus: HTMLButtonElement;
}

function stepper(id: string, label: string, onStep: (dir: -1 | 1) => void): Stepper {
  const value = h("div", { class: "value", id: `${id}-value` }, "—");
  const minus = button("−", () => onStep(-1), "", `${id}-minus`);
  const plus = button("+", () => onStep(1), "", `${id}-plus`);
  const el = h("div", { class: "col" }, h("div", { class: "label" }, label), h("div", { class: "stepper", id }, minus, value, plus));
  return { el, value, minus, plus };
}

export function treatmentScreen(app: App): Screen {
  let busy = false;
  let unlockOutside = false; // the operator unlocked the red zone for the next depth step
  let detailFor = "";
  let detailBusy = false;
  let pulses = 0;
  let energyUj = 0;
  const message = h("p", { class: "error", id: "treatment-message", role: "status" });

  const send = async (change: Partial<Parameters>, confirm: boolean) => {
    const p = app.status?.parameters;
    if (!p || busy) return;
    busy = true;
    const reply = await app.act("PUT", "/parameters", {
      depth_um: change.depth_um ?? p.depth_um,
      power_mw: change.power_mw ?? p.power_mw,
      duration_ms: change.duration_ms ?? p.duration_ms,
      confirm_outside_range: confirm,
    });
    busy = false;
    setText(message, reply.status === 200 ? "" : errorText(reply));
    screen.update(app);
  };

  const areaRange = () => {
    const s = app.status;
    const preset = app.presets?.areas.find((p) => p.area === s?.session?.area);
    return preset ?? null;
  };

  const depth = stepper("depth", "Depth (mm)", (dir) => {
    const p = app.status?.parameters;
    const range = areaRange();
    const step = app.presets?.envelope?.depth_step_um ?? 100;
    if (!p || !range) return;
    const next = p.depth_um + dir * step;
    const outside = next < range.depth_min_um || next > range.depth_max_um;
    if (outside && !unlockOutside && !p.depth_confirmed) {
      setText(message, "Outside the area's range: unlock the red zone first.");
      unlock.hidden = false;
      return;
    }
    if (outside) unlockOutside = false; // one unlock, one confirmed step
    void send({ depth_um: next }, outside);
  });
  const power = stepper("power", "Power (W)", (dir) => {
    const p = app.status?.parameters;
    if (p) void send({ power_mw: p.power_mw + dir * 1000 }, !!p.depth_confirmed);
  });
  const time = stepper("time", "Conduction time (ms)", (dir) => {
    const p = app.status?.parameters;
    if (p) void send({ duration_ms: p.duration_ms + dir * 10 }, !!p.depth_confirmed);
  });
  const unlock = button("Unlock depth outside the area's range", () => {
    unlockOutside = true;
    unlock.hidden = true;
    setText(message, "Red zone unlocked: the next depth step outside the range is sent as confirmed.");
  }, "danger", "unlock-depth");
  unlock.hidden = true;

  const rangeText = h("div", { class: "muted", id: "depth-range" });
  const bar = h("div", { class: "depth-bar", id: "depth-bar" });
  const barRange = h("div", { class: "range" });
  const barMark = h("div", { class: "mark" });
  bar.append(barRange, barMark);
  const energyText = h("div", { id: "energy-plan" });
  const energyBar = h("div", { class: "energy-bar" });
  const energyFill = h("div", {});
  energyBar.append(energyFill);

  const arm = button("Arm", () => void toggleArm(), "primary", "arm");
  const toggleArm = async () => {
    const armed = app.status ? ARMED.has(app.status.state) : false;
    const reply = await app.act("POST", armed ? "/disarm" : "/arm", {});
    setText(message, reply.status === 200 ? "" : errorText(reply));
  };
  const close = button("End session", () => void endSession(), "", "end-session");
  const endSession = async () => {
    const id = app.status?.session?.id;
    const reply = await app.act("POST", "/session/close", {});
    if (reply.status === 200 && id) app.showSummary(id);
    else setText(message, errorText(reply));
  };
  const swapped = button("Cartridge swapped", () => void app.act("POST", "/session/cartridge", {}), "", "cartridge-swapped");

  const pulseCount = h("div", { class: "value", id: "pulse-count" }, "0");
  const energy = h("div", { class: "value", id: "energy-delivered" }, "0.00");
  const left = h("div", { class: "value", id: "pulses-left" }, "—");
  const lastPulse = h("div", { class: "muted", id: "last-pulse" });
  const sessionLine = h("div", { class: "muted", id: "session-line" });
  const impedanceEl = h("div", { id: "chart-impedance" });
  const skinEl = h("div", { id: "chart-skin" });

  const el = h(
    "div",
    { class: "treatment" },
    h(
      "div",
      { class: "col" },
      sessionLine,
      depth.el,
      rangeText,
      bar,
      unlock,
      power.el,
      time.el,
      energyText,
      energyBar,
      h("div", { class: "row" }, arm, close),
    ),
    h(
      "div",
      { class: "col" },
      h(
        "div",
        { class: "counters" },
        h("div", { class: "counter" }, h("div", { class: "label" }, "Pulses"), pulseCount),
        h("div", { class: "counter" }, h("div", { class: "label" }, "Energy delivered (J)"), energy),
        h("div", { class: "counter" }, h("div", { class: "label" }, "Cartridge pulses left"), left),
      ),
      lastPulse,
      h("div", { class: "charts" }, h("div", { class: "chart-title" }, "Impedance (Ω), expected band shaded, last 10 s"), impedanceEl,
        h("div", { class: "chart-title" }, "Skin temperature (°C, higher thermistor), last 10 s"), skinEl),
      h("div", { class: "row" }, swapped, message),
    ),
  );
  app.charts.mount(impedanceEl, skinEl);

  // The session's pulses and energy, as the store recorded them.
  const loadDetail = async (key: string, id: string) => {
    if (detailBusy) return;
    detailBusy = true;
    const reply = await app.act<SessionDetail>("GET", `/sessions/${id}`);
    detailBusy = false;
    if (!reply.body) return;
    detailFor = key;
    const delivered = reply.body.pulses.filter((p) => p.kind === "PULSE_KIND_TREATMENT" && Number(p.delivered_energy_uj) > 0);
    pulses = delivered.length;
    energyUj = delivered.reduce((sum, p) => sum + Number(p.delivered_energy_uj), 0);
    setText(pulseCount, String(pulses));
    setText(energy, joules(energyUj));
  };

  const screen: Screen = {
    el,
    unmount: () => app.charts.unmount(),
    update(a: App) {
      const s = a.status;
      if (!s) return;
      const p = s.parameters;
      const range = areaRange();
      const c = s.cartridge;
      const armed = ARMED.has(s.state);
      setText(sessionLine, `Session ${s.session?.id ?? ""}: ${range ? areaName(range.area) : ""}`);
      setText(depth.value, p ? mm(p.depth_um) : "—");
      setText(power.value, p ? String(p.power_mw / 1000) : "—");
      setText(time.value, p ? String(p.duration_ms) : "—");
      const editable = !!p && !busy && !armed;
      for (const st of [depth, power, time]) {
        st.minus.disabled = !editable;
        st.plus.disabled = !editable;
      }
      if (range && p) {
        const outside = p.depth_um < range.depth_min_um || p.depth_um > range.depth_max_um;
        depth.el.querySelector(".stepper")?.classList.toggle("outside", outside);
        setText(rangeText, `Area range ${mm(range.depth_min_um)}–${mm(range.depth_max_um)} mm${outside ? " — OUTSIDE, confirmed" : ""}`);
        const lo = a.presets?.envelope?.depth_min_um ?? 500;
        const hi = c?.max_depth_um ?? 7000;
        const pct = (v: number) => `${Math.max(0, Math.min(100, ((v - lo) / (hi - lo)) * 100))}%`;
        barRange.style.left = pct(range.depth_min_um);
        barRange.style.width = `calc(${pct(range.depth_max_um)} - ${pct(range.depth_min_um)})`;
        barMark.style.left = pct(p.depth_um);
      }
      if (p && c && a.presets?.envelope) {
        const cap = Number(a.presets.envelope.energy_per_needle_uj) * c.needle_count;
        setText(energyText, `Planned ${joules(p.planned_energy_uj)} J per pulse, cap ${joules(cap)} J`);
        energyFill.style.width = `${Math.min(100, (Number(p.planned_energy_uj) / cap) * 100)}%`;
      } else {
        setText(energyText, "Planned energy per pulse: —");
      }
      setText(arm, armed ? "Disarm" : "Arm");
      arm.classList.toggle("danger", armed);
      close.disabled = armed;
      setText(left, c ? String(c.pulses_left) : "—");
      const lp = s.last_pulse;
      setText(lastPulse, lp ? `Last pulse ${lp.pulse_id}: ${lp.outcome.replace("PULSE_OUTCOME_", "").toLowerCase()}, ${joules(lp.delivered_energy_uj)} J${lp.cause ? ` (${lp.cause.replace(/_/g, " ")})` : ""}` : "No pulse yet");
      if (c) lastPulse.title = `${cartridgeName(c.kind)} cartridge`;
      // The record is read again whenever what the store holds of the session's pulses
      // may have changed: a pulse started (its ID), ended (its outcome) and was stored
      // (record_not_stored cleared). Keyed on the ID alone, a pulse read while it was
      // running would be counted only when the next one started.
      const id = s.session?.id;
      const stored = !s.conditions.some((c) => c.name === "record_not_stored");
      const key = `${id}|${s.last_pulse_id}|${lp?.pulse_id ?? ""}|${lp?.outcome ?? ""}|${stored}`;
      if (id && key !== detailFor) void loadDetail(key, id);
    },
  };
  return screen;
}

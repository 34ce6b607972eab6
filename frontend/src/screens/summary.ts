// The session summary: pulses, energy, impedance statistics, alarms, the after-care
// instructions from the presets and "session k of the course" with the next window.
import { type App, errorText, type Screen } from "../app";
import { button, h } from "../dom";
import type { SessionDetail, SessionList } from "../gen/api";
import { areaName, conditionText, joules, PRIORITY_LOOK, PRIORITY_RANK } from "../names";

const DAY_MS = 86_400_000;

export function summaryScreen(app: App): Screen {
  const id = app.summaryId ?? "";
  const body = h("div", { class: "col", id: "summary-body" }, h("p", { class: "muted" }, "Loading the session record…"));
  const afterCare = h("ul", { id: "after-care" });
  const el = h(
    "div",
    { class: "grid2" },
    h("div", { class: "col" }, h("h1", {}, `Session ${id} summary`), body),
    h(
      "div",
      { class: "col panel" },
      h("h2", {}, "After-care: tell the patient"),
      afterCare,
      button("Done: next patient", () => app.closeSummary(), "primary", "summary-done"),
    ),
  );

  const load = async () => {
    const [detail, list] = await Promise.all([
      app.act<SessionDetail>("GET", `/sessions/${id}`),
      app.act<SessionList>("GET", "/sessions?limit=1000"),
    ]);
    if (!detail.body?.session) {
      body.replaceChildren(h("p", { class: "error" }, `The session record is not available: ${errorText(detail)}`));
      return;
    }
    const session = detail.body.session;
    const pulses = detail.body.pulses.filter((p) => p.kind === "PULSE_KIND_TREATMENT" && Number(p.delivered_energy_uj) > 0);
    const energy = pulses.reduce((s, p) => s + Number(p.delivered_energy_uj), 0);
    const mins = pulses.map((p) => p.impedance_min_ohm).filter((v) => v > 0);
    const maxs = pulses.map((p) => p.impedance_max_ohm).filter((v) => v > 0);
    const means = pulses.map((p) => p.impedance_mean_ohm).filter((v) => v > 0);
    const mean = means.length ? Math.round(means.reduce((a, b) => a + b, 0) / means.length) : 0;
    const opened = session.opened_at ? Date.parse(session.opened_at) : Date.now();
    const closed = session.closed_at ? Date.parse(session.closed_at) : Date.now();
    const alarms = app.events.filter((e) => {
      const at = e.at ? Date.parse(e.at) : 0;
      return e.kind === "EVENT_KIND_CONDITION_RAISED" && PRIORITY_RANK[e.priority] > 0 && at >= opened && at <= closed + 1000;
    });
    const course = (list.body?.sessions ?? []).filter((s) => s.patient_ref === session.patient_ref && s.area === session.area);
    const k = course.filter((s) => (s.opened_at ? Date.parse(s.opened_at) : 0) <= opened).length || 1;
    const from = new Date(opened + 28 * DAY_MS).toISOString().slice(0, 10);
    const to = new Date(opened + 42 * DAY_MS).toISOString().slice(0, 10);
    body.replaceChildren(
      h("p", {}, `Patient ${session.patient_ref}, ${areaName(session.area)}, operator ${session.operator_id}`),
      h("div", { class: "row" }, h("span", {}, "Pulses"), h("span", { class: "value", id: "summary-pulses" }, String(pulses.length))),
      h("div", { class: "row" }, h("span", {}, "Energy delivered (J)"), h("span", { class: "value", id: "summary-energy" }, joules(energy))),
      h("p", { id: "summary-impedance" }, pulses.length ? `Impedance: min ${Math.min(...mins)} Ω, mean ${mean} Ω, max ${Math.max(...maxs)} Ω` : "Impedance: no pulse delivered"),
      h("p", { id: "summary-alarms" }, alarms.length ? `Alarms: ${alarms.map((e) => `${PRIORITY_LOOK[PRIORITY_RANK[e.priority]]!.marker} ${conditionText(e.condition)}`).join("; ")}` : "Alarms: none"),
      h("p", { id: "summary-course" }, `Session ${k} of the course on the ${areaName(session.area)}. Next session between ${from} and ${to} (4–6 weeks); a course is typically 3–7 sessions.`),
    );
  };
  void load();
  return {
    el,
    update(a: App) {
      const lines = a.presets?.after_care ?? [];
      if (afterCare.childElementCount !== lines.length) afterCare.replaceChildren(...lines.map((l) => h("li", {}, l)));
    },
  };
}

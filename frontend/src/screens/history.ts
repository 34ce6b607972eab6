// The alarm history: the controller's alarm events as they arrived (bounded), newest first.
import type { App, Screen } from "../app";
import { button, h } from "../dom";
import { conditionText, PRIORITY_LOOK, PRIORITY_RANK } from "../names";

export function historyScreen(app: App): Screen {
  const list = h("div", { class: "list", id: "history-list" });
  let shown = -1;
  const el = h(
    "div",
    { class: "col" },
    h("div", { class: "row" }, h("h1", {}, "Alarm history"), button("Close", () => app.closeHistory(), "", "close-history")),
    list,
  );
  return {
    el,
    update(a: App) {
      const alarms = a.events.filter((e) => e.condition && (e.kind === "EVENT_KIND_CONDITION_RAISED" || e.kind === "EVENT_KIND_CONDITION_CLEARED"));
      if (alarms.length === shown) return;
      shown = alarms.length;
      if (alarms.length === 0) {
        list.replaceChildren(h("p", { class: "muted" }, "No alarm since this screen started."));
        return;
      }
      list.replaceChildren(
        ...alarms.slice(0, 60).map((e) => {
          const look = PRIORITY_LOOK[PRIORITY_RANK[e.priority]]!;
          const at = e.at ? new Date(e.at).toLocaleTimeString([], { hour12: false }) : "";
          const raised = e.kind === "EVENT_KIND_CONDITION_RAISED";
          return h(
            "div",
            { class: "list-row" },
            h("span", {}, at),
            h("span", { class: look.cls ? `${look.cls}-text marker` : "marker" }, look.marker || "–"),
            h("span", {}, `${raised ? "" : "cleared: "}${look.word ? `${look.word}: ` : ""}${conditionText(e.condition)}`),
          );
        }),
      );
    },
  };
}

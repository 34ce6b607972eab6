// Sessions a restart interrupted (the controller closed them as `interrupted`, SR-70), on
// the set-up screen: each can be resumed with the cartridge bound to it still on the
// handpiece (POST /session/{id}/resume, SR-89), keeping its patient, area, screening and
// pulse count. The controller decides: another cartridge, an expired or spent one, or a
// state other than Standby is refused with its reason, shown here.
import { type App, errorText } from "../app";
import { button, h, setText } from "../dom";
import type { SessionList, SessionSummary } from "../gen/api";
import { areaName } from "../names";

// How far back the list looks: a resume is for the patient still in the chair.
const RECENT_SESSIONS = 20;

export interface ResumePanel {
  el: HTMLElement;
  load(): Promise<void>;
}

export function resumePanel(app: App): ResumePanel {
  const list = h("div", { class: "col" });
  const message = h("p", { class: "error", id: "resume-message", role: "status" });
  const el = h("div", { class: "panel", id: "resume" }, h("h2", {}, "Interrupted sessions"), list, message);
  el.hidden = true;
  let busy = false;

  const resume = async (s: SessionSummary) => {
    if (busy) return;
    busy = true;
    setText(message, "");
    const reply = await app.act("POST", `/session/${s.id}/resume`);
    busy = false;
    if (reply.status !== 200) {
      setText(message, `Session ${s.id} cannot be resumed: ${errorText(reply)}`);
      return;
    }
    el.hidden = true;
  };

  const load = async () => {
    const reply = await app.act<SessionList>("GET", `/sessions?limit=${RECENT_SESSIONS}`);
    const interrupted = (reply.body?.sessions ?? []).filter((s) => s.outcome === "interrupted");
    el.hidden = interrupted.length === 0;
    list.replaceChildren(
      ...interrupted.map((s) => {
        const opened = s.opened_at ? new Date(s.opened_at).toLocaleString([], { hour12: false }) : "";
        return h(
          "div",
          { class: "row" },
          h("span", {}, `Session ${s.id}: patient ${s.patient_ref}, ${areaName(s.area)}, opened ${opened}, cartridge ${s.cartridge_serial}`),
          button("Resume", () => void resume(s), "primary", `resume-${s.id}`),
        );
      }),
    );
  };

  return { el, load };
}

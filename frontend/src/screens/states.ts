// The core's states that are not treatment: Connecting, SelfTest (progress), Fault (cause,
// acknowledge where allowed), NeedleStuck, ServiceLock, Service, ShuttingDown.
import { type App, errorText, type Screen } from "../app";
import { button, h, setText } from "../dom";
import { ClearPolicy, Rung, State } from "../gen/api";
import { conditionText } from "../names";

export function stateScreen(app: App): Screen {
  const title = h("div", { class: "big-message", id: "state-title" });
  const detail = h("p", { id: "state-text" });
  const progress = h("div", { class: "progress", id: "selftest-progress" });
  const fill = h("div", {});
  progress.append(fill);
  const causes = h("ul", { id: "causes" });
  const message = h("p", { class: "error", id: "state-message", role: "status" });
  const ack = button("Acknowledge", () => void acknowledge(), "primary", "acknowledge");
  const acknowledge = async () => {
    if (!app.token) {
      app.requestLogin();
      return;
    }
    const reply = await app.act("POST", "/faults/acknowledge", {});
    setText(message, reply.status === 200 ? "" : errorText(reply));
  };
  const el = h("div", { class: "centered" }, title, detail, progress, causes, ack, message);
  return {
    el,
    update(a: App) {
      const s = a.status;
      progress.hidden = true;
      ack.hidden = true;
      const list = (rungs: Rung[]) => {
        const names = (s?.conditions ?? []).filter((c) => rungs.includes(c.rung)).map((c) => conditionText(c.name));
        const key = names.join("|");
        if (causes.dataset.key !== key) {
          causes.dataset.key = key;
          causes.replaceChildren(...names.map((n) => h("li", {}, n)));
        }
      };
      list([]);
      if (!s) {
        setText(title, "Connecting to the controller…");
        setText(detail, "");
        return;
      }
      switch (s.state) {
        case State.STATE_CONNECTING:
          setText(title, "Connecting to the boards…");
          setText(detail, "Waiting for both boards' handshakes.");
          break;
        case State.STATE_SELF_TEST: {
          const t = s.self_test;
          setText(title, "Self-test");
          setText(detail, t ? `${t.passed}/${t.total} checks passed` : "Starting…");
          progress.hidden = false;
          fill.style.width = t && t.total ? `${(t.passed / t.total) * 100}%` : "0%";
          break;
        }
        case State.STATE_FAULT: {
          setText(title, "Fault: RF is off and the needles retracted");
          list([Rung.RUNG_FAULT]);
          const ackable = s.conditions.some((c) => c.clear_policy === ClearPolicy.CLEAR_POLICY_ACKNOWLEDGE_AFTER_CAUSE_GONE);
          setText(detail, ackable ? "Remove the cause, then acknowledge." : "The cause is still being cleared.");
          ack.hidden = !ackable;
          setText(ack, a.token ? "Acknowledge" : "Log in to acknowledge");
          break;
        }
        case State.STATE_NEEDLE_STUCK:
          setText(title, "Needle stuck: RF and motor are off");
          setText(detail, "Remove the handpiece from the skin as the manual says (release the cartridge, lift it off), then call service.");
          list([Rung.RUNG_NEEDLE_STUCK, Rung.RUNG_FAULT]);
          break;
        case State.STATE_SERVICE_LOCK:
          setText(title, "Service lock: treatment is not possible");
          setText(detail, "Call service. Reason:");
          list([Rung.RUNG_SERVICE_LOCK]);
          break;
        case State.STATE_SERVICE:
          setText(title, "Service mode: treatment disabled");
          setText(detail, "A service engineer is working on the device.");
          break;
        case State.STATE_SHUTTING_DOWN:
          setText(title, "Shutting down");
          setText(detail, "");
          break;
        default:
          setText(title, "Connecting to the controller…");
          setText(detail, "");
      }
    },
  };
}

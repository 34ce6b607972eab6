// Log-in: a user picker and a PIN pad. The lock screen is the same with its operator
// chosen: the idle lock disarmed the device and kept the session (SR-64). Alarms and STOP
// stay on both.
import { type App, errorText, type Screen } from "../app";
import { button, h, setText } from "../dom";

function pinScreen(app: App, locked: boolean): Screen {
  let user: string | null = app.lockedUser;
  let pin = "";
  let busy = false;
  const title = h("h1", { id: "login-title" });
  const hint = h("p", { class: "muted", id: "login-hint" });
  const users = h("div", { class: "users", id: "users" });
  const dots = h("div", { class: "pin-dots", id: "pin-dots" });
  const message = h("p", { class: "error", id: "login-message", role: "status" });
  const pad = h("div", { class: "pinpad" });
  let usersKey = "";

  const renderPin = () => setText(dots, pin ? "●".repeat(pin.length) : "PIN");
  const press = (d: string) => {
    if (pin.length < 12) pin += d;
    setText(message, "");
    renderPin();
  };
  for (const d of ["1", "2", "3", "4", "5", "6", "7", "8", "9"]) pad.append(button(d, () => press(d), "", `pin-${d}`));
  pad.append(
    button("Clear", () => {
      pin = "";
      renderPin();
    }, "", "pin-clear"),
    button("0", () => press("0"), "", "pin-0"),
    button("⌫", () => {
      pin = pin.slice(0, -1);
      renderPin();
    }, "", "pin-back"),
  );
  const submit = button("Log in", () => void go(), "primary", "login-submit");
  const go = async () => {
    if (busy) return;
    if (!user) {
      setText(message, "Choose your name first.");
      return;
    }
    if (!pin) {
      setText(message, "Enter your PIN.");
      return;
    }
    busy = true;
    submit.disabled = true;
    const reply = await app.login(user, pin);
    busy = false;
    submit.disabled = false;
    pin = "";
    renderPin();
    if (reply.status === 200) return;
    if (reply.status === 401) setText(message, "Wrong user name or PIN.");
    else if (reply.status === 429)
      setText(message, `Too many failed log-ins: wait ${reply.error?.retry_after_s ?? ""} s.`);
    else setText(message, errorText(reply));
  };

  const el = h(
    "div",
    { class: "login" },
    h("div", { class: "col" }, title, hint, users),
    h("div", { class: "col panel" }, dots, pad, submit, message),
  );
  renderPin();
  return {
    el,
    update(a: App) {
      setText(title, locked ? "Locked" : "Log in");
      setText(
        hint,
        locked
          ? "Locked after inactivity: RF is disarmed and the session is kept. Enter your PIN to continue."
          : "Choose your name, then enter your PIN.",
      );
      const names = a.presets?.operators ?? [];
      const key = `${names.join("\u0000")}|${user ?? ""}`;
      if (key === usersKey) return;
      usersKey = key;
      users.replaceChildren(
        ...names.map((n) =>
          button(n, () => {
            user = n;
            usersKey = "";
            setText(message, "");
            this.update(a);
          }, n === user ? "selected" : "", `user-${n}`),
        ),
      );
      if (names.length === 0) users.append(h("p", { class: "muted" }, "No operator accounts are configured."));
    },
  };
}

export const loginScreen = (app: App): Screen => pinScreen(app, false);
export const lockScreen = (app: App): Screen => pinScreen(app, true);

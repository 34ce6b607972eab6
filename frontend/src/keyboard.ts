// The on-screen keyboard for the patient reference and the override reason. It sits
// beside the rail, so STOP stays uncovered.
import { button, clear, h, setText } from "./dom";

const ROWS = ["1234567890", "QWERTYUIOP", "ASDFGHJKL-", "ZXCVBNM.,/"];

export function openKeyboard(title: string, initial: string, maxLength: number, done: (text: string) => void): void {
  const root = document.getElementById("keyboard")!;
  clear(root);
  let text = initial;
  const shown = h("div", { class: "kb-text", id: "kb-text" });
  const render = () => setText(shown, text || " ");
  const type = (c: string) => {
    if (text.length < maxLength) text += c;
    render();
  };
  root.append(h("div", { class: "muted" }, title), shown);
  for (const row of ROWS) {
    const r = h("div", { class: "kb-row" });
    for (const c of row) r.append(button(c, () => type(c), "", `kb-${c === "/" ? "slash" : c}`));
    root.append(r);
  }
  const close = () => {
    root.hidden = true;
    clear(root);
  };
  root.append(
    h(
      "div",
      { class: "kb-row" },
      button("Space", () => type(" "), "wide", "kb-space"),
      button("⌫", () => {
        text = text.slice(0, -1);
        render();
      }, "", "kb-back"),
      button("Cancel", close, "wide", "kb-cancel"),
      button("Done", () => {
        close();
        done(text.trim());
      }, "wide primary", "kb-done"),
    ),
  );
  render();
  root.hidden = false;
}

export function closeKeyboard(): void {
  const root = document.getElementById("keyboard")!;
  root.hidden = true;
  clear(root);
}

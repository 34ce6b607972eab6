// A few DOM helpers: the screens build plain elements and update their text in place.
type Child = Node | string | null | undefined | false;

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props: Partial<Record<string, string | boolean | ((e: Event) => void)>> = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (value === undefined || value === false) continue;
    if (key === "onclick" && typeof value === "function") {
      // One tap, one action: click only, never a repeating press-and-hold.
      el.addEventListener("click", value);
    } else if (key === "class") {
      el.className = String(value);
    } else if (value === true) {
      el.setAttribute(key, "");
    } else {
      el.setAttribute(key, String(value));
    }
  }
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child);
  }
  return el;
}

export function button(text: string, onclick: () => void, cls = "", id = ""): HTMLButtonElement {
  const props: Record<string, string | ((e: Event) => void)> = { type: "button", onclick: () => onclick() };
  if (cls) props.class = cls;
  if (id) props.id = id;
  return h("button", props, text);
}

export function setText(el: Element, text: string): void {
  if (el.textContent !== text) el.textContent = text;
}

export function clear(el: Element): void {
  while (el.firstChild) el.removeChild(el.firstChild);
}

// STOP (SR-76, SR-79, SR-81): one tap, no confirmation, no log-in. A STOP the controller
// has not answered is sent again every 250 ms until it is answered, also across an outage.
import { post } from "./api";

const RETRY_MS = 250;
let pending = false;

export function wireStop(buttonEl: HTMLButtonElement): void {
  buttonEl.addEventListener("click", () => {
    void sendStop(buttonEl);
  });
}

async function sendStop(buttonEl: HTMLButtonElement): Promise<void> {
  if (pending) return; // already being retried: the next answer ends it
  pending = true;
  buttonEl.classList.add("pending");
  for (;;) {
    const reply = await post("/stop", null, {});
    if (reply.status === 200) break;
    await new Promise((r) => setTimeout(r, RETRY_MS));
  }
  pending = false;
  buttonEl.classList.remove("pending");
}

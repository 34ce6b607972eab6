// The touchscreen's entry point: STOP first, so it works before anything else has loaded.
import { App } from "./app";
import { wireStop } from "./stop";

wireStop(document.getElementById("stop") as HTMLButtonElement);
new App().start();

if ("serviceWorker" in navigator) {
  // The app shell is cached so a reload during an outage still shows the overlay and STOP.
  void navigator.serviceWorker.register("/sw.js", { scope: "/" }).catch(() => undefined);
}

// Losing the controller (SR-81): the overlay, STOP kept and retried, the service worker's
// app shell across a reload, and the recovery by itself.
import { after, before, test } from "node:test";
import { assert, checkSizes, Device, eventually, launchBrowser, screenshot, screenOf, sleep, text, waitScreen, robust
} from "./harness.mjs";

let device;
let browser;
let page;

before(async () => {
  ({ browser, page } = await launchBrowser());
  device = new Device();
  await device.start();
  await page.goto(`${device.url}/`);
  await waitScreen(page, "login");
  // The service worker has cached the app shell.
  await eventually("the service worker", async () => page.evaluate(async () => (await navigator.serviceWorker.ready).active !== null));
});

after(async () => {
  await browser?.close();
  await device?.stop();
});

const overlayShown = async () => page.evaluate(() => !document.getElementById("overlay").hidden);

// Verifies: SR-81, SR-79
// Killed controller: the full-screen overlay with its words, STOP still on top in its
// place; a STOP tapped meanwhile is retried until the controller answers it; a reload
// during the outage comes from the service worker's cache and shows the overlay and STOP;
// the restarted controller's fresh snapshot removes the overlay without a reload.
test("killing the controller shows the overlay; restarting it recovers by itself", robust(async () => {
  let loads = 0;
  page.on("load", () => (loads += 1));
  await device.killDaemon();
  await eventually("the overlay", overlayShown, { timeout: 4000, interval: 50 });
  assert.equal(await text(page, ".overlay-title"), "Controller disconnected: RF disabled — use the emergency stop");
  await screenshot(page, "disconnected");
  await checkSizes(page, "disconnected overlay");
  assert.equal(await page.evaluate(() => document.getElementById("alarm-text").textContent), "", "no stale alarm shown as live");

  await page.click("#stop");
  assert.ok(await page.evaluate(() => document.getElementById("stop").classList.contains("pending")), "STOP pending while disconnected");
  await sleep(1000);
  assert.ok(await page.evaluate(() => document.getElementById("stop").classList.contains("pending")), "STOP still retried");
  assert.equal(loads, 0, "never reloads by itself");

  // A reload during the outage: the shell comes from the cache.
  await page.reload();
  await eventually("the overlay after a reload", overlayShown, { timeout: 5000, interval: 50 });
  await checkSizes(page, "disconnected overlay after a reload");
  await screenshot(page, "disconnected-reloaded");
  await page.click("#stop");

  const starting = device.startDaemon();
  // The controller's own start shows on the screen: Connecting, then the self-test.
  const seen = new Set();
  await eventually(
    "the overlay gone",
    async () => {
      if (await overlayShown()) return false;
      const title = await text(page, "#state-title").catch(() => "");
      for (const [name, words] of [["connecting", "Connecting to the boards"], ["selftest", "Self-test"]]) {
        if (title.startsWith(words) && !seen.has(name)) {
          seen.add(name);
          await screenshot(page, name);
        }
      }
      return (await screenOf(page)) !== "state" || seen.size === 2 || !/Connecting|Self-test/.test(title);
    },
    { timeout: 30000, interval: 50 },
  );
  await starting;
  await eventually("STOP answered", async () => page.evaluate(() => !document.getElementById("stop").classList.contains("pending")), { timeout: 5000 });
  const events = (await device.request("GET", "/events?limit=1000", { token: await device.login() })).body.events;
  assert.ok(events.some((e) => e.kind === "EVENT_KIND_REQUEST_ACCEPTED" && e.text === "STOP"), "the retried STOP reached the controller");
  await device.settle();
  await waitScreen(page, "login");
  assert.notEqual(await screenOf(page), "state");
}));

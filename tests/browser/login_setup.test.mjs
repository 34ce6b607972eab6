// The log-in and session set-up screens against real rfneedled and rfneedle-sim processes.
import { after, before, test } from "node:test";
import {
  assert, checkSizes, Device, eventually, launchBrowser, PIN, screenshot, screenOf, text, uiLogin, uiOpenSession, waitScreen,
  reach, robust,
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
});

after(async () => {
  await browser?.close();
  await device?.stop();
});

// Verifies: SR-73, SR-79
// The user picker lists the configured operators (user names only); a wrong PIN is
// refused by the controller and the screen stays on log-in; the right one opens set-up.
test("the log-in screen refuses a wrong PIN and accepts the right one", robust(async () => {
  await reach(page, device, "login");
  const users = () => page.$$eval("#users button", (els) => els.map((e) => e.textContent));
  await eventually("the user picker", async () => (await users()).length > 0);
  assert.deepEqual(await users(), ["demo", "sam"]);
  await screenshot(page, "login");
  await checkSizes(page, "log-in");
  await uiLogin(page, "demo", "111111");
  await eventually("the refusal", async () => (await text(page, "#login-message")).includes("Wrong user name or PIN"));
  assert.equal(await screenOf(page), "login");
  await screenshot(page, "login-wrong-pin");
  await uiLogin(page, "demo", PIN);
  await waitScreen(page, "setup");
  assert.equal(await text(page, "#who"), "Operator: demo");
}));

// Verifies: SR-60, SR-79
// Every screening item starts unanswered; with a "yes" (pregnancy) and no override the
// session opens but the controller refuses to arm, and the screen says why.
test("a yes on the screening checklist blocks arming", robust(async () => {
  await page.reload(); // a fresh set-up screen, also on a second attempt
  await reach(page, device, "setup");
  const selected = await page.$$eval(".check-item button.selected", (els) => els.length);
  assert.equal(selected, 0, "every item starts unanswered");
  await checkSizes(page, "set-up");
  await page.click("#patient-ref");
  await screenshot(page, "keyboard");
  await checkSizes(page, "set-up with the keyboard");
  await page.click("#kb-cancel");
  assert.equal(await page.isVisible("#override-reason"), false, "no override asked before a yes");
  await page.click("#yes-pregnancy");
  assert.ok(await page.isVisible("#override-reason"), "a yes asks for an override reason");
  await screenshot(page, "setup");
  await page.click("#no-pregnancy");
  await uiOpenSession(page, { yes: ["pregnancy"] });
  await waitScreen(page, "treatment");
  await eventually("the proposed parameters", async () => (await device.status()).parameters?.depth_um === 1500);
  await page.click("#arm");
  await eventually("the refusal", async () => (await text(page, "#treatment-message")).length > 0);
  const refusal = await text(page, "#treatment-message");
  assert.match(refusal, /screening|override|yes/i, refusal);
  assert.equal((await device.status()).state, "STATE_STANDBY", "not armed");
  await page.click("#end-session");
  await waitScreen(page, "summary");
}));

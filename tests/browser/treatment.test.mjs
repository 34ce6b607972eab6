// Treatment against real rfneedled and rfneedle-sim processes, the simulator pressing the
// trigger once a second: pulses and charts, STOP, the heartbeat of a frozen page, the
// skin-temperature alarms with their tones, fault acknowledge and the summary.
import { after, before, test } from "node:test";
import {
  assert, checkSizes, Device, eventually, launchBrowser, reachTreatment, screenshot, sleep, text, uiLogin, waitScreen,
  robust, screenOf, simControl, hostFault,
} from "./harness.mjs";

let device;
let browser;
let page;

before(async () => {
  ({ browser, page } = await launchBrowser());
  device = new Device({ autoTrigger: 1 });
  await device.start();
  await page.goto(`${device.url}/`);
  await waitScreen(page, "login");
});

after(async () => {
  await browser?.close();
  await device?.stop();
});

const treating = () => reachTreatment(page, device);

async function pulsesInSim() {
  return (await device.sim("history")).pulses;
}

async function armFromScreen() {
  await eventually("Arm", async () => (await text(page, "#arm")) === "Arm" && !(await page.isDisabled("#arm")));
  await page.click("#arm");
  await eventually("armed", async () => ["STATE_READY", "STATE_INSERTING", "STATE_MEASURING", "STATE_ENERGIZING", "STATE_RETRACTING"].includes((await device.status()).state));
}

async function disarm() {
  await device.request("POST", "/disarm", { token: await device.operatorToken() });
  await device.request("POST", "/stop");
  await eventually("disarmed", async () => (await device.status()).state === "STATE_STANDBY");
}

// Verifies: SR-78, SR-80
// Armed with the simulator's trigger pressing once a second, the pulses the simulator
// truly delivered show on the pulse counter, and both charts fill from the telemetry.
test("arming with the auto-trigger: the pulse counter and the charts update", robust(async () => {
  await treating();
  await checkSizes(page, "treatment");
  const depth = Number(await text(page, "#depth-value"));
  const expected = (depth + 0.1).toFixed(1);
  await page.click("#depth-plus");
  await eventually("the confirmed depth", async () => (await text(page, "#depth-value")) === expected);
  const counted = async () => Number(await text(page, "#pulse-count"));
  const shownBefore = await counted();
  const truthBefore = (await pulsesInSim()).length;
  await armFromScreen();
  await eventually("three more pulses on the counter", async () => hostFault(await device.status()) || (await counted()) >= shownBefore + 3, { timeout: 20000 });
  assert.ok(!hostFault(await device.status()), "no host-caused fault while pulsing");
  await screenshot(page, "treatment-armed");
  await checkSizes(page, "treatment, armed");
  await disarm();
  // The counter shows the store's record, which follows each pulse by a few ms.
  const compare = async () => ({ shown: (await counted()) - shownBefore, truth: (await pulsesInSim()).length - truthBefore });
  await eventually("the counter to match the simulator", async () => {
    const c = await compare();
    return c.shown === c.truth;
  }, { timeout: 3000 }).catch(async () => assert.deepEqual(await compare(), { shown: "as many", truth: "as many" }));
  const points = async (id) => Number(await page.getAttribute(id, "data-points"));
  assert.ok((await points("#chart-impedance")) > 0, "impedance chart has RF-on points");
  assert.ok((await points("#chart-skin")) > 50, "skin chart has points");
  assert.notEqual(await text(page, "#energy-delivered"), "0.00");
  await screenshot(page, "treatment");
  await checkSizes(page, "treatment, after pulses");
}));

// Verifies: SR-79, SR-76
// A 1 W, 1000 ms pulse is truly running in the simulator when STOP is tapped: RF is off
// in the simulator's ground truth and that pulse ended early, in the simulator's clock.
test("STOP on the treatment screen turns RF off in the simulator's ground truth", robust(async () => {
  await treating();
  const r = await device.request("PUT", "/parameters", { token: await device.operatorToken(), body: { depth_um: 1500, power_mw: 1000, duration_ms: 1000, confirm_outside_range: false } });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  await armFromScreen();
  await eventually("RF on in the simulator", async () => (await device.sim("status")).rf_on, { timeout: 15000, interval: 20 });
  await page.click("#stop");
  await eventually("RF off in the simulator", async () => !(await device.sim("status")).rf_on, { timeout: 2000, interval: 20 });
  const last = (await pulsesInSim()).at(-1);
  assert.ok(last.rf_off_us !== null, "the pulse ended");
  assert.ok(last.rf_off_us - last.rf_on_us < 1_000_000, `ended early: RF on for ${last.rf_off_us - last.rf_on_us} us of 1000 ms`);
  await eventually("disarmed by STOP", async () => (await device.status()).state === "STATE_STANDBY");
  await device.request("PUT", "/parameters", { token: await device.operatorToken(), body: { depth_um: 1500, power_mw: 10000, duration_ms: 100, confirm_outside_range: false } });
}));

// Verifies: SR-80, SR-78
// A frozen page runs no timers and paints nothing: its heartbeats stop, the controller
// blocks the next pulse (display_stale, Paused) and the simulator delivers none; thawed,
// the heartbeats and the pulses resume.
test("a frozen page: the controller blocks the next pulse", robust(async () => {
  await treating();
  await armFromScreen();
  await eventually("a pulse", async () => (await device.status()).last_pulse !== undefined, { timeout: 10000 });
  const cdp = await page.context().newCDPSession(page);
  await cdp.send("Page.setWebLifecycleState", { state: "frozen" });
  // Chromium freezes only hidden pages this way, and a headless page stays visible: the
  // debugger's pause then stops the page's script too (no timer, no frame), as a hung tab.
  await cdp.send("Debugger.enable");
  await cdp.send("Debugger.pause");
  try {
    const frozenAt = (await device.sim("status")).sim_time_us;
    await eventually("Paused: display stale", async () => {
      const s = await device.status();
      return s.state === "STATE_PAUSED" && s.conditions.some((c) => c.name === "display_stale");
    }, { timeout: 5000 });
    await sleep(2500);
    // 2 s of stale heartbeat plus one pulse in flight (at most 1 s with its retraction).
    const late = (await pulsesInSim()).filter((p) => p.rf_on_us > frozenAt + 3_000_000);
    assert.equal(late.length, 0, `pulses while frozen: ${JSON.stringify(late)}`);
  } finally {
    await cdp.send("Debugger.resume");
    await cdp.send("Page.setWebLifecycleState", { state: "active" });
    await cdp.detach();
  }
  await eventually("display live again", async () => !(await device.status()).conditions.some((c) => c.name === "display_stale"), { timeout: 5000 });
  await disarm();
}));

// Verifies: SR-82, SR-83
// The skin heats to 46 degC: low (41, cyan, steady, *), medium (43, yellow, 0.5 Hz, **) and
// high (45, red, 2 Hz, ***) in turn, each with its words and its tone burst (2, 3, 10
// pulses). Audio paused during the medium alarm silences it with a countdown, leaves the
// banner flashing, and the high alarm breaks through. The word "mute" never shows.
test("skin over-temperature: priority, colour, flash, marker, text and tone bursts", robust(async () => {
  // The banner is the same on every screen: whichever shows now will do. A second
  // attempt first cools the skin and acknowledges the first attempt's skin fault.
  await simControl(device.control, "clear skin-heating");
  await eventually("skin below 40 degC", async () => (await device.sim("status")).skin_temp_mdegc < 40000, { timeout: 20000, interval: 250 });
  await eventually("no fault", async () => {
    await device.settle(); // host-caused ones; a skin fault is left for here
    if ((await device.status()).state !== "STATE_FAULT") return true;
    await device.request("POST", "/faults/acknowledge", { token: await device.operatorToken() });
    return (await device.status()).state !== "STATE_FAULT";
  }, { timeout: 30000, interval: 500 });
  await device.settle();
  await eventually("no alarm", async () => (await page.evaluate(() => document.getElementById("alarm-banner").dataset.priority)) === "none");
  await page.evaluate(() => (window.__tones.length = 0));
  await device.sim("inject skin-heating target=46 rate=2");
  const look = async () =>
    page.evaluate(() => {
      const b = document.getElementById("alarm-banner");
      const cs = getComputedStyle(b);
      return { priority: b.dataset.priority, name: cs.animationName, duration: cs.animationDuration, background: cs.backgroundColor, text: document.getElementById("alarm-text").textContent, count: document.getElementById("alarm-count").textContent };
    });
  const tones = async (frequency) => page.evaluate((f) => window.__tones.filter((t) => t.frequency === f).length, frequency);

  await eventually("the low alarm", async () => (await look()).priority === "low", { timeout: 15000, interval: 50 });
  let l = await look();
  assert.equal(l.name, "none", "low is steady");
  assert.equal(l.background, "rgb(23, 195, 214)", "low is cyan");
  assert.match(l.text, /^\* Low priority: Skin temperature 41 °C or more/);
  await screenshot(page, "alarm-low");
  await eventually("the low burst", async () => (await tones(523)) === 2, { timeout: 2000 });

  await eventually("the medium alarm", async () => (await look()).priority === "medium", { timeout: 10000, interval: 50 });
  l = await look();
  assert.equal(l.name, "flash-medium");
  assert.equal(l.duration, "2s", "medium flashes at 0.5 Hz");
  assert.match(l.text, /^\*\* Medium priority: Skin temperature 43 °C or more/);
  await screenshot(page, "alarm-medium");
  await eventually("the medium burst", async () => (await tones(660)) === 3, { timeout: 2000 });
  await page.click("#audio-pause");
  assert.match(await text(page, "#audio-pause"), /^Audio paused [12]:[0-5]\d$/);
  assert.equal((await look()).name, "flash-medium", "visual signal unchanged while audio is paused");

  await eventually("the high alarm", async () => (await look()).priority === "high", { timeout: 10000, interval: 50 });
  l = await look();
  assert.equal(l.name, "flash-high");
  assert.equal(l.duration, "0.5s", "high flashes at 2 Hz");
  assert.ok(["rgb(216, 27, 27)", "rgb(90, 11, 11)"].includes(l.background), `high is red: ${l.background}`);
  assert.match(l.text, /^\*\*\* High priority: Skin temperature 45 °C or more/);
  assert.match(l.count, /active alarm/);
  await eventually("the high burst breaks through the pause", async () => (await tones(880)) === 10, { timeout: 4000 });
  assert.equal(await text(page, "#audio-pause"), "Pause audio", "the pause ended");
  assert.equal(await tones(660), 3, "no medium burst while paused");
  await screenshot(page, "alarm-high");
  const words = await page.evaluate(() => document.body.innerText);
  assert.doesNotMatch(words, /mute/i);
  await page.click("#open-history");
  await waitScreen(page, "history");
  await eventually("the history", async () => (await text(page, "#history-list")).includes("Skin temperature 45 °C or more"));
  await screenshot(page, "alarm-history");
  await checkSizes(page, "alarm history");
  await page.click("#close-history");
}));

// Verifies: SR-55, SR-82
// The skin fault latches (Fault, high); once the skin has cooled below 45 degC the
// operator acknowledges on the fault screen and the controller leaves Fault.
test("fault acknowledge on the fault screen", robust(async () => {
  await device.sim("clear skin-heating");
  await waitScreen(page, "state");
  await eventually("the fault screen", async () => (await text(page, "#state-title")).startsWith("Fault"));
  await screenshot(page, "fault");
  await checkSizes(page, "fault");
  await eventually("skin below 45 degC", async () => (await device.sim("status")).skin_temp_mdegc < 44000, { timeout: 60000, interval: 500 });
  await eventually(
    "acknowledged",
    async () => {
      if ((await device.status()).state !== "STATE_FAULT") return true;
      if ((await page.$("#login-submit")) !== null) await uiLogin(page); // "Log in to acknowledge"
      else await page.click("#acknowledge");
      await sleep(500);
      return (await device.status()).state !== "STATE_FAULT";
    },
    { timeout: 20000, interval: 500 },
  );
  await eventually("out of Fault", async () => (await screenOf(page)) !== "state");
}));

// The summary after the session: pulses, energy, impedance, alarms, after-care, course.
test("the session summary shows the after-care instructions", robust(async () => {
  await treating();
  const id = (await device.status()).session.id;
  await page.click("#end-session");
  await waitScreen(page, "summary");
  await eventually("the record", async () => /Session \d+ of the course/.test(await text(page, "#summary-body")));
  const care = await page.$$eval("#after-care li", (els) => els.map((e) => e.textContent));
  const presets = (await device.request("GET", "/presets", { display: true })).body;
  assert.deepEqual(care, presets.after_care);
  assert.ok(care.some((l) => /sunscreen/i.test(l)));
  assert.match(await text(page, "#summary-course"), /Next session between \d{4}-\d\d-\d\d and \d{4}-\d\d-\d\d \(4–6 weeks\)/);
  const stored = (await device.request("GET", `/sessions/${id}`, { token: await device.operatorToken() })).body.pulses;
  const delivered = stored.filter((p) => p.kind === "PULSE_KIND_TREATMENT" && Number(p.delivered_energy_uj) > 0);
  assert.equal(Number(await text(page, "#summary-pulses")), delivered.length, "the store's pulses");
  await screenshot(page, "summary");
  await checkSizes(page, "summary");
  await page.click("#summary-done");
  await waitScreen(page, "setup");
}));

// Session set-up: the pseudonymous patient reference, the body area (its preset depth
// range), the cartridge as the device read it, the screening checklist (every item starts
// unanswered; a "yes" on a contraindication blocks arming unless overridden with a reason,
// one on an advisory item warns and is recorded: the controller decides, SR-60) and the
// patient's course for the area (a session sooner than the course's interval needs a
// reason, SR-88).
import { type App, errorText, type Screen } from "../app";
import { button, h, setText } from "../dom";
import { Answer, type AreaPreset, type BodyArea, ChecklistKind, type PatientCourse } from "../gen/api";
import { openKeyboard } from "../keyboard";
import { areaName, cartridgeName, mm } from "../names";
import { resumePanel } from "./resume";

const DAY_MS = 86_400_000;

export function setupScreen(app: App): Screen {
  let patient = "";
  let area: AreaPreset | null = null;
  let overrideReason = "";
  let courseReason = "";
  let tooSoon = false;  // the course says this area was treated within its interval
  const answers = new Map<string, Answer>();
  let busy = false;
  let courseKey = "";
  const interrupted = resumePanel(app);
  let interruptedLoaded = false;

  const patientButton = button("Patient reference: tap to enter", () =>
    openKeyboard("Pseudonymous patient reference (no names)", patient, 64, (t) => {
      patient = t;
      refresh();
      void loadCourse();
    }), "field-button", "patient-ref");
  const areas = h("div", { class: "areas", id: "areas" });
  const cartridge = h("div", { class: "panel", id: "cartridge" });
  const course = h("div", { id: "course" });
  const checklist = h("div", { class: "checklist", id: "checklist" });
  const overrideRow = h("div", { class: "col", id: "override" });
  const message = h("p", { class: "error", id: "setup-message", role: "status" });
  const openButton = button("Open session", () => void open(), "primary", "open-session");
  let checklistKey = "";
  let areasKey = "";

  const overrideButton = button("Override reason: tap to enter", () =>
    openKeyboard("Clinician's reason for treating despite a 'yes'", overrideReason, 500, (t) => {
      overrideReason = t;
      refresh();
    }), "field-button", "override-reason");
  overrideRow.append(
    h("p", { class: "warning" }, "⚠ A “yes” on a contraindication blocks arming unless you record an override with a reason."),
    overrideButton,
  );
  const advisoryNote = h("p", { class: "warning", id: "advisory-note" },
    "⚠ Advisory “yes”: recorded with the session; it does not block arming.");
  const courseReasonButton = button("Reason for the earlier session: tap to enter", () =>
    openKeyboard("Why treat this area sooner than the course's interval", courseReason, 500, (t) => {
      courseReason = t;
      refresh();
    }), "field-button", "course-reason");
  const contraindications = () =>
    new Set((app.presets?.checklist ?? [])
      .filter((i) => i.kind !== ChecklistKind.CHECKLIST_KIND_ADVISORY).map((i) => i.field));

  const refresh = () => {
    setText(patientButton, patient ? `Patient reference: ${patient}` : "Patient reference: tap to enter");
    setText(overrideButton, overrideReason ? `Override reason: ${overrideReason}` : "Override reason: tap to enter");
    setText(courseReasonButton, courseReason ? `Reason for the earlier session: ${courseReason}` : "Reason for the earlier session: tap to enter");
    const blocking = contraindications();
    const yes = [...answers.entries()].filter(([, a]) => a === Answer.YES).map(([f]) => f);
    overrideRow.hidden = !yes.some((f) => blocking.has(f));
    advisoryNote.hidden = !yes.some((f) => !blocking.has(f));
    courseReasonButton.hidden = !tooSoon;
    for (const row of checklist.querySelectorAll<HTMLElement>(".check-item")) {
      const a = answers.get(row.dataset.field ?? "");
      const advisory = !blocking.has(row.dataset.field ?? "");
      row.classList.toggle("yes", a === Answer.YES && !advisory);
      row.classList.toggle("advisory-yes", a === Answer.YES && advisory);
      row.querySelector(".ans-yes")?.classList.toggle("selected", a === Answer.YES);
      row.querySelector(".ans-no")?.classList.toggle("selected", a === Answer.NO);
    }
    for (const b of areas.querySelectorAll<HTMLElement>("button")) {
      b.classList.toggle("selected", b.dataset.area === area?.area);
    }
  };

  const loadCourse = async () => {
    if (!patient || !area) {
      course.replaceChildren(h("p", { class: "muted" }, "Course: choose the patient and the area."));
      return;
    }
    const key = `${patient}|${area.area}`;
    courseKey = key;
    const reply = await app.act<PatientCourse>("GET", `/patients/${encodeURIComponent(patient)}/course`);
    if (courseKey !== key) return;
    tooSoon = false;
    if (!reply.body) {
      course.replaceChildren(h("p", { class: "error" }, `Course not available: ${errorText(reply)}`));
      refresh();
      return;
    }
    const minDays = reply.body.min_course_interval_days;
    const same = reply.body.areas.find((a) => a.area === area!.area);
    const visits = same?.sessions ?? [];
    if (!same || visits.length === 0) {
      course.replaceChildren(h("p", {}, `Course on the ${areaName(area.area)}: no session yet (this is session 1).`));
      refresh();
      return;
    }
    const last = visits[visits.length - 1]!;
    const days = Math.floor((Date.now() - Date.parse(last.opened_at ?? last.date)) / DAY_MS);
    const rows: HTMLElement[] = [
      h("p", {}, `Course on the ${areaName(area.area)}: ${visits.length} session${visits.length === 1 ? "" : "s"} so far, last on ${last.date}; this is session ${visits.length + 1} (typically ${reply.body.typical_sessions_min}–${reply.body.typical_sessions_max}), next window ${same.next_from} to ${same.next_until}.`),
    ];
    if (days < minDays) {
      tooSoon = true;
      rows.push(
        h("p", { class: "warning", id: "too-soon" },
          `⚠ Too soon: the last session on this area was ${days} day${days === 1 ? "" : "s"} ago; sessions are at least ${minDays} days apart so the skin can repair. Record a reason to go ahead.`),
        courseReasonButton,
      );
    }
    course.replaceChildren(...rows);
    refresh();
  };

  const open = async () => {
    if (busy) return;
    if (!patient) return setText(message, "Enter the patient reference.");
    if (!area) return setText(message, "Choose the body area.");
    const items = app.presets?.checklist ?? [];
    const unanswered = items.filter((i) => !answers.has(i.field));
    if (unanswered.length) return setText(message, `Answer every screening question (${unanswered.length} unanswered).`);
    busy = true;
    openButton.disabled = true;
    const checklistBody: Record<string, Answer> = {};
    for (const i of items) checklistBody[i.field] = answers.get(i.field)!;
    const reply = await app.act("POST", "/session", {
      patient_ref: patient,
      area: area.area,
      checklist: checklistBody,
      override_reason: items.some((i) => i.kind !== ChecklistKind.CHECKLIST_KIND_ADVISORY && answers.get(i.field) === Answer.YES)
        ? overrideReason : "",
      course_reason: tooSoon ? courseReason : "",
    });
    busy = false;
    openButton.disabled = false;
    if (reply.status !== 200) {
      setText(message, errorText(reply));
      return;
    }
    setText(message, "");
    // Propose the area's shallowest depth and the envelope's default plan; the screen then
    // shows what the controller confirmed.
    await app.act("PUT", "/parameters", {
      depth_um: area.depth_min_um,
      power_mw: 10000,
      duration_ms: 100,
      confirm_outside_range: false,
    });
  };

  const el = h(
    "div",
    { class: "setup" },
    h(
      "div",
      { class: "col" },
      interrupted.el,
      h("h1", {}, "New session"),
      patientButton,
      h("h2", {}, "Body area"),
      areas,
      h("h2", {}, "Cartridge"),
      cartridge,
      course,
    ),
    h("div", { class: "col" }, h("h2", {}, "Screening: answer every question"), checklist, advisoryNote, overrideRow, h("div", { class: "row" }, openButton, message)),
  );

  return {
    el,
    update(a: App) {
      const presets = a.presets;
      const ak = presets ? presets.areas.map((p) => p.area).join() : "";
      if (presets && ak !== areasKey) {
        areasKey = ak;
        areas.replaceChildren(
          ...presets.areas.map((p) => {
            const b = button(`${areaName(p.area)} ${mm(p.depth_min_um)}–${mm(p.depth_max_um)} mm`, () => {
              area = p;
              refresh();
              void loadCourse();
            }, "", `area-${areaName(p.area as BodyArea)}`);
            b.dataset.area = p.area;
            return b;
          }),
        );
      }
      const ck = presets ? presets.checklist.map((c) => c.field).join() : "";
      if (presets && ck !== checklistKey) {
        checklistKey = ck;
        checklist.replaceChildren(
          ...presets.checklist.map((item) => {
            const row = h(
              "div",
              { class: "check-item", id: `check-${item.field}` },
              h("span", { class: "check-text" }, item.text.charAt(0).toUpperCase() + item.text.slice(1)
                + (item.kind === ChecklistKind.CHECKLIST_KIND_ADVISORY ? " (advisory)" : "")),
              button("Yes", () => {
                answers.set(item.field, Answer.YES);
                refresh();
              }, "ans-yes", `yes-${item.field}`),
              button("No", () => {
                answers.set(item.field, Answer.NO);
                refresh();
              }, "ans-no", `no-${item.field}`),
            );
            row.dataset.field = item.field;
            return row;
          }),
        );
      }
      const c = a.status?.cartridge;
      setText(
        cartridge,
        c
          ? `${cartridgeName(c.kind)} cartridge ${c.serial}: ${c.needle_count} needles, ${c.pulses_left} pulses left, expires ${c.expiry_date}`
          : "No cartridge has been read from the handpiece.",
      );
      refresh();
      if (!course.firstChild) void loadCourse();
      if (!interruptedLoaded) {
        interruptedLoaded = true;
        void interrupted.load();
      }
    },
  };
}

// The alarm banner (SR-82, SR-83): the highest active condition and the count, exactly as
// the controller gives them (the screen computes no alarm), with IEC 60601-1-8's colour,
// flash rate and marker, and "Audio paused" with its countdown. There is no mute.
import { AlarmAudio } from "./audio";
import { button, h, setText } from "./dom";
import type { ActiveCondition, Status } from "./gen/api";
import { conditionText, PRIORITY_LOOK, PRIORITY_RANK } from "./names";

export const AUDIO_PAUSE_S = 120;

export function alarmConditions(status: Status | null): ActiveCondition[] {
  if (!status) return [];
  return status.conditions
    .filter((c) => PRIORITY_RANK[c.priority] > 0)
    .sort((a, b) => PRIORITY_RANK[b.priority] - PRIORITY_RANK[a.priority]);
}

export class AlarmBanner {
  private readonly text = h("div", { class: "alarm-text", id: "alarm-text" });
  private readonly count = h("div", { class: "alarm-count", id: "alarm-count" });
  private readonly pause: HTMLButtonElement;
  private readonly audio = new AlarmAudio();
  private pausedUntil = 0;
  private pausedPriority = 0;
  private priority = 0;

  constructor(private readonly root: HTMLElement, openHistory: () => void) {
    this.pause = button("Pause audio", () => this.pauseAudio(), "", "audio-pause");
    root.append(this.text, this.count, this.pause, button("Alarm history", openHistory, "", "open-history"));
    setInterval(() => this.refreshPause(), 250);
  }

  update(status: Status | null, connected: boolean): void {
    const alarms = connected ? alarmConditions(status) : [];
    const top = alarms[0];
    const rank = top ? PRIORITY_RANK[top.priority] : 0;
    if (rank > this.pausedPriority && this.pausedUntil > 0) {
      this.pausedUntil = 0; // a higher priority breaks through the pause
    }
    this.priority = rank;
    const look = PRIORITY_LOOK[rank] ?? PRIORITY_LOOK[0]!;
    const cls = `alarm-banner${look.cls ? ` priority-${look.cls}` : ""}`;
    if (this.root.className !== cls) this.root.className = cls;
    this.root.dataset.priority = look.cls || "none";
    if (!top) {
      setText(this.text, connected ? "No active alarm" : "");
      setText(this.count, "");
    } else {
      setText(this.text, `${look.marker} ${look.word}: ${conditionText(top.name)}`);
      setText(this.count, alarms.length === 1 ? "1 active alarm" : `${alarms.length} active alarms`);
    }
    this.refreshPause();
  }

  private pauseAudio(): void {
    if (this.priority === 0) return;
    this.pausedUntil = performance.now() + AUDIO_PAUSE_S * 1000;
    this.pausedPriority = this.priority;
    this.refreshPause();
  }

  private refreshPause(): void {
    const left = this.pausedUntil - performance.now();
    if (this.pausedUntil > 0 && left <= 0) {
      this.pausedUntil = 0; // audio resumes if the condition is still active
    }
    const paused = this.pausedUntil > 0;
    if (paused) {
      const s = Math.ceil(left / 1000);
      setText(this.pause, `Audio paused ${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`);
    } else {
      setText(this.pause, "Pause audio");
    }
    this.pause.disabled = this.priority === 0 && !paused;
    this.audio.set(this.priority, paused);
  }
}

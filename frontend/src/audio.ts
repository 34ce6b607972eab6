// Auditory alarm signals after IEC 60601-1-8's burst patterns, through Web Audio: a high
// priority burst is 10 pulses (3, 2, pause, 3, 2), medium 3 pulses, low 2 pulses; each
// burst is followed by silence, never a continuous tone. "Audio paused" (SR-83) stops the
// bursts for a bounded time; a higher priority than the one paused breaks through.

const PULSE_S = 0.15;
const GAP_S = 0.1;

interface Pattern {
  frequency: number;
  pulses: number[]; // start offsets within a burst, seconds
  repeatS: number; // from the start of one burst to the next
}

function offsets(groups: number[][]): number[] {
  const out: number[] = [];
  for (const group of groups) for (const t of group) out.push(t);
  return out;
}

const step = PULSE_S + GAP_S;
const PATTERNS: Record<number, Pattern> = {
  3: {
    frequency: 880,
    pulses: offsets([
      [0, step, 2 * step],
      [3 * step + 0.25, 4 * step + 0.25],
      [5 * step + 0.85, 6 * step + 0.85, 7 * step + 0.85],
      [8 * step + 1.1, 9 * step + 1.1],
    ]),
    repeatS: 6,
  },
  2: { frequency: 660, pulses: [0, step, 2 * step], repeatS: 12 },
  1: { frequency: 523, pulses: [0, step], repeatS: 30 },
};

export class AlarmAudio {
  private ctx: AudioContext | null = null;
  private priority = 0;
  private nextBurstAt = 0;

  constructor() {
    setInterval(() => this.tick(), 100);
    // Browsers may start audio suspended until a touch.
    document.addEventListener("pointerdown", () => void this.context()?.resume(), { capture: true });
  }

  // The highest active priority (0: none) and whether audio is paused for it.
  set(priority: number, paused: boolean): void {
    const effective = paused ? 0 : priority;
    if (effective > this.priority) this.nextBurstAt = 0; // a new or higher alarm sounds now
    this.priority = effective;
  }

  private context(): AudioContext | null {
    if (!this.ctx) {
      try {
        this.ctx = new AudioContext();
      } catch {
        this.ctx = null;
      }
    }
    return this.ctx;
  }

  private tick(): void {
    if (this.priority === 0) return;
    const ctx = this.context();
    if (!ctx) return;
    const now = performance.now() / 1000;
    if (now < this.nextBurstAt) return;
    const pattern = PATTERNS[this.priority];
    if (!pattern) return;
    this.nextBurstAt = now + pattern.repeatS;
    if (ctx.state === "suspended") void ctx.resume();
    const t0 = ctx.currentTime + 0.02;
    for (const offset of pattern.pulses) {
      const osc = ctx.createOscillator();
      const gain = ctx.createGain();
      osc.type = "square";
      osc.frequency.value = pattern.frequency;
      const start = t0 + offset;
      gain.gain.setValueAtTime(0, start);
      gain.gain.linearRampToValueAtTime(0.2, start + 0.02);
      gain.gain.setValueAtTime(0.2, start + PULSE_S - 0.02);
      gain.gain.linearRampToValueAtTime(0, start + PULSE_S);
      osc.connect(gain).connect(ctx.destination);
      osc.start(start);
      osc.stop(start + PULSE_S);
    }
  }
}

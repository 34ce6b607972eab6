// Live impedance and skin-temperature charts (uPlot) over the last seconds, fed by the
// stream's telemetry summaries (about 30 a second). The buffers are bounded.
import uPlot from "uplot";
import type { Telemetry } from "./gen/api";

export const WINDOW_S = 10;
const CAPACITY = 40 * WINDOW_S; // a little above 30 summaries a second
// The band tissue shows with the needles inserted (DESIGN 5: about 80-600 ohm); the
// controller's window decides, this band only guides the eye.
export const EXPECTED_OHM: [number, number] = [80, 600];

class Ring {
  readonly t: number[] = [];
  readonly impedance: (number | null)[] = [];
  readonly skin: (number | null)[] = [];
  push(t: number, impedance: number | null, skin: number | null): void {
    this.t.push(t);
    this.impedance.push(impedance);
    this.skin.push(skin);
    while (this.t.length > CAPACITY || (this.t.length > 0 && this.t[0]! < t - WINDOW_S)) {
      this.t.shift();
      this.impedance.shift();
      this.skin.shift();
    }
  }
}

export class LiveCharts {
  private readonly ring = new Ring();
  private impedancePlot: uPlot | null = null;
  private skinPlot: uPlot | null = null;
  private dirty = false;
  private impedanceEl: HTMLElement | null = null;
  private skinEl: HTMLElement | null = null;
  samples = 0; // telemetry summaries received, for the tests and the stale check

  add(t: Telemetry): void {
    const at = t.to ? Date.parse(t.to) / 1000 : performance.now() / 1000;
    // With RF off the generator's impedance is no reading (SR-10): only RF-on windows plot.
    const impedance = t.rf_active && t.impedance_ohm ? t.impedance_ohm.max : null;
    const a = t.skin_temp_a_mdegc?.max;
    const b = t.skin_temp_b_mdegc?.max;
    const skin = a === undefined && b === undefined ? null : Math.max(a ?? -1e9, b ?? -1e9) / 1000;
    this.ring.push(at, impedance, skin);
    this.samples += 1;
    if (!this.dirty) {
      this.dirty = true;
      requestAnimationFrame(() => this.draw());
    }
  }

  mount(impedanceEl: HTMLElement, skinEl: HTMLElement): void {
    this.impedanceEl = impedanceEl;
    this.skinEl = skinEl;
    const axes = (label: string): uPlot.Axis[] => [
      { stroke: "#b8c4d2", grid: { stroke: "#2a3646" }, size: 30, font: "16px sans-serif", values: (_u, v) => v.map(() => "") },
      { stroke: "#b8c4d2", grid: { stroke: "#2a3646" }, label, font: "16px sans-serif", labelFont: "16px sans-serif", size: 60 },
    ];
    this.impedancePlot = new uPlot(
      {
        width: 600,
        height: 170,
        legend: { show: false },
        cursor: { show: false },
        scales: { x: { time: false }, y: { range: [0, 1000] } },
        axes: axes("Ω"),
        series: [
          {},
          { stroke: "#3d8bfd", width: 2, spanGaps: false },
          { stroke: "#2fb36b", width: 1, dash: [6, 6] },
          { stroke: "#2fb36b", width: 1, dash: [6, 6] },
        ],
        bands: [{ series: [3, 2], fill: "rgba(47,179,107,0.12)" }],
      },
      [[], [], [], []],
      impedanceEl,
    );
    this.skinPlot = new uPlot(
      {
        width: 600,
        height: 170,
        legend: { show: false },
        cursor: { show: false },
        scales: { x: { time: false }, y: { range: [25, 50] } },
        axes: axes("°C"),
        series: [{}, { stroke: "#f2c200", width: 2 }],
      },
      [[], []],
      skinEl,
    );
    this.draw();
  }

  unmount(): void {
    this.impedancePlot?.destroy();
    this.skinPlot?.destroy();
    this.impedancePlot = null;
    this.skinPlot = null;
    this.impedanceEl = null;
    this.skinEl = null;
  }

  private draw(): void {
    this.dirty = false;
    const r = this.ring;
    const last = r.t.length ? r.t[r.t.length - 1]! : 0;
    const x = r.t.map((t) => t - last);
    const lo = x.map(() => EXPECTED_OHM[0]);
    const hi = x.map(() => EXPECTED_OHM[1]);
    this.impedancePlot?.setData([x, r.impedance, lo, hi] as uPlot.AlignedData);
    this.skinPlot?.setData([x, r.skin] as uPlot.AlignedData);
    // How many points each chart shows now: read by the browser tests.
    if (this.impedanceEl) this.impedanceEl.dataset.points = String(r.impedance.filter((v) => v !== null).length);
    if (this.skinEl) this.skinEl.dataset.points = String(r.skin.filter((v) => v !== null).length);
  }
}

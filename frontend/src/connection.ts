// The display connection (docs/api.md, "The display"): the WebSocket with
// {"hello":{"display":true}}, the heartbeat (SR-80) and the loss of the controller (SR-81).
import type { Event, Presets, Status, StreamServerMessage, Telemetry } from "./gen/api";

const HEARTBEAT_MS = 500;
const STALE_MS = 2000; // no snapshot for longer: the controller counts as lost (SR-81)
const BACKOFF_FIRST_MS = 100;
const BACKOFF_CAP_MS = 1000;

export interface ConnectionHandlers {
  presets(p: Presets): void;
  // Updates the DOM for this snapshot, synchronously.
  snapshot(s: Status): void;
  telemetry(t: Telemetry): void;
  event(e: Event): void;
  lost(reason: string): void;
}

export class Connection {
  private ws: WebSocket | null = null;
  private backoff = BACKOFF_FIRST_MS;
  private lastSnapshotAt = 0;
  private rendered: string | null = null; // the snapshot the page last painted
  private live = false;

  constructor(private readonly handlers: ConnectionHandlers) {}

  start(): void {
    this.open();
    setInterval(() => this.beat(), HEARTBEAT_MS);
    setInterval(() => this.watch(), 250);
  }

  get isLive(): boolean {
    return this.live;
  }

  private open(): void {
    const url = `${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/api/v1/stream`;
    let ws: WebSocket;
    try {
      ws = new WebSocket(url);
    } catch {
      this.retry("cannot open the connection");
      return;
    }
    this.ws = ws;
    ws.onopen = () => ws.send(JSON.stringify({ hello: { display: true } }));
    ws.onmessage = (m) => this.receive(ws, m.data);
    ws.onclose = (c) => {
      if (this.ws !== ws) return;
      this.ws = null;
      this.drop(c.reason ? `connection closed: ${c.reason}` : "connection closed");
      this.retry("");
    };
  }

  private retry(reason: string): void {
    if (reason) this.drop(reason);
    const wait = this.backoff;
    this.backoff = Math.min(this.backoff * 2, BACKOFF_CAP_MS);
    setTimeout(() => this.open(), wait);
  }

  private drop(reason: string): void {
    this.live = false;
    this.rendered = null; // never echo a snapshot from before the loss
    this.handlers.lost(reason);
  }

  private receive(ws: WebSocket, data: unknown): void {
    if (this.ws !== ws || typeof data !== "string") return;
    let message: StreamServerMessage;
    try {
      message = JSON.parse(data) as StreamServerMessage;
    } catch {
      return;
    }
    if (message.welcome?.presets) this.handlers.presets(message.welcome.presets);
    if (message.snapshot) {
      const snapshot = message.snapshot;
      this.lastSnapshotAt = performance.now();
      this.backoff = BACKOFF_FIRST_MS;
      this.live = true;
      this.handlers.snapshot(snapshot);
      // SR-80: the heartbeat echoes a snapshot only once it is on screen: the next frame
      // after its DOM update. A frozen or hung page paints nothing and echoes nothing new.
      requestAnimationFrame(() => {
        if (this.ws === ws && this.live) this.rendered = snapshot.snapshot_id;
      });
    }
    if (message.telemetry) this.handlers.telemetry(message.telemetry);
    if (message.event) this.handlers.event(message.event);
  }

  private beat(): void {
    const ws = this.ws;
    if (!ws || ws.readyState !== WebSocket.OPEN || !this.live || this.rendered === null) return;
    ws.send(JSON.stringify({ heartbeat: { snapshot_id: this.rendered } }));
  }

  private watch(): void {
    if (!this.live) return;
    if (performance.now() - this.lastSnapshotAt > STALE_MS) {
      const ws = this.ws;
      this.ws = null;
      this.drop("no snapshot for more than 2 s");
      ws?.close();
      this.retry("");
    }
  }
}

// The application: what the controller last said, who is logged in, and which screen
// shows it. It renders from the controller's messages and holds no safety logic: the
// controller decides, the screen shows and asks.
import { AlarmBanner } from "./alarms";
import { describe, get, post, put, type Reply } from "./api";
import { LiveCharts } from "./charts";
import { Connection } from "./connection";
import { button, clear, h, setText } from "./dom";
import { type Event, type LoginResponse, type Presets, Role, State, type Status } from "./gen/api";
import { closeKeyboard } from "./keyboard";
import { conditionText, STATE_NAMES } from "./names";
import { historyScreen } from "./screens/history";
import { lockScreen, loginScreen } from "./screens/login";
import { setupScreen } from "./screens/setup";
import { stateScreen } from "./screens/states";
import { summaryScreen } from "./screens/summary";
import { treatmentScreen } from "./screens/treatment";

export interface Screen {
  el: HTMLElement;
  update(app: App): void;
  unmount?(): void;
}

const EVENT_HISTORY = 200; // bounded

export class App {
  status: Status | null = null;
  presets: Presets | null = null;
  connected = false;
  token: string | null = null;
  user: string | null = null;
  lockedUser: string | null = null; // whose session the idle lock interrupted
  events: Event[] = [];
  readonly charts = new LiveCharts();
  view: "main" | "history" = "main";
  summaryId: string | null = null; // the closed session whose summary is shown
  wantLogin = false;

  private readonly screenRoot = document.getElementById("screen")!;
  private readonly stateBanner = document.getElementById("state-banner")!;
  private readonly rail = document.getElementById("rail")!;
  private readonly overlay = document.getElementById("overlay")!;
  private readonly overlayDetail = document.getElementById("overlay-detail")!;
  private readonly banner: AlarmBanner;
  private readonly connection: Connection;
  private screen: Screen | null = null;
  private screenKey = "";
  private railKey = "";
  private wasLocked = false;

  constructor() {
    this.banner = new AlarmBanner(document.getElementById("alarm-banner")!, () => this.openHistory());
    this.connection = new Connection({
      presets: (p) => {
        this.presets = p;
        this.render();
      },
      snapshot: (s) => this.onSnapshot(s),
      telemetry: (t) => this.charts.add(t),
      event: (e) => this.onEvent(e),
      lost: (reason) => {
        this.connected = false;
        setText(this.overlayDetail, `${reason}. Reconnecting…`);
        this.render();
      },
    });
  }

  start(): void {
    this.render();
    this.connection.start();
  }

  private onSnapshot(s: Status): void {
    // Back after a loss: a restarted controller has forgotten every token.
    if (!this.connected && this.token) void this.act("GET", "/status");
    this.connected = true;
    // The core's idle lock (SR-64): a token from before it no longer works; the session is
    // kept and its operator logs in again.
    if (s.screen_locked && !this.wasLocked && this.token) {
      this.lockedUser = this.user;
      this.token = null;
      this.user = null;
      closeKeyboard();
    }
    this.wasLocked = s.screen_locked;
    this.status = s;
    this.render();
  }

  private onEvent(e: Event): void {
    this.events.unshift(e);
    if (this.events.length > EVENT_HISTORY) this.events.length = EVENT_HISTORY;
    if (this.view === "history") this.render();
  }

  openHistory(): void {
    this.view = "history";
    this.render();
  }

  closeHistory(): void {
    this.view = "main";
    this.render();
  }

  async login(user: string, pin: string): Promise<Reply<LoginResponse>> {
    const reply = await post<LoginResponse>("/login", null, { role: Role.ROLE_OPERATOR, user, secret: pin });
    if (reply.body) {
      this.token = reply.body.token;
      this.user = reply.body.user;
      this.lockedUser = null;
      this.wantLogin = false;
      this.render();
    }
    return reply;
  }

  async logout(): Promise<void> {
    const token = this.token;
    this.token = null;
    this.user = null;
    closeKeyboard();
    this.render();
    if (token) await post("/logout", token, {});
  }

  // An operator request; a 401 or 423 (the idle lock) ends this log-in.
  async act<T = unknown>(method: "POST" | "PUT" | "GET", path: string, body: unknown = {}): Promise<Reply<T>> {
    const token = this.token;
    if (!token) return { status: 401, body: null, error: { error: "log-in required", field: "", rule: "" } };
    const reply =
      method === "GET" ? await get<T>(path, token) : method === "PUT" ? await put<T>(path, token, body) : await post<T>(path, token, body);
    if ((reply.status === 401 || reply.status === 423) && this.token === token) {
      if (reply.status === 423) this.lockedUser = this.user;
      this.token = null;
      this.user = null;
      this.render();
    }
    return reply;
  }

  showSummary(id: string): void {
    this.summaryId = id;
    this.render();
  }

  closeSummary(): void {
    this.summaryId = null;
    this.render();
  }

  requestLogin(): void {
    this.wantLogin = true;
    this.render();
  }

  private chooseScreen(): string {
    const s = this.status;
    if (!s || s.state === State.STATE_UNSPECIFIED) return "state";
    if (this.view === "history") return "history";
    switch (s.state) {
      case State.STATE_CONNECTING:
      case State.STATE_SELF_TEST:
      case State.STATE_SHUTTING_DOWN:
      case State.STATE_SERVICE:
      case State.STATE_SERVICE_LOCK:
      case State.STATE_NEEDLE_STUCK:
        return "state";
      case State.STATE_FAULT:
        return !this.token && this.wantLogin ? "login" : "state";
      default:
        break;
    }
    if (!this.token) return s.screen_locked || this.lockedUser ? "lock" : "login";
    if (this.summaryId) return "summary";
    return s.session?.open ? "treatment" : "setup";
  }

  render(): void {
    this.overlay.hidden = this.connected;
    this.screenRoot.classList.toggle("stale", !this.connected);
    const key = this.chooseScreen();
    if (key !== this.screenKey || !this.screen) {
      this.screen?.unmount?.();
      closeKeyboard();
      clear(this.screenRoot);
      this.screen = this.makeScreen(key);
      this.screenKey = key;
      this.screenRoot.dataset.screen = key;
      this.screenRoot.append(this.screen.el);
    }
    this.screen.update(this);
    this.banner.update(this.status, this.connected);
    this.renderStateBanner();
    this.renderRail();
  }

  private makeScreen(key: string): Screen {
    switch (key) {
      case "history":
        return historyScreen(this);
      case "login":
        return loginScreen(this);
      case "lock":
        return lockScreen(this);
      case "summary":
        return summaryScreen(this);
      case "treatment":
        return treatmentScreen(this);
      case "setup":
        return setupScreen(this);
      default:
        return stateScreen(this);
    }
  }

  private renderStateBanner(): void {
    const s = this.status;
    if (!s || !this.connected) {
      clear(this.stateBanner);
      this.stateBanner.append(h("span", { id: "state-name" }, "No controller"));
      this.stateBanner.dataset.state = "none";
      return;
    }
    let detail = "";
    switch (s.state) {
      case State.STATE_PAUSED:
        detail = `why: ${s.conditions.filter((c) => c.rung === "RUNG_BLOCK_NEXT_PULSE" || c.rung === "RUNG_WAIT").map((c) => conditionText(c.name)).join("; ") || "blocked"}`;
        break;
      case State.STATE_READY:
        detail = "press the handpiece trigger for a pulse";
        break;
      case State.STATE_STANDBY:
        detail = s.session?.open ? `session ${s.session.id} open, disarmed` : "no session";
        break;
      case State.STATE_SELF_TEST:
        detail = s.self_test ? `${s.self_test.passed}/${s.self_test.total} checks passed` : "";
        break;
      default:
        break;
    }
    if (s.screen_locked) detail = `${detail ? `${detail}; ` : ""}screen locked`;
    const key = `${s.state}|${detail}`;
    if (this.stateBanner.dataset.key === key) return;
    this.stateBanner.dataset.key = key;
    this.stateBanner.dataset.state = s.state;
    clear(this.stateBanner);
    this.stateBanner.append(
      h("span", { id: "state-name" }, STATE_NAMES[s.state] ?? s.state),
      h("span", { class: "state-detail", id: "state-detail" }, detail),
    );
  }

  private renderRail(): void {
    const key = `${this.token ? this.user : ""}|${this.view}`;
    if (key === this.railKey) return;
    this.railKey = key;
    clear(this.rail);
    if (this.token) {
      this.rail.append(h("div", { class: "who", id: "who" }, `Operator: ${this.user ?? ""}`), button("Log out", () => void this.logout(), "", "logout"));
    } else {
      this.rail.append(h("div", { class: "who" }, "Not logged in"));
    }
  }
}

export function errorText(reply: Reply<unknown>): string {
  if (reply.status === 0) return "The controller did not answer.";
  return describe(reply.error);
}

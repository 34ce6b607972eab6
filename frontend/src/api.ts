// rfneedled's HTTP routes (docs/api.md). Same origin only; every mutating request is JSON
// (Content-Type: application/json) with the operator's bearer token; the display reads
// status and presets as `X-Rfneedle-Client: display`.
import type { ErrorBody } from "./gen/api";

const BASE = "/api/v1";

export interface Reply<T> {
  status: number; // 0: no answer (the controller is unreachable)
  body: T | null;
  error: ErrorBody | null;
}

async function call<T>(method: string, path: string, token: string | null, body?: unknown): Promise<Reply<T>> {
  const headers: Record<string, string> = {};
  if (token) headers.Authorization = `Bearer ${token}`;
  else headers["X-Rfneedle-Client"] = "display";
  if (method !== "GET") headers["Content-Type"] = "application/json";
  let response: Response;
  try {
    response = await fetch(BASE + path, {
      method,
      headers,
      body: method === "GET" ? undefined : JSON.stringify(body ?? {}),
      cache: "no-store",
      credentials: "omit",
    });
  } catch {
    return { status: 0, body: null, error: { error: "the controller did not answer", field: "", rule: "" } };
  }
  let json: unknown = null;
  try {
    json = await response.json();
  } catch {
    json = null;
  }
  if (response.ok) return { status: response.status, body: json as T, error: null };
  const error = (json as ErrorBody | null) ?? { error: `HTTP ${response.status}`, field: "", rule: "" };
  return { status: response.status, body: null, error };
}

export const get = <T>(path: string, token: string | null) => call<T>("GET", path, token);
export const post = <T>(path: string, token: string | null, body: unknown = {}) => call<T>("POST", path, token, body);
export const put = <T>(path: string, token: string | null, body: unknown) => call<T>("PUT", path, token, body);

export function describe(error: ErrorBody | null): string {
  if (!error) return "";
  const field = error.field ? ` (${error.field})` : "";
  return `${error.error}${field}`;
}

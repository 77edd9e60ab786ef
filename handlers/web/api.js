// wecom-guard console: the admin API. Calls carry the session cookie;
// unsafe methods carry the CSRF secret, which only this page's memory holds
// (never storage). The signed-in user is in session.
import { errorSentence } from "./i18n.js";

// session is who is signed in; empty strings when nobody is.
export const session = { user: "", role: "", csrf: "" };

export const isHR = () => session.role === "hr";

// APIError is a refused or failed call: status, the API's message (for
// developers and the browser's console) and rule problems, if any.
export class APIError extends Error {
  constructor(status, body) {
    super((body && body.error) || `HTTP ${status}`);
    this.status = status;
    this.problems = body && body.problems;
  }
}

let unauthorized = () => {};
let forbidden = () => {};

// onForbidden sets what happens when the API refuses the signed-in user:
// the shell asks whether their role changed since sign-in (a member taken
// off the HR list has a lower role at their next request).
export function onForbidden(fn) { forbidden = fn; }

// onUnauthorized sets what happens when the session has expired (the
// shell shows the sign-in form).
export function onUnauthorized(fn) { unauthorized = fn; }

// api calls method path with a JSON body, or raw text when raw is given,
// and answers the decoded reply.
export async function api(method, path, body, raw) {
  const opts = { method, credentials: "same-origin", headers: { Accept: "application/json" } };
  if (method !== "GET") opts.headers["X-CSRF-Token"] = session.csrf;
  if (raw !== undefined) {
    opts.headers["Content-Type"] = "text/plain; charset=utf-8";
    opts.body = raw;
  } else if (body !== undefined) {
    opts.headers["Content-Type"] = "application/json";
    opts.body = JSON.stringify(body);
  }
  let resp;
  try {
    resp = await fetch(path, opts);
  } catch (_) {
    throw new APIError(0, null);
  }
  let data = null;
  if (resp.status !== 204) {
    const ct = resp.headers.get("Content-Type") || "";
    data = ct.includes("json") ? await resp.json().catch(() => null) : await resp.text();
  }
  if (resp.status === 401 && !path.startsWith("/ui/")) unauthorized("登录已过期，请重新登录。");
  if (resp.status === 403 && !path.startsWith("/ui/")) forbidden();
  if (!resp.ok) throw new APIError(resp.status, data);
  return data;
}

// errorText turns a failure into one Chinese line, with the rule problems
// (file:line message) when the server sent them. The API's own message is
// for developers: it goes to the browser's console.
export function errorText(err) {
  if (err && err.message) console.info("API error:", err.status, err.message);
  let msg = errorSentence(err instanceof APIError ? err.status : 0);
  if (err && err.problems && err.problems.length) {
    msg += "：" + err.problems.map((p) => `${p.file}${p.line ? ":" + p.line : ""} ${p.message}`).join("；");
  }
  return msg;
}

// qs writes query parameters, leaving out empty ones.
export function qs(params) {
  const u = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== "" && v !== undefined && v !== null) u.set(k, v);
  const s = u.toString();
  return s ? "?" + s : "";
}

// wecom-guard console: how times and other values are written for people.

let zone = "Asia/Shanghai";

// setTimeZone sets the company's time zone (from the session), in which
// every time is shown; an unknown zone keeps the previous one.
export function setTimeZone(tz) {
  if (!tz) return;
  try {
    new Intl.DateTimeFormat("zh-CN", { timeZone: tz });
    zone = tz;
  } catch (_) { /* keep the previous zone */ }
}

export const timeZone = () => zone;

// fmtTime writes an RFC 3339 time as 2026-12-01 14:05 in the company's
// time zone; "" for nothing.
export function fmtTime(s) {
  if (!s) return "";
  const d = new Date(s);
  if (isNaN(d) || d.getTime() <= 0) return "";
  const parts = {};
  for (const p of new Intl.DateTimeFormat("en-CA", {
    timeZone: zone, year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", hourCycle: "h23",
  }).formatToParts(d)) parts[p.type] = p.value;
  return `${parts.year}-${parts.month}-${parts.day} ${parts.hour}:${parts.minute}`;
}

// fmtSpan writes a hit's place in the message for people: start and end are
// code-point offsets (start counted from 0, end exclusive), HR counts
// characters from 1 — 第 2–5 字, or 第 3 字 for one character.
export function fmtSpan(start, end) {
  if (!(end > start) || start < 0) return "";
  return end - start === 1 ? `第 ${end} 字` : `第 ${start + 1}–${end} 字`;
}

// rfc3339 turns a datetime-local input's value (the browser's local time)
// into RFC 3339 with the browser's offset, for the API; "" for nothing.
export function rfc3339(local) {
  if (!local) return "";
  const d = new Date(local);
  if (isNaN(d)) return "";
  const off = -d.getTimezoneOffset();
  const p = (n) => String(Math.floor(Math.abs(n))).padStart(2, "0");
  const sign = off >= 0 ? "+" : "-";
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}${sign}${p(off / 60)}:${p(off % 60)}`;
}

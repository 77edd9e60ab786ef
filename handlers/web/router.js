// wecom-guard console: routes. A page is addressed as #<name> or
// #<name>/<arg> (a case, a violation, a list), so a link or a reload opens
// the same thing again; /ui/r/<ref> on the server redirects to one.

// href is the address of a page, with an optional argument.
export const href = (name, arg) => "#" + name + (arg ? "/" + encodeURIComponent(arg) : "");

// navigate opens a page; opening the page shown again reloads it.
export function navigate(name, arg) {
  const want = href(name, arg);
  if (location.hash === want) window.dispatchEvent(new HashChangeEvent("hashchange"));
  else location.hash = want;
}

// currentRoute reads the page and its argument from the address.
export function currentRoute() {
  const raw = location.hash.replace(/^#/, "");
  const i = raw.indexOf("/");
  if (i < 0) return { name: raw, arg: "" };
  let arg = raw.slice(i + 1);
  try { arg = decodeURIComponent(arg); } catch (_) { /* keep it as typed */ }
  return { name: raw.slice(0, i), arg };
}

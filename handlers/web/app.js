// wecom-guard HR console: the shell. Plain JavaScript ES modules with no
// build step and no third-party code: the binary serves every file itself
// (no CDN), and the Content-Security-Policy allows only these files.
//
// The shell signs in and out, builds the menu from the pages in
// registry.js and shows the page the address names (router.js). Each page
// is one module under pages/; the shared modules are api.js (the admin
// API and the session), dom.js (building the page, messages), format.js
// (times in the company's time zone) and i18n.js (Chinese names of the
// API's codes).
import { api, session, errorText, onUnauthorized, onForbidden } from "./api.js";
import { $, h, guard, clearFlash, flash, labelCells } from "./dom.js";
import { setTimeZone } from "./format.js";
import { forgetNames } from "./names.js";
import { ROLE_LABELS, label } from "./i18n.js";
import { currentRoute, href, navigate } from "./router.js";
import * as registry from "./registry.js";

const pages = Object.values(registry).sort((a, b) => (a.order || 0) - (b.order || 0));
const byName = new Map(pages.map((p) => [p.name, p]));
// home is the page a role starts on: an employee has only their own.
const home = () => (session.role === "employee" ? "mine" : "dashboard");

// build makes every page's menu entry and <section> once, at start.
function build() {
  const nav = $("nav"), main = $("main");
  for (const p of pages) {
    if (p.nav !== false) nav.append(h("a", { href: href(p.name), dataset: { view: p.name, roles: p.roles.join(" ") } }, p.title));
    const view = h("section", { className: "view", id: "view-" + p.name, hidden: true }, h("h2", {}, p.title));
    main.append(view);
    p.render(view);
  }
}

const allowed = (p) => p && p.roles.includes(session.role);

// route shows the page the address names, or the home page when the user
// may not see it.
function route() {
  if (!session.role) return;
  let { name, arg } = currentRoute();
  if (!allowed(byName.get(name))) {
    // An employee's search for a reference (a link opened signed out) is
    // a look at their own record; anything else opens the role's home.
    const ownRef = session.role === "employee" && name === "search" && /^[0-9a-fA-F]{8}$/.test(arg);
    name = ownRef ? "mine" : home();
    if (!ownRef) arg = "";
  }
  clearFlash();
  for (const a of $("nav").querySelectorAll("a")) {
    a.classList.toggle("active", a.dataset.view === name);
    // On a phone the menu is one row that scrolls: keep the page's entry in sight.
    if (a.dataset.view === name) a.scrollIntoView({ block: "nearest", inline: "nearest" });
  }
  for (const v of $("main").querySelectorAll(":scope > .view")) v.hidden = v.id !== "view-" + name;
  const p = byName.get(name);
  // data-ready names the page once it has loaded (failed or not): tests
  // and screenshots wait for it.
  document.body.dataset.ready = "";
  guard(() => p.show(arg))().then(() => { document.body.dataset.ready = name; });
}
window.addEventListener("hashchange", route);

// ---- sign-in ----

// offerWeComLogin shows 企业微信登录 when the server offers it, returning
// to the page the address names; auto, inside WeCom's own browser, signs
// in at once (silently: WeCom knows the member).
async function offerWeComLogin(auto) {
  let opts;
  try { opts = await api("GET", "/ui/login/options"); } catch (_) { return; }
  if (!opts || !opts.wecom) return;
  const link = opts.path + "?to=" + encodeURIComponent(location.pathname + location.hash);
  $("login-wecom-link").href = link;
  $("login-wecom").hidden = false;
  if (auto && opts.in_wecom) location.replace(link);
}

function showLogin(msg, auto) {
  offerWeComLogin(!!auto);
  session.user = session.role = session.csrf = "";
  document.body.dataset.role = "";
  $("app").hidden = true;
  $("who").hidden = true;
  $("login").hidden = false;
  $("login-error").hidden = !msg;
  $("login-error").textContent = msg || "";
  $("login-token").focus();
}
onUnauthorized(showLogin);

// A refusal may mean the role changed since sign-in (the server takes the
// member's role at every request): show the console as the role is now.
onForbidden(async () => {
  let info;
  try { info = await api("GET", "/ui/session"); } catch (_) { return; }
  if (!info || info.role === session.role) return;
  signedIn(info);
  flash("您的权限已变更（现为" + label(ROLE_LABELS, info.role) + "），页面已按新的权限显示。");
});

function signedIn(info) {
  session.user = info.user;
  session.role = info.role;
  session.csrf = info.csrf;
  setTimeZone(info.timezone);
  document.body.dataset.role = info.role;
  // Another user's unsaved edits (and names) are not carried over.
  forgetNames();
  for (const p of pages) if (p.reset) p.reset();
  $("who-name").textContent = info.user;
  $("who-role").textContent = label(ROLE_LABELS, info.role);
  $("who").hidden = false;
  $("login").hidden = true;
  $("app").hidden = false;
  for (const a of $("nav").querySelectorAll("a")) a.hidden = !allowed(byName.get(a.dataset.view));
  route();
}

$("login-form").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  const token = $("login-token").value.trim();
  $("login-error").hidden = true;
  try {
    const info = await api("POST", "/ui/login", { token });
    $("login-token").value = "";
    signedIn(info);
  } catch (err) {
    $("login-error").textContent = err.status === 401 ? "令牌无效或已吊销。" : errorText(err);
    $("login-error").hidden = false;
  }
});

$("logout").addEventListener("click", guard(async () => {
  await api("POST", "/ui/logout");
  history.replaceState(null, "", location.pathname);
  showLogin("已退出登录。");
}));

// The search box on every page: a reference, a violation's or a case's id.
$("search-form").addEventListener("submit", (ev) => {
  ev.preventDefault();
  const q = $("search-q").value.trim();
  if (q) navigate("search", q);
});

// ---- start ----

build();
// Rows are (re)built by the pages at any time: label their cells for the
// phone layout as they appear.
new MutationObserver(() => labelCells($("main"))).observe($("main"), { childList: true, subtree: true });
(async function start() {
  try {
    signedIn(await api("GET", "/ui/session"));
  } catch (err) {
    showLogin(err.status === 401 ? "" : errorText(err), err.status === 401);
  }
})();

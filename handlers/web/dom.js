// wecom-guard console: building the page. Everything is put into the page
// with textContent and properties, never as HTML; flash shows one message
// at a time and guard turns a failed action into one.
import { SEVERITY_LABELS, label } from "./i18n.js";
import { errorText } from "./api.js";

export const $ = (id) => document.getElementById(id);

// h builds an element: h("td", {className: "num"}, "3", otherNode). A prop
// the element has is set as a property (false included), any other as an
// attribute; dataset fills data-*, on… adds a listener.
export function h(tag, props, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(props || {})) {
    if (v === undefined || v === null) continue;
    if (k === "dataset") Object.assign(e.dataset, v);
    else if (k.startsWith("on")) e.addEventListener(k.slice(2), v);
    else if (k in e) e[k] = v;
    else if (v !== false) e.setAttribute(k, v === true ? "" : v);
  }
  for (const c of children.flat()) {
    if (c === undefined || c === null || c === false) continue;
    e.append(c instanceof Node ? c : String(c));
  }
  return e;
}

// emptyRow puts a one-cell row saying why a table is empty.
export function emptyRow(tbody, cols, text) {
  tbody.append(h("tr", { className: "empty" }, h("td", { colSpan: cols }, text)));
}

// sevBadge shows a severity as a coloured badge with its Chinese name.
export const sevBadge = (s) => h("span", { className: "sev sev-" + (s || "none") }, label(SEVERITY_LABELS, s || "none"));

// tile is one figure on a dashboard-like row of tiles.
export const tile = (n, l) => h("div", { className: "tile" }, h("div", { className: "n" }, n), h("div", { className: "l" }, l));

let flashTimer = 0;

// flash shows a message for a few seconds; bad ones in red, longer.
export function flash(msg, bad) {
  const f = $("flash");
  f.textContent = msg;
  f.classList.toggle("bad", !!bad);
  f.hidden = false;
  clearTimeout(flashTimer);
  flashTimer = setTimeout(() => { f.hidden = true; }, bad ? 8000 : 4000);
}

// clearFlash hides the message at once (a message about the page left
// behind does not belong on the next one).
export function clearFlash() {
  clearTimeout(flashTimer);
  $("flash").hidden = true;
}

// guard runs an async UI action and reports its failure. A submit event's
// default (reloading the page) is prevented.
export function guard(fn) {
  return async function (ev) {
    if (ev && ev.preventDefault && ev.type === "submit") ev.preventDefault();
    try {
      await fn.call(this, ev);
    } catch (err) {
      if (err.status !== 401) flash(errorText(err), true);
    }
  };
}

// labelCells gives every cell of the tables under root the name of its
// column (data-label), which the phone layout shows in front of the value
// when a row becomes a card.
export function labelCells(root) {
  for (const table of root.querySelectorAll("table.table")) {
    const heads = [...table.querySelectorAll("thead th")].map((th) => th.textContent.trim());
    for (const tr of table.tBodies[0] ? table.tBodies[0].rows : []) {
      [...tr.cells].forEach((td, i) => { if (!td.dataset.label && heads[i]) td.dataset.label = heads[i]; });
    }
  }
}

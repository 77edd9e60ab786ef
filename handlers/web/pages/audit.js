// 审计日志: who did what in the console and through the API, newest first,
// each entry a sentence and a readable diff (never the stored JSON).
import { api, qs } from "../api.js";
import { $, h, emptyRow, guard } from "../dom.js";
import { fmtTime } from "../format.js";
import { AUDIT_LABELS, ROLE_LABELS, label } from "../i18n.js";
import { loadNames, person } from "../names.js";

const PAGE = 50;
let last = ""; // the id to continue before, when there are older entries

async function load(before) {
  const data = await api("GET", "/api/v1/audit" + qs({ limit: PAGE, before }));
  const es = data.entries || [];
  await loadNames({ people: es.map((e) => e.user) });
  const tbody = $("audit-table").tBodies[0];
  tbody.replaceChildren();
  if (!es.length) emptyRow(tbody, 6, "没有记录");
  for (const e of es) {
    tbody.append(h("tr", { dataset: { action: e.action } }, h("td", {}, fmtTime(e.time)), h("td", {}, person(e.user)),
      h("td", {}, label(ROLE_LABELS, e.role)), h("td", {}, label(AUDIT_LABELS, e.action)),
      h("td", { className: "summary" }, e.summary || label(AUDIT_LABELS, e.action)), h("td", {}, diff(e))));
  }
  last = es.length === PAGE ? es[es.length - 1].id : "";
  $("audit-more").disabled = !last;
  $("audit-first").disabled = !before;
}

// diff shows what an entry changed: fields before → after, words or lines
// added (+) and removed (−).
function diff(e) {
  const changes = e.changes || [], added = e.added || [], removed = e.removed || [];
  if (!changes.length && !added.length && !removed.length) return "—";
  const items = [
    ...changes.map((c) => h("li", { className: "field" }, `${c.field}：`, h("del", {}, c.before), " → ", h("ins", {}, c.after))),
    ...added.slice(0, 50).map((w) => h("li", { className: "added" }, h("ins", {}, "+ " + w))),
    ...removed.slice(0, 50).map((w) => h("li", { className: "removed" }, h("del", {}, "− " + w))),
  ];
  const more = added.length + removed.length - Math.min(added.length, 50) - Math.min(removed.length, 50);
  if (more > 0) items.push(h("li", { className: "muted" }, `另有 ${more} 处变动未显示`));
  return h("ul", { className: "plain diff" }, ...items);
}

export default {
  name: "audit",
  title: "审计日志",
  roles: ["hr", "auditor"],
  order: 80,

  render(view) {
    view.append(
      h("div", { className: "card" },
        h("table", { className: "table", id: "audit-table" },
          h("thead", {},
            h("tr", {},
              h("th", {}, "时间"),
              h("th", {}, "用户"),
              h("th", {}, "角色"),
              h("th", {}, "操作"),
              h("th", {}, "经过"),
              h("th", {}, "变更"))),
          h("tbody", {})),
        h("div", { className: "row pager" },
          h("button", { type: "button", id: "audit-first", disabled: true }, "最新"),
          h("button", { type: "button", id: "audit-more", disabled: true }, "更早"))));
    $("audit-more").addEventListener("click", guard(() => load(last)));
    $("audit-first").addEventListener("click", guard(() => load("")));
  },

  show: () => load(""),
};

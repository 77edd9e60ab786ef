// 案件: the cases the ladder opened for HR — the evidence behind each, the
// suggested sanction, and HR's decision. #cases/<id> opens one.
import { api, isHR, qs } from "../api.js";
import { $, h, emptyRow, guard, flash, sevBadge } from "../dom.js";
import { fmtTime } from "../format.js";
import { href } from "../router.js";
import { group, loadNames, person } from "../names.js";
import { CATEGORY_LABELS, DECISION_LABELS, STATUS_LABELS, label } from "../i18n.js";

const catLabel = (c) => label(CATEGORY_LABELS, c);
let current = null;
let decision = "";

async function load(want) {
  const data = await api("GET", "/api/v1/cases" + qs({ status: $("cases-all").checked ? "all" : "" }));
  const cs = data.cases || [];
  await loadNames({ people: cs.map((c) => c.user) });
  const tbody = $("cases-table").tBodies[0];
  tbody.replaceChildren();
  if (!cs.length) emptyRow(tbody, 6, "没有案件");
  for (const c of cs) {
    tbody.append(h("tr", { className: "clickable", dataset: { case: c.id }, onclick: guard(() => open(c.id)) },
      h("td", {}, c.id), h("td", {}, person(c.user)), h("td", {}, catLabel(c.category)), h("td", {}, sevBadge(c.severity)),
      h("td", {}, c.suggested_sanction || "—"),
      h("td", { className: "status-" + c.status }, label(STATUS_LABELS, c.status))));
  }
  want = want || (current && current.id);
  if (want) await open(want);
}

async function open(id) {
  const c = await api("GET", "/api/v1/cases/" + encodeURIComponent(id));
  await loadNames({ people: [c.user] });
  current = c;
  decision = "";
  for (const tr of document.querySelectorAll("#cases-table tr[data-case]")) tr.classList.toggle("current", tr.dataset.case === id);
  $("case-empty").hidden = true;
  $("case-detail").hidden = false;
  $("case-title").textContent = "案件 " + c.id;
  const facts = [
    ["状态", label(STATUS_LABELS, c.status)], ["员工", person(c.user)], ["类别", catLabel(c.category)],
    ["严重度", sevBadge(c.severity)], ["建议处分", c.suggested_sanction || "—"], ["原因", c.reason || "—"],
    ["立案时间", fmtTime(c.opened)],
  ];
  if (c.status === "resolved") {
    facts.push(["决定", label(DECISION_LABELS, c.decision)], ["决定人", c.decided_by || ""], ["决定时间", fmtTime(c.decision_at)], ["备注", c.note || "—"]);
  } else if (c.decided_by) {
    facts.push(["受理人", c.decided_by]);
  }
  $("case-facts").replaceChildren(...facts.flatMap(([k, v]) => [h("dt", {}, k), h("dd", {}, v)]));
  // The evidence behind the case, masked as the API gives it.
  let known = new Map();
  try {
    const vs = await api("GET", "/api/v1/violations" + qs({ user: c.user, limit: 500 }));
    known = new Map((vs.violations || []).map((v) => [v.id, v]));
    await loadNames({ people: [c.user], groups: [...known.values()].map((v) => v.chat_id) });
  } catch (_) { /* the ids alone still identify the violations */ }
  $("case-violations").replaceChildren(...(c.violations || []).map((id) => {
    const v = known.get(id);
    if (!v) return h("li", { dataset: { id } }, h("a", { href: href("violations", id) }, "违规记录 " + id));
    return h("li", { dataset: { id } }, h("a", { href: href("violations", id) }, fmtTime(v.time)), " · ", group(v.chat_id), " · ",
      ...(v.hits || []).flatMap((x) => [`${catLabel(x.category)}：`, h("code", {}, x.masked), " "]));
  }));
  $("case-decide").hidden = !isHR() || c.status === "resolved";
  $("case-ack").hidden = c.status !== "open";
  $("case-note").value = "";
  for (const b of document.querySelectorAll("#case-decisions button")) b.classList.remove("selected");
  $("case-resolve").disabled = true;
}

export default {
  name: "cases",
  title: "案件",
  roles: ["hr", "owner", "auditor"],
  order: 70,

  render(view) {
    view.append(
      h("div", { className: "row" }, h("label", {}, h("input", { type: "checkbox", id: "cases-all" }), " 包括已结案")),
      h("div", { className: "grid2 cases-layout" },
        h("div", { className: "card" },
          h("table", { className: "table", id: "cases-table" },
            h("thead", {},
              h("tr", {},
                h("th", {}, "编号"),
                h("th", {}, "员工"),
                h("th", {}, "类别"),
                h("th", {}, "严重度"),
                h("th", {}, "建议处分"),
                h("th", {}, "状态"))),
            h("tbody", {}))),
        h("div", { className: "card", id: "case-view" },
          h("p", { className: "muted", id: "case-empty" }, "请选择一个案件。"),
          h("div", { id: "case-detail", hidden: true },
            h("h3", { id: "case-title" }),
            h("dl", { className: "facts", id: "case-facts" }),
            h("h4", {}, "相关违规"),
            h("ul", { id: "case-violations", className: "plain" }),
            h("div", { id: "case-decide", className: "hr-only stack" },
              h("button", { type: "button", id: "case-ack" }, "受理"),
              h("h4", {}, "处理决定"),
              h("div", { className: "row decisions", id: "case-decisions" },
                h("button", { type: "button", dataset: {decision: "警告"} }, "警告"),
                h("button", { type: "button", dataset: {decision: "通报批评"} }, "通报批评"),
                h("button", { type: "button", dataset: {decision: "停用账号"} }, "停用账号"),
                h("button", { type: "button", dataset: {decision: "解除劳动合同"} }, "解除劳动合同"),
                h("button", { type: "button", dataset: {decision: "no_action"} }, "不处理")),
              h("label", { htmlFor: "case-note" }, "备注"),
              h("textarea", { id: "case-note", rows: "3", maxLength: "2000" }),
              h("button", { type: "button", className: "primary", id: "case-resolve", disabled: true }, "提交决定"))))));
    $("cases-all").addEventListener("change", guard(() => load()));
    for (const b of document.querySelectorAll("#case-decisions button")) {
      b.addEventListener("click", () => {
        decision = b.dataset.decision;
        for (const o of document.querySelectorAll("#case-decisions button")) o.classList.toggle("selected", o === b);
        $("case-resolve").disabled = false;
        $("case-resolve").textContent = `提交决定：${b.textContent}`;
      });
    }
    $("case-ack").addEventListener("click", guard(async () => {
      await api("POST", `/api/v1/cases/${encodeURIComponent(current.id)}/ack`);
      flash(`已受理案件 ${current.id}`);
      await load();
    }));
    $("case-resolve").addEventListener("click", guard(async () => {
      if (!decision) return;
      const c = await api("POST", `/api/v1/cases/${encodeURIComponent(current.id)}/resolve`, { decision, note: $("case-note").value.trim() });
      $("case-resolve").textContent = "提交决定";
      flash(`案件 ${c.id} 已结案：${label(DECISION_LABELS, c.decision)}`);
      $("cases-all").checked = true;
      await load(c.id);
    }));
  },

  show: (id) => load(id),

  reset() { current = null; },
};

// 案件: the cases the ladder opened for HR — the evidence behind each, the
// suggested sanction, and HR's decision. #cases/<id> opens one.
import { api, isHR, qs } from "../api.js";
import { $, h, emptyRow, guard, flash, sevBadge } from "../dom.js";
import { fmtTime } from "../format.js";
import { href } from "../router.js";
import { group, loadNames, person } from "../names.js";
import { CATEGORY_LABELS, DECISION_LABELS, STATUS_LABELS, label } from "../i18n.js";
import { falseAlarmButtons } from "../review.js";

// Where a decision went, and the case decisions the review adds.
const NOTICE_LABELS = { member: "已私信告知员工", group: "已在群内通报", announcement: "已在公告群通报" };
const decisionLabel = (d) => (d === "false_alarm" ? "误报，已撤销" : label(DECISION_LABELS, d));
const APPEAL_LABELS = { open: "待处理", accepted: "已通过", rejected: "未通过" };

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
    facts.push(["决定", decisionLabel(c.decision)], ["决定人", c.decided_by || ""], ["决定时间", fmtTime(c.decision_at)], ["备注", c.note || "—"]);
    facts.push(["通知", (c.notices || []).map((n) => label(NOTICE_LABELS, n)).join("、") || "尚未通知"]);
    if (c.suspended) facts.push(["停用账号", `已于 ${fmtTime(c.suspended.at)} 由 ${c.suspended.by} 执行`]);
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
  const withdrawn = new Set(c.withdrawn || []);
  $("case-violations").replaceChildren(...(c.violations || []).map((id) => {
    const v = known.get(id);
    if (!v) return h("li", { dataset: { id }, className: withdrawn.has(id) ? "withdrawn" : "" }, h("a", { href: href("violations", id) }, "违规记录 " + id));
    return h("li", { dataset: { id } }, h("span", { className: v.withdrawn ? "withdrawn" : "" }, h("a", { href: href("violations", id) }, fmtTime(v.time)), " · ", group(v.chat_id), " · ",
      ...(v.hits || []).flatMap((x) => [`${catLabel(x.category)}：`, h("code", {}, x.masked), " "])), " ",
      ...falseAlarmButtons(v, () => open(current.id)));
  }));
  const appeals = [];
  for (const aid of c.appeals || []) {
    try { appeals.push(await api("GET", "/api/v1/appeals/" + encodeURIComponent(aid))); } catch (_) { /* owners do not see appeals */ }
  }
  $("case-appeals-box").hidden = !appeals.length;
  $("case-appeals").replaceChildren(...appeals.map((a) => h("li", { dataset: { appeal: a.id } },
    `${fmtTime(a.filed)} 员工申诉：${a.reason}（${label(APPEAL_LABELS, a.status)}${a.answer ? "，答复：" + a.answer : ""}）`)));
  const resolved = c.status === "resolved";
  $("case-after").hidden = !isHR() || !resolved || c.decision === "false_alarm";
  $("case-suspend").hidden = !(c.decision === "停用账号" && !c.suspended);
  $("case-decide").hidden = !isHR() || c.status === "resolved";
  $("case-ack").hidden = c.status !== "open";
  $("case-note").value = "";
  $("case-reason").value = "";
  for (const b of document.querySelectorAll("#case-decisions button")) b.classList.remove("selected");
  $("case-resolve").disabled = true;
}

// announcedText says where a decision went, or what could not be sent.
function announcedText(c) {
  if (c.announce_error) return c.announce_error;
  const a = c.announced;
  if (!a) return "";
  const went = (a.notices || []).map((n) => label(NOTICE_LABELS, n)).join("、");
  return [went, a.missing].filter(Boolean).join("；");
}

// bindReview binds 重新通知 and 执行停用账号 (a plan shown first, then
// confirmed with its one-time token: the bot never suspends on its own).
function bindReview() {
  $("case-announce").addEventListener("click", guard(async () => {
    const a = await api("POST", `/api/v1/cases/${encodeURIComponent(current.id)}/announce`, { reason: "" });
    flash(announcedText({ announced: a }) || "已通知。");
    await open(current.id);
  }));
  $("case-suspend").addEventListener("click", guard(async () => {
    const plan = await api("POST", `/api/v1/cases/${encodeURIComponent(current.id)}/suspend`, {});
    if (!confirm(plan.text + "\n\n确定停用？此操作会记入审计日志。")) return;
    await api("POST", `/api/v1/cases/${encodeURIComponent(current.id)}/suspend`, { confirm: plan.confirm });
    flash(`已停用 ${plan.user} 的企业微信账号。`);
    await open(current.id);
  }));
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
            h("div", { id: "case-appeals-box", hidden: true }, h("h4", {}, "员工申诉"), h("ul", { id: "case-appeals", className: "plain" })),
            h("div", { id: "case-after", className: "hr-only row", hidden: true },
              h("button", { type: "button", id: "case-announce" }, "重新通知"),
              h("button", { type: "button", id: "case-suspend", className: "danger" }, "执行停用账号")),
            h("div", { id: "case-decide", className: "hr-only stack" },
              h("button", { type: "button", id: "case-ack" }, "受理"),
              h("h4", {}, "处理决定"),
              h("div", { className: "row decisions", id: "case-decisions" },
                h("button", { type: "button", dataset: {decision: "警告"} }, "警告"),
                h("button", { type: "button", dataset: {decision: "通报批评"} }, "通报批评"),
                h("button", { type: "button", dataset: {decision: "停用账号"} }, "停用账号"),
                h("button", { type: "button", dataset: {decision: "解除劳动合同"} }, "解除劳动合同"),
                h("button", { type: "button", dataset: {decision: "no_action"} }, "不处理")),
              h("label", { htmlFor: "case-reason" }, "告知员工的原因（留空则使用案件原因）"),
              h("textarea", { id: "case-reason", rows: "2", maxLength: "500" }),
              h("label", { htmlFor: "case-note" }, "备注（仅 HR 可见）"),
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
    bindReview();
    $("case-ack").addEventListener("click", guard(async () => {
      await api("POST", `/api/v1/cases/${encodeURIComponent(current.id)}/ack`);
      flash(`已受理案件 ${current.id}`);
      await load();
    }));
    $("case-resolve").addEventListener("click", guard(async () => {
      if (!decision) return;
      const c = await api("POST", `/api/v1/cases/${encodeURIComponent(current.id)}/resolve`,
        { decision, note: $("case-note").value.trim(), reason: $("case-reason").value.trim() });
      $("case-resolve").textContent = "提交决定";
      flash(`案件 ${c.id} 已结案：${decisionLabel(c.decision)}。${announcedText(c)}`, !!c.announce_error);
      $("cases-all").checked = true;
      await load(c.id);
    }));
  },

  show: (id) => load(id),

  reset() { current = null; },
};

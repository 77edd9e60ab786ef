// 申诉与误报: employees' appeals (申诉, from the app chat or the
// intelligent bot) and group owners' false-alarm requests, for HR to
// accept or reject — the employee (or owner) is told either way — and the
// false alarms per rule of the last 30 days.
import { api, isHR, qs } from "../api.js";
import { $, h, emptyRow, guard, flash } from "../dom.js";
import { fmtTime } from "../format.js";
import { label } from "../i18n.js";
import { href } from "../router.js";

const STATUS = { open: "待处理", accepted: "已通过", rejected: "未通过", confirmed: "已确认误报", declined: "已驳回" };
const SOURCES = { app: "应用消息", aibot: "智能机器人", console: "提醒中的链接（员工本人记录页）" };

async function decide(path, verb, who) {
  const reason = prompt(`${verb}：请填写给${who}的说明（可留空）：`, "");
  if (reason === null) return false;
  await api("POST", path, { reason: reason.trim() });
  flash(`已${verb}，并通知${who}。`);
  return true;
}

async function loadAppeals() {
  const data = await api("GET", "/api/v1/appeals" + qs({ status: $("appeals-all").checked ? "all" : "" }));
  const tbody = $("appeals-table").tBodies[0];
  tbody.replaceChildren();
  const as = data.appeals || [];
  if (!as.length) emptyRow(tbody, 6, "没有待处理的申诉");
  for (const a of as) {
    const acts = a.status === "open" && isHR()
      ? [h("button", { type: "button", dataset: { act: "accept" }, onclick: guard(async () => { if (await decide(`/api/v1/appeals/${encodeURIComponent(a.id)}/accept`, "通过申诉（该记录将按误报撤销）", "员工")) await loadAll(); }) }, "通过"),
        h("button", { type: "button", dataset: { act: "reject" }, onclick: guard(async () => { if (await decide(`/api/v1/appeals/${encodeURIComponent(a.id)}/reject`, "驳回申诉", "员工")) await loadAll(); }) }, "驳回")]
      : [a.answer ? "答复：" + a.answer : ""];
    tbody.append(h("tr", { dataset: { appeal: a.id } },
      h("td", {}, fmtTime(a.filed)), h("td", {}, a.user), h("td", {}, a.reason, h("div", { className: "muted" }, "来自" + label(SOURCES, a.source))),
      h("td", {}, a.case ? h("a", { href: href("cases", a.case) }, "案件 " + a.case) : "—"),
      h("td", {}, label(STATUS, a.status)), h("td", { className: "review-cell" }, ...acts)));
  }
}

async function loadRequests() {
  const data = await api("GET", "/api/v1/false-alarms/requests" + qs({ status: $("appeals-all").checked ? "all" : "" }));
  const tbody = $("fareq-table").tBodies[0];
  tbody.replaceChildren();
  const rs = data.requests || [];
  if (!rs.length) emptyRow(tbody, 6, "没有待处理的误报申请");
  for (const r of rs) {
    const path = (v) => `/api/v1/false-alarms/requests/${encodeURIComponent(r.violation)}/${v}`;
    const acts = r.status === "open" && isHR()
      ? [h("button", { type: "button", dataset: { act: "confirm" }, onclick: guard(async () => { if (await decide(path("confirm"), "确认误报（该记录将撤销）", "群主")) await loadAll(); }) }, "确认误报"),
        h("button", { type: "button", dataset: { act: "decline" }, onclick: guard(async () => { if (await decide(path("decline"), "驳回误报申请", "群主")) await loadAll(); }) }, "驳回")]
      : [r.note ? "说明：" + r.note : ""];
    tbody.append(h("tr", { dataset: { request: r.violation } },
      h("td", {}, fmtTime(r.filed)), h("td", {}, r.by), h("td", {}, r.user), h("td", {}, r.chat || "—"),
      h("td", {}, r.reason, h("div", { className: "muted" }, label(STATUS, r.status))), h("td", { className: "review-cell" }, ...acts)));
  }
}

async function loadStats() {
  const st = await api("GET", "/api/v1/stats/false-alarms?days=30");
  const tbody = $("fa-rules").tBodies[0];
  tbody.replaceChildren();
  if (!(st.by_rule || []).length) emptyRow(tbody, 2, "近 30 天没有误报");
  for (const r of st.by_rule || []) tbody.append(h("tr", {}, h("td", {}, r.label), h("td", { className: "num" }, r.count)));
}

const loadAll = () => Promise.all([loadAppeals(), loadRequests(), loadStats()]);

export default {
  name: "appeals",
  title: "申诉与误报",
  roles: ["hr", "auditor"],
  order: 75,

  render(view) {
    // Each table scrolls inside its card on a phone, not the page.
    const table = (id, heads) => h("div", { className: "scroll-x" }, h("table", { className: "table", id },
      h("thead", {}, h("tr", {}, ...heads.map((t) => h("th", {}, t)))), h("tbody", {})));
    view.append(
      h("div", { className: "row" }, h("label", {}, h("input", { type: "checkbox", id: "appeals-all" }), " 包括已处理")),
      h("div", { className: "card" }, h("h3", {}, "员工申诉"), table("appeals-table", ["时间", "员工", "理由", "案件", "状态", ""])),
      h("div", { className: "card" }, h("h3", {}, "群主的误报申请"), table("fareq-table", ["时间", "群主", "员工", "群聊", "理由", ""])),
      h("div", { className: "card" }, h("h3", {}, "近 30 天误报（按规则）"), table("fa-rules", ["规则", "误报次数"])));
    $("appeals-all").addEventListener("change", guard(loadAll));
  },

  show: () => loadAll(),
};

// 查找: what the search box (on every page) or a /ui/r/<ref> link names —
// the reference at the end of a warning or alert ("记录 1d991024"), a
// violation's id or a case's id. One match opens at once; several (two
// references can share eight hex digits) are listed to choose from.
import { api, qs } from "../api.js";
import { $, h } from "../dom.js";
import { fmtTime } from "../format.js";
import { href } from "../router.js";

// SENT_AS names the message that carried a reference.
const SENT_AS = { warn_sender: "发给本人的提醒", alert_owner: "发给群主的提醒", escalate_hr: "上报 HR 的通知", group_notice: "群内通报" };

const pageOf = (m) => (m.type === "case" ? "cases" : "violations");

function describe(m) {
  const what = m.type === "case" ? `案件 ${m.id}` : "违规记录";
  const parts = [what, fmtTime(m.time), m.from ? "员工 " + m.from : "", m.chat_id ? "群聊 " + m.chat_id : (m.type === "case" ? "" : "单聊")];
  if (m.kind) parts.push("见于" + (SENT_AS[m.kind] || "通知"));
  return parts.filter(Boolean).join(" · ");
}

export default {
  name: "search",
  title: "查找",
  roles: ["hr", "owner", "auditor"],
  order: 5,
  nav: false, // opened from the search box, not the menu

  render(view) {
    view.append(
      h("div", { className: "card" },
        h("p", { className: "muted", id: "search-what" }),
        h("ul", { className: "plain results", id: "search-results" })));
  },

  async show(q) {
    q = (q || "").trim();
    $("search-q").value = q;
    const ul = $("search-results");
    ul.replaceChildren();
    if (!q) {
      $("search-what").textContent = "在页面顶部的搜索框输入提醒末尾的记录编号（如 1d991024）、违规记录编号或案件编号。";
      return;
    }
    $("search-what").textContent = `正在查找“${q}”…`;
    const r = await api("GET", "/api/v1/lookup" + qs({ q }));
    const ms = r.matches || [];
    if (ms.length === 1) {
      // The search itself is not worth a step back: replace it.
      location.replace(href(pageOf(ms[0]), ms[0].id));
      return;
    }
    $("search-what").textContent = ms.length
      ? `“${q}”对应 ${ms.length} 条记录，请选择：`
      : `没有找到“${q}”。记录可能已超过保存期限，或不在你有权查看的范围内。`;
    ul.replaceChildren(...ms.map((m) => h("li", { dataset: { type: m.type, id: m.id } },
      h("a", { href: href(pageOf(m), m.id) }, describe(m)))));
  },
};

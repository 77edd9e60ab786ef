// 拦截规则: the customer-chat intercept rules wecom-guard keeps in WeCom
// (客户联系 → 聊天敏感词) for the lists HR marks 拦截客户聊天 — whether they
// are in step, what each holds, and the words that did not fit.
import { api } from "../api.js";
import { $, h, emptyRow } from "../dom.js";
import { fmtTime } from "../format.js";

const MODE_LABELS = { block: "警告并拦截", warn: "仅警告" };
const SEMANTICS_LABELS = { 1: "手机号", 2: "邮箱地址", 3: "红包" };
const STATUS_CLASS = { in_step: "ok", pending: "warn", failed: "bad" };

// rangeText says whom a rule applies to.
function rangeText(r) {
  const parts = [];
  const depts = (r && r.department_list) || [];
  const users = (r && r.user_list) || [];
  if (depts.includes(1)) parts.push("全公司");
  else if (depts.length) parts.push(`${depts.length} 个部门`);
  if (users.length) parts.push(`${users.length} 位成员`);
  return parts.join("、") || "—";
}

async function load() {
  let st;
  try {
    st = await api("GET", "/api/v1/intercept");
  } catch (err) {
    if (err.status === 404) {
      $("intercept-summary").textContent = "拦截规则同步未开启，请联系系统管理员开启（需要企业微信「客户联系」权限）。";
      $("intercept-summary").className = "card muted";
      $("intercept-table").tBodies[0].replaceChildren();
      $("intercept-left").replaceChildren();
      $("intercept-calls").hidden = true;
      return;
    }
    throw err;
  }
  $("intercept-summary").textContent = st.summary;
  $("intercept-summary").className = "card status-" + (STATUS_CLASS[st.status] || "warn");
  const tbody = $("intercept-table").tBodies[0];
  tbody.replaceChildren();
  const rules = Object.values(st.rules || {}).sort((a, b) => (a.rule.name < b.rule.name ? -1 : 1));
  if (!rules.length) emptyRow(tbody, 6, "没有标记为「拦截客户聊天」的词库；在策略中为类别或词库加上拦截设置后，这里会列出对应的规则");
  for (const o of rules) {
    const r = o.rule;
    tbody.append(h("tr", { dataset: { rule: r.key } },
      h("td", {}, r.name), h("td", {}, r.label || r.category), h("td", {}, MODE_LABELS[r.mode] || "—"),
      h("td", { className: "num" }, (r.words || []).length),
      h("td", {}, (r.semantics || []).map((s) => SEMANTICS_LABELS[s] || "").filter(Boolean).join("、") || "—"),
      h("td", {}, rangeText(r.range))));
  }
  const calls = st.calls_text || [];
  $("intercept-calls").hidden = !calls.length;
  $("intercept-calls").replaceChildren(
    h("h3", {}, `正在发送到企业微信的变更（${calls.length} 项）`),
    h("ul", { id: "intercept-calls-list" }, calls.map((t) => h("li", {}, t))));
  const left = st.left_out_text || [];
  // replaceChildren writes a null as the text "null": only what is there.
  $("intercept-left").replaceChildren(...[
    h("h3", {}, left.length ? `未能加入企业微信的词（${left.length} 个）` : "所有标记的词都已加入企业微信"),
    left.length ? h("ul", { id: "intercept-left-list" }, left.slice(0, 500).map((t) => h("li", {}, t))) : null,
    left.length > 500 ? h("p", { className: "muted" }, `只列出前 500 个。`) : null,
  ].filter(Boolean));
  $("intercept-meta").textContent = [
    st.synced ? `上次同步成功：${fmtTime(st.synced)}` : "",
    st.foreign ? `企业微信中另有 ${st.foreign} 条规则不是本系统创建的，不会被修改` : "",
  ].filter(Boolean).join("；");
}

export default {
  name: "intercept",
  title: "拦截规则",
  roles: ["hr", "auditor"],
  order: 25,

  render(view) {
    view.append(
      h("p", { className: "muted" }, "客户聊天中，企业微信会在发送前按这些规则检查成员的消息：「警告并拦截」的消息不会发出，「仅警告」的消息会提醒成员后发出。规则由策略中标记为「拦截客户聊天」的词库自动生成，词库一改就会同步；每个企业最多 100 条规则、每条最多 300 个词、每个词最多 32 个字，最严重的词优先。"),
      h("div", { className: "card", id: "intercept-summary" }),
      h("p", { className: "muted", id: "intercept-meta" }),
      h("div", { className: "card", id: "intercept-calls", hidden: true }),
      h("div", { className: "card" },
        h("table", { className: "table", id: "intercept-table" },
          h("thead", {},
            h("tr", {},
              h("th", {}, "规则名称"),
              h("th", {}, "类别"),
              h("th", {}, "拦截方式"),
              h("th", {}, "词数"),
              h("th", {}, "附加检查"),
              h("th", {}, "适用范围"))),
          h("tbody", {}))),
      h("div", { className: "card", id: "intercept-left" }));
  },

  show: load,
};

// API 令牌: the tokens automation signs in with (scripts, CI, exports). HR
// sees who holds each, its role and when it was last used, creates one —
// the secret is shown once, here, and never again — and revokes them.
import { api } from "../api.js";
import { $, h, emptyRow, guard, flash } from "../dom.js";
import { fmtTime } from "../format.js";
import { ROLE_LABELS, label } from "../i18n.js";

const never = (t) => (t ? fmtTime(t) : "从未使用");

async function load() {
  const data = await api("GET", "/api/v1/tokens");
  const tbody = $("tokens-table").tBodies[0];
  tbody.replaceChildren();
  const toks = data.tokens || [];
  if (!toks.length) emptyRow(tbody, 6, "还没有 API 令牌");
  for (const t of toks) {
    tbody.append(h("tr", { dataset: { id: t.id } },
      h("td", {}, t.user, h("div", { className: "muted" }, "编号 " + t.id)),
      h("td", {}, label(ROLE_LABELS, t.role)),
      h("td", {}, fmtTime(t.created)),
      h("td", {}, t.expires ? fmtTime(t.expires) : "长期有效"),
      h("td", {}, never(t.last_used)),
      h("td", {}, h("button", {
        type: "button", className: "danger", onclick: guard(async () => {
          if (!confirm(`吊销「${t.user}」的令牌？使用它的脚本将无法再访问。`)) return;
          await api("DELETE", `/api/v1/tokens/${encodeURIComponent(t.id)}`);
          flash("令牌已吊销");
          await load();
        }),
      }, "吊销"))));
  }
}

async function create(ev) {
  ev.preventDefault();
  const days = Number($("tokens-days").value || 0);
  const ans = await api("POST", "/api/v1/tokens", { user: $("tokens-user").value.trim(), role: $("tokens-role").value, days });
  $("tokens-user").value = "";
  $("tokens-secret-value").textContent = ans.secret;
  $("tokens-secret").hidden = false;
  flash("令牌已创建：请立即复制，关闭后无法再次查看");
  await load();
}

export default {
  name: "tokens",
  title: "API 令牌",
  roles: ["hr"],
  order: 85,

  render(view) {
    const roles = ["auditor", "owner", "hr"].map((r) => h("option", { value: r }, label(ROLE_LABELS, r)));
    view.append(
      h("form", { className: "card stack", id: "tokens-form", onsubmit: guard(create) },
        h("p", { className: "muted" }, "API 令牌供脚本和系统对接使用（请求头 Authorization: Bearer 令牌）。人员请用企业微信登录。"),
        h("div", { className: "row" },
          h("label", { htmlFor: "tokens-user" }, "使用者"),
          h("input", { id: "tokens-user", required: true, maxLength: 64, placeholder: "例如：导出脚本" }),
          h("label", { htmlFor: "tokens-role" }, "角色"),
          h("select", { id: "tokens-role" }, roles),
          h("label", { htmlFor: "tokens-days" }, "有效天数"),
          h("input", { id: "tokens-days", type: "number", min: 0, max: 3650, value: 90, title: "0 表示长期有效" }),
          h("button", { type: "submit", className: "primary" }, "创建令牌"))),
      h("div", { className: "card stack", id: "tokens-secret", hidden: true },
        h("strong", {}, "新令牌（只显示这一次）"),
        h("code", { className: "secret-once", id: "tokens-secret-value" }),
        h("button", { type: "button", onclick: () => { $("tokens-secret").hidden = true; $("tokens-secret-value").textContent = ""; } }, "我已复制，关闭")),
      h("div", { className: "card" },
        h("table", { className: "table", id: "tokens-table" },
          h("thead", {},
            h("tr", {},
              h("th", {}, "使用者"),
              h("th", {}, "角色"),
              h("th", {}, "创建时间"),
              h("th", {}, "到期"),
              h("th", {}, "最近使用"),
              h("th", {}))),
          h("tbody", {}))));
  },

  show: load,

  // The last user's new secret is not left on the page.
  reset() {
    $("tokens-secret").hidden = true;
    $("tokens-secret-value").textContent = "";
  },
};

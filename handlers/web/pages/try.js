// 试一试: check a message against the rules in force (or HR's unsaved
// draft of policy.yaml) and see what the bot would do, which words matched
// and why, without sending anything. For HR, customer records and
// protected documents are consulted as the service does: a hit says which
// set and column, or which document, in Chinese; its evidence stays
// masked. An auditor's check leaves them out, and the page says so.
import { api, isHR } from "../api.js";
import { $, h, emptyRow, guard, sevBadge } from "../dom.js";
import { fmtSpan, rfc3339 } from "../format.js";
import { ACTION_LABELS, CATEGORY_LABELS, FINDING_LABELS, label } from "../i18n.js";
import { draftPolicy, draftState } from "./policy.js";

const catLabel = (c) => label(CATEGORY_LABELS, c);

async function check() {
  const text = $("try-text").value;
  const body = { text, chat_kind: $("try-kind").value };
  const t = rfc3339($("try-time").value);
  if (t) body.time = t;
  const draft = isHR() && $("try-draft").checked;
  if (draft) body.draft = { "policy.yaml": await draftPolicy() };
  const v = await api("POST", "/api/v1/test", body);
  $("try-draft-used").hidden = !draft;
  $("try-data-note").hidden = !v.data_withheld;
  $("try-result").hidden = false;
  $("try-action").textContent = label(ACTION_LABELS, v.action);
  $("try-severity").replaceChildren(sevBadge(v.severity));
  $("try-highlight").replaceChildren(...highlight(text, v.hits || []));
  const tbody = $("try-hits").tBodies[0];
  tbody.replaceChildren();
  if (!v.hits || !v.hits.length) return emptyRow(tbody, 7, "未命中任何规则");
  for (const hit of v.hits) {
    tbody.append(h("tr", { dataset: { category: hit.category } },
      h("td", {}, hit.category_label || catLabel(hit.category)),
      h("td", { title: hit.rule }, (hit.rule_label || hit.rule) + (hit.shadow ? "（试运行）" : "")),
      h("td", {}, label(FINDING_LABELS, hit.kind)),
      h("td", {}, fmtSpan(hit.start, hit.end)), h("td", {}, hit.masked), h("td", {}, sevBadge(hit.severity)),
      h("td", {}, hit.explanation, hit.data ? h("div", { className: "muted" }, `（${hit.data}）`) : null)));
  }
}

// showDraftNote says whether the policy page holds unsaved edits.
function showDraftNote() {
  const n = $("try-draft-note");
  const d = draftState();
  if (!$("try-draft").checked) n.textContent = "";
  else if (!d.loaded || !d.dirty) n.textContent = "（策略页没有未保存的修改，草稿与现行策略相同）";
  else n.textContent = `（在规则版本 ${d.version} 上修改，尚未保存）`;
}

// highlight splits text into runs, marking the runes the hits cover.
// start/end are rune (code point) offsets, so the text is split by code
// point, not by UTF-16 unit.
function highlight(text, hits) {
  const runes = Array.from(text);
  const cover = new Array(runes.length).fill(null);
  for (const hit of hits) {
    for (let i = Math.max(0, hit.start); i < Math.min(runes.length, hit.end); i++) {
      if (!cover[i] || cover[i].shadow) cover[i] = hit;
    }
  }
  const out = [];
  let i = 0;
  while (i < runes.length) {
    const cur = cover[i];
    let j = i;
    while (j < runes.length && cover[j] === cur) j++;
    const chunk = runes.slice(i, j).join("");
    if (cur) {
      out.push(h("mark", { className: cur.shadow ? "shadow" : "", title: `${cur.category_label || catLabel(cur.category)} · ${cur.rule_label || cur.rule}`, dataset: { category: cur.category } }, chunk));
    } else {
      out.push(chunk);
    }
    i = j;
  }
  return out;
}

export default {
  name: "try",
  title: "试一试",
  roles: ["hr", "auditor"],
  order: 30,

  render(view) {
    view.append(
      h("form", { id: "try-form", className: "card stack" },
        h("label", { htmlFor: "try-text" }, "消息内容"),
        h("textarea", { id: "try-text", rows: "4", required: true, placeholder: "输入一条消息，看看现行规则会怎么处理" }),
        h("div", { className: "row" },
          h("label", { htmlFor: "try-kind" }, "会话类型"),
          h("select", { id: "try-kind" },
            h("option", { value: "work" }, "工作群"),
            h("option", { value: "private" }, "私人群"),
            h("option", { value: "external" }, "外部群"),
            h("option", { value: "direct" }, "单聊"),
            h("option", { value: "profile" }, "昵称/资料")),
          h("label", { htmlFor: "try-time" }, "发送时间（可选）"),
          h("input", { id: "try-time", type: "datetime-local" }),
          h("button", { type: "submit", className: "primary", id: "try-submit" }, "检测")),
        h("div", { className: "row hr-only" },
          h("label", {}, h("input", { type: "checkbox", id: "try-draft" }), " 草稿：按“策略”页中尚未保存的 policy.yaml 检测"),
          h("span", { className: "muted", id: "try-draft-note" }))),
      h("div", { className: "card", id: "try-result", hidden: true },
        h("div", { className: "row" },
          h("span", {}, "处理："),
          h("strong", { id: "try-action" }),
          h("span", {}, "严重度："),
          h("strong", { id: "try-severity" }),
          h("span", { className: "draft-badge", id: "try-draft-used", hidden: true }, "按草稿")),
        h("p", { className: "highlight", id: "try-highlight" }),
        h("p", { className: "muted", id: "try-data-note", hidden: true }, "审计角色的检测不比对客户数据和保密文件，只有人力资源部可以用真实数据试一试。"),
        h("table", { className: "table", id: "try-hits" },
          h("thead", {},
            h("tr", {},
              h("th", {}, "类别"),
              h("th", {}, "规则"),
              h("th", {}, "方式"),
              h("th", {}, "位置"),
              h("th", {}, "证据（已打码）"),
              h("th", {}, "严重度"),
              h("th", {}, "说明"))),
          h("tbody", {}))));
    $("try-form").addEventListener("submit", guard(check));
    $("try-draft").addEventListener("change", showDraftNote);
  },

  show: showDraftNote,

  reset() { $("try-draft").checked = false; },
};

// 违规记录: every violation found, newest first, filtered by employee,
// group, category, severity and time; masked evidence; the case it belongs
// to; 查看原文 for HR only when the raw text was kept (audited). CSV export.
import { api, isHR, qs } from "../api.js";
import { $, h, emptyRow, guard, sevBadge } from "../dom.js";
import { fmtTime, rfc3339 } from "../format.js";
import { ACTION_LABELS, CATEGORY_LABELS, CHAT_KIND_LABELS as KIND_LABELS, label } from "../i18n.js";
import { href } from "../router.js";
import { falseAlarmButtons } from "../review.js";
import { group, loadNames, person } from "../names.js";

const catLabel = (c) => label(CATEGORY_LABELS, c);
const PAGE = 50;
let pages = [""]; // before-cursors of the pages seen
let page = 0;

function filter() {
  return {
    user: $("viol-user").value.trim(), chat: $("viol-chat").value.trim(),
    category: $("viol-category").value, severity: $("viol-severity").value,
    from: rfc3339($("viol-from").value), to: rfc3339($("viol-to").value),
  };
}

async function load(reset) {
  if (reset) { pages = [""]; page = 0; }
  const f = filter();
  $("viol-csv").href = "/api/v1/violations" + qs({ ...f, format: "csv", limit: 1000 });
  const data = await api("GET", "/api/v1/violations" + qs({ ...f, limit: PAGE, before: pages[page] }));
  const vs = data.violations || [];
  await loadNames({ people: vs.map((v) => v.from), groups: vs.map((v) => v.chat_id) });
  // Cleared only now, after the last wait: two loads at once (a quick
  // second click) must not both fill the table.
  const tbody = $("viol-table").tBodies[0];
  tbody.replaceChildren();
  if (!vs.length) emptyRow(tbody, 10, "没有符合条件的违规记录");
  for (const v of vs) {
    const hits = h("ul", { className: "plain" }, ...(v.hits || []).map((x) =>
      h("li", {}, `${catLabel(x.category)}：`, h("code", {}, x.masked), " ", sevBadge(x.severity))));
    const caseCell = v.case_id ? h("a", { href: href("cases", v.case_id) }, v.case_id) : "";
    tbody.append(h("tr", { dataset: { id: v.id } },
      h("td", {}, fmtTime(v.time)), h("td", {}, person(v.from)), h("td", {}, group(v.chat_id)),
      h("td", {}, label(KIND_LABELS, v.chat_kind)), h("td", {}, sevBadge(v.severity)),
      h("td", {}, label(ACTION_LABELS, v.action) + (v.recalled ? "（已撤回）" : "") + (v.withdrawn ? "（已撤销：误报）" : "")), h("td", {}, hits),
      h("td", {}, caseCell, v.sanction ? h("div", { className: "muted" }, "建议：" + v.sanction) : ""),
      h("td", { className: "hr-only" }, v.has_raw
        ? h("button", { type: "button", onclick: guard(() => showRaw(v.id)) }, "查看原文")
        : h("span", { className: "muted", title: "策略未保留原文（enforcement.keep_raw），或原文已过期" }, "未保留原文")),
      h("td", { className: "review-cell" }, ...falseAlarmButtons(v, () => load(false)))));
  }
  if (data.next_before) pages[page + 1] = data.next_before;
  else pages.length = page + 1;
  $("viol-prev").disabled = page === 0;
  $("viol-next").disabled = !data.next_before;
  $("viol-page").textContent = `第 ${page + 1} 页`;
}

// showOne shows one violation (#violations/<id>, the page a reference
// opens) above the list, with its case and, for HR, its raw text.
async function showOne(id) {
  const card = $("viol-detail");
  if (!id) { card.hidden = true; return; }
  const v = await api("GET", "/api/v1/violations/" + encodeURIComponent(id));
  await loadNames({ people: [v.from], groups: [v.chat_id] });
  const facts = [
    ["时间", fmtTime(v.time)], ["员工", person(v.from)], ["群聊", group(v.chat_id)], ["会话", label(KIND_LABELS, v.chat_kind)],
    ["严重度", sevBadge(v.severity)], ["处理", label(ACTION_LABELS, v.action) + (v.recalled ? "（已撤回）" : "")],
    ["命中（已打码）", h("ul", { className: "plain" }, ...(v.hits || []).map((x) =>
      h("li", {}, `${catLabel(x.category)}：`, h("code", {}, x.masked), " ", sevBadge(x.severity))))],
    ["案件", v.case_id ? h("a", { href: href("cases", v.case_id) }, "案件 " + v.case_id) : "未立案"],
  ];
  if (v.sanction) facts.push(["建议处分", v.sanction]);
  $("viol-detail-facts").replaceChildren(...facts.flatMap(([k, x]) => [h("dt", {}, k), h("dd", {}, x)]));
  $("viol-detail-raw").replaceChildren(isHR() && v.has_raw
    ? h("button", { type: "button", onclick: guard(() => showRaw(v.id)) }, "查看原文") : "");
  card.dataset.id = v.id;
  card.hidden = false;
}

// showRaw shows HR a message's text; the server writes the view to the
// audit log, so the console asks first.
async function showRaw(id) {
  if (!confirm("查看原文会记入审计日志，确定查看？")) return;
  const r = await api("GET", `/api/v1/violations/${encodeURIComponent(id)}/raw`);
  alert(r.raw);
}

export default {
  name: "violations",
  title: "违规记录",
  roles: ["hr", "owner", "auditor"],
  order: 60,

  render(view) {
    view.append(
      h("div", { className: "card", id: "viol-detail", hidden: true },
        h("h3", {}, "违规详情"),
        h("dl", { className: "facts", id: "viol-detail-facts" }),
        h("div", { id: "viol-detail-raw", className: "hr-only" })),
      h("form", { id: "viol-filter", className: "card filters" },
        h("label", {}, "员工 ", h("input", { id: "viol-user", name: "user" })),
        h("label", {}, "群聊 ", h("input", { id: "viol-chat", name: "chat" })),
        h("label", {}, "类别 ", h("select", { id: "viol-category", name: "category" })),
        h("label", {},
          "严重度 ",
          h("select", { id: "viol-severity", name: "severity" },
            h("option", { value: "" }, "全部"),
            h("option", { value: "low" }, "低"),
            h("option", { value: "medium" }, "中"),
            h("option", { value: "high" }, "高"),
            h("option", { value: "critical" }, "严重"))),
        h("label", {}, "起 ", h("input", { id: "viol-from", type: "datetime-local" })),
        h("label", {}, "止 ", h("input", { id: "viol-to", type: "datetime-local" })),
        h("button", { type: "submit", className: "primary" }, "查询"),
        h("a", { className: "button", id: "viol-csv", download: "" }, "导出 CSV")),
      h("div", { className: "card" },
        h("table", { className: "table", id: "viol-table" },
          h("thead", {},
            h("tr", {},
              h("th", {}, "时间"),
              h("th", {}, "员工"),
              h("th", {}, "群聊"),
              h("th", {}, "会话"),
              h("th", {}, "严重度"),
              h("th", {}, "处理"),
              h("th", {}, "命中（已打码）"),
              h("th", {}, "案件"),
              h("th", { className: "hr-only" }),
              h("th", {}, "复核"))),
          h("tbody", {})),
        h("div", { className: "row pager" },
          h("button", { type: "button", id: "viol-prev", disabled: true }, "上一页"),
          h("span", { className: "muted", id: "viol-page" }),
          h("button", { type: "button", id: "viol-next", disabled: true }, "下一页"))));
    const sel = $("viol-category");
    sel.append(h("option", { value: "" }, "全部"));
    for (const [c, l] of Object.entries(CATEGORY_LABELS)) if (c !== "allow") sel.append(h("option", { value: c }, l));
    $("viol-filter").addEventListener("submit", guard(() => load(true)));
    $("viol-next").addEventListener("click", guard(() => { page++; return load(false); }));
    $("viol-prev").addEventListener("click", guard(() => { page = Math.max(0, page - 1); return load(false); }));
  },

  async show(id) {
    await Promise.all([showOne(id), load(true)]);
  },
};

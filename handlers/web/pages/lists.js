// 关键词: HR's word lists by category — browse, search, add in bulk, import
// and export (TXT/CSV), change a word's severity or note, create and delete
// lists. Other roles read them.
import { api, isHR } from "../api.js";
import { $, h, emptyRow, guard, flash } from "../dom.js";
import { CATEGORY_LABELS, SEVERITY_LABELS, label } from "../i18n.js";

const catLabel = (c) => label(CATEGORY_LABELS, c);
const listURL = (l) => `/api/v1/lists/${encodeURIComponent(l.category)}/${encodeURIComponent(l.name)}`;

let lists = [];
let current = null; // {category, name, label, entries}
// Labels of the policy in force: "category/name" → list label.
const listLabels = {};

async function load() {
  const data = await api("GET", "/api/v1/lists");
  lists = data.lists || [];
  const ul = $("lists-index");
  ul.replaceChildren();
  let cat = null;
  for (const l of lists) {
    if (l.category !== cat) {
      cat = l.category;
      ul.append(h("li", { className: "cat" }, l.category_label || catLabel(cat)));
    }
    listLabels[`${l.category}/${l.name}`] = l.label || l.name;
    const li = h("li", { dataset: { list: `${l.category}/${l.name}` }, onclick: guard(() => open(l)), title: `${l.category}/${l.name}` },
      h("span", {}, l.label || l.name), h("span", { className: "muted" }, l.entries));
    if (current && current.category === l.category && current.name === l.name) li.classList.add("current");
    ul.append(li);
  }
  const sel = $("list-create-category");
  sel.replaceChildren(...[...new Set([...Object.keys(CATEGORY_LABELS), ...lists.map((l) => l.category)])]
    .map((c) => h("option", { value: c }, catLabel(c))));
  if (current) await open(current);
}

async function open(l) {
  const data = await api("GET", listURL(l));
  current = { category: l.category, name: l.name, entries: data.entries || [] };
  for (const li of document.querySelectorAll("#lists-index li[data-list]")) {
    li.classList.toggle("current", li.dataset.list === `${l.category}/${l.name}`);
  }
  $("list-empty").hidden = true;
  $("list-detail").hidden = false;
  current.label = l.label || listLabels[`${l.category}/${l.name}`] || l.name;
  $("list-title").textContent = `${l.category_label || catLabel(l.category)} / ${current.label}`;
  const together = $("list-together");
  together.hidden = !(l.together > 1);
  together.textContent = l.together > 1
    ? `本词表的词单独出现不算违规：同一条消息里出现 ${l.together} 个或更多不同的词时才会处理（例如“日结”“宝妈”“零基础”同时出现的招揽广告）。`
    : "";
  $("list-export-txt").href = listURL(l) + "/export?format=txt";
  $("list-export-csv").href = listURL(l) + "/export?format=csv";
  renderEntries();
}

function renderEntries() {
  const q = $("list-search").value.trim();
  const tbody = $("list-entries").tBodies[0];
  tbody.replaceChildren();
  const all = current.entries;
  const shown = q ? all.filter((e) => e.word.includes(q) || (e.note || "").includes(q)) : all;
  $("list-count").textContent = q ? `${shown.length} / ${all.length} 个词` : `${all.length} 个词`;
  if (!shown.length) return emptyRow(tbody, 4, q ? "没有匹配的词" : "词表为空");
  const allow = current.category === "allow";
  for (const e of shown.slice(0, 500)) {
    const sev = h("select", { disabled: !isHR() || allow, ariaLabel: "严重度" },
      h("option", { value: "" }, "按规则"),
      ...["low", "medium", "high", "critical"].map((s) => h("option", { value: s, selected: e.severity === s }, SEVERITY_LABELS[s])));
    const note = h("input", { value: e.note || "", readOnly: !isHR(), ariaLabel: "备注", maxLength: 200 });
    const save = guard(async () => {
      await api("POST", listURL(current) + "/words", { add: [{ word: e.word, severity: sev.value, note: note.value.trim() }] });
      flash(`已更新“${e.word}”`);
      await open(current);
    });
    sev.addEventListener("change", save);
    note.addEventListener("change", save);
    tbody.append(h("tr", { dataset: { word: e.word } },
      h("td", {}, e.word), h("td", {}, sev), h("td", {}, note),
      h("td", { className: "hr-only" }, h("button", {
        type: "button", className: "danger", onclick: guard(async () => {
          await api("POST", listURL(current) + "/words", { remove: [e.word] });
          flash(`已删除“${e.word}”`);
          await load();
        }),
      }, "删除"))));
  }
  if (shown.length > 500) emptyRow(tbody, 4, `只显示前 500 个，请用搜索缩小范围（共 ${shown.length} 个）`);
}

// parseBulk reads pasted lines "word[,severity[,note]]".
function parseBulk(text) {
  const out = [];
  for (const line of text.split(/\r?\n/)) {
    const t = line.trim();
    if (!t || t.startsWith("#")) continue;
    const [word, sev, ...rest] = t.split(/[,，]/).map((x) => x.trim());
    const e = { word };
    if (sev) e.severity = sev;
    if (rest.length) e.note = rest.join(",");
    out.push(e);
  }
  return out;
}

export default {
  name: "lists",
  title: "关键词",
  roles: ["hr", "auditor"],
  order: 20,

  render(view) {
    view.append(
      h("div", { className: "lists-layout" },
        h("div", { className: "card list-index" },
          h("h3", {}, "词表"),
          h("ul", { id: "lists-index", className: "plain" }),
          h("form", { id: "list-create", className: "hr-only stack" },
            h("h4", {}, "新建词表"),
            h("label", { htmlFor: "list-create-category" }, "类别"),
            h("select", { id: "list-create-category" }),
            h("label", { htmlFor: "list-create-name" }, "名称（小写字母、数字、_ 或 -）"),
            h("input", { id: "list-create-name", pattern: "[a-z0-9_\\-]{1,64}", required: true }),
            h("button", { type: "submit" }, "新建"))),
        h("div", { className: "card list-editor", id: "list-editor" },
          h("p", { className: "muted", id: "list-empty" }, "请选择左侧的词表。"),
          h("div", { id: "list-detail", hidden: true },
            h("div", { className: "row spread" },
              h("h3", { id: "list-title" }),
              h("div", { className: "row" },
                h("a", { id: "list-export-txt", className: "button", download: "" }, "导出 TXT"),
                h("a", { id: "list-export-csv", className: "button", download: "" }, "导出 CSV"),
                h("button", { type: "button", className: "danger hr-only", id: "list-delete" }, "删除词表"))),
            h("p", { className: "muted", id: "list-together", hidden: true }),
            h("div", { className: "row" },
              h("input", { id: "list-search", type: "search", placeholder: "在本词表中搜索…" }),
              h("span", { className: "muted", id: "list-count" })),
            h("table", { className: "table", id: "list-entries" },
              h("thead", {},
                h("tr", {}, h("th", {}, "词语"), h("th", {}, "严重度"), h("th", {}, "备注"), h("th", { className: "hr-only" }))),
              h("tbody", {})),
            h("form", { id: "list-add", className: "hr-only stack" },
              h("h4", {}, "批量添加"),
              h("label", { htmlFor: "list-add-words" },
                "每行一个词；可写成 ",
                h("code", {}, "词语,严重度,备注"),
                "（严重度：low / medium / high / critical，可省略）"),
              h("textarea", { id: "list-add-words", rows: "5", spellcheck: false }),
              h("div", { className: "row" },
                h("button", { type: "submit", className: "primary", id: "list-add-submit" }, "添加"),
                h("label", { className: "file" },
                  "从文件导入（TXT/CSV）",
                  h("input", { type: "file", id: "list-import", accept: ".txt,.csv,text/plain,text/csv" })),
                h("label", {}, h("input", { type: "checkbox", id: "list-import-replace" }), " 导入时替换整个词表")))))));

    $("list-search").addEventListener("input", () => current && renderEntries());

    $("list-add").addEventListener("submit", guard(async () => {
      const add = parseBulk($("list-add-words").value);
      if (!add.length) return flash("请先输入要添加的词。", true);
      const r = await api("POST", listURL(current) + "/words", { add });
      $("list-add-words").value = "";
      flash(`已添加 ${add.length} 个词，词表现有 ${r.entries} 个词（规则版本 ${r.version}）`);
      await load();
    }));

    $("list-import").addEventListener("change", guard(async (ev) => {
      const file = ev.target.files[0];
      ev.target.value = "";
      if (!file || !current) return;
      const format = /\.csv$/i.test(file.name) ? "csv" : "txt";
      const replace = $("list-import-replace").checked;
      if (replace && !confirm(`用 ${file.name} 替换词表「${current.label || current.name}」 的全部内容？`)) return;
      const r = await api("PUT", listURL(current) + `/import?format=${format}&mode=${replace ? "replace" : "append"}`, undefined, await file.text());
      flash(`已导入，词表现有 ${r.entries} 个词`);
      await load();
    }));

    $("list-create").addEventListener("submit", guard(async () => {
      const l = { category: $("list-create-category").value, name: $("list-create-name").value.trim() };
      await api("POST", "/api/v1/lists", l);
      $("list-create-name").value = "";
      current = { ...l, entries: [] };
      flash(`已新建词表「${l.name}」`);
      await load();
    }));

    $("list-delete").addEventListener("click", guard(async () => {
      if (!current || !confirm(`确定删除词表「${current.label || current.name}」？`)) return;
      await api("DELETE", listURL(current));
      flash(`已删除词表「${current.label || current.name}」`);
      current = null;
      $("list-detail").hidden = true;
      $("list-empty").hidden = false;
      await load();
    }));
  },

  show: load,
};

// 客户数据与保密文件: the customer record sets (exact data matching) and
// the protected documents (fingerprints). The server keeps only keyed
// hashes and fingerprints; this page shows names, counts and versions,
// never a value.
import { api, session, APIError } from "../api.js";
import { $, h, emptyRow, guard, flash } from "../dom.js";
import { fmtTime } from "../format.js";

const KIND_NAMES = { phone: "手机号", id_card: "身份证号", bank_card: "银行卡号", email: "邮箱地址", token: "编号" };
const kindName = (k) => KIND_NAMES[k] || "编号";
const num = (n) => (n || 0).toLocaleString("zh-CN");

// upload sends a body with the session's CSRF secret and reports the
// upload's progress; it answers the decoded reply or throws an APIError.
function upload(method, path, body, onProgress) {
  return new Promise((resolve, reject) => {
    const x = new XMLHttpRequest();
    x.open(method, path);
    x.withCredentials = true;
    x.setRequestHeader("Accept", "application/json");
    x.setRequestHeader("X-CSRF-Token", session.csrf);
    x.upload.onprogress = (ev) => { if (ev.lengthComputable) onProgress(ev.loaded / ev.total); };
    x.upload.onload = () => onProgress(1);
    x.onerror = () => reject(new APIError(0, null));
    x.onload = () => {
      let data = null;
      try { data = JSON.parse(x.responseText); } catch (_) { /* not JSON */ }
      if (x.status >= 200 && x.status < 300) resolve(data);
      else reject(new APIError(x.status, data));
    };
    x.send(body);
  });
}

function progress(id, text) {
  const p = $(id);
  p.hidden = !text;
  p.textContent = text || "";
}

async function load() {
  let data;
  try {
    data = await api("GET", "/api/v1/dlp");
  } catch (err) {
    if (err.status === 404) {
      $("dlp-off").hidden = false;
      $("dlp-on").hidden = true;
      return;
    }
    throw err;
  }
  $("dlp-off").hidden = true;
  $("dlp-on").hidden = false;
  const sets = $("dlp-sets").tBodies[0];
  sets.replaceChildren();
  if (!(data.sets || []).length) emptyRow(sets, 7, "还没有导入客户数据");
  for (const s of data.sets || []) {
    const cols = (s.columns || []).map((c) => `${c.name}（${kindName(c.kind)}，${num(c.values)} 个）`).join("、");
    sets.append(h("tr", { dataset: { set: s.name } },
      h("td", {}, s.name), h("td", { className: "num" }, `第 ${s.version} 版`), h("td", { className: "num" }, num(s.rows)),
      h("td", { className: "num" }, num(s.hashes)), h("td", {}, cols), h("td", {}, `${s.imported_by} · ${fmtTime(s.imported_at)}`),
      h("td", { className: "hr-only actions" }, h("button", {
        type: "button", className: "danger", onclick: guard(async () => {
          if (!confirm(`删除客户数据「${s.name}」？所有副本将在一秒内停止匹配这些客户。`)) return;
          await api("DELETE", "/api/v1/dlp/sets/" + encodeURIComponent(s.name));
          flash(`已删除客户数据「${s.name}」及其全部哈希`);
          await load();
        }),
      }, "删除"))));
  }
  const docs = $("dlp-docs").tBodies[0];
  docs.replaceChildren();
  if (!(data.documents || []).length) emptyRow(docs, 6, "还没有受保护的文件");
  for (const d of data.documents || []) {
    docs.append(h("tr", { dataset: { doc: d.id } },
      h("td", {}, `《${d.name}》`), h("td", {}, d.category || "—"), h("td", { className: "num" }, num(d.chars)),
      h("td", { className: "num" }, num(d.paragraphs)), h("td", {}, `${d.uploaded_by} · ${fmtTime(d.uploaded_at)}`),
      h("td", { className: "hr-only actions" }, h("button", {
        type: "button", className: "danger", onclick: guard(async () => {
          if (!confirm(`删除受保护文件《${d.name}》的指纹？`)) return;
          await api("DELETE", "/api/v1/dlp/documents/" + encodeURIComponent(d.id));
          flash(`已删除《${d.name}》的指纹`);
          await load();
        }),
      }, "删除"))));
  }
}

export default {
  name: "dlp",
  title: "客户数据与保密文件",
  roles: ["hr", "auditor"],
  order: 45,

  render(view) {
    view.append(
      h("p", { className: "muted", id: "dlp-off", hidden: true },
        "未设置 dlp.secret（DLP_SECRET_FILE），客户数据匹配和保密文件指纹未启用。"),
      h("div", { id: "dlp-on" },
        h("p", { className: "muted", id: "dlp-explain" },
          "只保存客户数据的加密哈希和文件指纹，不保存任何原始值或文件内容。真实客户的手机号、证件号等出现在群里时上报 HR；复制受保护文件 50 字以上时按商业机密处理。"),
        h("h3", {}, "客户数据"),
        h("form", { id: "dlp-set-form", className: "card filters hr-only", autocomplete: "off" },
          h("label", {}, "名称 ", h("input", { id: "dlp-set-name", required: true, maxLength: "64", placeholder: "重点客户" })),
          h("label", {}, "使用的列 ", h("input", { id: "dlp-set-columns", required: true, size: "36", spellcheck: false, placeholder: "手机=phone,证件号=id_card,客户编号=customer_no" })),
          h("label", {}, "CSV 文件 ", h("input", { id: "dlp-set-file", type: "file", accept: ".csv,text/csv", required: true })),
          h("button", { type: "submit", className: "primary", id: "dlp-set-submit" }, "导入（替换同名数据）"),
          h("span", { id: "dlp-set-progress", className: "muted", hidden: true })),
        h("div", { className: "card" },
          h("table", { className: "table", id: "dlp-sets" },
            h("thead", {}, h("tr", {}, h("th", {}, "名称"), h("th", {}, "版本"), h("th", {}, "记录数"), h("th", {}, "不同的值"),
              h("th", {}, "列"), h("th", {}, "导入"), h("th", { className: "hr-only" }))),
            h("tbody", {}))),
        h("h3", {}, "受保护的文件"),
        h("form", { id: "dlp-doc-form", className: "card filters hr-only", autocomplete: "off" },
          h("label", {}, "名称 ", h("input", { id: "dlp-doc-name", maxLength: "64", placeholder: "默认为文件名" })),
          h("label", {}, "分类 ", h("input", { id: "dlp-doc-category", maxLength: "64", placeholder: "报价" })),
          h("label", {}, "文件（.txt、.md、.docx） ", h("input", { id: "dlp-doc-file", type: "file", accept: ".txt,.md,.docx", required: true })),
          h("button", { type: "submit", className: "primary", id: "dlp-doc-submit" }, "上传并保护"),
          h("span", { id: "dlp-doc-progress", className: "muted", hidden: true })),
        h("div", { className: "card" },
          h("table", { className: "table", id: "dlp-docs" },
            h("thead", {}, h("tr", {}, h("th", {}, "文件"), h("th", {}, "分类"), h("th", {}, "字数"), h("th", {}, "段落"),
              h("th", {}, "上传"), h("th", { className: "hr-only" }))),
            h("tbody", {})))));

    $("dlp-set-form").addEventListener("submit", guard(async () => {
      const name = $("dlp-set-name").value.trim();
      const file = $("dlp-set-file").files[0];
      if (!name || !file) return flash("请填写名称并选择 CSV 文件。", true);
      const path = "/api/v1/dlp/sets/" + encodeURIComponent(name) + "?columns=" + encodeURIComponent($("dlp-set-columns").value.trim());
      try {
        const res = await upload("PUT", path, file, (f) => progress("dlp-set-progress",
          f < 1 ? `正在上传 ${Math.round(f * 100)}%…` : "已上传，正在计算哈希并保存…"));
        const s = res.set;
        flash(`已导入「${s.name}」第 ${s.version} 版：${num(s.rows)} 条记录，${num(s.hashes)} 个不同的值` +
          (s.invalid ? `，${num(s.invalid)} 个无效值未导入` : ""));
        $("dlp-set-file").value = "";
      } finally {
        progress("dlp-set-progress", "");
      }
      await load();
    }));
    $("dlp-doc-form").addEventListener("submit", guard(async () => {
      const file = $("dlp-doc-file").files[0];
      if (!file) return flash("请选择要保护的文件。", true);
      const form = new FormData();
      form.append("file", file);
      form.append("name", $("dlp-doc-name").value.trim());
      form.append("category", $("dlp-doc-category").value.trim());
      try {
        const d = await upload("POST", "/api/v1/dlp/documents", form, (f) => progress("dlp-doc-progress",
          f < 1 ? `正在上传 ${Math.round(f * 100)}%…` : "已上传，正在生成指纹…"));
        flash(`已保护《${d.name}》：${num(d.chars)} 字、${num(d.paragraphs)} 段，只保留指纹，不保存内容`);
        $("dlp-doc-file").value = "";
      } finally {
        progress("dlp-doc-progress", "");
      }
      await load();
    }));
  },

  show: load,
};

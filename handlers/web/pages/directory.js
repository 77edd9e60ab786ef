// 通讯录: where the names the console shows come from, and HR's fallback.
// WeCom gives members' names only within the app's visible range (and
// apps created after 2022-06-20 get fewer fields); HR imports a CSV of
// userid,name,department for the rest — WeCom's own member export, saved
// as CSV, will do.
import { api } from "../api.js";
import { $, h, guard, flash } from "../dom.js";
import { forgetNames } from "../names.js";

async function load() {
  const r = await api("GET", "/api/v1/directory");
  $("directory-count").textContent = r.members
    ? `HR 导入的通讯录现有 ${r.members} 人。`
    : "还没有导入通讯录：控制台只能显示企业微信接口给出的姓名，其余人员显示账号。";
}

export default {
  name: "directory",
  title: "通讯录",
  roles: ["hr", "auditor"],
  order: 45,

  render(view) {
    view.append(
      h("div", { className: "card stack" },
        h("p", { id: "directory-count" }),
        h("p", { className: "muted" },
          "控制台显示姓名时，先用 HR 导入的通讯录，再用企业微信接口返回的姓名（需应用的可见范围包含该成员）；都没有时显示账号。",
          "账号始终以灰色小字附在姓名后面。")),
      h("form", { id: "directory-form", className: "card stack hr-only" },
        h("h3", {}, "导入通讯录"),
        h("p", { className: "muted" },
          "CSV 文件，每行一人：", h("code", {}, "账号,姓名,部门"),
          "（部门可留空；第一行可以是标题行）。可直接用企业微信管理后台导出的成员表，在 Excel 中另存为“CSV UTF-8”。"),
        h("label", { className: "file dropzone" }, "选择 CSV 文件…",
          h("input", { type: "file", id: "directory-file", accept: ".csv,text/csv" })),
        h("label", {}, h("input", { type: "checkbox", id: "directory-replace" }), " 替换现有通讯录（不勾选则追加、同账号覆盖）")));
    $("directory-file").addEventListener("change", guard(async (ev) => {
      const file = ev.target.files[0];
      ev.target.value = "";
      if (!file) return;
      const replace = $("directory-replace").checked;
      if (replace && !confirm(`用 ${file.name} 替换现有通讯录？`)) return;
      const r = await api("PUT", "/api/v1/directory" + (replace ? "?mode=replace" : ""), undefined, await file.text());
      forgetNames();
      flash(`已导入 ${r.imported} 人，通讯录现有 ${r.members} 人`);
      await load();
    }));
  },

  show: load,
};

// 群聊设置: what kind each group chat is (work, private, external, direct),
// its name and owner as HR set them. The kind decides which rules apply.
import { api } from "../api.js";
import { $, h, emptyRow, guard, flash } from "../dom.js";
import { fmtTime } from "../format.js";
import { CHAT_KIND_LABELS as KIND_LABELS, label } from "../i18n.js";

const CHAT_KINDS = ["work", "private", "external", "direct"];
const chatURL = (id) => "/api/v1/chats/" + encodeURIComponent(id);

async function load() {
  const data = await api("GET", "/api/v1/chats");
  const cs = (data.chats || []).slice().sort((a, b) => (a.chat_id < b.chat_id ? -1 : a.chat_id > b.chat_id ? 1 : 0));
  const tbody = $("chats-table").tBodies[0];
  tbody.replaceChildren();
  if (!cs.length) emptyRow(tbody, 7, "还没有设置过任何群聊；未设置的群聊按工作群处理");
  for (const c of cs) {
    const actions = h("td", { className: "hr-only actions" },
      h("button", { type: "button", className: "edit", onclick: () => edit(c) }, "编辑"),
      h("button", {
        type: "button", className: "danger", onclick: guard(async () => {
          if (!confirm(`删除群聊 ${c.chat_id} 的设置？删除后按工作群处理。`)) return;
          await api("DELETE", chatURL(c.chat_id));
          flash(`已删除群聊 ${c.chat_id} 的设置`);
          await load();
        }),
      }, "删除"));
    tbody.append(h("tr", { dataset: { chat: c.chat_id, kind: c.kind || "" } },
      h("td", {}, h("code", {}, c.chat_id)), h("td", {}, c.name || "—"),
      h("td", { className: "kind" }, c.kind ? label(KIND_LABELS, c.kind) : "未设置（按工作群）"),
      h("td", {}, c.owner || "—"), h("td", {}, c.set_by || ""), h("td", {}, fmtTime(c.updated)), actions));
  }
}

// edit fills the form with a chat's settings, to change them.
function edit(c) {
  $("chat-id").value = c.chat_id;
  $("chat-name").value = c.name || "";
  $("chat-kind").value = CHAT_KINDS.includes(c.kind) ? c.kind : "work";
  $("chat-owner").value = c.owner || "";
  $("chat-name").focus();
}

export default {
  name: "chats",
  title: "群聊设置",
  roles: ["hr", "auditor"],
  order: 40,

  render(view) {
    view.append(
      h("p", { className: "muted", id: "chats-explain" }, "会话类型决定适用哪些规则：广告推销、与工作无关内容两类规则只在工作群生效；未设置类型的群聊按工作群处理。"),
      h("form", { id: "chat-form", className: "card filters hr-only", autocomplete: "off" },
        h("label", {},
          "群聊 ID ",
          h("input", { id: "chat-id", required: true, maxLength: "128", spellcheck: false, placeholder: "wr…" })),
        h("label", {}, "名称 ", h("input", { id: "chat-name", maxLength: "128" })),
        h("label", {},
          "类型 ",
          h("select", { id: "chat-kind" },
            h("option", { value: "work" }, "工作群"),
            h("option", { value: "private" }, "私人群"),
            h("option", { value: "external" }, "外部群"),
            h("option", { value: "direct" }, "单聊"))),
        h("label", {}, "群主（企业微信账号，可留空） ", h("input", { id: "chat-owner", maxLength: "64", spellcheck: false })),
        h("button", { type: "submit", className: "primary", id: "chat-submit" }, "保存"),
        h("button", { type: "button", id: "chat-clear" }, "清空")),
      h("div", { className: "card" },
        h("table", { className: "table", id: "chats-table" },
          h("thead", {},
            h("tr", {},
              h("th", {}, "群聊 ID"),
              h("th", {}, "名称"),
              h("th", {}, "类型"),
              h("th", {}, "群主"),
              h("th", {}, "设置人"),
              h("th", {}, "更新时间"),
              h("th", { className: "hr-only" }))),
          h("tbody", {}))));
    $("chat-clear").addEventListener("click", () => {
      for (const id of ["chat-id", "chat-name", "chat-owner"]) $(id).value = "";
      $("chat-kind").value = "work";
    });
    $("chat-form").addEventListener("submit", guard(async () => {
      const id = $("chat-id").value.trim();
      if (!id) return flash("请填写群聊 ID。", true);
      const c = await api("PUT", chatURL(id), {
        kind: $("chat-kind").value, owner: $("chat-owner").value.trim(), name: $("chat-name").value.trim(),
      });
      flash(`已保存：群聊 ${c.chat_id} 为${label(KIND_LABELS, c.kind)}`);
      await load();
    }));
  },

  show: load,
};

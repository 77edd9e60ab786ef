// 群聊: every group chat seen — those HR set, those messages came from and
// those with violations in the last 30 days — unclassified ones first, by
// name (HR's, else WeCom's) with the id in grey,
// with the owner, the violations and how many people sent them. HR
// classifies a group from its row (the kind decides which rules apply),
// names it and sets its owner in the form.
import { api } from "../api.js";
import { $, h, emptyRow, guard, flash } from "../dom.js";
import { fmtTime } from "../format.js";
import { CHAT_KIND_LABELS as KIND_LABELS, label } from "../i18n.js";
import { group, loadNames, person } from "../names.js";
import { href } from "../router.js";

const CHAT_KINDS = ["work", "private", "external", "direct"];
const chatURL = (id) => "/api/v1/chats/" + encodeURIComponent(id);

async function save(g, kind) {
  const c = await api("PUT", chatURL(g.chat_id), { kind, owner: g.owner || "", name: g.name || "" });
  flash(`已保存：群聊「${g.name || g.wecom_name || g.chat_id}」为${label(KIND_LABELS, c.kind)}`);
  await load();
}

async function load() {
  const data = await api("GET", "/api/v1/groups?days=30");
  const gs = data.groups || [];
  await loadNames({ people: gs.map((g) => g.owner).filter(Boolean) });
  const tbody = $("chats-table").tBodies[0];
  tbody.replaceChildren();
  const open = gs.filter((g) => !g.kind).length;
  $("chats-summary").textContent = gs.length
    ? `共 ${gs.length} 个群聊，其中 ${open} 个尚未分类（按工作群处理）。` + (data.capped ? "近 30 天违规记录较多，只统计了最近的一部分。" : "")
    : "";
  if (!gs.length) emptyRow(tbody, 11, "还没有见到任何群聊：群聊里有消息、有违规记录或由 HR 设置后会列在这里；未设置的群聊按工作群处理");
  for (const g of gs) {
    const classify = h("select", { className: "classify", ariaLabel: "分类", onchange: guard(async (ev) => { if (ev.target.value) await save(g, ev.target.value); }) },
      h("option", { value: "" }, g.kind ? "改为…" : "分类为…"),
      ...CHAT_KINDS.filter((k) => k !== g.kind).map((k) => h("option", { value: k }, label(KIND_LABELS, k))));
    const actions = h("td", { className: "hr-only actions" }, classify,
      h("button", { type: "button", className: "edit", onclick: () => edit(g) }, "编辑"),
      g.set_by ? h("button", {
        type: "button", className: "danger", onclick: guard(async () => {
          if (!confirm(`删除群聊「${g.name || g.chat_id}」的设置？删除后按工作群处理。`)) return;
          await api("DELETE", chatURL(g.chat_id));
          flash(`已删除群聊「${g.name || g.chat_id}」的设置`);
          await load();
        }),
      }, "删除") : "");
    const kind = g.kind ? label(KIND_LABELS, g.kind)
      : h("span", { className: "unclassified" }, "未分类（按工作群）");
    tbody.append(h("tr", { dataset: { chat: g.chat_id, kind: g.kind || "" } },
      h("td", {}, group(g.chat_id, g.name || g.wecom_name)),
      h("td", { className: "kind" }, kind),
      h("td", {}, g.owner ? person(g.owner) : "—"),
      h("td", { className: "num" }, g.violations ? h("a", { href: href("violations"), onclick: (ev) => { ev.preventDefault(); openChat(g.chat_id); } }, g.violations) : "0"),
      h("td", { className: "num" }, g.people || 0),
      h("td", {}, fmtTime(g.last_violation) || "—"),
      h("td", { className: "num" }, g.messages || 0), h("td", {}, fmtTime(g.last_seen) || "—"),
      h("td", {}, g.set_by ? person(g.set_by) : "—"), h("td", {}, fmtTime(g.updated) || "—"), actions));
  }
}

// openChat opens the violations page filtered to one group.
function openChat(id) {
  location.hash = href("violations");
  $("viol-chat").value = id;
}

// edit fills the form with a group's settings, to change them.
function edit(g) {
  $("chat-id").value = g.chat_id;
  $("chat-name").value = g.name || "";
  $("chat-kind").value = CHAT_KINDS.includes(g.kind) ? g.kind : "work";
  $("chat-owner").value = g.owner || "";
  $("chat-name").focus();
}

export default {
  name: "chats",
  title: "群聊",
  roles: ["hr", "auditor"],
  order: 40,

  render(view) {
    view.append(
      h("p", { className: "muted", id: "chats-explain" }, "会话类型决定适用哪些规则：广告推销、与工作无关内容两类规则只在工作群生效；未分类的群聊按工作群处理。群聊名称以 HR 设置的为准，未设置时用企业微信中的群名，群聊 ID 以灰色小字附在后面。消息数与最近消息每隔几秒汇总一次。"),
      h("p", { id: "chats-summary" }),
      h("div", { className: "card" },
        h("table", { className: "table", id: "chats-table" },
          h("thead", {},
            h("tr", {},
              h("th", {}, "群聊"), h("th", {}, "类型"), h("th", {}, "群主"),
              h("th", { className: "num" }, "违规（近 30 天）"), h("th", { className: "num" }, "涉及人数"), h("th", {}, "最近违规"),
              h("th", { className: "num" }, "消息数"), h("th", {}, "最近消息"),
              h("th", {}, "设置人"), h("th", {}, "更新时间"), h("th", { className: "hr-only" }))),
          h("tbody", {}))),
      h("form", { id: "chat-form", className: "card filters hr-only", autocomplete: "off" },
        h("h3", {}, "设置群聊"),
        h("label", {}, "群聊 ID ", h("input", { id: "chat-id", required: true, maxLength: "128", spellcheck: false, placeholder: "wr…" })),
        h("label", {}, "名称 ", h("input", { id: "chat-name", maxLength: "128" })),
        h("label", {}, "类型 ",
          h("select", { id: "chat-kind" }, ...CHAT_KINDS.map((k) => h("option", { value: k }, label(KIND_LABELS, k))))),
        h("label", {}, "群主（企业微信账号，可留空） ", h("input", { id: "chat-owner", maxLength: "64", spellcheck: false })),
        h("button", { type: "submit", className: "primary", id: "chat-submit" }, "保存"),
        h("button", { type: "button", id: "chat-clear" }, "清空")));
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
      flash(`已保存：群聊「${c.name || c.chat_id}」为${label(KIND_LABELS, c.kind)}`);
      await load();
    }));
  },

  show: load,
};

// 离职继承: a leaver's customers and customer groups, handed to a successor
// through WeCom; per customer 等待分配 / 等待接替 / 已接替 / 客户拒绝 / 失败.
import { api, isHR } from "../api.js";
import { $, h, emptyRow, guard, flash } from "../dom.js";
import { fmtTime } from "../format.js";
import { loadNames, person, group } from "../names.js";
import { href } from "../router.js";

const url = (leaver) => "/api/v1/handovers/" + encodeURIComponent(leaver);
const KIND_LABELS = { customer: "客户", group: "客户群" };
let current = "";
// shown counts the list and detail loads: a load answers only if no later
// one started meanwhile, so a slow answer (the list read when the page
// opened) never overwrites a newer one (the list after 从企业微信刷新).
let shown = 0;

// off says the feature is not turned on (the API answers 404).
function off(err) {
  if (err.status !== 404) throw err;
  $("handover-summary").textContent = current ? "没有这位成员的离职继承记录。" : "离职继承未开启，请联系系统管理员开启（需要企业微信「客户联系」权限）。";
  $("handover-list").hidden = true;
  $("handover-detail").hidden = true;
}

function chosenText(d) {
  if (!d.takeover) return "尚未选择接替成员";
  const by = d.chosen_by === "default" ? "部门默认接替人" : `由 ${d.chosen_by} 选择`;
  return `接替成员 ${d.takeover}（${by}，${fmtTime(d.chosen_at)}）`;
}

async function showList() {
  const mine = ++shown;
  let data;
  try {
    data = await api("GET", "/api/v1/handovers");
  } catch (err) {
    return mine === shown ? off(err) : undefined;
  }
  if (mine !== shown) return;
  $("handover-detail").hidden = true;
  $("handover-list").hidden = false;
  const hs = data.handovers || [];
  $("handover-summary").textContent = hs.length ? `有 ${hs.length} 位离职成员的客户尚未全部移交。` : "所有离职成员的客户都已移交。";
  const tbody = $("handover-table").tBodies[0];
  tbody.replaceChildren();
  if (!hs.length) emptyRow(tbody, 5, "没有待处理的离职继承");
  for (const d of hs) {
    tbody.append(h("tr", { dataset: { leaver: d.leaver } },
      h("td", {}, h("a", { href: href("handover", d.leaver) }, d.leaver)),
      h("td", {}, fmtTime(d.left) || "—"),
      h("td", {}, d.summary),
      h("td", {}, chosenText(d)),
      h("td", {}, d.reminded ? `已于 ${fmtTime(d.reminded)} 提醒` : "—")));
  }
}

async function showDetail(leaver) {
  const mine = ++shown;
  let d;
  try {
    d = await api("GET", url(leaver));
  } catch (err) {
    return mine === shown ? off(err) : undefined;
  }
  if (mine !== shown) return;
  $("handover-list").hidden = true;
  $("handover-detail").hidden = false;
  $("handover-summary").textContent = d.summary + "。" + chosenText(d) + "。";
  $("handover-left").textContent = d.left ? `离职时间：${fmtTime(d.left)}` : "";
  const tbody = $("handover-items").tBodies[0];
  tbody.replaceChildren();
  const items = [...(d.customers || []), ...(d.groups || [])];
  await loadNames({ people: [d.leaver, ...items.map((it) => it.takeover)], groups: (d.groups || []).map((it) => it.id) });
  if (mine !== shown) return;
  if (!items.length) emptyRow(tbody, 7, "企业微信中没有这位成员待分配的客户或客户群");
  for (const it of items) {
    const free = ["unassigned", "refused", "failed"].includes(it.state);
    tbody.append(h("tr", { dataset: { item: it.kind + ":" + it.id, state: it.state } },
      h("td", { className: "hr-only" }, free ? h("input", { type: "checkbox", className: "pick", value: it.kind + ":" + it.id }) : null),
      h("td", {}, KIND_LABELS[it.kind] || "—"),
      h("td", {}, it.kind === "customer" ? customer(it) : group(it.id)),
      h("td", { className: "state" }, it.state_text),
      h("td", {}, it.takeover ? person(it.takeover) : "—"),
      h("td", {}, fmtTime(it.sent) || "—"),
      h("td", {}, fmtTime(it.done) || "—")));
  }
}

// customer shows a customer by the name WeCom gives (客户 and the masked
// id when WeCom withholds it), with the id in grey.
function customer(it) {
  const withheld = !it.name || it.name.startsWith("客户 ");
  return h("span", { className: "named" }, withheld ? "客户" : it.name, h("span", { className: "id" }, it.id));
}

async function assign(all) {
  const takeover = $("handover-takeover").value.trim();
  if (!takeover) return flash("请填写接替成员的企业微信账号。", true);
  const body = { takeover, customers: [], groups: [] };
  if (!all) {
    for (const box of document.querySelectorAll("#handover-items input.pick:checked")) {
      const [kind, ...rest] = box.value.split(":");
      (kind === "customer" ? body.customers : body.groups).push(rest.join(":"));
    }
    if (!body.customers.length && !body.groups.length) return flash("请先勾选要移交的客户或客户群。", true);
  }
  const res = await api("POST", url(current) + "/assign", body);
  flash(res.queued ? `已将 ${res.queued} 项交给 ${takeover}，正在通过企业微信转接` : "没有需要移交的项目");
  await showDetail(current);
}

export default {
  name: "handover",
  title: "离职继承",
  roles: ["hr", "auditor"],
  order: 75,

  render(view) {
    view.append(
      h("p", { className: "muted" }, "按公司客户资源管理规定，离职成员的客户及客户群须移交给在职同事。选择接替成员后，系统通过企业微信转接：客户有 24 小时可以拒绝，期满由企业微信自动完成接替；超过 24 小时仍未完成的，系统每天提醒 HR。"),
      h("div", { className: "card", id: "handover-summary" }),
      h("div", { id: "handover-list" },
        h("p", { className: "hr-only" }, h("button", {
          type: "button", id: "handover-refresh", onclick: guard(async () => {
            await api("POST", "/api/v1/handovers/refresh");
            flash("已从企业微信读取离职成员的客户");
            await showList();
          }),
        }, "从企业微信刷新")),
        h("div", { className: "card" },
          h("table", { className: "table", id: "handover-table" },
            h("thead", {}, h("tr", {}, h("th", {}, "离职成员"), h("th", {}, "离职时间"), h("th", {}, "进度"), h("th", {}, "接替成员"), h("th", {}, "提醒"))),
            h("tbody", {})))),
      h("div", { id: "handover-detail", hidden: true },
        h("p", {}, h("a", { href: href("handover") }, "← 返回离职成员列表"), " ", h("span", { className: "muted", id: "handover-left" })),
        h("form", { id: "handover-form", className: "card filters hr-only", autocomplete: "off" },
          h("label", {}, "接替成员（企业微信账号） ", h("input", { id: "handover-takeover", required: true, maxLength: "64", spellcheck: false })),
          h("button", { type: "submit", className: "primary", id: "handover-all" }, "移交全部未完成的"),
          h("button", { type: "button", id: "handover-picked" }, "移交所选")),
        h("div", { className: "card" },
          h("table", { className: "table", id: "handover-items" },
            h("thead", {}, h("tr", {}, h("th", { className: "hr-only" }, "选择"), h("th", {}, "类型"), h("th", {}, "客户或客户群"), h("th", {}, "状态"), h("th", {}, "接替成员"), h("th", {}, "转接时间"), h("th", {}, "完成时间"))),
            h("tbody", {})))));
    $("handover-form").addEventListener("submit", guard(() => assign(true)));
    $("handover-picked").addEventListener("click", guard(() => assign(false)));
  },

  async show(arg) {
    current = arg || "";
    if (current) await showDetail(current);
    else await showList();
    if (!isHR()) $("handover-takeover").value = "";
  },
};

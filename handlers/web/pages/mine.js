// 我的违规记录: the employee's own page. A member without a console role
// opens the link in a warning, signs in with WeCom and lands here: their
// own violation as they were warned (where, the category and rule by
// name, the masked evidence, the time in the company's zone), a 申诉 form
// and the state of their appeal; without a reference, their latest
// records. The server answers about the signed-in member's own records
// only (/api/v1/my/…); nothing else of the console is open to them.
import { api } from "../api.js";
import { $, h, guard, flash } from "../dom.js";
import { fmtTime } from "../format.js";
import { label } from "../i18n.js";
import { href } from "../router.js";

// WITHDRAWN_VIA and APPEAL_STATUS say what happened, for the employee.
const WITHDRAWN_VIA = { hr: "经人力资源部核实为误报", owner: "经群主申请、人力资源部确认为误报", appeal: "您的申诉已通过" };
const APPEAL_STATUS = { open: "处理中", accepted: "已通过", rejected: "未通过" };

let current = null; // the violation shown, as the API answered it

// state is the record's status line: withdrawn, appealed, or standing.
function state(v) {
  if (v.withdrawn) return h("span", { className: "badge withdrawn" }, "已撤销（" + label(WITHDRAWN_VIA, v.withdrawn.via) + "，" + fmtTime(v.withdrawn.at) + "）");
  if (v.appeal) return h("span", { className: "badge" }, "申诉" + label(APPEAL_STATUS, v.appeal.status));
  return h("span", { className: "badge" }, "有效记录");
}

function field(name, ...value) {
  return h("div", { className: "mine-field" }, h("div", { className: "muted" }, name), h("div", {}, ...value));
}

// showOne fills the page with one violation and its appeal.
function showOne(v) {
  current = v;
  $("mine-list").hidden = true;
  $("mine-one").hidden = false;
  $("mine-one").dataset.ref = v.ref;
  $("mine-detail").replaceChildren(
    field("记录编号", v.ref),
    field("时间", fmtTime(v.time)),
    field("位置", v.where),
    field("涉及类别", v.categories.join("、") || "—"),
    field("触发规则", v.rules.join("、") || "—"),
    field("证据（已脱敏）", v.evidence || "—"),
    field("状态", state(v)),
  );
  const a = v.appeal;
  $("mine-appeal").replaceChildren(...(a ? [
    field("申诉时间", fmtTime(a.filed)),
    field("申诉理由", a.reason),
    field("处理结果", label(APPEAL_STATUS, a.status) + (a.decided_at ? "（" + fmtTime(a.decided_at) + "）" : "")),
    a.answer ? field("人力资源部说明", a.answer) : null,
  ].filter(Boolean) : [h("p", { className: "muted" }, v.withdrawn ? "该记录已撤销，不计入违规次数，无需申诉。" : "您尚未对该记录提出申诉。")]));
  $("mine-form").hidden = !v.can_appeal;
}

async function showList() {
  current = null;
  $("mine-one").hidden = true;
  $("mine-list").hidden = false;
  const data = await api("GET", "/api/v1/my/violations");
  const vs = data.violations || [];
  const list = $("mine-items");
  list.replaceChildren();
  if (!vs.length) list.append(h("li", { className: "muted" }, "您近期没有违规记录。"));
  for (const v of vs) {
    list.append(h("li", { dataset: { ref: v.ref } },
      h("a", { href: href("mine", v.ref) }, fmtTime(v.time) + " · " + v.where + " · " + (v.categories.join("、") || "违规")),
      " ", state(v)));
  }
}

export default {
  name: "mine",
  title: "我的违规记录",
  roles: ["employee"],
  order: 5,

  render(view) {
    view.append(
      h("p", { className: "muted" }, "这里只显示您本人的违规记录。如认为记录有误，可以提出申诉，人力资源部核实后会通过企业微信通知您处理结果。"),
      h("div", { id: "mine-one", className: "card", hidden: true },
        h("div", { id: "mine-detail", className: "mine-detail" }),
        h("h3", {}, "申诉"),
        h("div", { id: "mine-appeal" }),
        h("form", { id: "mine-form", className: "stack", hidden: true, autocomplete: "off" },
          h("label", { for: "mine-reason" }, "申诉理由"),
          h("textarea", { id: "mine-reason", rows: 4, maxLength: 500, required: true, placeholder: "例如：这是客户要求我转发的订单号，并非个人信息。" }),
          h("button", { type: "submit", className: "primary", id: "mine-submit" }, "提交申诉")),
        h("p", {}, h("a", { href: href("mine"), id: "mine-all" }, "查看我的全部记录"))),
      h("div", { id: "mine-list", className: "card", hidden: true },
        h("ul", { id: "mine-items", className: "mine-items" })),
    );
    $("mine-form").addEventListener("submit", guard(async () => {
      const reason = $("mine-reason").value.trim();
      if (!reason) { flash("请写明申诉理由。", true); return; }
      const out = await api("POST", `/api/v1/my/violations/${encodeURIComponent(current.ref)}/appeal`, { reason });
      $("mine-reason").value = "";
      flash(out.reply);
      showOne(out.violation);
    }));
  },

  async show(arg) {
    if (!arg) return showList();
    try {
      showOne(await api("GET", `/api/v1/my/violations/${encodeURIComponent(arg)}`));
    } catch (err) {
      if (err.status !== 404) throw err;
      history.replaceState(null, "", location.pathname + href("mine"));
      await showList();
      flash("没有找到这条记录：它可能已超过保存期限，或不是您本人的记录。", true);
    }
  },

  reset() {
    current = null;
    $("mine-reason").value = "";
  },
};

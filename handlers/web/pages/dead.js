// 发送失败: the outbox at a glance and the messages that could not be
// delivered — recipient, kind and the text as it would have appeared — with
// a retry for HR.
import { api } from "../api.js";
import { $, h, emptyRow, guard, flash, tile } from "../dom.js";
import { fmtTime } from "../format.js";

async function load() {
  const [ob, data] = await Promise.all([api("GET", "/api/v1/outbox"), api("GET", "/api/v1/outbox/dead?limit=200")]);
  $("outbox-tiles").replaceChildren(tile(ob.queued, "排队中"), tile(ob.pending, "发送中"), tile(ob.delayed, "等待重试"), tile(ob.dead, "发送失败"));
  const tbody = $("dead-table").tBodies[0];
  tbody.replaceChildren();
  const dl = data.dead_letters || [];
  if (!dl.length) emptyRow(tbody, 7, "没有发送失败的消息");
  for (const d of dl) {
    const entry = d.entry || {};
    tbody.append(h("tr", { dataset: { id: d.id } },
      h("td", {}, fmtTime(d.died)), h("td", {}, d.recipient || "—"), h("td", {}, d.kind_label || "—"),
      h("td", {}, d.reason), h("td", { className: "num" }, entry.attempt || 0),
      h("td", {}, h("pre", { className: "message" }, d.text || "")),
      h("td", { className: "hr-only" }, h("button", {
        type: "button", onclick: guard(async () => {
          await api("POST", `/api/v1/outbox/dead/${encodeURIComponent(d.id)}/retry`);
          flash("已重新放入发送队列");
          await load();
        }),
      }, "重试"))));
  }
}

export default {
  name: "dead",
  title: "发送失败",
  roles: ["hr", "auditor"],
  order: 90,

  render(view) {
    view.append(
      h("div", { className: "tiles", id: "outbox-tiles" }),
      h("div", { className: "card" },
        h("table", { className: "table", id: "dead-table" },
          h("thead", {},
            h("tr", {},
              h("th", {}, "时间"),
              h("th", {}, "接收人"),
              h("th", {}, "消息类型"),
              h("th", {}, "原因"),
              h("th", {}, "尝试次数"),
              h("th", {}, "消息内容"),
              h("th", { className: "hr-only" }))),
          h("tbody", {}))));
  },

  show: load,
};

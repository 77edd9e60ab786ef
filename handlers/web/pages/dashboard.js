// 仪表盘: the last 30 days at a glance — totals, the daily trend, and
// counts by category, department and group. Owners see their own groups.
import { api, session } from "../api.js";
import { $, h, emptyRow, tile } from "../dom.js";
import { CATEGORY_LABELS, label } from "../i18n.js";
import { group, loadNames, person } from "../names.js";
import { href } from "../router.js";

const catLabel = (c) => label(CATEGORY_LABELS, c);

export default {
  name: "dashboard",
  title: "仪表盘",
  roles: ["hr", "owner", "auditor"],
  order: 10,

  render(view) {
    view.append(
      h("div", { className: "tiles", id: "dash-tiles" }),
      h("div", { className: "grid2" },
        h("div", { className: "card" }, h("h3", {}, "近 30 天违规趋势"), h("div", { id: "dash-trend", className: "chart" })),
        h("div", { className: "card" },
          h("h3", {}, "按类别统计"),
          h("table", { className: "table compact", id: "dash-categories" },
            h("thead", {}, h("tr", {}, h("th", {}, "类别"), h("th", { className: "num" }, "次数"), h("th", {}))),
            h("tbody", {})))),
      h("div", { className: "grid2" },
        h("div", { className: "card" },
          h("h3", {}, "按部门统计"),
          h("table", { className: "table compact", id: "dash-departments" },
            h("thead", {}, h("tr", {}, h("th", {}, "部门"), h("th", { className: "num" }, "次数"))),
            h("tbody", {}))),
        h("div", { className: "card" },
          h("h3", {}, "按群聊统计"),
          h("table", { className: "table compact", id: "dash-chats" },
            h("thead", {}, h("tr", {}, h("th", {}, "群聊"), h("th", { className: "num" }, "次数"))),
            h("tbody", {})))),
      h("div", { className: "grid2" },
        h("div", { className: "card" },
          h("h3", {}, "近 30 天误报（按规则）"),
          h("table", { className: "table compact", id: "dash-false-alarms" },
            h("thead", {}, h("tr", {}, h("th", {}, "规则"), h("th", { className: "num" }, "误报次数"))),
            h("tbody", {}))),
        h("div", { className: "card hr-auditor" },
          h("h3", {}, "多次违规人员（近 30 天）"),
          h("table", { className: "table", id: "dash-offenders" },
            h("thead", {}, h("tr", {}, h("th", {}, "员工"), h("th", { className: "num" }, "违规次数"), h("th", {}, "类别"), h("th", {}, "案件"))),
            h("tbody", {})))));
  },

  async show() {
    // Everything is fetched first and the tiles replaced at once: a second
    // load started meanwhile must not add a second row of tiles.
    const tiles = $("dash-tiles");
    const cases = await api("GET", "/api/v1/cases?limit=1000");
    const openCases = (cases.cases || []).filter((c) => c.status === "open").length;
    if (session.role === "owner") {
      const v = await api("GET", "/api/v1/violations?limit=1000");
      tiles.replaceChildren(tile((v.violations || []).length, "我的群聊违规（最近）"), tile(openCases, "待处理案件"));
      $("dash-trend").replaceChildren(h("p", { className: "muted" }, "群主只能查看自己群聊的违规记录与案件。"));
      for (const id of ["dash-categories", "dash-departments", "dash-chats", "dash-offenders", "dash-false-alarms"]) $(id).tBodies[0].replaceChildren();
      return;
    }
    const [st, ob] = await Promise.all([api("GET", "/api/v1/stats?days=30"), api("GET", "/api/v1/outbox")]);
    const sev = st.by_severity || {};
    tiles.replaceChildren(
      tile(st.total || 0, "近 30 天违规"),
      tile((sev.high || 0) + (sev.critical || 0), "高/严重"),
      tile(openCases, "待处理案件"),
      tile(ob.dead || 0, "发送失败"),
    );
    $("dash-trend").replaceChildren(trendChart(st.days || []));
    countTable($("dash-categories"), st.by_category || {}, catLabel, true);
    // Departments by name: WeCom's (department/get), else HR's directory CSV.
    if (st.by_department_name) countTable($("dash-departments"), st.by_department_name, (d) => d);
    else countTable($("dash-departments"), st.by_department || {}, (d) => (d === "unknown" ? "未知部门" : "部门 " + d));
    const chats = {};
    for (const c of st.top_chats || []) chats[c.name] = c.count;
    await loadNames({ groups: Object.keys(chats).filter((c) => c !== "-") });
    countTable($("dash-chats"), chats, (c) => (c === "-" ? "（不在群聊中）" : group(c)));
    // False alarms per rule (误报): the rules HR should look at first.
    const fa = await api("GET", "/api/v1/stats/false-alarms?days=30").catch(() => ({ by_rule: [] }));
    const byRule = {};
    for (const r of fa.by_rule || []) byRule[r.label] = r.count;
    countTable($("dash-false-alarms"), byRule, (l) => l);
    await showOffenders();
  },
};

// showOffenders lists the people with several violations in 30 days.
async function showOffenders() {
  const r = await api("GET", "/api/v1/offenders?days=30&limit=10");
  const os = r.offenders || [];
  await loadNames({ people: os.map((o) => o.user) });
  const tbody = $("dash-offenders").tBodies[0];
  tbody.replaceChildren();
  if (!os.length) return emptyRow(tbody, 4, "近 30 天没有人违规两次以上");
  for (const o of os) {
    const cats = Object.entries(o.categories || {}).sort((a, b) => b[1] - a[1]).map(([c, n]) => `${catLabel(c)} ${n} 次`).join("，");
    tbody.append(h("tr", { dataset: { user: o.user } },
      h("td", {}, h("a", { href: href("violations"), onclick: (ev) => { ev.preventDefault(); openUser(o.user); } }, person(o.user))),
      h("td", { className: "num" }, o.violations), h("td", {}, cats),
      h("td", {}, o.case_id ? h("a", { href: href("cases", o.case_id) }, "案件 " + o.case_id) : "—")));
  }
}

// openUser opens the violations page filtered to one person.
function openUser(id) {
  location.hash = href("violations");
  // The filter is filled once the page has been built; it is always built.
  $("viol-user").value = id;
}

function countTable(table, counts, name, bars) {
  const tbody = table.tBodies[0];
  tbody.replaceChildren();
  const rows = Object.entries(counts).sort((a, b) => b[1] - a[1]);
  if (!rows.length) return emptyRow(tbody, bars ? 3 : 2, "暂无数据");
  const max = rows[0][1] || 1;
  for (const [k, n] of rows) {
    const tr = h("tr", {}, h("td", {}, name(k)), h("td", { className: "num" }, n));
    if (bars) {
      const bar = h("div", { className: "bar" });
      bar.style.width = Math.max(2, Math.round((n / max) * 100)) + "%";
      tr.append(h("td", { className: "barcell" }, bar));
    }
    tbody.append(tr);
  }
}

// trendChart draws the daily counts as an SVG bar chart. Hand-written
// because the console may not load a chart library from a CDN and has no
// build step to bundle one; thirty bars need no more than this.
function trendChart(days) {
  const NS = "http://www.w3.org/2000/svg";
  const s = (tag, attrs, text) => {
    const e = document.createElementNS(NS, tag);
    for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
    if (text !== undefined) e.textContent = text;
    return e;
  };
  const W = 600, H = 220, L = 36, R = 8, T = 10, B = 26;
  const svg = s("svg", { viewBox: `0 0 ${W} ${H}`, role: "img", "aria-label": "近 30 天每日违规数" });
  const max = Math.max(1, ...days.map((d) => d.total || 0));
  const step = Math.max(1, Math.ceil(max / 4));
  const top = step * 4;
  const y = (v) => T + (H - T - B) * (1 - v / top);
  for (let v = 0; v <= top; v += step) {
    svg.append(s("line", { class: v ? "grid" : "axis", x1: L, x2: W - R, y1: y(v), y2: y(v) }));
    svg.append(s("text", { x: L - 6, y: y(v) + 3, "text-anchor": "end" }, String(v)));
  }
  const n = Math.max(days.length, 1);
  const bw = (W - L - R) / n;
  days.forEach((d, i) => {
    const x = L + i * bw;
    const total = d.total || 0;
    const r = s("rect", { class: "bar-rect", x: x + bw * 0.15, width: Math.max(1, bw * 0.7), y: y(total), height: Math.max(0, y(0) - y(total)) });
    const parts = Object.entries(d.by_category || {}).map(([c, k]) => `${catLabel(c)} ${k}`).join("，");
    r.append(s("title", {}, `${d.date}：${total} 次${parts ? "（" + parts + "）" : ""}`));
    svg.append(r);
    if (i % 5 === 0 || i === days.length - 1) {
      svg.append(s("text", { x: x + bw / 2, y: H - 8, "text-anchor": "middle" }, (d.date || "").slice(5)));
    }
  });
  if (!days.length) svg.append(s("text", { x: W / 2, y: H / 2, "text-anchor": "middle" }, "暂无数据"));
  return svg;
}

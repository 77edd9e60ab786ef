// wecom-guard HR console. Plain JavaScript ES modules with no build step
// and no third-party code: the binary serves every file itself (no CDN),
// and the Content-Security-Policy allows only these files. All data is put
// into the page with textContent, never as HTML. i18n.js names the API's
// codes in Chinese; format.js writes times in the company's time zone.
import {
  CATEGORY_LABELS, SEVERITY_LABELS, ACTION_LABELS, STATUS_LABELS, CHAT_KIND_LABELS as KIND_LABELS,
  DECISION_LABELS, ROLE_LABELS, FINDING_LABELS, AUDIT_LABELS, label, errorSentence,
} from "./i18n.js";
import { fmtTime, setTimeZone } from "./format.js";

(function () {
  const state = { user: "", role: "", csrf: "" };
  // Labels of the policy in force: "category/name" → list label.
  const listLabels = {};

  const $ = (id) => document.getElementById(id);

  // h builds an element: h("td", {className: "num"}, "3", otherNode).
  function h(tag, props, ...children) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(props || {})) {
      if (v === undefined || v === null || v === false) continue;
      if (k === "dataset") Object.assign(e.dataset, v);
      else if (k.startsWith("on")) e.addEventListener(k.slice(2), v);
      else if (k in e) e[k] = v;
      else e.setAttribute(k, v);
    }
    for (const c of children.flat()) {
      if (c === undefined || c === null || c === false) continue;
      e.append(c instanceof Node ? c : String(c));
    }
    return e;
  }

  const catLabel = (c) => label(CATEGORY_LABELS, c);
  const sevBadge = (s) => h("span", { className: "sev sev-" + (s || "none") }, label(SEVERITY_LABELS, s || "none"));

  // rfc3339 turns a datetime-local value into RFC 3339 with the browser's offset.
  function rfc3339(local) {
    if (!local) return "";
    const d = new Date(local);
    if (isNaN(d)) return "";
    const off = -d.getTimezoneOffset();
    const p = (n) => String(Math.floor(Math.abs(n))).padStart(2, "0");
    const sign = off >= 0 ? "+" : "-";
    return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}${sign}${p(off / 60)}:${p(off % 60)}`;
  }

  let flashTimer = 0;
  function flash(msg, bad) {
    const f = $("flash");
    f.textContent = msg;
    f.classList.toggle("bad", !!bad);
    f.hidden = false;
    clearTimeout(flashTimer);
    flashTimer = setTimeout(() => { f.hidden = true; }, bad ? 8000 : 4000);
  }

  // errorText turns an API error into one readable line, with the rule
  // problems (file:line message) when the server sent them.
  function errorText(err) {
    // The API's message is for developers: people read a sentence by status.
    if (err.message) console.info("API error:", err.status, err.message);
    let msg = err instanceof APIError ? errorSentence(err.status) : errorSentence(0);
    if (err.problems && err.problems.length) {
      msg += "：" + err.problems.map((p) => `${p.file}${p.line ? ":" + p.line : ""} ${p.message}`).join("；");
    }
    return msg;
  }

  class APIError extends Error {
    constructor(status, body) {
      super((body && body.error) || `HTTP ${status}`);
      this.status = status;
      this.problems = body && body.problems;
    }
  }

  // api calls the admin API with the session cookie; unsafe methods carry
  // the CSRF secret, which only this page's memory holds.
  async function api(method, path, body, raw) {
    const opts = { method, credentials: "same-origin", headers: { Accept: "application/json" } };
    if (method !== "GET") opts.headers["X-CSRF-Token"] = state.csrf;
    if (raw !== undefined) {
      opts.headers["Content-Type"] = "text/plain; charset=utf-8";
      opts.body = raw;
    } else if (body !== undefined) {
      opts.headers["Content-Type"] = "application/json";
      opts.body = JSON.stringify(body);
    }
    const resp = await fetch(path, opts);
    let data = null;
    if (resp.status !== 204) {
      const ct = resp.headers.get("Content-Type") || "";
      data = ct.includes("json") ? await resp.json().catch(() => null) : await resp.text();
    }
    if (resp.status === 401 && !path.startsWith("/ui/")) {
      showLogin("登录已过期，请重新登录。");
    }
    if (!resp.ok) throw new APIError(resp.status, data);
    return data;
  }

  // guard runs an async UI action and reports its failure.
  function guard(fn) {
    return async function (ev) {
      if (ev && ev.preventDefault && (ev.type === "submit")) ev.preventDefault();
      try {
        await fn.call(this, ev);
      } catch (err) {
        if (err.status !== 401) flash(errorText(err), true);
      }
    };
  }

  const qs = (params) => {
    const u = new URLSearchParams();
    for (const [k, v] of Object.entries(params)) if (v !== "" && v !== undefined && v !== null) u.set(k, v);
    const s = u.toString();
    return s ? "?" + s : "";
  };

  function emptyRow(tbody, cols, text) {
    tbody.append(h("tr", { className: "empty" }, h("td", { colSpan: cols }, text)));
  }

  const isHR = () => state.role === "hr";

  // ---- sign-in ----

  function showLogin(msg) {
    state.user = state.role = state.csrf = "";
    document.body.dataset.role = "";
    $("app").hidden = true;
    $("who").hidden = true;
    $("login").hidden = false;
    $("login-error").hidden = !msg;
    $("login-error").textContent = msg || "";
    $("login-token").focus();
  }

  function signedIn(info) {
    state.user = info.user;
    state.role = info.role;
    state.csrf = info.csrf;
    setTimeZone(info.timezone);
    document.body.dataset.role = info.role;
    // Another user's unsaved policy edits are not carried over.
    policy.loaded = false;
    $("policy-text").value = "";
    $("policy-text").readOnly = info.role !== "hr";
    $("try-draft").checked = false;
    $("who-name").textContent = info.user;
    $("who-role").textContent = label(ROLE_LABELS, info.role);
    $("who").hidden = false;
    $("login").hidden = true;
    $("app").hidden = false;
    for (const a of document.querySelectorAll("#nav a")) {
      a.hidden = !a.dataset.roles.split(" ").includes(info.role);
    }
    route();
  }

  $("login-form").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const token = $("login-token").value.trim();
    $("login-error").hidden = true;
    try {
      const info = await api("POST", "/ui/login", { token });
      $("login-token").value = "";
      signedIn(info);
    } catch (err) {
      $("login-error").textContent = err.status === 401 ? "令牌无效或已吊销。" : errorText(err);
      $("login-error").hidden = false;
    }
  });

  $("logout").addEventListener("click", guard(async () => {
    await api("POST", "/ui/logout");
    location.hash = "";
    showLogin("已退出登录。");
  }));

  // ---- routing ----

  const views = {
    dashboard: loadDashboard, lists: loadLists, violations: () => loadViolations(true),
    cases: loadCases, audit: () => loadAudit(""), dead: loadDead, chats: loadChats, policy: () => loadPolicy(false),
    try: showDraftNote,
  };

  function route() {
    if (!state.role) return;
    let name = location.hash.replace(/^#/, "") || "dashboard";
    const link = document.querySelector(`#nav a[data-view="${CSS.escape(name)}"]`);
    if (!link || link.hidden) name = "dashboard";
    // A message about the page left behind does not belong on the next one.
    clearTimeout(flashTimer);
    $("flash").hidden = true;
    for (const a of document.querySelectorAll("#nav a")) a.classList.toggle("active", a.dataset.view === name);
    for (const v of document.querySelectorAll("main .view")) v.hidden = v.id !== "view-" + name;
    const load = views[name];
    guard(load)();
  }
  window.addEventListener("hashchange", route);

  // ---- 仪表盘 ----

  async function loadDashboard() {
    const tiles = $("dash-tiles");
    tiles.replaceChildren();
    const tile = (n, l) => h("div", { className: "tile" }, h("div", { className: "n" }, n), h("div", { className: "l" }, l));
    const cases = await api("GET", "/api/v1/cases?limit=1000");
    const openCases = (cases.cases || []).filter((c) => c.status === "open").length;
    if (state.role === "owner") {
      const v = await api("GET", "/api/v1/violations?limit=1000");
      tiles.append(tile((v.violations || []).length, "我的群聊违规（最近）"), tile(openCases, "待处理案件"));
      $("dash-trend").replaceChildren(h("p", { className: "muted" }, "群主只能查看自己群聊的违规记录与案件。"));
      for (const id of ["dash-categories", "dash-departments", "dash-chats"]) $(id).tBodies[0].replaceChildren();
      return;
    }
    const [st, ob] = await Promise.all([api("GET", "/api/v1/stats?days=30"), api("GET", "/api/v1/outbox")]);
    const sev = st.by_severity || {};
    tiles.append(
      tile(st.total || 0, "近 30 天违规"),
      tile((sev.high || 0) + (sev.critical || 0), "高/严重"),
      tile(openCases, "待处理案件"),
      tile(ob.dead || 0, "发送失败"),
    );
    $("dash-trend").replaceChildren(trendChart(st.days || []));
    countTable($("dash-categories"), st.by_category || {}, catLabel, true);
    countTable($("dash-departments"), st.by_department || {}, (d) => (d === "unknown" ? "未知部门" : "部门 " + d));
    const chats = {};
    for (const c of st.top_chats || []) chats[c.name] = c.count;
    countTable($("dash-chats"), chats, (c) => (c === "-" ? "（不在群聊中）" : c));
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

  // ---- 关键词 ----

  let lists = [];
  let currentList = null; // {category, name, entries}

  const listURL = (l) => `/api/v1/lists/${encodeURIComponent(l.category)}/${encodeURIComponent(l.name)}`;

  async function loadLists() {
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
      const li = h("li", { dataset: { list: `${l.category}/${l.name}` }, onclick: guard(() => openList(l)), title: `${l.category}/${l.name}` },
        h("span", {}, l.label || l.name), h("span", { className: "muted" }, l.entries));
      if (currentList && currentList.category === l.category && currentList.name === l.name) li.classList.add("current");
      ul.append(li);
    }
    const sel = $("list-create-category");
    sel.replaceChildren(...[...new Set([...Object.keys(CATEGORY_LABELS), ...lists.map((l) => l.category)])]
      .map((c) => h("option", { value: c }, catLabel(c))));
    if (currentList) await openList(currentList);
  }

  async function openList(l) {
    const data = await api("GET", listURL(l));
    currentList = { category: l.category, name: l.name, entries: data.entries || [] };
    for (const li of document.querySelectorAll("#lists-index li[data-list]")) {
      li.classList.toggle("current", li.dataset.list === `${l.category}/${l.name}`);
    }
    $("list-empty").hidden = true;
    $("list-detail").hidden = false;
    currentList.label = l.label || listLabels[`${l.category}/${l.name}`] || l.name;
    $("list-title").textContent = `${l.category_label || catLabel(l.category)} / ${currentList.label}`;
    $("list-export-txt").href = listURL(l) + "/export?format=txt";
    $("list-export-csv").href = listURL(l) + "/export?format=csv";
    renderEntries();
  }

  function renderEntries() {
    const q = $("list-search").value.trim();
    const tbody = $("list-entries").tBodies[0];
    tbody.replaceChildren();
    const all = currentList.entries;
    const shown = q ? all.filter((e) => e.word.includes(q) || (e.note || "").includes(q)) : all;
    $("list-count").textContent = q ? `${shown.length} / ${all.length} 个词` : `${all.length} 个词`;
    if (!shown.length) return emptyRow(tbody, 4, q ? "没有匹配的词" : "词表为空");
    const allow = currentList.category === "allow";
    for (const e of shown.slice(0, 500)) {
      const sev = h("select", { disabled: !isHR() || allow, ariaLabel: "严重度" },
        h("option", { value: "" }, "按规则"),
        ...["low", "medium", "high", "critical"].map((s) => h("option", { value: s, selected: e.severity === s }, SEVERITY_LABELS[s])));
      const note = h("input", { value: e.note || "", readOnly: !isHR(), ariaLabel: "备注", maxLength: 200 });
      const save = guard(async () => {
        await api("POST", listURL(currentList) + "/words", { add: [{ word: e.word, severity: sev.value, note: note.value.trim() }] });
        flash(`已更新“${e.word}”`);
        await openList(currentList);
      });
      sev.addEventListener("change", save);
      note.addEventListener("change", save);
      tbody.append(h("tr", { dataset: { word: e.word } },
        h("td", {}, e.word), h("td", {}, sev), h("td", {}, note),
        h("td", { className: "hr-only" }, h("button", {
          type: "button", className: "danger", onclick: guard(async () => {
            await api("POST", listURL(currentList) + "/words", { remove: [e.word] });
            flash(`已删除“${e.word}”`);
            await loadLists();
          }),
        }, "删除"))));
    }
    if (shown.length > 500) emptyRow(tbody, 4, `只显示前 500 个，请用搜索缩小范围（共 ${shown.length} 个）`);
  }
  $("list-search").addEventListener("input", () => currentList && renderEntries());

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

  $("list-add").addEventListener("submit", guard(async () => {
    const add = parseBulk($("list-add-words").value);
    if (!add.length) return flash("请先输入要添加的词。", true);
    const r = await api("POST", listURL(currentList) + "/words", { add });
    $("list-add-words").value = "";
    flash(`已添加 ${add.length} 个词，词表现有 ${r.entries} 个词（规则版本 ${r.version}）`);
    await loadLists();
  }));

  $("list-import").addEventListener("change", guard(async (ev) => {
    const file = ev.target.files[0];
    ev.target.value = "";
    if (!file || !currentList) return;
    const format = /\.csv$/i.test(file.name) ? "csv" : "txt";
    const replace = $("list-import-replace").checked;
    if (replace && !confirm(`用 ${file.name} 替换词表「${currentList.label || currentList.name}」 的全部内容？`)) return;
    const r = await api("PUT", listURL(currentList) + `/import?format=${format}&mode=${replace ? "replace" : "append"}`, undefined, await file.text());
    flash(`已导入，词表现有 ${r.entries} 个词`);
    await loadLists();
  }));

  $("list-create").addEventListener("submit", guard(async () => {
    const l = { category: $("list-create-category").value, name: $("list-create-name").value.trim() };
    await api("POST", "/api/v1/lists", l);
    $("list-create-name").value = "";
    currentList = { ...l, entries: [] };
    flash(`已新建词表「${l.name}」`);
    await loadLists();
  }));

  $("list-delete").addEventListener("click", guard(async () => {
    if (!currentList || !confirm(`确定删除词表「${currentList.label || currentList.name}」？`)) return;
    await api("DELETE", listURL(currentList));
    flash(`已删除词表「${currentList.label || currentList.name}」`);
    currentList = null;
    $("list-detail").hidden = true;
    $("list-empty").hidden = false;
    await loadLists();
  }));

  // ---- 试一试 ----

  $("try-form").addEventListener("submit", guard(async () => {
    const text = $("try-text").value;
    const body = { text, chat_kind: $("try-kind").value };
    const t = rfc3339($("try-time").value);
    if (t) body.time = t;
    const draft = isHR() && $("try-draft").checked;
    if (draft) {
      if (!policy.loaded) await loadPolicy(false);
      body.draft = { "policy.yaml": $("policy-text").value };
    }
    const v = await api("POST", "/api/v1/test", body);
    $("try-draft-used").hidden = !draft;
    $("try-result").hidden = false;
    $("try-action").textContent = label(ACTION_LABELS, v.action);
    $("try-severity").replaceChildren(sevBadge(v.severity));
    $("try-highlight").replaceChildren(...highlight(text, v.hits || []));
    const tbody = $("try-hits").tBodies[0];
    tbody.replaceChildren();
    if (!v.hits || !v.hits.length) return emptyRow(tbody, 7, "未命中任何规则");
    for (const hit of v.hits) {
      tbody.append(h("tr", { dataset: { category: hit.category } },
        h("td", {}, hit.category_label || catLabel(hit.category)),
        h("td", { title: hit.rule }, (hit.rule_label || hit.rule) + (hit.shadow ? "（试运行）" : "")),
        h("td", {}, label(FINDING_LABELS, hit.kind)),
        h("td", {}, `${hit.start}–${hit.end}`), h("td", {}, hit.masked), h("td", {}, sevBadge(hit.severity)),
        h("td", {}, hit.explanation)));
    }
  }));

  // The draft toggle says whether the policy page holds unsaved edits.
  function showDraftNote() {
    const n = $("try-draft-note");
    if (!$("try-draft").checked) n.textContent = "";
    else if (!policy.loaded || !policyDirty()) n.textContent = "（策略页没有未保存的修改，草稿与现行策略相同）";
    else n.textContent = `（在规则版本 ${policy.version} 上修改，尚未保存）`;
  }
  $("try-draft").addEventListener("change", showDraftNote);

  // highlight splits text into runs, marking the runes the hits cover.
  // start/end are rune (code point) offsets, so the text is split by code
  // point, not by UTF-16 unit.
  function highlight(text, hits) {
    const runes = Array.from(text);
    const cover = new Array(runes.length).fill(null);
    for (const hit of hits) {
      for (let i = Math.max(0, hit.start); i < Math.min(runes.length, hit.end); i++) {
        if (!cover[i] || cover[i].shadow) cover[i] = hit;
      }
    }
    const out = [];
    let i = 0;
    while (i < runes.length) {
      const cur = cover[i];
      let j = i;
      while (j < runes.length && cover[j] === cur) j++;
      const chunk = runes.slice(i, j).join("");
      if (cur) {
        out.push(h("mark", { className: cur.shadow ? "shadow" : "", title: `${cur.category_label || catLabel(cur.category)} · ${cur.rule_label || cur.rule}`, dataset: { category: cur.category } }, chunk));
      } else {
        out.push(chunk);
      }
      i = j;
    }
    return out;
  }

  // ---- 群聊设置 ----

  const CHAT_KINDS = ["work", "private", "external", "direct"];
  const chatURL = (id) => "/api/v1/chats/" + encodeURIComponent(id);

  async function loadChats() {
    const data = await api("GET", "/api/v1/chats");
    const cs = (data.chats || []).slice().sort((a, b) => (a.chat_id < b.chat_id ? -1 : a.chat_id > b.chat_id ? 1 : 0));
    const tbody = $("chats-table").tBodies[0];
    tbody.replaceChildren();
    if (!cs.length) emptyRow(tbody, 7, "还没有设置过任何群聊；未设置的群聊按工作群处理");
    for (const c of cs) {
      const actions = h("td", { className: "hr-only actions" },
        h("button", { type: "button", className: "edit", onclick: () => editChat(c) }, "编辑"),
        h("button", {
          type: "button", className: "danger", onclick: guard(async () => {
            if (!confirm(`删除群聊 ${c.chat_id} 的设置？删除后按工作群处理。`)) return;
            await api("DELETE", chatURL(c.chat_id));
            flash(`已删除群聊 ${c.chat_id} 的设置`);
            await loadChats();
          }),
        }, "删除"));
      tbody.append(h("tr", { dataset: { chat: c.chat_id, kind: c.kind || "" } },
        h("td", {}, h("code", {}, c.chat_id)), h("td", {}, c.name || "—"),
        h("td", { className: "kind" }, c.kind ? label(KIND_LABELS, c.kind) : "未设置（按工作群）"),
        h("td", {}, c.owner || "—"), h("td", {}, c.set_by || ""), h("td", {}, fmtTime(c.updated)), actions));
    }
  }

  // editChat fills the form with a chat's settings, to change them.
  function editChat(c) {
    $("chat-id").value = c.chat_id;
    $("chat-name").value = c.name || "";
    $("chat-kind").value = CHAT_KINDS.includes(c.kind) ? c.kind : "work";
    $("chat-owner").value = c.owner || "";
    $("chat-name").focus();
  }

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
    await loadChats();
  }));

  // ---- 策略 ----

  // policy is the policy.yaml last loaded from or saved to the server; the
  // textarea may hold unsaved edits on top of it.
  const policy = { loaded: false, version: 0, saved: "" };

  const policyDirty = () => policy.loaded && $("policy-text").value !== policy.saved;

  function showPolicyState() {
    $("policy-version").textContent = policy.loaded ? String(policy.version) : "";
    $("policy-dirty").hidden = !policyDirty();
    $("policy-text").readOnly = !isHR();
  }

  // loadPolicy fetches policy.yaml. Unsaved edits stay unless force is set:
  // coming back to the page must not lose them.
  async function loadPolicy(force) {
    if (!force && policyDirty()) return showPolicyState();
    const r = await api("GET", "/api/v1/rules");
    policy.loaded = true;
    policy.version = r.version;
    policy.saved = r.policy || "";
    $("policy-text").value = policy.saved;
    $("policy-problems").hidden = true;
    $("policy-conflict").hidden = true;
    showPolicyState();
  }

  // selectLine puts the caret on a 1-based line of the policy text.
  function selectLine(n) {
    const t = $("policy-text");
    const lines = t.value.split("\n");
    let start = 0;
    for (let i = 0; i < Math.min(n - 1, lines.length); i++) start += lines[i].length + 1;
    const end = start + (lines[n - 1] || "").length;
    t.focus();
    t.setSelectionRange(start, end);
    // Scroll the line into view: the textarea has a fixed line height.
    const lh = parseFloat(getComputedStyle(t).lineHeight) || 20;
    t.scrollTop = Math.max(0, (n - 3) * lh);
    showCursor();
  }

  function showCursor() {
    const t = $("policy-text");
    const line = t.value.slice(0, t.selectionStart).split("\n").length;
    $("policy-cursor").textContent = `第 ${line} 行`;
  }

  function showProblems(problems) {
    $("policy-problem-list").replaceChildren(...problems.map((p) => {
      const where = `${p.file}${p.line ? ":" + p.line : ""}`;
      const loc = p.line && p.file === "policy.yaml"
        ? h("button", { type: "button", className: "link", title: "跳到这一行", onclick: () => selectLine(p.line) }, where)
        : h("code", {}, where);
      return h("li", { dataset: { line: p.line || 0 } }, loc, " ", p.message);
    }));
    $("policy-problems").hidden = false;
  }

  $("policy-text").addEventListener("input", showPolicyState);
  for (const ev of ["keyup", "click"]) $("policy-text").addEventListener(ev, showCursor);

  $("policy-reload").addEventListener("click", guard(async () => {
    if (policyDirty() && !confirm("放弃未保存的修改，重新载入 policy.yaml？")) return;
    await loadPolicy(true);
    flash(`已载入规则版本 ${policy.version}`);
  }));

  $("policy-conflict-reload").addEventListener("click", guard(async () => {
    await loadPolicy(true);
    flash(`已载入最新的规则版本 ${policy.version}，请重新修改`);
  }));

  $("policy-save").addEventListener("click", guard(async () => {
    const text = $("policy-text").value;
    showPolicyState();
    if (!text.trim()) return flash("policy.yaml 不能为空。", true);
    $("policy-problems").hidden = true;
    $("policy-conflict").hidden = true;
    let r;
    try {
      r = await api("PUT", "/api/v1/rules", { version: policy.version, policy: text });
    } catch (err) {
      if (err.status === 400 && err.problems && err.problems.length) {
        showProblems(err.problems);
        flash(`未保存：发现 ${err.problems.length} 个问题`, true);
        return;
      }
      if (err.status === 409) {
        $("policy-conflict-text").textContent = "保存前，规则已被其他人修改（你的修改是在版本 " + policy.version +
          " 上做的）。你的修改尚未保存：载入最新版本会丢弃它们，请先复制需要保留的内容。";
        $("policy-conflict").hidden = false;
        flash("策略已被其他人修改，未保存", true);
        return;
      }
      throw err;
    }
    policy.version = r.version;
    policy.saved = text;
    showPolicyState();
    flash(`已保存 policy.yaml，规则版本 ${r.version}`);
  }));

  // ---- 违规记录 ----

  let violPages = [""]; // before-cursors of the pages seen
  let violPage = 0;
  const VIOL_PAGE = 50;

  function violFilter() {
    return {
      user: $("viol-user").value.trim(), chat: $("viol-chat").value.trim(),
      category: $("viol-category").value, severity: $("viol-severity").value,
      from: rfc3339($("viol-from").value), to: rfc3339($("viol-to").value),
    };
  }

  function fillCategorySelect(sel) {
    if (sel.options.length) return;
    sel.append(h("option", { value: "" }, "全部"));
    for (const [c, l] of Object.entries(CATEGORY_LABELS)) if (c !== "allow") sel.append(h("option", { value: c }, l));
  }

  async function loadViolations(reset) {
    fillCategorySelect($("viol-category"));
    if (reset) { violPages = [""]; violPage = 0; }
    const f = violFilter();
    $("viol-csv").href = "/api/v1/violations" + qs({ ...f, format: "csv", limit: 1000 });
    const data = await api("GET", "/api/v1/violations" + qs({ ...f, limit: VIOL_PAGE, before: violPages[violPage] }));
    const tbody = $("viol-table").tBodies[0];
    tbody.replaceChildren();
    const vs = data.violations || [];
    if (!vs.length) emptyRow(tbody, 9, "没有符合条件的违规记录");
    for (const v of vs) {
      const hits = h("ul", { className: "plain" }, ...(v.hits || []).map((x) =>
        h("li", {}, `${catLabel(x.category)}：`, h("code", {}, x.masked), " ", sevBadge(x.severity))));
      const caseCell = v.case_id ? h("a", { href: "#cases", onclick: () => { pendingCase = v.case_id; } }, v.case_id) : "";
      tbody.append(h("tr", { dataset: { id: v.id } },
        h("td", {}, fmtTime(v.time)), h("td", {}, v.from), h("td", {}, v.chat_id || "—"),
        h("td", {}, label(KIND_LABELS, v.chat_kind)), h("td", {}, sevBadge(v.severity)),
        h("td", {}, label(ACTION_LABELS, v.action) + (v.recalled ? "（已撤回）" : "")), h("td", {}, hits),
        h("td", {}, caseCell, v.sanction ? h("div", { className: "muted" }, "建议：" + v.sanction) : ""),
        h("td", { className: "hr-only" }, v.has_raw
          ? h("button", { type: "button", onclick: guard(() => showRaw(v.id)) }, "查看原文")
          : h("span", { className: "muted", title: "策略未保留原文（enforcement.keep_raw），或原文已过期" }, "未保留原文"))));
    }
    if (data.next_before) violPages[violPage + 1] = data.next_before;
    else violPages.length = violPage + 1;
    $("viol-prev").disabled = violPage === 0;
    $("viol-next").disabled = !data.next_before;
    $("viol-page").textContent = `第 ${violPage + 1} 页`;
  }

  // showRaw shows HR a message's text; the server writes the view to the
  // audit log, so the console asks first.
  async function showRaw(id) {
    if (!confirm("查看原文会记入审计日志，确定查看？")) return;
    const r = await api("GET", `/api/v1/violations/${encodeURIComponent(id)}/raw`);
    alert(r.raw);
  }

  $("viol-filter").addEventListener("submit", guard(() => loadViolations(true)));
  $("viol-next").addEventListener("click", guard(() => { violPage++; return loadViolations(false); }));
  $("viol-prev").addEventListener("click", guard(() => { violPage = Math.max(0, violPage - 1); return loadViolations(false); }));

  // ---- 案件 ----

  let pendingCase = "";
  let currentCase = null;
  let decision = "";

  async function loadCases() {
    const data = await api("GET", "/api/v1/cases" + qs({ status: $("cases-all").checked ? "all" : "" }));
    const tbody = $("cases-table").tBodies[0];
    tbody.replaceChildren();
    const cs = data.cases || [];
    if (!cs.length) emptyRow(tbody, 6, "没有案件");
    for (const c of cs) {
      const tr = h("tr", { className: "clickable", dataset: { case: c.id }, onclick: guard(() => openCase(c.id)) },
        h("td", {}, c.id), h("td", {}, c.user), h("td", {}, catLabel(c.category)), h("td", {}, sevBadge(c.severity)),
        h("td", {}, c.suggested_sanction || "—"),
        h("td", { className: "status-" + c.status }, label(STATUS_LABELS, c.status)));
      tbody.append(tr);
    }
    const want = pendingCase || (currentCase && currentCase.id);
    pendingCase = "";
    if (want) await openCase(want);
  }
  $("cases-all").addEventListener("change", guard(loadCases));

  async function openCase(id) {
    const c = await api("GET", "/api/v1/cases/" + encodeURIComponent(id));
    currentCase = c;
    decision = "";
    for (const tr of document.querySelectorAll("#cases-table tr[data-case]")) tr.classList.toggle("current", tr.dataset.case === id);
    $("case-empty").hidden = true;
    $("case-detail").hidden = false;
    $("case-title").textContent = "案件 " + c.id;
    const facts = [
      ["状态", label(STATUS_LABELS, c.status)], ["员工", c.user], ["类别", catLabel(c.category)],
      ["严重度", sevBadge(c.severity)], ["建议处分", c.suggested_sanction || "—"], ["原因", c.reason || "—"],
      ["立案时间", fmtTime(c.opened)],
    ];
    if (c.status === "resolved") {
      facts.push(["决定", label(DECISION_LABELS, c.decision)], ["决定人", c.decided_by || ""], ["决定时间", fmtTime(c.decision_at)], ["备注", c.note || "—"]);
    } else if (c.decided_by) {
      facts.push(["受理人", c.decided_by]);
    }
    $("case-facts").replaceChildren(...facts.flatMap(([k, v]) => [h("dt", {}, k), h("dd", {}, v)]));
    // The evidence behind the case, masked as the API gives it.
    let known = new Map();
    try {
      const vs = await api("GET", "/api/v1/violations" + qs({ user: c.user, limit: 500 }));
      known = new Map((vs.violations || []).map((v) => [v.id, v]));
    } catch (_) { /* the ids alone still identify the violations */ }
    $("case-violations").replaceChildren(...(c.violations || []).map((id) => {
      const v = known.get(id);
      if (!v) return h("li", { dataset: { id } }, h("code", {}, id));
      return h("li", { dataset: { id } }, h("code", {}, id), " ", fmtTime(v.time), " · ", v.chat_id || "单聊", " · ",
        ...(v.hits || []).flatMap((x) => [`${catLabel(x.category)}：`, h("code", {}, x.masked), " "]));
    }));
    $("case-decide").hidden = !isHR() || c.status === "resolved";
    $("case-ack").hidden = c.status !== "open";
    $("case-note").value = "";
    for (const b of document.querySelectorAll("#case-decisions button")) b.classList.remove("selected");
    $("case-resolve").disabled = true;
  }

  for (const b of document.querySelectorAll("#case-decisions button")) {
    b.addEventListener("click", () => {
      decision = b.dataset.decision;
      for (const o of document.querySelectorAll("#case-decisions button")) o.classList.toggle("selected", o === b);
      $("case-resolve").disabled = false;
      $("case-resolve").textContent = `提交决定：${b.textContent}`;
    });
  }

  $("case-ack").addEventListener("click", guard(async () => {
    await api("POST", `/api/v1/cases/${encodeURIComponent(currentCase.id)}/ack`);
    flash(`已受理案件 ${currentCase.id}`);
    await loadCases();
  }));

  $("case-resolve").addEventListener("click", guard(async () => {
    if (!decision) return;
    const c = await api("POST", `/api/v1/cases/${encodeURIComponent(currentCase.id)}/resolve`, { decision, note: $("case-note").value.trim() });
    $("case-resolve").textContent = "提交决定";
    flash(`案件 ${c.id} 已结案：${label(DECISION_LABELS, c.decision)}`);
    pendingCase = c.id;
    $("cases-all").checked = true;
    await loadCases();
  }));

  // ---- 审计日志 ----

  let auditLast = "";

  async function loadAudit(before) {
    const data = await api("GET", "/api/v1/audit" + qs({ limit: 50, before }));
    const tbody = $("audit-table").tBodies[0];
    tbody.replaceChildren();
    const es = data.entries || [];
    if (!es.length) emptyRow(tbody, 6, "没有记录");
    for (const e of es) {
      tbody.append(h("tr", { dataset: { action: e.action } }, h("td", {}, fmtTime(e.time)), h("td", {}, e.user),
        h("td", {}, label(ROLE_LABELS, e.role)), h("td", {}, label(AUDIT_LABELS, e.action)),
        h("td", { className: "summary" }, e.summary || label(AUDIT_LABELS, e.action)), h("td", {}, auditDiff(e))));
    }
    auditLast = es.length === 50 ? es[es.length - 1].id : "";
    $("audit-more").disabled = !auditLast;
    $("audit-first").disabled = !before;
  }
  // auditDiff shows what an entry changed: fields before → after, words or
  // lines added (+) and removed (−). Never the stored JSON.
  function auditDiff(e) {
    const changes = e.changes || [], added = e.added || [], removed = e.removed || [];
    if (!changes.length && !added.length && !removed.length) return "—";
    const items = [
      ...changes.map((c) => h("li", { className: "field" }, `${c.field}：`, h("del", {}, c.before), " → ", h("ins", {}, c.after))),
      ...added.slice(0, 50).map((w) => h("li", { className: "added" }, h("ins", {}, "+ " + w))),
      ...removed.slice(0, 50).map((w) => h("li", { className: "removed" }, h("del", {}, "− " + w))),
    ];
    const more = added.length + removed.length - Math.min(added.length, 50) - Math.min(removed.length, 50);
    if (more > 0) items.push(h("li", { className: "muted" }, `另有 ${more} 处变动未显示`));
    return h("ul", { className: "plain diff" }, ...items);
  }

  $("audit-more").addEventListener("click", guard(() => loadAudit(auditLast)));
  $("audit-first").addEventListener("click", guard(() => loadAudit("")));

  // ---- 发送失败 ----

  async function loadDead() {
    const [ob, data] = await Promise.all([api("GET", "/api/v1/outbox"), api("GET", "/api/v1/outbox/dead?limit=200")]);
    const tile = (n, l) => h("div", { className: "tile" }, h("div", { className: "n" }, n), h("div", { className: "l" }, l));
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
            await loadDead();
          }),
        }, "重试"))));
    }
  }

  // ---- start ----

  (async function start() {
    try {
      signedIn(await api("GET", "/ui/session"));
    } catch (err) {
      showLogin(err.status === 401 ? "" : errorText(err));
    }
  })();
})();

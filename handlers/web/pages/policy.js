// 策略: policy.yaml as text — HR edits and saves it (checked whole before it
// takes effect, with the problems' lines), others read it. Unsaved edits
// survive leaving the page and can be tried on 试一试 (draftPolicy).
import { api, isHR } from "../api.js";
import { $, h, guard, flash } from "../dom.js";

// policy is the policy.yaml last loaded from or saved to the server; the
// textarea may hold unsaved edits on top of it.
const policy = { loaded: false, version: 0, saved: "" };

const dirty = () => policy.loaded && $("policy-text").value !== policy.saved;

function showState() {
  $("policy-version").textContent = policy.loaded ? String(policy.version) : "";
  $("policy-dirty").hidden = !dirty();
  $("policy-text").readOnly = !isHR();
}

// load fetches policy.yaml. Unsaved edits stay unless force is set: coming
// back to the page must not lose them.
async function load(force) {
  if (!force && dirty()) return showState();
  const r = await api("GET", "/api/v1/rules");
  policy.loaded = true;
  policy.version = r.version;
  policy.saved = r.policy || "";
  $("policy-text").value = policy.saved;
  $("policy-problems").hidden = true;
  $("policy-conflict").hidden = true;
  showState();
}

// draftPolicy is the text in the editor, unsaved edits included (the
// policy in force when nothing was edited), for 试一试.
export async function draftPolicy() {
  if (!policy.loaded) await load(false);
  return $("policy-text").value;
}

// draftState says whether the editor holds unsaved edits, and on which
// version.
export const draftState = () => ({ loaded: policy.loaded, dirty: dirty(), version: policy.version });

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

async function save() {
  const text = $("policy-text").value;
  showState();
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
  showState();
  flash(`已保存 policy.yaml，规则版本 ${r.version}`);
}

export default {
  name: "policy",
  title: "策略",
  roles: ["hr", "auditor"],
  order: 50,

  render(view) {
    view.append(
      h("div", { className: "card stack" },
        h("div", { className: "row spread" },
          h("div", { className: "row" },
            h("code", {}, "policy.yaml"),
            h("span", { className: "muted" }, "规则版本"),
            h("strong", { id: "policy-version" }),
            h("span", { className: "muted", id: "policy-dirty", hidden: true }, "（有未保存的修改）")),
          h("div", { className: "row" },
            h("span", { className: "muted", id: "policy-cursor" }),
            h("button", { type: "button", id: "policy-reload" }, "重新载入"),
            h("button", { type: "button", className: "primary hr-only", id: "policy-save" }, "保存"))),
        h("p", { className: "muted" },
          "格式见 rules/README.md。保存前会校验整套规则，有错误时不会生效；保存后一秒内所有实例生效并记入审计日志。",
          h("span", { className: "hr-only" }, "想先试一试修改？在“试一试”页勾选“草稿”。")),
        h("div", { className: "problems", id: "policy-problems", hidden: true },
          h("h4", {}, "无法保存，请修改以下问题："),
          h("ul", { id: "policy-problem-list", className: "plain" })),
        h("div", { className: "conflict row", id: "policy-conflict", hidden: true },
          h("span", { id: "policy-conflict-text" }),
          h("button", { type: "button", id: "policy-conflict-reload" }, "载入最新版本")),
        h("textarea", { id: "policy-text", className: "code", rows: "32", spellcheck: false, wrap: "off", "aria-label": "policy.yaml" })));
    $("policy-text").addEventListener("input", showState);
    for (const ev of ["keyup", "click"]) $("policy-text").addEventListener(ev, showCursor);
    $("policy-reload").addEventListener("click", guard(async () => {
      if (dirty() && !confirm("放弃未保存的修改，重新载入 policy.yaml？")) return;
      await load(true);
      flash(`已载入规则版本 ${policy.version}`);
    }));
    $("policy-conflict-reload").addEventListener("click", guard(async () => {
      await load(true);
      flash(`已载入最新的规则版本 ${policy.version}，请重新修改`);
    }));
    $("policy-save").addEventListener("click", guard(save));
  },

  show: () => load(false),

  // Another user's unsaved edits are not carried over.
  reset() {
    policy.loaded = false;
    $("policy-text").value = "";
    $("policy-text").readOnly = !isHR();
  },
};

// wecom-guard console: HR's review shared by the pages — marking a
// violation 误报 (HR at once, a group owner as a request HR confirms) and
// turning it into an allow phrase after a preview of what the phrase would
// have suppressed.
import { api, session } from "./api.js";
import { h, guard, flash } from "./dom.js";

// falseAlarmButtons are the review controls of one violation for the
// signed-in role; done runs after a change (to reload the page).
export function falseAlarmButtons(v, done) {
  if (v.withdrawn) return [h("span", { className: "badge withdrawn" }, "已撤销（误报）")];
  if (session.role === "owner") {
    return [h("button", { type: "button", dataset: { review: "request" }, onclick: guard(() => requestFalseAlarm(v, done)) }, "申请误报")];
  }
  if (session.role !== "hr") return [];
  return [
    h("button", { type: "button", dataset: { review: "false-alarm" }, onclick: guard(() => markFalseAlarm(v, done)) }, "误报"),
    h("button", { type: "button", dataset: { review: "allow" }, onclick: guard(() => allowPhrase(v, done)) }, "转为允许短语"),
  ];
}

async function markFalseAlarm(v, done) {
  const reason = prompt("标记为误报：该记录将撤销、不再计入升级次数，并通知员工。请填写原因：", "");
  if (reason === null) return;
  const out = await api("POST", `/api/v1/violations/${encodeURIComponent(v.id)}/false-alarm`, { reason: reason.trim() });
  const cases = (out.cases || []).map((c) => c.id).join("、");
  flash(out.already ? "该记录此前已撤销。" : `已撤销该记录${cases ? "，已重新计算案件 " + cases + " 的建议处分" : ""}。`);
  if (done) await done();
}

async function requestFalseAlarm(v, done) {
  const reason = prompt("申请误报：人力资源部确认后该记录将撤销。请说明理由：", "");
  if (reason === null || !reason.trim()) return;
  await api("POST", `/api/v1/violations/${encodeURIComponent(v.id)}/false-alarm`, { reason: reason.trim() });
  flash("已提交误报申请，等待人力资源部确认。");
  if (done) await done();
}

// allowPhrase asks for the phrase, previews it against the stored
// violations whose text was kept, and on confirmation withdraws the
// violation and adds the phrase in one step.
async function allowPhrase(v, done) {
  const phrase = prompt("允许短语：短语内的命中今后不再算违规（例如「智障人士就业帮扶」）。请输入短语：", "");
  if (phrase === null || !phrase.trim()) return;
  const p = await api("POST", "/api/v1/allow-phrases/preview", { phrase: phrase.trim() });
  const lines = (p.items || []).slice(0, 10).map((it) => `· ${it.time_text} ${it.from}：${(it.labels || []).join("、")}（记录 ${it.ref}）${it.partly ? "（部分）" : ""}`);
  const text = [p.summary, ...lines, "", "确定撤销此记录并加入该允许短语？"].join("\n");
  if (!confirm(text)) return;
  const out = await api("POST", `/api/v1/violations/${encodeURIComponent(v.id)}/allow-phrase`, { phrase: phrase.trim() });
  flash(`已撤销该记录，并把「${out.preview.phrase}」加入允许短语（规则版本 ${out.version}）。`);
  if (done) await done();
}

// wecom-guard console: the Chinese names people read for the codes the API
// answers in. The server writes sentences (explanations, audit summaries,
// failed deliveries) itself; handlers/i18n.go holds its copy of these
// names.

export const CATEGORY_LABELS = {
  secrets: "商业机密", customer_data: "客户信息/个人隐私", illegal: "违法违规内容", ads: "广告推销",
  abuse: "辱骂人身攻击", off_topic: "与工作无关内容", profile_name: "不当昵称", allow: "放行短语",
};
export const SEVERITY_LABELS = { none: "无", low: "低", medium: "中", high: "高", critical: "严重" };
export const ACTION_LABELS = { none: "不处理", log: "仅记录", warn: "私信提醒", alert_owner: "通知群主", escalate_hr: "上报 HR" };
export const STATUS_LABELS = { open: "待处理", acknowledged: "已受理", resolved: "已结案" };
export const CHAT_KIND_LABELS = { work: "工作群", private: "私人群", external: "外部群", direct: "单聊", profile: "昵称/资料" };
export const DECISION_LABELS = { no_action: "不处理" };
export const ROLE_LABELS = { hr: "HR", owner: "群主", auditor: "审计", employee: "员工", system: "系统" };

// FINDING_LABELS name what was found (moderation kinds).
export const FINDING_LABELS = {
  keyword: "关键词", phone: "手机号", id_card: "身份证号", bank_card: "银行卡号", email: "邮箱地址",
  url: "外部链接", wechat_id: "微信/QQ 引流", regex: "规则表达式", allow: "放行短语", address: "住址",
  customer_record: "真实客户信息", document: "保密文件内容",
};

// AUDIT_LABELS name the audit log's actions.
export const AUDIT_LABELS = {
  "violation.view_raw": "查看原文", "case.ack": "受理案件", "case.resolve": "处理案件", "outbox.retry": "重新投递消息",
  "chat.set": "设置群聊", "chat.delete": "删除群聊设置", "rules.update": "修改规则", "list.create": "新建词库",
  "list.delete": "删除词库", "list.edit": "编辑词库", "list.import": "导入词库", "ui.login": "登录控制台",
  "token.create": "创建 API 令牌", "token.revoke": "吊销 API 令牌",
  // HR's review (review.js, pages/appeals.js)
  "violation.false_alarm": "标记误报", "violation.false_alarm_request": "申请标记误报",
  "false_alarm_request.confirm": "确认误报申请", "false_alarm_request.decline": "驳回误报申请",
  "allow_phrase.preview": "预览允许短语", "appeal.accept": "通过申诉", "appeal.reject": "驳回申诉",
  "case.announce": "通知处理结果", "case.suspend_plan": "准备停用账号", "case.suspend": "停用账号",
  "handover.assign": "分配离职成员的客户",
  "handover.transfer": "通过企业微信转接离职成员的客户",
  "handover.transfer_groups": "通过企业微信转交离职成员的客户群",
  "handover.transfer_failed": "放弃转接（企业微信多次拒绝或无法送达）",
  "dlp.records.import": "导入客户数据", "dlp.records.delete": "删除客户数据", "dlp.document.add": "上传保密文件",
  "dlp.document.delete": "删除保密文件",
  "directory.import": "导入通讯录",
  "appeal.file": "提交申诉",
};

// label names a code with map, the code itself when the map has none (a
// code added later is shown rather than hidden).
export const label = (map, v) => (v in map ? map[v] : v || "");

// STATUS_ERRORS say what went wrong, by HTTP status, for error toasts: the
// API's own messages are for developers and logs.
const STATUS_ERRORS = {
  400: "请求的内容有误，请检查填写的内容后重试。",
  401: "登录已过期，请重新登录。",
  403: "没有权限执行此操作。",
  404: "找不到要操作的对象，可能已被删除。",
  409: "内容已被其他人修改或状态已变化，请刷新后重试。",
  413: "内容太大，请缩小后重试。",
  429: "操作太频繁，请稍后再试。",
};

// errorSentence turns an HTTP status into a Chinese sentence.
export function errorSentence(status) {
  if (status in STATUS_ERRORS) return STATUS_ERRORS[status];
  if (status >= 500) return "服务暂时不可用，请稍后重试。";
  if (!status) return "无法连接服务器，请检查网络后重试。";
  return `操作失败（错误 ${status}），请稍后重试。`;
}

// One small dictionary, Chinese and English. The language comes from the toggle (kept in
// localStorage), else from navigator.language. Elements carry data-i18n="key" (text),
// data-i18n-placeholder, data-i18n-label (aria-label) or data-i18n-title.

const DICT = {
  en: {
    "app.board": "Dispatch board",
    "app.phone": "My tickets",
    "lang.toggle": "中文",
    "lang.toggleLabel": "Switch language to Chinese",
    "login.title": "Log in",
    "login.username": "User name",
    "login.password": "Password",
    "login.submit": "Log in",
    "login.failed": "Login failed: {message}",
    "login.wrongRole": "This page is for {roles}; you are {role}.",
    "logout": "Log out",
    "live.connecting": "Connecting…",
    "live.live": "Live",
    "live.offline": "Offline: reconnecting…",
    "live.expired": "Session ended: log in again",
    "filters.title": "Filters",
    "filters.status": "Status",
    "filters.kind": "Kind",
    "filters.engineer": "Engineer",
    "filters.all": "All",
    "filters.allOpen": "All open",
    "filters.unassigned": "Unassigned",
    "table.caption": "Open tickets ({shown} of {total})",
    "table.number": "Number",
    "table.customer": "Customer",
    "table.device": "Device",
    "table.severity": "Severity",
    "table.status": "Status",
    "table.assignee": "Assignee",
    "table.sla": "SLA",
    "table.due": "Due",
    "table.actions": "Actions",
    "table.empty": "No open tickets match.",
    "table.truncated": "Only the newest {count} open tickets are shown.",
    "action.engineerFor": "Engineer for {number}",
    "action.dispatch": "Dispatch",
    "action.reassign": "Reassign",
    "action.choose": "Choose…",
    "action.retry": "Retry",
    "action.dismiss": "Dismiss",
    "action.done": "Done: {number} is {status}.",
    "conflict.title": "{number} was changed meanwhile",
    "conflict.body": "It is now {status} (version {version}), assigned to {assignee}.",
    "error.generic": "Failed: {message}",
    "error.code": "{code}: {message}",
    "notifications.title": "Notifications",
    "notifications.empty": "Nothing yet.",
    "notifications.handled": "handled",
    "events.title": "Live events",
    "due.RESPONSE": "respond by",
    "due.ON_SITE": "on site by",
    "due.RESOLUTION": "resolve by",
    "sla.none": "—",
    "m.myTickets": "My tickets",
    "m.empty": "No tickets assigned to you.",
    "m.back": "Back to my tickets",
    "m.acknowledge": "Acknowledge",
    "m.decline": "Decline",
    "m.declineReason": "Reason for declining",
    "m.checkIn": "Check in here",
    "m.checkInNote": "Check-in note",
    "m.locating": "Finding your position…",
    "m.noLocation": "No position: {message}",
    "m.checkedIn": "Checked in at {lat}, {lon}",
    "m.work": "Work record",
    "m.workStarted": "Started",
    "m.workEnded": "Ended",
    "m.workMethod": "Method",
    "m.workPlace": "Place",
    "m.workDetails": "What was done",
    "m.workIssues": "Issues left",
    "m.workSave": "Save work record",
    "m.photo": "Photo",
    "m.photoInput": "Take or choose a photo",
    "m.photoNote": "Photo note",
    "m.photoUpload": "Upload photo",
    "m.uploaded": "Uploaded {name}",
    "m.signature": "Customer signature",
    "m.signerName": "Signer's name",
    "m.signaturePad": "Signature pad: sign with finger, mouse or pen",
    "m.signatureClear": "Clear",
    "m.signatureSave": "Save signature",
    "m.signatureEmpty": "Nothing signed yet.",
    "m.signed": "Signed by {name}",
    "m.close": "Request close",
    "m.closeSummary": "Summary of the work",
    "m.saved": "Saved.",
    "m.description": "Fault",
    "m.contact": "Contact",
    "m.severity": "Severity {level}",
    "m.attachments": "Files",
    "m.offlineQueued": "You are offline; try again when connected.",
    "role.ENGINEER": "engineers",
    "role.OFFICE": "dispatchers (customer service, back office, admin)",
    "status.NEW": "New",
    "status.DISPATCHED": "Dispatched",
    "status.ACCEPTED": "Accepted",
    "status.IN_PROGRESS": "In progress",
    "status.CLOSE_REQUESTED": "Close requested",
    "status.CUSTOMER_CONFIRMED": "Customer confirmed",
    "status.CLOSED": "Closed",
    "status.CANCELLED": "Cancelled",
    "kind.REPAIR": "Repair",
    "kind.MAINTENANCE": "Maintenance",
    "kind.INSTALLATION": "Installation",
    "slaState.ON_TRACK": "On track",
    "slaState.AT_RISK": "At risk",
    "slaState.BREACHED": "Breached",
    "slaState.MET": "Met",
    "note.DISPATCHED": "Dispatched to you",
    "note.AUTO_DISPATCHED": "Dispatched to you (rule)",
    "note.REASSIGNED_AWAY": "Reassigned away",
    "note.DECLINED": "Declined",
    "note.CLOSE_REJECTED": "Close rejected",
    "note.AWAITING_FINAL_CONFIRMATION": "Awaiting final confirmation",
    "note.CANCELLED": "Cancelled",
    "note.SLA_WARNING": "SLA warning",
    "note.SLA_BREACHED": "SLA breached",
    "note.REMINDER": "Reminder",
    "note.ESTIMATE_ANSWERED": "Estimate answered",
    "note.OUTING_APPROVED": "Outing approved",
    "note.OUTING_REJECTED": "Outing rejected",
    "unassigned": "nobody",
  },
  zh: {
    "app.board": "派单看板",
    "app.phone": "我的工单",
    "lang.toggle": "English",
    "lang.toggleLabel": "切换为英文",
    "login.title": "登录",
    "login.username": "用户名",
    "login.password": "密码",
    "login.submit": "登录",
    "login.failed": "登录失败：{message}",
    "login.wrongRole": "此页面供{roles}使用；您的角色是 {role}。",
    "logout": "退出",
    "live.connecting": "正在连接…",
    "live.live": "实时",
    "live.offline": "离线：正在重连…",
    "live.expired": "会话已结束，请重新登录",
    "filters.title": "筛选",
    "filters.status": "状态",
    "filters.kind": "类型",
    "filters.engineer": "工程师",
    "filters.all": "全部",
    "filters.allOpen": "全部未结",
    "filters.unassigned": "未派工",
    "table.caption": "未结工单（{shown} / {total}）",
    "table.number": "单号",
    "table.customer": "客户",
    "table.device": "设备",
    "table.severity": "级别",
    "table.status": "状态",
    "table.assignee": "工程师",
    "table.sla": "SLA",
    "table.due": "期限",
    "table.actions": "操作",
    "table.empty": "没有符合条件的未结工单。",
    "table.truncated": "仅显示最新的 {count} 张未结工单。",
    "action.engineerFor": "{number} 的工程师",
    "action.dispatch": "派工",
    "action.reassign": "改派",
    "action.choose": "请选择…",
    "action.retry": "重试",
    "action.dismiss": "关闭",
    "action.done": "完成：{number} 现为{status}。",
    "conflict.title": "{number} 已被他人修改",
    "conflict.body": "当前状态：{status}（版本 {version}），工程师：{assignee}。",
    "error.generic": "失败：{message}",
    "error.code": "{code}：{message}",
    "notifications.title": "通知",
    "notifications.empty": "暂无通知。",
    "notifications.handled": "已处理",
    "events.title": "实时事件",
    "due.RESPONSE": "响应期限",
    "due.ON_SITE": "到场期限",
    "due.RESOLUTION": "解决期限",
    "sla.none": "—",
    "m.myTickets": "我的工单",
    "m.empty": "暂无派给您的工单。",
    "m.back": "返回我的工单",
    "m.acknowledge": "接单",
    "m.decline": "拒单",
    "m.declineReason": "拒单原因",
    "m.checkIn": "现场签到",
    "m.checkInNote": "签到备注",
    "m.locating": "正在定位…",
    "m.noLocation": "无法定位：{message}",
    "m.checkedIn": "已签到：{lat}, {lon}",
    "m.work": "工作记录",
    "m.workStarted": "开始时间",
    "m.workEnded": "结束时间",
    "m.workMethod": "方式",
    "m.workPlace": "地点",
    "m.workDetails": "工作内容",
    "m.workIssues": "遗留问题",
    "m.workSave": "保存工作记录",
    "m.photo": "照片",
    "m.photoInput": "拍照或选择照片",
    "m.photoNote": "照片说明",
    "m.photoUpload": "上传照片",
    "m.uploaded": "已上传 {name}",
    "m.signature": "客户签字",
    "m.signerName": "签字人",
    "m.signaturePad": "签字板：用手指、鼠标或笔签字",
    "m.signatureClear": "清除",
    "m.signatureSave": "保存签字",
    "m.signatureEmpty": "尚未签字。",
    "m.signed": "{name} 已签字",
    "m.close": "申请关单",
    "m.closeSummary": "处理总结",
    "m.saved": "已保存。",
    "m.description": "故障",
    "m.contact": "联系人",
    "m.severity": "{level} 级",
    "m.attachments": "附件",
    "m.offlineQueued": "当前离线，请联网后重试。",
    "role.ENGINEER": "工程师",
    "role.OFFICE": "派单人员（客服、内勤、管理员）",
    "status.NEW": "新建",
    "status.DISPATCHED": "已派工",
    "status.ACCEPTED": "已接单",
    "status.IN_PROGRESS": "处理中",
    "status.CLOSE_REQUESTED": "申请关单",
    "status.CUSTOMER_CONFIRMED": "客户已确认",
    "status.CLOSED": "已关闭",
    "status.CANCELLED": "已取消",
    "kind.REPAIR": "维修",
    "kind.MAINTENANCE": "保养",
    "kind.INSTALLATION": "安装",
    "slaState.ON_TRACK": "正常",
    "slaState.AT_RISK": "临近超时",
    "slaState.BREACHED": "已超时",
    "slaState.MET": "已达成",
    "note.DISPATCHED": "新派工",
    "note.AUTO_DISPATCHED": "自动派工",
    "note.REASSIGNED_AWAY": "已改派他人",
    "note.DECLINED": "工程师拒单",
    "note.CLOSE_REJECTED": "客户拒绝关单",
    "note.AWAITING_FINAL_CONFIRMATION": "待内勤最终确认",
    "note.CANCELLED": "工单已取消",
    "note.SLA_WARNING": "SLA 预警",
    "note.SLA_BREACHED": "SLA 超时",
    "note.REMINDER": "提醒",
    "note.ESTIMATE_ANSWERED": "客户已答复报价",
    "note.OUTING_APPROVED": "外出申请已批准",
    "note.OUTING_REJECTED": "外出申请被驳回",
    unassigned: "无",
  },
};

const STORE = "aftersales.lang";

function initialLang() {
  const saved = localStorage.getItem(STORE);
  if (saved && DICT[saved]) return saved;
  const wanted = navigator.languages && navigator.languages.length ? navigator.languages : [navigator.language];
  for (const tag of wanted) {
    if (String(tag).toLowerCase().startsWith("zh")) return "zh";
    if (String(tag).toLowerCase().startsWith("en")) return "en";
  }
  return "en";
}

let lang = initialLang();

export function currentLang() {
  return lang;
}

/** The text of `key` in the current language, {name} replaced from `vars`. */
export function t(key, vars = {}) {
  const text = DICT[lang][key] ?? DICT.en[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (_, name) => (name in vars ? String(vars[name]) : `{${name}}`));
}

/** Whether the dictionary has `key`. */
export function has(key) {
  return key in DICT.en;
}

/** Fills every data-i18n* element under `root`. */
export function applyI18n(root = document) {
  document.documentElement.lang = lang === "zh" ? "zh-CN" : "en";
  for (const el of root.querySelectorAll("[data-i18n]")) el.textContent = t(el.dataset.i18n);
  for (const el of root.querySelectorAll("[data-i18n-placeholder]")) {
    el.placeholder = t(el.dataset.i18nPlaceholder);
  }
  for (const el of root.querySelectorAll("[data-i18n-label]")) {
    el.setAttribute("aria-label", t(el.dataset.i18nLabel));
  }
  for (const el of root.querySelectorAll("[data-i18n-title]")) el.title = t(el.dataset.i18nTitle);
}

/** Switches language, refills the page, and tells the page (event "langchange"). */
export function setLang(next) {
  lang = DICT[next] ? next : "en";
  localStorage.setItem(STORE, lang);
  applyI18n();
  document.dispatchEvent(new CustomEvent("langchange", { detail: lang }));
}

/** Wires a button to switch between the two languages. */
export function langToggle(button) {
  button.addEventListener("click", () => setLang(lang === "zh" ? "en" : "zh"));
}

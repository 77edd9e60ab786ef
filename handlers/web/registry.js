// wecom-guard console: the registry of pages. The shell (app.js) builds the
// navigation and the routes from the pages exported here.
//
// To add a page:
//  1. Write pages/<name>.js whose default export is a page:
//
//       import { h, $, guard } from "../dom.js";
//       import { api } from "../api.js";
//       export default {
//         name: "tokens",                // route #tokens (and #tokens/<arg>)
//         title: "API 令牌",              // the menu entry and the page heading
//         roles: ["hr"],                 // who sees it: hr, owner, auditor (employee: mine only)
//         order: 85,                     // place in the menu (see below)
//         nav: false,                    // optional: reached by links only, not in the menu
//         render(view) { … },            // once: fill the page's <section> and bind its controls
//         async show(arg) { … },         // each time it is opened; arg is what follows "#tokens/"
//         reset() { … },                 // optional: at every sign-in, forget the last user's state
//       };
//
//     name is the file's name. Build the page with h() (text, never markup);
//     give elements ids that start with the page's name; mark controls that
//     change anything "hr-only"; show people and groups with person() and
//     group() from names.js, times with fmtTime() from format.js.
//  2. Add ONE line below, keeping the lines in alphabetical order (that way
//     pages added at the same time do not touch the same line):
//
//       export { default as tokens } from "./pages/tokens.js";
//
// Menu order of the pages here: 我的违规记录 5 (employees only), 仪表盘 10, 关键词 20, 试一试 30, 群聊 40,
// 通讯录 45, 客户数据与保密文件 46, 策略 50, 违规记录 60, 案件 70, 审计日志 80, 发送失败 90. A page opens
// another with navigate(name, arg) from router.js; link to one with
// href: href(name, arg).
//
// TestUIRegistryListsEveryPage (ui_test.go) fails when a page and its line
// disagree; TestBrowserEveryPageAtEveryWidth (browser_test.go) opens every
// page of the menu at 1400 and 390 px and checks it for errors, sideways
// scrolling and bare codes, with screenshots — a new page is covered as
// soon as it is registered.
export { default as appeals } from "./pages/appeals.js";
export { default as audit } from "./pages/audit.js";
export { default as cases } from "./pages/cases.js";
export { default as chats } from "./pages/chats.js";
export { default as dashboard } from "./pages/dashboard.js";
export { default as dead } from "./pages/dead.js";
export { default as directory } from "./pages/directory.js";
export { default as dlp } from "./pages/dlp.js";
export { default as handover } from "./pages/handover.js";
export { default as intercept } from "./pages/intercept.js";
export { default as lists } from "./pages/lists.js";
export { default as mine } from "./pages/mine.js";
export { default as policy } from "./pages/policy.js";
export { default as search } from "./pages/search.js";
export { default as tokens } from "./pages/tokens.js";
export { default as try } from "./pages/try.js";
export { default as violations } from "./pages/violations.js";

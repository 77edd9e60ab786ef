// wecom-guard console: names instead of ids. People and group chats are
// shown by name — HR's directory, the names WeCom gave, the names HR set
// for groups — with the id after it in grey; an id nobody named is shown
// as it is. Names are fetched once per sign-in, in batches.
import { api, qs } from "./api.js";
import { h } from "./dom.js";

const users = new Map(); // userid → {name, department} or null (asked, unnamed)
const chats = new Map(); // chat id → name or null
const BATCH = 200;

// forgetNames drops what was learnt (at sign-in: another user may see
// other names, and HR may have imported a new directory).
export function forgetNames() {
  users.clear();
  chats.clear();
}

// loadNames fetches the names not yet known of the people and chats.
export async function loadNames({ people = [], groups = [] }) {
  const wantU = [...new Set(people.filter((id) => id && !users.has(id)))];
  const wantC = [...new Set(groups.filter((id) => id && !chats.has(id)))];
  for (let i = 0; i < Math.max(wantU.length, wantC.length); i += BATCH) {
    const u = wantU.slice(i, i + BATCH), c = wantC.slice(i, i + BATCH);
    let r;
    try {
      r = await api("GET", "/api/v1/names" + qs({ users: u.join(","), chats: c.join(",") }));
    } catch (_) {
      return; // names are a courtesy: the ids still say who
    }
    for (const id of u) users.set(id, (r.users || {})[id] || null);
    for (const id of c) chats.set(id, (r.chats || {})[id] || null);
  }
}

// named writes a name with its id in grey, or the id alone.
function named(name, id, extra) {
  if (!name) return h("span", { className: "named" }, id);
  return h("span", { className: "named" }, name, extra ? h("span", { className: "muted" }, "（" + extra + "）") : "", h("span", { className: "id" }, id));
}

// person shows a userid by name (and department, when HR gave it).
export function person(id) {
  if (!id) return "—";
  const m = users.get(id);
  return named(m && m.name, id, m && m.department);
}

// personName is a userid's name for a sentence, the id when unnamed.
export const personName = (id) => (users.get(id) && users.get(id).name) || id;

// group shows a chat id by name; nameHint is a name already at hand
// (as HR set it in the answer being shown).
export function group(id, nameHint) {
  if (!id) return "单聊";
  return named(nameHint || chats.get(id), id);
}

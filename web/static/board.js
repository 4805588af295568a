// /board: the dispatcher's live table of open tickets. Read by query once the live feed
// listens, then kept current by ticketEvents (api.live): an event that says a row
// changed refreshes that row by query; dispatch and reassign carry expectedVersion, and
// a CONFLICT shows the ticket as it now stands with a retry.

import {
  ApiError,
  OFFICE_ROLES,
  OPEN_STATUSES,
  REASSIGNABLE,
  formatTime,
  gql,
  h,
  lastSequenceOf,
  live,
  logEvent,
  login,
  renderNotifications,
  session,
  oneReadPerKey,
} from "./api.js";
import { applyI18n, currentLang, langToggle, t } from "./i18n.js";

const MAX_ROWS = 500;
const PAGE = 100;
const KINDS = ["REPAIR", "MAINTENANCE", "INSTALLATION"];

const TICKET_FIELDS = `id number kind status severity version
  customer { id name }
  device { id brand model serialNumber }
  assignee { id username displayName }
  sla { state responseDueAt onSiteDueAt resolutionDueAt respondedAt onSiteAt resolvedAt onHold }`;

const LIST = `query BoardTickets($first: Int, $after: String, $filter: TicketFilter, $withHistory: Boolean!) {
  tickets(first: $first, after: $after, filter: $filter) {
    totalCount
    pageInfo { hasNextPage endCursor }
    nodes { ${TICKET_FIELDS} history @include(if: $withHistory) { sequence } }
  }
}`;
const ONE = `query BoardTicket($id: ID!) { ticket(id: $id) { ${TICKET_FIELDS} } }`;
const DISPATCH = `mutation BoardDispatch($id: ID!, $engineerId: ID!, $expectedVersion: Int) {
  dispatchTicket(id: $id, engineerId: $engineerId, expectedVersion: $expectedVersion) { ${TICKET_FIELDS} }
}`;
const ENGINEERS = `query BoardEngineers {
  users(first: 100, filter: { role: [ENGINEER], enabled: true }) { nodes { id username displayName } }
}`;
const NOTES = `query BoardNotifications {
  myNotifications(first: 20) { nodes { sequence id kind handled message at ticketId ticket { id status } } }
}`;

const $ = (id) => document.getElementById(id);

const rows = new Map(); // ticket id -> ticket
const rowEls = new Map(); // ticket id -> <tr>
const choices = new Map(); // ticket id -> engineer id picked in the row
const conflicts = new Map(); // ticket id -> {code, currentStatus, currentVersion, engineerId}
const notes = new Map(); // notification id -> notification
let engineers = [];
let feed = null;
let truncated = false;

// For the browser tests and the curious: what the page has applied.
window.__aftersales = {
  get log() {
    return feed ? feed.state.log : [];
  },
  get state() {
    return feed ? feed.state : null;
  },
  rows,
};

// -- start ---------------------------------------------------------------------------

function showLogin(message = "") {
  $("login").hidden = false;
  $("workspace").hidden = true;
  $("logout").hidden = true;
  $("who").textContent = "";
  $("login-error").textContent = message;
  $("username").focus();
}

async function start() {
  const current = session.get();
  if (!current) return showLogin();
  if (!OFFICE_ROLES.includes(current.user.role)) {
    session.clear();
    return showLogin(t("login.wrongRole", { roles: t("role.OFFICE"), role: current.user.role }));
  }
  $("login").hidden = true;
  $("workspace").hidden = false;
  $("logout").hidden = false;
  $("who").textContent = current.user.displayName || current.user.username;
  setLiveStatus("connecting");
  try {
    const people = await gql(ENGINEERS);
    engineers = people.users.nodes;
    fillFilters();
  } catch (error) {
    loadFailed(error);
    return;
  }
  // The feed listens first, then reads the table and the notifications (`load`), then
  // applies what arrived meanwhile: nothing is lost between the read and the feed.
  feed = live({ load, onEvent, onNotification, onStatus: setLiveStatus, onError: loadFailed });
}

/** What the board shows, read afresh; the last sequence it reflects. */
async function load() {
  const since = await loadTickets();
  await loadNotifications();
  return since;
}

function loadFailed(error) {
  if (error instanceof ApiError && error.code === "UNAUTHENTICATED") return;
  flash(t("error.generic", { message: error.message }), true);
}

async function loadTickets() {
  let after = null;
  let since = null;
  let total = 0;
  let first = true;
  rows.clear();
  for (;;) {
    const data = await gql(LIST, {
      first: PAGE,
      after,
      filter: { status: OPEN_STATUSES },
      withHistory: first,
    });
    const page = data.tickets;
    // The first page's snapshot bounds what is on screen: resume from its last event.
    if (first) since = lastSequenceOf(page.nodes);
    first = false;
    total = page.totalCount;
    for (const ticket of page.nodes) {
      delete ticket.history;
      rows.set(ticket.id, ticket);
    }
    if (!page.pageInfo.hasNextPage || rows.size >= MAX_ROWS) break;
    after = page.pageInfo.endCursor;
  }
  truncated = total > rows.size;
  renderAll();
  return since;
}

async function loadNotifications() {
  const data = await gql(NOTES);
  for (const note of data.myNotifications.nodes.reverse()) notes.set(note.id, note);
  showNotifications();
}

// -- live ----------------------------------------------------------------------------

function onEvent(event) {
  noteEvent(event);
  const row = rows.get(event.ticketId);
  if (!event.ticket) {
    // Out of this reader's sight now.
    removeRow(event.ticketId);
    return;
  }
  if (row && event.ticketVersion !== null && event.ticketVersion <= row.version) return;
  if (!row && !OPEN_STATUSES.includes(event.ticket.status)) return;
  refresh(event.ticketId);
}

/** Reads a ticket again: one read at a time per ticket, again if told meanwhile. */
const refresh = oneReadPerKey(async (id) => {
  try {
    const data = await gql(ONE, { id });
    upsert(data.ticket);
  } catch (error) {
    if (error instanceof ApiError && ["NOT_FOUND", "FORBIDDEN"].includes(error.code)) removeRow(id);
    else console.error("refresh failed", error);
  }
});

function onNotification(note) {
  notes.set(note.id, { ...(notes.get(note.id) || {}), ...note });
  showNotifications();
}

function setLiveStatus(state) {
  const el = $("live-status");
  el.dataset.state = state;
  el.textContent = t(`live.${state}`);
  if (state === "expired") logout();
}

function noteEvent(event) {
  const row = rows.get(event.ticketId);
  logEvent($("event-log"), event, row ? row.number : event.ticketId, currentLang());
}

// -- rows ----------------------------------------------------------------------------

function upsert(ticket) {
  const existing = rows.get(ticket.id);
  if (existing && existing.version > ticket.version) return;
  if (!OPEN_STATUSES.includes(ticket.status)) {
    removeRow(ticket.id);
    return;
  }
  rows.set(ticket.id, ticket);
  renderRow(ticket);
  renderCaption();
}

function removeRow(id) {
  rows.delete(id);
  choices.delete(id);
  const el = rowEls.get(id);
  if (el) {
    if (el.nextElementSibling && el.nextElementSibling.dataset.conflictFor === id) {
      el.nextElementSibling.remove();
    }
    el.remove();
    rowEls.delete(id);
  }
  renderCaption();
}

function byNewest(a, b) {
  return String(b.number || "").localeCompare(String(a.number || "")) || b.id.localeCompare(a.id);
}

function renderAll() {
  const body = $("ticket-rows");
  body.replaceChildren();
  rowEls.clear();
  for (const ticket of [...rows.values()].sort(byNewest)) {
    const el = buildRow(ticket);
    rowEls.set(ticket.id, el);
    body.append(el);
    const notice = buildConflict(ticket);
    if (notice) body.append(notice);
  }
  renderCaption();
}

function renderRow(ticket) {
  const body = $("ticket-rows");
  const old = rowEls.get(ticket.id);
  const focused = old && old.contains(document.activeElement) ? document.activeElement.dataset.role : null;
  const el = buildRow(ticket);
  if (old) {
    const oldNotice = old.nextElementSibling;
    if (oldNotice && oldNotice.dataset.conflictFor === ticket.id) oldNotice.remove();
    old.replaceWith(el);
  } else {
    const after = [...rows.values()].sort(byNewest).findIndex((row) => row.id === ticket.id);
    const next = [...rows.values()].sort(byNewest).slice(after + 1).find((row) => rowEls.has(row.id));
    if (next) body.insertBefore(el, rowEls.get(next.id));
    else body.append(el);
  }
  rowEls.set(ticket.id, el);
  const notice = buildConflict(ticket);
  if (notice) el.after(notice);
  if (focused) {
    const target = el.querySelector(`[data-role="${focused}"]`);
    if (target) target.focus();
  }
}

function matches(ticket) {
  const status = $("filter-status").value;
  const kind = $("filter-kind").value;
  const engineer = $("filter-engineer").value;
  if (status && ticket.status !== status) return false;
  if (kind && ticket.kind !== kind) return false;
  if (engineer === "none" && ticket.assignee) return false;
  if (engineer && engineer !== "none" && (!ticket.assignee || ticket.assignee.id !== engineer)) return false;
  return true;
}

function personName(user) {
  if (!user) return t("unassigned");
  return user.displayName || user.username || user.id;
}

function nextDue(sla) {
  if (!sla) return null;
  if (!sla.respondedAt && sla.responseDueAt) return ["RESPONSE", sla.responseDueAt];
  if (!sla.onSiteAt && sla.onSiteDueAt) return ["ON_SITE", sla.onSiteDueAt];
  if (!sla.resolvedAt && sla.resolutionDueAt) return ["RESOLUTION", sla.resolutionDueAt];
  return null;
}

function buildRow(ticket) {
  const lang = currentLang();
  const device = ticket.device
    ? `${ticket.device.brand || ""} ${ticket.device.model || ""} · ${ticket.device.serialNumber}`.trim()
    : "—";
  const due = nextDue(ticket.sla);
  const slaState = ticket.sla ? ticket.sla.state : null;
  const row = h(
    "tr",
    {
      dataset: {
        ticketId: ticket.id,
        number: ticket.number || "",
        status: ticket.status,
        version: ticket.version,
        assignee: ticket.assignee ? ticket.assignee.id : "",
        sla: slaState || "",
      },
      hidden: !matches(ticket),
    },
    h("th", { scope: "row" }, ticket.number || ticket.id),
    h("td", {}, ticket.customer ? ticket.customer.name : "—"),
    h("td", { className: "device" }, device),
    h("td", { className: `sev sev-${ticket.severity}` }, String(ticket.severity)),
    h("td", { className: "status", dataset: { role: "status" } }, t(`status.${ticket.status}`)),
    h("td", { className: "assignee" }, personName(ticket.assignee)),
    h(
      "td",
      { className: `sla sla-${(slaState || "none").toLowerCase()}` },
      slaState ? t(`slaState.${slaState}`) : t("sla.none"),
      ticket.sla && ticket.sla.onHold ? " ⏸" : "",
    ),
    h(
      "td",
      { className: "due" },
      due ? [h("small", {}, t(`due.${due[0]}`)), h("time", { dateTime: due[1] }, formatTime(due[1], lang))] : "—",
    ),
    h("td", { className: "actions" }, buildActions(ticket)),
  );
  return row;
}

function buildActions(ticket) {
  const canDispatch = ticket.status === "NEW";
  const canReassign = REASSIGNABLE.includes(ticket.status);
  if (!canDispatch && !canReassign) return "";
  const current = ticket.assignee ? ticket.assignee.id : null;
  const picked = choices.get(ticket.id) || "";
  const select = h(
    "select",
    {
      dataset: { role: "engineer" },
      "aria-label": t("action.engineerFor", { number: ticket.number || ticket.id }),
      onChange: (e) => choices.set(ticket.id, e.target.value),
    },
    h("option", { value: "" }, t("action.choose")),
    engineers
      .filter((eng) => eng.id !== current)
      .map((eng) => h("option", { value: eng.id, selected: eng.id === picked }, personName(eng))),
  );
  const button = h(
    "button",
    {
      type: "button",
      dataset: { role: "dispatch" },
      onClick: () => dispatch(ticket.id, select.value),
    },
    canDispatch ? t("action.dispatch") : t("action.reassign"),
  );
  return h("span", { className: "dispatch" }, select, button);
}

function buildConflict(ticket) {
  const conflict = conflicts.get(ticket.id);
  if (!conflict) return null;
  const number = ticket.number || ticket.id;
  // Until the row is read again, what the CONFLICT said is the latest word.
  const stale = conflict.currentVersion > ticket.version;
  const status = stale ? conflict.currentStatus : ticket.status;
  const version = stale ? conflict.currentVersion : ticket.version;
  const retryable =
    !stale &&
    (ticket.status === "NEW" || REASSIGNABLE.includes(ticket.status)) &&
    (!ticket.assignee || ticket.assignee.id !== conflict.engineerId);
  return h(
    "tr",
    { className: "conflict", dataset: { conflictFor: ticket.id } },
    h(
      "td",
      { colSpan: 9, role: "alert" },
      h("strong", {}, t("conflict.title", { number })),
      " ",
      h(
        "span",
        { dataset: { role: "conflict-state" } },
        t("conflict.body", {
          status: t(`status.${status}`),
          version,
          assignee: stale ? "…" : personName(ticket.assignee),
        }),
      ),
      " ",
      retryable
        ? h(
            "button",
            {
              type: "button",
              dataset: { role: "retry" },
              onClick: () => dispatch(ticket.id, conflict.engineerId),
            },
            t("action.retry"),
          )
        : "",
      " ",
      h(
        "button",
        {
          type: "button",
          dataset: { role: "dismiss" },
          onClick: () => {
            conflicts.delete(ticket.id);
            renderRow(rows.get(ticket.id) || ticket);
          },
        },
        t("action.dismiss"),
      ),
    ),
  );
}

async function dispatch(id, engineerId) {
  const ticket = rows.get(id);
  if (!ticket || !engineerId) return;
  const buttons = rowEls.get(id) ? rowEls.get(id).querySelectorAll("button") : [];
  buttons.forEach((b) => (b.disabled = true));
  try {
    const data = await gql(DISPATCH, { id, engineerId, expectedVersion: ticket.version });
    conflicts.delete(id);
    choices.delete(id);
    upsert(data.dispatchTicket);
    flash(t("action.done", { number: data.dispatchTicket.number, status: t(`status.${data.dispatchTicket.status}`) }));
  } catch (error) {
    if (error instanceof ApiError && error.code === "CONFLICT") {
      // The state the server reported shows at once; the row is then read again whole.
      conflicts.set(id, { ...error.extensions, engineerId });
      renderRow(rows.get(id));
      await refresh(id);
      const target = document.querySelector(`tr[data-conflict-for="${id}"] [data-role="retry"], tr[data-conflict-for="${id}"] [data-role="dismiss"]`);
      if (target) target.focus();
    } else {
      flash(t("error.code", { code: error.code || "ERROR", message: error.message }), true);
      const row = rows.get(id);
      if (row) renderRow(row);
    }
  }
}

function renderCaption() {
  const all = [...rows.values()];
  const shown = all.filter(matches).length;
  $("tickets-caption").textContent = t("table.caption", { shown, total: all.length });
  $("empty").hidden = shown > 0;
  $("truncated").hidden = !truncated;
  $("truncated").textContent = t("table.truncated", { count: rows.size });
}

function applyFilters() {
  for (const [id, el] of rowEls) {
    const ticket = rows.get(id);
    el.hidden = !matches(ticket);
    const notice = el.nextElementSibling;
    if (notice && notice.dataset.conflictFor === id) notice.hidden = el.hidden;
  }
  renderCaption();
}

function fillFilters() {
  const keep = (id) => $(id).value;
  const status = keep("filter-status");
  const kind = keep("filter-kind");
  const engineer = keep("filter-engineer");
  $("filter-status").replaceChildren(
    h("option", { value: "" }, t("filters.allOpen")),
    OPEN_STATUSES.map((s) => h("option", { value: s, selected: s === status }, t(`status.${s}`))),
  );
  $("filter-kind").replaceChildren(
    h("option", { value: "" }, t("filters.all")),
    KINDS.map((k) => h("option", { value: k, selected: k === kind }, t(`kind.${k}`))),
  );
  $("filter-engineer").replaceChildren(
    h("option", { value: "" }, t("filters.all")),
    h("option", { value: "none", selected: engineer === "none" }, t("filters.unassigned")),
    engineers.map((e) => h("option", { value: e.id, selected: e.id === engineer }, personName(e))),
  );
}

// -- notifications ---------------------------------------------------------------------

function showNotifications() {
  renderNotifications($("notifications"), $("notifications-empty"), notes, { t, lang: currentLang() });
}

// -- page ------------------------------------------------------------------------------

let flashTimer = null;
function flash(message, error = false) {
  const el = $("flash");
  el.textContent = message;
  el.classList.toggle("error", error);
  clearTimeout(flashTimer);
  flashTimer = setTimeout(() => (el.textContent = ""), 8000);
}

function logout() {
  if (feed) feed.stop();
  feed = null;
  session.clear();
  rows.clear();
  notes.clear();
  conflicts.clear();
  showLogin();
}

$("login-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  $("login-error").textContent = "";
  try {
    await login($("username").value, $("password").value);
    $("password").value = "";
    await start();
  } catch (error) {
    $("login-error").textContent = t("login.failed", { message: error.message });
  }
});
$("logout").addEventListener("click", logout);
$("filters").addEventListener("change", applyFilters);
document.addEventListener("unauthenticated", () => {
  if (session.get()) logout();
});
document.addEventListener("langchange", () => {
  fillFilters();
  renderAll();
  showNotifications();
  if (feed) setLiveStatus(feed.state.status);
});
langToggle($("lang"));
applyI18n();
start();

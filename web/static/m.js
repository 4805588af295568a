// /m: the engineer's phone page. My open tickets, read once the live feed listens and
// kept current by ticketEvents (an event that says a ticket changed refreshes it by
// query); acknowledge / decline, check in with the browser's position, a work record,
// photos from the camera, the customer's signature on a canvas, request close;
// notifications live.

import {
  ApiError,
  OPEN_STATUSES,
  fileObjectUrl,
  formatTime,
  gql,
  h,
  lastSequenceOf,
  live,
  logEvent,
  login,
  newKey,
  renderNotifications,
  session,
  upload,
  oneReadPerKey,
} from "./api.js";
import { applyI18n, currentLang, langToggle, t } from "./i18n.js";

const CARD_FIELDS = `id number kind status severity version description
  customer { id name }
  device { id brand model serialNumber }
  assignee { id }`;
const LIST = `query MyTickets($after: String, $filter: TicketFilter, $withHistory: Boolean!) {
  tickets(first: 100, after: $after, filter: $filter) {
    pageInfo { hasNextPage endCursor }
    nodes { ${CARD_FIELDS} history @include(if: $withHistory) { sequence } }
  }
}`;
const ONE = `query MyTicket($id: ID!) { ticket(id: $id) { ${CARD_FIELDS} } }`;
const DETAIL = `query MyTicketDetail($id: ID!) {
  ticket(id: $id) {
    ${CARD_FIELDS}
    contactName contactPhone
    customer { id name address }
    checkIns { id at latitude longitude note }
    workRecords { id startedAt endedAt details }
    attachments { id kind fileName url thumbnailUrl }
    signature { signerName signedAt url }
  }
}`;
const NOTES = `query MyNotifications {
  myNotifications(first: 20) { nodes { sequence id kind handled message at ticketId ticket { id status } } }
}`;
const RESULT = "id number status version";
const ACKNOWLEDGE = `mutation Acknowledge($id: ID!, $expectedVersion: Int, $idempotencyKey: String) {
  acknowledgeTicket(id: $id, expectedVersion: $expectedVersion, idempotencyKey: $idempotencyKey) { ${RESULT} }
}`;
const DECLINE = `mutation Decline($id: ID!, $reason: String!, $expectedVersion: Int, $idempotencyKey: String) {
  declineTicket(id: $id, reason: $reason, expectedVersion: $expectedVersion, idempotencyKey: $idempotencyKey) { id status version }
}`;
const CHECK_IN = `mutation CheckIn($ticketId: ID!, $latitude: Float!, $longitude: Float!, $note: String, $idempotencyKey: String) {
  checkIn(ticketId: $ticketId, latitude: $latitude, longitude: $longitude, note: $note, idempotencyKey: $idempotencyKey) { ${RESULT} }
}`;
const WORK = `mutation AddWorkRecord($ticketId: ID!, $input: WorkRecordInput!, $idempotencyKey: String) {
  addWorkRecord(ticketId: $ticketId, input: $input, idempotencyKey: $idempotencyKey) { ${RESULT} }
}`;
const PHOTO = `mutation UploadPhoto($ticketId: ID!, $file: Upload!, $note: String) {
  uploadAttachment(ticketId: $ticketId, file: $file, kind: PHOTO, note: $note) { id fileName url thumbnailUrl }
}`;
const SIGN = `mutation RecordSignature($ticketId: ID!, $signerName: String!, $image: Upload!, $signedAt: DateTime, $expectedVersion: Int) {
  recordSignature(ticketId: $ticketId, signerName: $signerName, image: $image, signedAt: $signedAt, expectedVersion: $expectedVersion) {
    id version signature { signerName signedAt url }
  }
}`;
const REQUEST_CLOSE = `mutation RequestClose($id: ID!, $summary: String!, $expectedVersion: Int, $idempotencyKey: String) {
  requestClose(id: $id, summary: $summary, expectedVersion: $expectedVersion, idempotencyKey: $idempotencyKey) { ${RESULT} }
}`;

const $ = (id) => document.getElementById(id);

const tickets = new Map(); // id -> card fields
const notes = new Map();
// One idempotency key per action and ticket until it succeeds: a retry after a lost
// answer is applied once.
const pendingKeys = new Map();
let feed = null;
let detail = null; // the ticket shown in the detail view

window.__aftersales = {
  get log() {
    return feed ? feed.state.log : [];
  },
  get state() {
    return feed ? feed.state : null;
  },
  tickets,
};

// -- start ---------------------------------------------------------------------------

function showLogin(message = "") {
  $("login").hidden = false;
  $("workspace").hidden = true;
  $("logout").hidden = true;
  $("login-error").textContent = message;
  $("username").focus();
}

async function start() {
  const current = session.get();
  if (!current) return showLogin();
  if (current.user.role !== "ENGINEER") {
    session.clear();
    return showLogin(t("login.wrongRole", { roles: t("role.ENGINEER"), role: current.user.role }));
  }
  $("login").hidden = true;
  $("workspace").hidden = false;
  $("logout").hidden = false;
  $("who").textContent = `· ${current.user.displayName || current.user.username}`;
  setLiveStatus("connecting");
  // The feed listens first, then reads my tickets and notifications (`load`), then
  // applies what arrived meanwhile: a ticket dispatched to me in between is not lost.
  feed = live({ load, onEvent, onNotification, onStatus: setLiveStatus, onError: loadFailed });
  route();
}

/** What the phone shows, read afresh; the last sequence it reflects. */
async function load() {
  const since = await loadTickets();
  const data = await gql(NOTES);
  for (const note of data.myNotifications.nodes) notes.set(note.id, note);
  showNotifications();
  return since;
}

function loadFailed(error) {
  if (!(error instanceof ApiError && error.code === "UNAUTHENTICATED")) failed(error);
}

async function loadTickets() {
  let after = null;
  let since = null;
  let first = true;
  tickets.clear();
  for (let pages = 0; pages < 5; pages++) {
    const data = await gql(LIST, { after, filter: { status: OPEN_STATUSES }, withHistory: first });
    if (first) since = lastSequenceOf(data.tickets.nodes);
    first = false;
    for (const ticket of data.tickets.nodes) {
      delete ticket.history;
      tickets.set(ticket.id, ticket);
    }
    if (!data.tickets.pageInfo.hasNextPage) break;
    after = data.tickets.pageInfo.endCursor;
  }
  renderList();
  return since;
}

// -- live ----------------------------------------------------------------------------

function onEvent(event) {
  const known = tickets.get(event.ticketId);
  logEvent($("event-log"), event, known ? known.number : event.ticketId, currentLang());
  if (!event.ticket) {
    // Taken from me (reassigned, declined): gone from this phone.
    removeTicket(event.ticketId);
    return;
  }
  if (known && event.ticketVersion !== null && event.ticketVersion <= known.version) return;
  if (!known && !OPEN_STATUSES.includes(event.ticket.status)) return;
  refresh(event.ticketId);
}

const refresh = oneReadPerKey(async (id) => {
  try {
    const data = await gql(ONE, { id });
    upsert(data.ticket);
    if (detail && detail.id === id) await openDetail(id);
  } catch (error) {
    if (error instanceof ApiError && ["NOT_FOUND", "FORBIDDEN"].includes(error.code)) removeTicket(id);
    else console.error("refresh failed", error);
  }
});

function onNotification(note) {
  notes.set(note.id, { ...(notes.get(note.id) || {}), ...note });
  showNotifications();
}

function showNotifications() {
  renderNotifications($("notifications"), $("notifications-empty"), notes, { t, lang: currentLang() });
}

function setLiveStatus(state) {
  const el = $("live-status");
  el.dataset.state = state;
  el.textContent = t(`live.${state}`);
  if (state === "expired") logout();
}

function upsert(ticket) {
  const existing = tickets.get(ticket.id);
  if (existing && existing.version > ticket.version) return;
  if (!OPEN_STATUSES.includes(ticket.status)) {
    removeTicket(ticket.id);
    return;
  }
  tickets.set(ticket.id, ticket);
  renderList();
}

function removeTicket(id) {
  tickets.delete(id);
  renderList();
  if (detail && detail.id === id) {
    detail = null;
    window.location.hash = "#/";
  }
}

// -- the list ------------------------------------------------------------------------

function renderList() {
  const list = $("my-tickets");
  const sorted = [...tickets.values()].sort((a, b) => String(b.number).localeCompare(String(a.number)));
  list.replaceChildren(
    ...sorted.map((ticket) => {
      const device = ticket.device ? `${ticket.device.model} · ${ticket.device.serialNumber}` : "";
      return h(
        "li",
        { className: "card", dataset: { ticketId: ticket.id, status: ticket.status, version: ticket.version } },
        h(
          "a",
          { href: `#/t/${encodeURIComponent(ticket.id)}`, className: "card-link" },
          h("strong", {}, ticket.number || ticket.id),
          " ",
          h("span", { className: `pill pill-${ticket.status.toLowerCase()}`, dataset: { role: "status" } }, t(`status.${ticket.status}`)),
        ),
        h("p", {}, ticket.customer ? ticket.customer.name : "", device ? ` · ${device}` : ""),
        h("p", { className: "muted" }, t("m.severity", { level: ticket.severity }), " · ", t(`kind.${ticket.kind}`)),
        ticket.status === "DISPATCHED"
          ? h(
              "button",
              { type: "button", className: "primary", dataset: { role: "acknowledge" }, onClick: () => acknowledge(ticket.id) },
              t("m.acknowledge"),
            )
          : "",
      );
    }),
  );
  $("empty").hidden = tickets.size > 0;
}

// -- the detail view -------------------------------------------------------------------

/** The ticket the address shows (#/t/<id>), or null for the list. */
function routedId() {
  const match = window.location.hash.match(/^#\/t\/(.+)$/);
  return match ? decodeURIComponent(match[1]) : null;
}

function route() {
  const id = routedId();
  if (id && session.get()) {
    openDetail(id);
  } else {
    detail = null;
    $("detail-view").hidden = true;
    $("list-view").hidden = false;
  }
}

async function openDetail(id) {
  let data;
  try {
    data = await gql(DETAIL, { id });
  } catch (error) {
    failed(error);
    window.location.hash = "#/";
    return;
  }
  // Left (or moved to another ticket) while this was read: not shown.
  if (routedId() !== id) return;
  const firstShow = !detail || detail.id !== id;
  detail = data.ticket;
  const ticket = detail;
  $("list-view").hidden = true;
  $("detail-view").hidden = false;
  $("detail-view").dataset.ticketId = ticket.id;
  $("detail-view").dataset.status = ticket.status;
  $("detail-title").textContent = `${ticket.number} · ${t(`status.${ticket.status}`)}`;
  const facts = [
    [t("table.customer"), ticket.customer ? `${ticket.customer.name} ${ticket.customer.address || ""}` : ""],
    [t("table.device"), ticket.device ? `${ticket.device.brand} ${ticket.device.model} · ${ticket.device.serialNumber}` : ""],
    [t("m.description"), ticket.description],
    [t("m.contact"), [ticket.contactName, ticket.contactPhone].filter(Boolean).join(" ")],
    [t("table.severity"), t("m.severity", { level: ticket.severity })],
  ];
  for (const checkIn of ticket.checkIns) {
    facts.push([t("m.checkIn"), `${formatTime(checkIn.at, currentLang())} ${checkIn.latitude.toFixed(5)}, ${checkIn.longitude.toFixed(5)} ${checkIn.note || ""}`]);
  }
  for (const record of ticket.workRecords) {
    facts.push([t("m.work"), `${formatTime(record.startedAt, currentLang())}–${formatTime(record.endedAt, currentLang())} ${record.details}`]);
  }
  if (ticket.signature) {
    facts.push([t("m.signature"), t("m.signed", { name: ticket.signature.signerName })]);
  }
  $("detail-facts").replaceChildren(...facts.flatMap(([term, value]) => [h("dt", {}, term), h("dd", {}, value || "—")]));

  const status = ticket.status;
  $("act-dispatched").hidden = status !== "DISPATCHED";
  $("checkin-form").hidden = !["ACCEPTED", "IN_PROGRESS"].includes(status);
  $("work-form").hidden = status !== "IN_PROGRESS";
  $("photo-form").hidden = !["ACCEPTED", "IN_PROGRESS", "CLOSE_REQUESTED", "CUSTOMER_CONFIRMED"].includes(status);
  $("close-form").hidden = status !== "IN_PROGRESS";
  $("signature-form").hidden = !["CLOSE_REQUESTED", "CUSTOMER_CONFIRMED"].includes(status);
  if (firstShow) {
    prefillWork();
    $("detail-title").tabIndex = -1;
    $("detail-title").focus();
  }
  renderAttachments(ticket);
}

async function renderAttachments(ticket) {
  const list = $("attachments");
  list.replaceChildren(
    ...ticket.attachments.map((file) => {
      const item = h("li", { dataset: { kind: file.kind } }, `${file.kind} · ${file.fileName}`);
      if (file.thumbnailUrl) {
        // Files need the bearer token: fetched, then shown from an object URL.
        fileObjectUrl(file.thumbnailUrl)
          .then((url) => item.prepend(h("img", { src: url, alt: file.fileName, width: 96 })))
          .catch(() => {});
      }
      return item;
    }),
  );
}

function toLocalInput(date) {
  const pad = (n) => String(n).padStart(2, "0");
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

function prefillWork() {
  const now = new Date();
  $("work-ended").value = toLocalInput(now);
  $("work-started").value = toLocalInput(new Date(now.getTime() - 60 * 60 * 1000));
}

// -- actions -------------------------------------------------------------------------

function keyFor(action, id) {
  const name = `${action}:${id}`;
  if (!pendingKeys.has(name)) pendingKeys.set(name, newKey());
  return pendingKeys.get(name);
}

/** Runs a move; on success the key is spent and the ticket refreshed. */
async function act(action, id, run) {
  const key = keyFor(action, id);
  try {
    const result = await run(key);
    pendingKeys.delete(`${action}:${id}`);
    flash(t("m.saved"));
    if (result && result.id) upsert({ ...(tickets.get(result.id) || {}), ...result });
    await refresh(id);
    return result;
  } catch (error) {
    if (!(error instanceof ApiError && error.code === "NETWORK")) pendingKeys.delete(`${action}:${id}`);
    failed(error);
    await refresh(id);
    return null;
  }
}

function current(id) {
  const ticket = (detail && detail.id === id && detail) || tickets.get(id);
  return ticket ? ticket.version : null;
}

function acknowledge(id) {
  return act("acknowledge", id, async (key) => {
    const data = await gql(ACKNOWLEDGE, { id, expectedVersion: current(id), idempotencyKey: key });
    return data.acknowledgeTicket;
  });
}

function failed(error) {
  if (error instanceof ApiError) {
    if (error.code === "NETWORK" && !navigator.onLine) return flash(t("m.offlineQueued"), true);
    let message = error.message;
    if (error.code === "CONFLICT" && error.extensions.currentStatus) {
      message = `${message} (${t(`status.${error.extensions.currentStatus}`)}, v${error.extensions.currentVersion})`;
    }
    return flash(t("error.code", { code: error.code, message }), true);
  }
  flash(t("error.generic", { message: String(error && error.message ? error.message : error) }), true);
}

$("acknowledge").addEventListener("click", () => detail && acknowledge(detail.id));

$("decline-form").addEventListener("submit", (event) => {
  event.preventDefault();
  if (!detail) return;
  const id = detail.id;
  act("decline", id, async (key) => {
    await gql(DECLINE, {
      id,
      reason: $("decline-reason").value,
      expectedVersion: current(id),
      idempotencyKey: key,
    });
    $("decline-reason").value = "";
    // Declined, the ticket leaves this phone (refreshed: no longer mine).
    return null;
  });
});

$("checkin-form").addEventListener("submit", (event) => {
  event.preventDefault();
  if (!detail) return;
  const id = detail.id;
  if (!navigator.geolocation) {
    $("checkin-result").textContent = t("m.noLocation", { message: "navigator.geolocation" });
    return;
  }
  $("checkin-result").textContent = t("m.locating");
  navigator.geolocation.getCurrentPosition(
    (position) => {
      const { latitude, longitude } = position.coords;
      act("checkIn", id, async (key) => {
        const data = await gql(CHECK_IN, {
          ticketId: id,
          latitude,
          longitude,
          note: $("checkin-note").value || null,
          idempotencyKey: key,
        });
        $("checkin-result").textContent = t("m.checkedIn", { lat: latitude.toFixed(5), lon: longitude.toFixed(5) });
        $("checkin-note").value = "";
        return data.checkIn;
      });
    },
    (error) => {
      $("checkin-result").textContent = t("m.noLocation", { message: error.message });
    },
    { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 },
  );
});

$("work-form").addEventListener("submit", (event) => {
  event.preventDefault();
  if (!detail) return;
  const id = detail.id;
  act("work", id, async (key) => {
    const input = {
      startedAt: new Date($("work-started").value).toISOString(),
      endedAt: new Date($("work-ended").value).toISOString(),
      method: $("work-method").value,
      place: $("work-place").value || null,
      details: $("work-details").value,
      issuesLeft: $("work-issues").value || null,
    };
    const data = await gql(WORK, { ticketId: id, input, idempotencyKey: key });
    $("work-details").value = "";
    $("work-issues").value = "";
    return data.addWorkRecord;
  });
});

$("photo-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  if (!detail) return;
  const id = detail.id;
  const file = $("photo-file").files[0];
  if (!file) return;
  try {
    const data = await upload(PHOTO, { ticketId: id, note: $("photo-note").value || null }, { file });
    flash(t("m.uploaded", { name: data.uploadAttachment.fileName }));
    $("photo-file").value = "";
    $("photo-note").value = "";
  } catch (error) {
    failed(error);
  }
  await refresh(id);
});

$("close-form").addEventListener("submit", (event) => {
  event.preventDefault();
  if (!detail) return;
  const id = detail.id;
  act("close", id, async (key) => {
    const data = await gql(REQUEST_CLOSE, {
      id,
      summary: $("close-summary").value,
      expectedVersion: current(id),
      idempotencyKey: key,
    });
    $("close-summary").value = "";
    return data.requestClose;
  });
});

// -- the signature pad ---------------------------------------------------------------------

const pad = $("signature-pad");
const ink = pad.getContext("2d");
let drawing = false;
let signed = false;

function clearPad() {
  ink.fillStyle = "#fff";
  ink.fillRect(0, 0, pad.width, pad.height);
  signed = false;
}

function point(event) {
  const box = pad.getBoundingClientRect();
  return [((event.clientX - box.left) * pad.width) / box.width, ((event.clientY - box.top) * pad.height) / box.height];
}

pad.addEventListener("pointerdown", (event) => {
  drawing = true;
  pad.setPointerCapture(event.pointerId);
  ink.lineWidth = 3;
  ink.lineCap = "round";
  ink.strokeStyle = "#111";
  ink.beginPath();
  ink.moveTo(...point(event));
  event.preventDefault();
});
pad.addEventListener("pointermove", (event) => {
  if (!drawing) return;
  ink.lineTo(...point(event));
  ink.stroke();
  signed = true;
});
for (const name of ["pointerup", "pointercancel", "pointerleave"]) {
  pad.addEventListener(name, () => (drawing = false));
}
$("signature-clear").addEventListener("click", clearPad);
clearPad();

$("signature-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  if (!detail) return;
  const id = detail.id;
  if (!signed) {
    flash(t("m.signatureEmpty"), true);
    return;
  }
  const image = await new Promise((resolve) => pad.toBlob(resolve, "image/png"));
  try {
    await upload(
      SIGN,
      {
        ticketId: id,
        signerName: $("signer-name").value,
        signedAt: new Date().toISOString(),
        expectedVersion: current(id),
      },
      { image: new File([image], "signature.png", { type: "image/png" }) },
    );
    flash(t("m.signed", { name: $("signer-name").value }));
    clearPad();
  } catch (error) {
    failed(error);
  }
  await refresh(id);
});

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
  detail = null;
  session.clear();
  tickets.clear();
  notes.clear();
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
window.addEventListener("hashchange", route);
document.addEventListener("unauthenticated", () => {
  if (session.get()) logout();
});
document.addEventListener("langchange", () => {
  renderList();
  showNotifications();
  if (feed) setLiveStatus(feed.state.status);
  if (detail) openDetail(detail.id);
});
langToggle($("lang"));
applyI18n();
start();

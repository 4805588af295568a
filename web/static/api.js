// What /board and /m share: the session, GraphQL over HTTP (errors by extensions.code),
// file uploads (the GraphQL multipart request), and the live feed over
// graphql-transport-ws with the graphql-ws client (window.graphqlWs, vendored).

import { has } from "./i18n.js";

const SESSION = "aftersales.session";
const GRAPHQL_URL = new URL("/graphql", window.location.href).toString();
const WS_URL = GRAPHQL_URL.replace(/^http/, "ws");

export const OPEN_STATUSES = [
  "NEW",
  "DISPATCHED",
  "ACCEPTED",
  "IN_PROGRESS",
  "CLOSE_REQUESTED",
  "CUSTOMER_CONFIRMED",
];
export const REASSIGNABLE = ["DISPATCHED", "ACCEPTED", "IN_PROGRESS"];
export const OFFICE_ROLES = ["ADMIN", "BACK_OFFICE", "CUSTOMER_SERVICE"];

// -- the session (per browser tab) ----------------------------------------------------

export const session = {
  get() {
    try {
      return JSON.parse(sessionStorage.getItem(SESSION) || "null");
    } catch {
      return null;
    }
  },
  set(value) {
    sessionStorage.setItem(SESSION, JSON.stringify(value));
  },
  clear() {
    sessionStorage.removeItem(SESSION);
  },
  token() {
    const value = this.get();
    return value ? value.token : null;
  },
};

// -- GraphQL over HTTP -------------------------------------------------------------------

/** A failed operation: `code` is the first error's extensions.code (NETWORK when the
 * server was not reached), `extensions` its extensions, `errors` all of them. */
export class ApiError extends Error {
  constructor(errors, status) {
    const first = errors[0] || {};
    super(first.message || "request failed");
    this.errors = errors;
    this.extensions = first.extensions || {};
    this.code = this.extensions.code || (status ? `HTTP_${status}` : "UNKNOWN");
  }
}

function authHeaders() {
  const token = session.token();
  return token ? { Authorization: `Bearer ${token}` } : {};
}

async function send(init) {
  let response;
  try {
    response = await fetch(GRAPHQL_URL, init);
  } catch (error) {
    throw new ApiError([{ message: String(error.message || error), extensions: { code: "NETWORK" } }]);
  }
  let body;
  try {
    body = await response.json();
  } catch {
    throw new ApiError([{ message: `HTTP ${response.status}` }], response.status);
  }
  if (body.errors && body.errors.length) {
    const error = new ApiError(body.errors, response.status);
    if (error.code === "UNAUTHENTICATED") document.dispatchEvent(new CustomEvent("unauthenticated"));
    throw error;
  }
  return body.data;
}

/** Runs a query or mutation; its `data`, or throws ApiError. */
export function gql(query, variables = {}) {
  return send({
    method: "POST",
    headers: { "Content-Type": "application/json", Accept: "application/json", ...authHeaders() },
    body: JSON.stringify({ query, variables }),
  });
}

/** A mutation with files (GraphQL multipart request spec): `files` maps a variable
 * path ("file", "image") to a File or Blob; those variables are sent as null. */
export function upload(query, variables, files) {
  const form = new FormData();
  const vars = { ...variables };
  const map = {};
  Object.keys(files).forEach((path, index) => {
    vars[path] = null;
    map[String(index)] = [`variables.${path}`];
  });
  form.append("operations", JSON.stringify({ query, variables: vars }));
  form.append("map", JSON.stringify(map));
  Object.entries(files).forEach(([path, file], index) => {
    form.append(String(index), file, file.name || `${path}.png`);
  });
  // The preflight header the API requires of uploads (no cross-site form posts).
  return send({
    method: "POST",
    headers: { "Apollo-Require-Preflight": "true", ...authHeaders() },
    body: form,
  });
}

/** A file the API serves with a bearer token (/files/...), as an object URL. */
export async function fileObjectUrl(path) {
  const response = await fetch(new URL(path, window.location.href), { headers: authHeaders() });
  if (!response.ok) throw new Error(`HTTP ${response.status}`);
  return URL.createObjectURL(await response.blob());
}

export async function login(username, password) {
  const data = await gql(
    `mutation Login($username: String!, $password: String!) {
      login(username: $username, password: $password) {
        token expiresAt user { id username displayName role }
      }
    }`,
    { username, password },
  );
  session.set({ token: data.login.token, user: data.login.user });
  return data.login.user;
}

// -- live: ticketEvents and notifications over one websocket -------------------------

const TICKET_EVENTS = `subscription TicketEvents($since: Int) {
  ticketEvents(since: $since) {
    sequence type at ticketId ticketVersion actor { id }
    ticket { id status version assignee { id } }
  }
}`;
const NOTIFICATIONS = `subscription Notifications($since: Int) {
  notifications(since: $since) {
    sequence id kind handled message at ticketId ticket { id status }
  }
}`;

/** Waits before a reconnection (exponential, capped, jittered), but no longer than
 * until the browser says it is back online. */
function retryWait(retries) {
  const ms = Math.min(10000, 500 * 2 ** retries) + Math.random() * 300;
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      window.removeEventListener("online", done);
      resolve();
    };
    const timer = setTimeout(done, navigator.onLine ? ms : 60000);
    window.addEventListener("online", done);
  });
}

/**
 * Keeps what the page shows current: this user's ticket events and notifications, in
 * order, each once, and nothing lost between the page's first read and the first event.
 *
 * The feed listens before the page reads. `load()` reads what the page shows (by query)
 * and resolves to the last sequence that reflects (null: none, e.g. no ticket on
 * screen). Whenever a connection has nothing to resume from (at start, or after a drop
 * while either subscription had no sequence yet), the feed holds what arrives, calls
 * `load()` once both subscribe messages are sent on the acknowledged socket, then
 * applies the held events newer than what `load()` returned, in order (each refreshes
 * its row by query), and the held notifications; duplicates are dropped by sequence.
 * After a drop with known sequences the client reconnects and both subscriptions resume
 * with `since` = the last sequence applied (graphql-ws re-sends the subscribe payloads
 * on every reconnection, and their `since` is kept current here). A failed `load()`
 * goes to `onError` and is tried again. `onStatus(state)`: "connecting", "live",
 * "offline", "expired". Returns {stop, state}; `state.log` lists the events applied
 * (for tests), `state.loads` the reads.
 */
/**
 * Runs `read(key)` one at a time per key; a key asked for again while its read runs is
 * read once more afterwards (the newest state wins, never an older read over it).
 */
export function oneReadPerKey(read) {
  const inflight = new Set();
  const dirty = new Set();
  async function run(key) {
    if (inflight.has(key)) {
      dirty.add(key);
      return;
    }
    inflight.add(key);
    try {
      await read(key);
    } finally {
      inflight.delete(key);
      if (dirty.delete(key)) run(key);
    }
  }
  return run;
}

export function live({ load, onEvent, onNotification, onStatus = () => {}, onError = () => {} }) {
  const state = {
    lastEvent: null,
    lastNotification: null,
    connections: 0,
    resumes: [],
    loads: 0,
    log: [],
    status: "connecting",
  };
  const events = { query: TICKET_EVENTS, variables: { since: null } };
  const notes = { query: NOTIFICATIONS, variables: { since: null } };
  let pongTimer = null;
  let held = null; // {events, notes} while a load runs
  let generation = 0; // the connection whose read counts
  let reads = Promise.resolve();
  let stopped = false;

  const setStatus = (value, detail) => {
    state.status = value;
    onStatus(value, detail);
  };

  const applyEvent = (event) => {
    if (state.lastEvent !== null && event.sequence <= state.lastEvent) return;
    state.lastEvent = event.sequence;
    events.variables.since = event.sequence;
    state.log.push({ seq: event.sequence, type: event.type, ticketId: event.ticketId });
    onEvent(event);
  };

  const applyNote = (note) => {
    // A handled notification comes again with a later sequence: that is an update.
    if (state.lastNotification !== null && note.sequence !== null && note.sequence <= state.lastNotification) {
      return;
    }
    if (note.sequence !== null) {
      state.lastNotification = note.sequence;
      notes.variables.since = note.sequence;
    }
    onNotification(note);
  };

  /** The read reflects every event up to `since`: a feed with no resume point starts
   * there (what it held up to `since` is dropped); a resuming feed applies what it held
   * past its own. The notifications were read after the tickets: `since` holds for them. */
  const release = (since) => {
    const { events: heldEvents, notes: heldNotes } = held;
    held = null;
    if (since !== null && state.lastEvent === null) {
      state.lastEvent = since;
      events.variables.since = since;
    }
    if (since !== null && state.lastNotification === null) {
      state.lastNotification = since;
      notes.variables.since = since;
    }
    const bySequence = (a, b) => (a.sequence ?? Infinity) - (b.sequence ?? Infinity);
    heldEvents.sort(bySequence).forEach(applyEvent);
    heldNotes.sort(bySequence).forEach(applyNote);
  };

  /** Reads for connection `mine`, one read at a time (an earlier read never renders
   * over a later one); a failed read goes to onError and is tried again. */
  const read = (mine, attempt) => {
    reads = reads.then(async () => {
      // A macrotask later: graphql-ws has sent the subscribe messages on the socket by
      // then, so the server listens before it answers the read.
      await new Promise((resolve) => setTimeout(resolve, 0));
      if (stopped || mine !== generation) return;
      try {
        state.loads += 1;
        const since = await load();
        if (!stopped && mine === generation) release(since);
      } catch (error) {
        if (stopped || mine !== generation) return;
        onError(error);
        retryWait(attempt).then(() => read(mine, attempt + 1));
      }
    });
  };
  const resync = () => {
    if (!held) held = { events: [], notes: [] };
    read(++generation, 0);
  };

  const client = graphqlWs.createClient({
    url: WS_URL,
    connectionParams: () => ({ Authorization: `Bearer ${session.token()}` }),
    lazy: true,
    retryAttempts: Infinity,
    retryWait,
    // 4403: the token is no good any more; everything else is worth another try.
    shouldRetry: (event) => !(event && event.code === 4403),
    // A ping every 10 s; no pong within 5 s means a dead connection: drop and resume.
    keepAlive: 10000,
    on: {
      connecting: () => setStatus("connecting"),
      connected: () => {
        state.connections += 1;
        state.resumes.push({ events: events.variables.since, notifications: notes.variables.since });
        setStatus("live");
        // Nothing to resume from (or a read still owed): listen, then read.
        if (held || state.lastEvent === null || state.lastNotification === null) resync();
      },
      closed: (event) => {
        clearTimeout(pongTimer);
        setStatus(event && event.code === 4403 ? "expired" : "offline", event);
      },
      ping: (received) => {
        if (!received) pongTimer = setTimeout(() => client.terminate(), 5000);
      },
      pong: (received) => {
        if (received) clearTimeout(pongTimer);
      },
    },
  });

  // The browser knows before the socket does: drop at once, resume when back.
  const offline = () => {
    setStatus("offline");
    client.terminate();
  };
  window.addEventListener("offline", offline);

  const failed = (what) => (error) => {
    const closed = error && typeof error.code === "number";
    if (closed && error.code === 4403) {
      setStatus("expired");
      document.dispatchEvent(new CustomEvent("unauthenticated"));
    } else {
      console.error(`${what} failed`, error);
    }
  };

  const stopEvents = client.subscribe(events, {
    next: (result) => {
      const event = result.data && result.data.ticketEvents;
      if (!event) return;
      if (held) held.events.push(event);
      else applyEvent(event);
    },
    error: failed("ticketEvents"),
    complete: () => {},
  });
  const stopNotes = client.subscribe(notes, {
    next: (result) => {
      const note = result.data && result.data.notifications;
      if (!note) return;
      if (held) held.notes.push(note);
      else applyNote(note);
    },
    error: failed("notifications"),
    complete: () => {},
  });

  return {
    state,
    stop() {
      stopped = true;
      window.removeEventListener("offline", offline);
      stopEvents();
      stopNotes();
      client.dispose();
    },
  };
}

// -- small helpers ---------------------------------------------------------------------

/** The highest sequence in the tickets' histories: what a fresh load reflects. */
export function lastSequenceOf(tickets) {
  let last = null;
  for (const ticket of tickets) {
    for (const event of ticket.history || []) {
      if (last === null || event.sequence > last) last = event.sequence;
    }
  }
  return last;
}

export function formatTime(iso, lang) {
  if (!iso) return "";
  const date = new Date(iso);
  return date.toLocaleString(lang === "zh" ? "zh-CN" : "en-GB", {
    month: "2-digit",
    day: "2-digit",
    hour: "2-digit",
    minute: "2-digit",
  });
}

/** Creates an element: h("td", {className: "x", dataset: {id: 1}}, "text", child). */
export function h(tag, props = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "dataset") Object.assign(el.dataset, value);
    else if (key.startsWith("on")) el.addEventListener(key.slice(2).toLowerCase(), value);
    else if (key in el && key !== "list") el[key] = value;
    else el.setAttribute(key, value === true ? "" : value);
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

/** A random idempotency key for a retried phone action. */
export function newKey() {
  return crypto.randomUUID ? crypto.randomUUID() : `${Date.now()}-${Math.random()}`;
}

// -- shared views ------------------------------------------------------------------------

/** Fills `list` with the notifications, newest first; `empty` shows when there are none. */
export function renderNotifications(list, empty, notes, { t, lang }) {
  const sorted = [...notes.values()].sort((a, b) => String(b.at).localeCompare(String(a.at)));
  list.replaceChildren(
    ...sorted.slice(0, 50).map((note) =>
      h(
        "li",
        {
          className: note.handled ? "handled" : "",
          dataset: { id: note.id, kind: note.kind, handled: note.handled, ticketId: note.ticketId || "" },
        },
        h("span", { className: "note-kind" }, has(`note.${note.kind}`) ? t(`note.${note.kind}`) : note.kind),
        " ",
        h("span", { className: "note-message" }, note.message),
        " ",
        h("time", { dateTime: note.at }, formatTime(note.at, lang)),
        note.handled ? h("span", { className: "badge" }, t("notifications.handled")) : "",
      ),
    ),
  );
  empty.hidden = notes.size > 0;
}

/** Adds an applied event to the on-page log (newest first, the last 200). */
export function logEvent(log, event, label, lang) {
  const item = h(
    "li",
    { dataset: { seq: event.sequence, type: event.type, ticketId: event.ticketId } },
    `#${event.sequence} ${event.type} ${label} ${formatTime(event.at, lang)}`,
  );
  log.prepend(item);
  while (log.children.length > 200) log.lastElementChild.remove();
}

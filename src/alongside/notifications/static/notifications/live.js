// Live notifications over /ws/events. Every page works without this file: the server renders
// the list and the unread count; this keeps them fresh while a page is open.
//
// The socket authenticates with the session cookie (same origin). The last event number seen
// is kept in sessionStorage and sent as {"resume_from": seq} on every (re)connect, so events
// published while the socket was down arrive in order, none missed, none twice.

const STORAGE_KEY = "alongside.events.seq";
const CLOSE_UNAUTHENTICATED = 4401;
const BACKOFF_START_MS = 1000;
const BACKOFF_MAX_MS = 60000;
const ANNOUNCE_DELAY_MS = 800;

function readSeq() {
  try {
    const value = Number.parseInt(window.sessionStorage.getItem(STORAGE_KEY) || "", 10);
    return Number.isInteger(value) && value >= 0 ? value : null;
  } catch {
    return null; // storage disabled: start from the events published from now on
  }
}

// The notifications page (or another live page) says which event it was rendered at; events up
// to there are on the page already, so the stream resumes after the later of that and the last
// one seen here.
function resumeFrom() {
  const stored = readSeq();
  // Any page may say where it was rendered (the notifications list, the crisis queue).
  const list = document.getElementById("notification-list") || document.querySelector("[data-event-seq]");
  const rendered = list ? Number.parseInt(list.dataset.eventSeq || "", 10) : Number.NaN;
  if (Number.isInteger(rendered) && rendered >= 0 && (stored === null || rendered > stored)) {
    return rendered;
  }
  return stored;
}

function writeSeq(seq) {
  try {
    window.sessionStorage.setItem(STORAGE_KEY, String(seq));
  } catch {
    // storage disabled or full: a reconnect then starts from "now"
  }
}

// A polite live region, created at load so that screen readers already know it when the
// first announcement arrives (a region inserted together with its text is often not read).
function announcer() {
  let region = document.getElementById("notification-announcer");
  if (!region) {
    region = document.createElement("div");
    region.id = "notification-announcer";
    region.className = "visually-hidden";
    region.setAttribute("role", "status");
    region.setAttribute("aria-live", "polite");
    region.setAttribute("aria-atomic", "true");
    document.body.append(region);
  }
  return region;
}

const region = announcer();
let announceTimer = null;

// Several events in a burst (a reconnect replays what was missed) become one announcement.
function announce(text) {
  if (announceTimer) {
    window.clearTimeout(announceTimer);
  }
  announceTimer = window.setTimeout(() => {
    region.textContent = "";
    // A fresh text node in the next frame makes repeated identical texts announced again.
    window.requestAnimationFrame(() => {
      region.textContent = text;
    });
  }, ANNOUNCE_DELAY_MS);
}

function setBadge(count) {
  if (!Number.isInteger(count) || count < 0) {
    return;
  }
  const badge = document.getElementById("notification-count");
  if (!badge) {
    return;
  }
  const number = badge.querySelector("[data-count]") || badge;
  number.textContent = String(count);
  badge.hidden = count === 0;
}

function safeUrl(url) {
  return typeof url === "string" && url.startsWith("/") && !url.startsWith("//") ? url : "";
}

function csrfToken() {
  const input = document.querySelector("input[name=csrfmiddlewaretoken]");
  return input ? input.value : "";
}

function renderItem(list, item) {
  const labels = list.dataset;
  const li = document.createElement("li");
  li.className = "notification notification--arrived";
  if (!item.read) {
    li.classList.add("notification--unread");
  }
  li.dataset.notificationId = String(item.id);

  const text = document.createElement("p");
  text.className = "notification__text";
  if (!item.read && labels.labelNew) {
    const marker = document.createElement("strong");
    marker.className = "notification__new";
    marker.textContent = labels.labelNew;
    text.append(marker, " ");
  }
  const link = document.createElement("a");
  link.href = safeUrl(item.url) || window.location.pathname;
  link.textContent = item.text;
  text.append(link);
  li.append(text);

  const data = item.data || {};
  if (typeof data.excerpt === "string" && data.excerpt) {
    const excerpt = document.createElement("p");
    excerpt.className = "notification__excerpt";
    excerpt.textContent = data.excerpt;
    if (data.collapsed) {
      // The same as the server renders: the excerpt stays behind its warning.
      const details = document.createElement("details");
      details.className = "details notification__warning";
      const summary = document.createElement("summary");
      const named = typeof data.content_warning_label === "string" ? data.content_warning_label : "";
      summary.textContent = `${labels.labelWarning || ""} ${named}`.trim();
      details.append(summary, excerpt);
      li.append(details);
    } else {
      li.append(excerpt);
    }
  } else if (data.filtered && labels.labelFiltered) {
    const note = document.createElement("p");
    note.className = "note";
    note.textContent = labels.labelFiltered;
    li.append(note);
  }

  const meta = document.createElement("div");
  meta.className = "notification__meta";
  const time = document.createElement("time");
  time.dateTime = item.updated_at || item.created_at || "";
  const when = new Date(time.dateTime);
  time.textContent = Number.isNaN(when.getTime())
    ? ""
    : when.toLocaleString(document.documentElement.lang || undefined);
  meta.append(time);
  const token = csrfToken();
  if (!item.read && token && labels.readAction && labels.labelMarkRead) {
    const form = document.createElement("form");
    form.className = "inline-form";
    form.method = "post";
    form.action = labels.readAction;
    for (const [name, value] of [
      ["csrfmiddlewaretoken", token],
      ["ids", String(item.id)],
    ]) {
      const input = document.createElement("input");
      input.type = "hidden";
      input.name = name;
      input.value = value;
      form.append(input);
    }
    const button = document.createElement("button");
    button.type = "submit";
    button.className = "link-button";
    button.textContent = labels.labelMarkRead;
    if (labels.labelMarkReadFor) {
      button.setAttribute("aria-label", labels.labelMarkReadFor.replace("{text}", item.text));
    }
    form.append(button);
    meta.append(form);
  }
  li.append(meta);
  return li;
}

function showNotification(item) {
  const list = document.getElementById("notification-list");
  if (!list || !item || typeof item.id !== "number") {
    return;
  }
  const existing = list.querySelector(`[data-notification-id="${item.id}"]`);
  const element = renderItem(list, item);
  if (existing) {
    existing.remove(); // merged ("3 people sent support"): move it to the top, updated
  }
  list.prepend(element);
  const empty = document.getElementById("notification-empty");
  if (empty) {
    empty.hidden = true;
  }
}

function handle(event) {
  if (!event || typeof event !== "object") {
    return;
  }
  if (Number.isInteger(event.seq)) {
    writeSeq(event.seq);
  }
  const data = event.data || {};
  if (event.type === "notification") {
    showNotification(data);
    setBadge(data.unread_count);
    if (!data.read && typeof data.text === "string") {
      announce(data.text);
    }
  } else if (event.type === "notifications.read") {
    setBadge(data.unread_count);
  }
  // Other modules of the page (the crisis queue) listen here instead of opening a socket.
  document.dispatchEvent(new CustomEvent("alongside:event", { detail: event }));
}

let socket = null;
let attempts = 0;
let retryTimer = null;
let stopped = false;

function scheduleReconnect() {
  if (stopped || retryTimer) {
    return;
  }
  const ceiling = Math.min(BACKOFF_MAX_MS, BACKOFF_START_MS * 2 ** attempts);
  // Full jitter: many pages reconnecting after a server restart do not arrive together.
  const delay = Math.round(ceiling / 2 + (Math.random() * ceiling) / 2);
  attempts += 1;
  retryTimer = window.setTimeout(() => {
    retryTimer = null;
    connect();
  }, delay);
}

function connect() {
  if (stopped || !("WebSocket" in window)) {
    return;
  }
  const scheme = window.location.protocol === "https:" ? "wss:" : "ws:";
  try {
    socket = new WebSocket(`${scheme}//${window.location.host}/ws/events`);
  } catch {
    scheduleReconnect();
    return;
  }
  socket.addEventListener("open", () => {
    attempts = 0;
    const seq = resumeFrom();
    if (seq !== null) {
      socket.send(JSON.stringify({ resume_from: seq }));
    }
  });
  socket.addEventListener("message", (message) => {
    try {
      handle(JSON.parse(message.data));
    } catch {
      // not JSON: ignore it, the next event is independent
    }
  });
  socket.addEventListener("close", (closed) => {
    socket = null;
    if (closed.code === CLOSE_UNAUTHENTICATED) {
      stopped = true; // signed out: nothing to listen for until the next page load
      return;
    }
    scheduleReconnect();
  });
}

// Back online: try now instead of waiting for the backoff.
window.addEventListener("online", () => {
  if (!socket && !stopped) {
    if (retryTimer) {
      window.clearTimeout(retryTimer);
      retryTimer = null;
    }
    attempts = 0;
    connect();
  }
});

// "Load more" through htmx: move focus to the first of the new items, so keyboard and
// screen-reader users continue where the list grew instead of at the top of the page.
document.addEventListener("htmx:afterSettle", () => {
  const starts = document.querySelectorAll("#notification-list [data-page-start]");
  const first = starts[starts.length - 1];
  if (first && !first.dataset.focused) {
    first.dataset.focused = "1";
    first.focus();
  }
});

connect();

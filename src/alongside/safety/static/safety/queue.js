// The crisis queue, live. The page works without this file (reload to see new cases); with
// it, every "safety.case" event that arrives on the page's event socket (opened by
// notifications/live.js, re-dispatched as "alongside:event") fetches the queue fragment again
// from the same view (HX-Request), so order, timers and counts always come from the server.
// The list is also refreshed once a minute, which keeps waiting times current and covers an
// event missed while the socket was reconnecting.

const REFRESH_DEBOUNCE_MS = 80;
const REFRESH_EVERY_MS = 60000;
const ANNOUNCE_DELAY_MS = 300;

const announcer = document.getElementById("case-announcer");
let timer = null;
let running = false;
let again = false;
const fresh = new Set();

function queue() {
  return document.getElementById("case-queue");
}

function announce(text) {
  if (!announcer || !text) {
    return;
  }
  window.setTimeout(() => {
    announcer.textContent = "";
    window.requestAnimationFrame(() => {
      announcer.textContent = text;
    });
  }, ANNOUNCE_DELAY_MS);
}

// Keep keyboard focus where it was when the list is replaced under it.
function focusKey(element) {
  const row = element.closest("[data-case-id]");
  if (!row) {
    return null;
  }
  return { id: row.dataset.caseId, href: element.getAttribute("href") };
}

function restoreFocus(container, key) {
  if (!key) {
    return;
  }
  const row = container.querySelector(`[data-case-id="${CSS.escape(key.id)}"]`);
  const target = row && (row.querySelector(`a[href="${CSS.escape(key.href || "")}"]`) || row.querySelector("a"));
  if (target) {
    target.focus();
  }
}

async function refresh() {
  const current = queue();
  if (!current) {
    return;
  }
  if (running) {
    again = true;
    return;
  }
  running = true;
  try {
    const url = new URL(current.dataset.refreshUrl || window.location.pathname, window.location.href);
    url.search = window.location.search;
    const response = await fetch(url, {
      headers: { "HX-Request": "true" },
      credentials: "same-origin",
      cache: "no-store",
    });
    if (!response.ok) {
      return;
    }
    const template = document.createElement("template");
    template.innerHTML = await response.text();
    const replacement = template.content.getElementById("case-queue");
    if (!replacement) {
      return;
    }
    const active = document.activeElement && current.contains(document.activeElement)
      ? focusKey(document.activeElement)
      : null;
    current.replaceWith(replacement);
    restoreFocus(replacement, active);
    for (const id of fresh) {
      const row = replacement.querySelector(`[data-case-id="${CSS.escape(String(id))}"]`);
      if (row) {
        row.classList.add("case-row--arrived");
        const level = row.querySelector("[data-level-label]");
        const sentence = replacement.dataset.labelOpened || "";
        announce(sentence.replace("{level}", level ? level.textContent.trim() : ""));
      }
    }
    fresh.clear();
  } catch {
    // offline or the server restarted: the next event or the minute timer tries again
  } finally {
    running = false;
    if (again) {
      again = false;
      schedule();
    }
  }
}

function schedule() {
  if (timer) {
    window.clearTimeout(timer);
  }
  timer = window.setTimeout(() => {
    timer = null;
    refresh();
  }, REFRESH_DEBOUNCE_MS);
}

document.addEventListener("alongside:event", (message) => {
  const event = message.detail || {};
  if (event.type !== "safety.case") {
    return;
  }
  const data = event.data || {};
  if (data.action === "opened" && Number.isInteger(data.case_id)) {
    fresh.add(data.case_id);
  }
  schedule();
});

window.setInterval(() => {
  if (document.visibilityState === "visible") {
    refresh();
  }
}, REFRESH_EVERY_MS);

document.addEventListener("visibilitychange", () => {
  if (document.visibilityState === "visible") {
    schedule();
  }
});

// The moderation queue, live. The page works without this file (reload to see changes); with
// it, every "moderation.queue" event on the page's event socket (opened by
// notifications/live.js, re-dispatched as "alongside:event") fetches the queue fragment again
// from the same view (HX-Request), so order and counts always come from the server.

const DEBOUNCE_MS = 100;
const announcer = document.getElementById("moderation-announcer");
let timer = null;

async function refresh() {
  const current = document.getElementById("moderation-queue");
  if (!current) {
    return;
  }
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
    const replacement = template.content.getElementById("moderation-queue");
    if (!replacement) {
      return;
    }
    const hadFocus = document.activeElement && current.contains(document.activeElement);
    current.replaceWith(replacement);
    if (hadFocus) {
      const first = replacement.querySelector("a");
      if (first) {
        first.focus();
      }
    }
    if (announcer) {
      announcer.textContent = replacement.dataset.labelChanged || "";
    }
  } catch {
    // offline: the next event tries again
  }
}

document.addEventListener("alongside:event", (message) => {
  const event = message.detail || {};
  if (event.type !== "moderation.queue") {
    return;
  }
  if (timer) {
    window.clearTimeout(timer);
  }
  timer = window.setTimeout(() => {
    timer = null;
    refresh();
  }, DEBOUNCE_MS);
});

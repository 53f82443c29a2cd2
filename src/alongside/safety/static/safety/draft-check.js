// The composer's draft check. While someone writes a thread or a reply, their own unsent
// text is sent to POST /api/v1/safety/assess (nothing is stored there). From "moderate" up a
// gentle offer of support appears above the form's buttons, in a polite live region: it never
// blocks posting, never moves focus, and "Not now" puts it away. Without this file the form
// works exactly the same, and the help link in the page footer is always there.
//
// Pacing: a check runs about 0.8 s after typing stops, never more than once every 4 s, and
// not again for text already checked. A failed check changes nothing.

const LEVELS = ["none", "low", "moderate", "high", "imminent"];
const OFFER_FROM = LEVELS.indexOf("moderate");
const URGENT_FROM = LEVELS.indexOf("high");
const QUIET_MS = 800;
const MIN_INTERVAL_MS = 4000;
const MIN_CHARS = 3;

function rank(level) {
  const index = LEVELS.indexOf(level);
  return index < 0 ? -1 : index;
}

function csrfToken(form) {
  const input = form.querySelector("input[name=csrfmiddlewaretoken]");
  return input ? input.value : "";
}

function draftText(form) {
  const parts = [];
  for (const name of ["title", "body"]) {
    const field = form.elements.namedItem(name);
    if (field && typeof field.value === "string" && field.value.trim()) {
      parts.push(field.value);
    }
  }
  return parts.join("\n");
}

function safeUrl(value, fallback) {
  // Only same-site paths from the server's answer become links.
  return typeof value === "string" && value.startsWith("/") && !value.startsWith("//")
    ? value
    : fallback;
}

function dial(number) {
  return String(number || "").replace(/[^\d+]/g, "");
}

class DraftCheck {
  constructor(region) {
    this.region = region;
    this.form = region.closest("form");
    this.url = region.dataset.url;
    this.templates = {};
    for (const template of document.querySelectorAll("template[data-draft-offer-template]")) {
      this.templates[template.dataset.draftOfferTemplate] = template;
    }
    this.lastText = "";
    this.lastSentAt = 0;
    this.timer = null;
    this.inFlight = null;
    this.shown = null; // {kind, level} of the offer on screen
    this.dismissedAt = -1; // the level the person said "Not now" to
  }

  start() {
    if (!this.form || !this.url || !this.templates.self) {
      return;
    }
    this.form.addEventListener("input", () => this.schedule(QUIET_MS));
    this.region.addEventListener("click", (event) => {
      if (event.target.closest("[data-draft-offer-dismiss]")) {
        this.dismiss();
      }
    });
  }

  schedule(delay) {
    window.clearTimeout(this.timer);
    const wait = Math.max(delay, this.lastSentAt + MIN_INTERVAL_MS - Date.now());
    this.timer = window.setTimeout(() => this.check(), wait);
  }

  async check() {
    const text = draftText(this.form);
    if (text.replace(/\s/g, "").length < MIN_CHARS || text === this.lastText) {
      return;
    }
    if (this.inFlight) {
      this.inFlight.abort();
    }
    const controller = new AbortController();
    this.inFlight = controller;
    this.lastText = text;
    this.lastSentAt = Date.now();
    let answer;
    try {
      const response = await fetch(this.url, {
        method: "POST",
        credentials: "same-origin",
        headers: {
          "Content-Type": "application/json",
          Accept: "application/json",
          "X-CSRFToken": csrfToken(this.form),
        },
        body: JSON.stringify({ text }),
        signal: controller.signal,
      });
      if (!response.ok) {
        return;
      }
      answer = await response.json();
    } catch {
      return; // offline, aborted or refused: the composer carries on as before
    } finally {
      if (this.inFlight === controller) {
        this.inFlight = null;
      }
    }
    this.update(answer);
  }

  update(answer) {
    if (!answer || answer.level === null || answer.level === undefined) {
      return; // not checked this time (too many checks): keep what is on screen
    }
    const level = rank(answer.level);
    const support = answer.support || {};
    if (level < OFFER_FROM) {
      this.hide();
      return;
    }
    if (level <= this.dismissedAt) {
      return;
    }
    const kind = support.subject === "other" && this.templates.other ? "other" : "self";
    if (this.shown && this.shown.kind === kind && this.shown.level === level) {
      return;
    }
    this.show(kind, level, support);
  }

  show(kind, level, support) {
    const fragment = this.templates[kind].content.cloneNode(true);
    const urgent = fragment.querySelector("[data-draft-offer-urgent]");
    const emergency = Array.isArray(support.emergency_numbers) ? support.emergency_numbers : [];
    if (urgent && level >= URGENT_FROM && emergency.length) {
      const slot = urgent.querySelector("[data-draft-offer-emergency]");
      const link = document.createElement("a");
      link.href = `tel:${dial(emergency[0])}`;
      link.textContent = String(emergency[0]);
      slot.append(link);
      urgent.hidden = false;
    }
    const lines = Array.isArray(support.hotlines) ? support.hotlines : [];
    const first = lines.find((line) => line && line.phone);
    const lineSlot = fragment.querySelector("[data-draft-offer-line]");
    if (first && lineSlot) {
      const intro = this.templates.call ? this.templates.call.content.textContent : "";
      lineSlot.append(document.createTextNode(`${intro}${first.name}: `));
      const link = document.createElement("a");
      link.href = `tel:${dial(first.tel || first.phone)}`;
      link.textContent = String(first.phone);
      lineSlot.append(link);
      lineSlot.hidden = false;
    }
    for (const link of fragment.querySelectorAll("[data-draft-offer-help]")) {
      link.href = safeUrl(support.help_url, link.getAttribute("href"));
    }
    const talk = fragment.querySelector("[data-draft-offer-talk]");
    if (talk) {
      talk.href = safeUrl(support.talk_url, talk.getAttribute("href"));
    }
    // The offer's links open in a new tab (the template says so), so the draft is kept.
    this.region.replaceChildren(fragment);
    this.shown = { kind, level };
  }

  hide() {
    if (this.shown) {
      this.region.replaceChildren();
      this.shown = null;
    }
  }

  dismiss() {
    this.dismissedAt = this.shown ? this.shown.level : this.dismissedAt;
    this.hide();
    const field = this.form.elements.namedItem("body");
    if (field && typeof field.focus === "function") {
      field.focus(); // the button that had focus is gone: back to the writing
    }
  }
}

for (const region of document.querySelectorAll("[data-draft-offer]")) {
  new DraftCheck(region).start();
}

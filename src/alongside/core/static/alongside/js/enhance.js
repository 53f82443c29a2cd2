// Small progressive enhancements. Every page works without this file; controls that need
// JavaScript start out `hidden` and are revealed here.

// "Print" buttons (the safety plan): the browser's own print menu works without them.
for (const button of document.querySelectorAll("button[data-print]")) {
  button.hidden = false;
  button.addEventListener("click", () => window.print());
}

// "Use this device's time zone" on the settings page: picks the matching option.
for (const button of document.querySelectorAll("button[data-use-device-time-zone]")) {
  const select = document.getElementById(button.dataset.useDeviceTimeZone);
  let zone = "";
  try {
    zone = Intl.DateTimeFormat().resolvedOptions().timeZone || "";
  } catch {
    zone = "";
  }
  const option = select && zone ? Array.from(select.options).find((o) => o.value === zone) : null;
  if (!option || select.value === zone) {
    continue;
  }
  button.hidden = false;
  button.addEventListener("click", () => {
    select.value = zone;
    select.focus();
  });
}

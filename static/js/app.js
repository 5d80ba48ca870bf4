// The app shell's script: the service worker (install, the "new version" banner, clearing cached pages when a
// user signs out), and the outbox status in the top bar (online or not, writes waiting, writes refused).
// Elements are found afresh on each use: boosted navigation replaces everything inside <body>.
(function () {
  "use strict";

  function $(selector) {
    return document.querySelector(selector);
  }

  // ---- Service worker ----
  function clearPages() {
    // From the page as well as from the worker: the page may have no controlling worker yet.
    if (!window.caches) return Promise.resolve();
    return caches.keys().then((keys) => Promise.all(
      keys.filter((key) => key.endsWith("-pages")).map((key) => caches.delete(key)))).catch(() => undefined);
  }

  function tellWorker(message) {
    if ("serviceWorker" in navigator && navigator.serviceWorker.controller) {
      navigator.serviceWorker.controller.postMessage(message);
    }
  }

  let waitingWorker = null;
  let reloading = false;

  function offerUpdate(worker) {
    waitingWorker = worker;
    const banner = $("[data-pwa-update]");
    if (banner) banner.hidden = false;
  }

  if ("serviceWorker" in navigator) {
    window.addEventListener("load", function () {
      navigator.serviceWorker.register("/sw.js").then((registration) => {
        // A worker already waiting (installed in an earlier visit), or one that finishes installing now.
        if (registration.waiting && navigator.serviceWorker.controller) offerUpdate(registration.waiting);
        registration.addEventListener("updatefound", () => {
          const worker = registration.installing;
          if (!worker) return;
          worker.addEventListener("statechange", () => {
            if (worker.state === "installed" && navigator.serviceWorker.controller) offerUpdate(worker);
          });
        });
        // Boosted navigation rarely reloads the page, so the browser's own update check seldom runs.
        document.addEventListener("visibilitychange", () => {
          if (document.visibilityState === "visible") registration.update().catch(() => undefined);
        });
      }).catch(() => { /* not fatal: the app works without it */ });
    });
    navigator.serviceWorker.addEventListener("controllerchange", () => {
      // Only after the user chose to reload; the first install also changes the controller.
      if (!waitingWorker || reloading) return;
      reloading = true;
      window.location.reload();
    });
  }

  document.addEventListener("click", (event) => {
    if (event.target.closest("[data-pwa-reload]") && waitingWorker) {
      waitingWorker.postMessage({ type: "SKIP_WAITING" });
    }
  });

  // ---- Sign-out: no cached page survives it; waiting writes are never dropped without a word ----
  document.addEventListener("submit", (event) => {
    const form = event.target;
    if (!form.matches("form[action$='/logout']")) return;
    const outbox = window.jxcOutbox && window.jxcOutbox.counts;
    const pending = outbox ? outbox.waiting + outbox.failed : 0;
    const bar = $("[data-outbox-bar]");
    // Signing out clears this site's storage (Clear-Site-Data on /logout), the outbox with it.
    const warning = bar ? bar.dataset.signoutWarning : "{n} writes have not reached the server. Sign out anyway?";
    if (pending > 0 && !window.confirm(warning.replace("{n}", pending))) {
      event.preventDefault();
      return;
    }
    tellWorker({ type: "signed-out" });
    clearPages();
  });

  // The sign-in page: whoever signs in next must not see the previous user's pages offline.
  function onSignInPage() {
    if (!document.body.classList.contains("signed-in")) {
      tellWorker({ type: "signed-out" });
      clearPages();
    }
  }

  // ---- Outbox status ----
  function text(element, name, count) {
    return (element.dataset[name] || "").replace("{n}", count);
  }

  function renderStatus() {
    const bar = $("[data-outbox-bar]");
    const outbox = window.jxcOutbox;
    if (!bar || !outbox) return;
    const { waiting, failed, online } = outbox.counts;
    const net = $("[data-pwa-net]");
    if (net) {
      net.classList.toggle("pwa-offline", !online);
      net.querySelector("[data-pwa-net-label]").textContent = online ? net.dataset.online : net.dataset.offline;
    }
    bar.hidden = online && waiting === 0 && failed === 0;
    const count = bar.querySelector("[data-outbox-waiting]");
    count.textContent = text(count, "template", waiting);
    count.hidden = online && waiting === 0;
    bar.querySelector("[data-outbox-sync]").hidden = waiting === 0;
    const failedButton = bar.querySelector("[data-outbox-failed]");
    failedButton.textContent = text(failedButton, "template", failed);
    failedButton.hidden = failed === 0;
    const list = $("[data-outbox-failed-list]");
    if (list && failed === 0) list.hidden = true;
    if (list && !list.hidden) renderFailed(list);
  }

  function renderFailed(list) {
    window.jxcOutbox.failed().then((entries) => {
      const items = list.querySelector("ul");
      items.replaceChildren(...entries.map((entry) => {
        const item = document.createElement("li");
        item.className = "outbox-failed-item";
        const what = document.createElement("strong");
        what.textContent = entry.label || entry.url;
        const why = document.createElement("span");
        why.className = "outbox-reason";
        why.textContent = entry.reason;
        const dismiss = document.createElement("button");
        dismiss.type = "button";
        dismiss.className = "button small";
        dismiss.dataset.outboxDismiss = entry.key;
        dismiss.textContent = list.dataset.dismiss;
        item.append(what, why, dismiss);
        return item;
      }));
    });
  }

  document.addEventListener("click", (event) => {
    const outbox = window.jxcOutbox;
    if (!outbox) return;
    if (event.target.closest("[data-outbox-sync]")) {
      outbox.flush();
    } else if (event.target.closest("[data-outbox-failed]")) {
      const list = $("[data-outbox-failed-list]");
      list.hidden = !list.hidden;
      if (!list.hidden) renderFailed(list);
    } else if (event.target.closest("[data-outbox-dismiss]")) {
      outbox.dismiss(event.target.closest("[data-outbox-dismiss]").dataset.outboxDismiss);
    }
  });

  document.addEventListener("outbox:change", renderStatus);
  document.addEventListener("htmx:load", (event) => {
    if (event.target === document.body || event.target.contains($("[data-outbox-bar]"))) renderStatus();
  });
  document.addEventListener("htmx:afterSettle", renderStatus); // a boosted page brings a fresh, blank bar
  window.addEventListener("pageshow", renderStatus);

  function start() {
    onSignInPage();
    renderStatus();
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();

// Quick-start tour (app/help): the bar names what to tap on this screen; outline the first link, button or
// label in the page whose text is that name, and bring it into view.
(function () {
  "use strict";
  function highlight() {
    const bar = document.querySelector("[data-tour-target]");
    const name = bar && bar.dataset.tourTarget.trim();
    if (!name) return;
    const main = document.getElementById("main");
    if (!main || main.querySelector(".tour-target")) return;
    const candidates = main.querySelectorAll("a, button, label, summary, h1, h2, h3, th, dt, legend");
    const match = Array.from(candidates).find((el) => el.textContent.trim() === name) ||
      Array.from(candidates).find((el) => el.textContent.includes(name));
    if (!match) return;
    match.classList.add("tour-target");
    match.scrollIntoView({ block: "center" });
  }
  document.addEventListener("htmx:load", highlight);
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", highlight);
  else highlight();
})();

// The notification bell (app/notifications): its unread count is asked for after each page, when notifications are
// marked read (the server's "notifications-read" event) and when the connection returns; never while offline, so a
// page the service worker serves from its cache shows without a failed request.
(function () {
  "use strict";
  function count() {
    const slot = document.querySelector("[data-bell]");
    if (slot && navigator.onLine && window.htmx) window.htmx.trigger(slot, "bell-count");
  }
  document.addEventListener("htmx:load", (event) => {
    const added = event.target;
    if (added.matches && (added.matches("[data-bell]") || added.querySelector("[data-bell]"))) count();
  });
  window.addEventListener("online", count);
})();

// What a salesperson's phone keeps to take orders with no connection (app/sales/offline.py snapshot): their own
// customers, the products, the price each customer pays and the last known available stock, in IndexedDB
// ("jxc-offline"), one copy per user. Loaded on every page of someone who may sell (<body data-offline-data>, the
// data's URL): refreshed when online and older than FRESH_MS, when the connection comes back, and from a button.
// After each refresh the service worker is asked to keep the offline order screen, so it opens with no connection.
//
//   jxcOfflineData.get() -> Promise<{user, data, savedAt, bytes} | null>   this user's copy
//   jxcOfflineData.refresh() -> Promise<copy | null>                      fetch it now (null: offline or refused)
// Every change fires `offline-data:change` {copy} on document. Elements [data-offline-status] (the 我的 page) show
// the copy's size and date; [data-offline-refresh] buttons refresh it.
(function () {
  "use strict";
  if (window.jxcOfflineData) return;

  const DB_NAME = "jxc-offline";
  const STORE = "copies";
  const FRESH_MS = 30 * 60 * 1000;
  let dbPromise = null;
  let running = null;

  function url() {
    return (document.body && document.body.dataset.offlineData) || "";
  }

  function user() {
    return (document.body && document.body.dataset.user) || "";
  }

  function openDb() {
    if (!dbPromise) {
      dbPromise = new Promise((resolve, reject) => {
        const request = indexedDB.open(DB_NAME, 1);
        request.onupgradeneeded = () => request.result.createObjectStore(STORE, { keyPath: "user" });
        request.onsuccess = () => resolve(request.result);
        request.onerror = () => reject(request.error);
      });
    }
    return dbPromise;
  }

  function transact(mode, fn) {
    return openDb().then((db) => new Promise((resolve, reject) => {
      const tx = db.transaction(STORE, mode);
      let result;
      const request = fn(tx.objectStore(STORE));
      request.onsuccess = () => { result = request.result; };
      tx.oncomplete = () => resolve(result);
      tx.onerror = () => reject(tx.error);
      tx.onabort = () => reject(tx.error);
    }));
  }

  function get() {
    if (!user()) return Promise.resolve(null);
    return transact("readonly", (store) => store.get(user())).then((copy) => copy || null);
  }

  function online() {
    return window.jxcOutbox ? window.jxcOutbox.counts.online : navigator.onLine;
  }

  function refresh() {
    if (running) return running;
    if (!url() || !user() || !navigator.onLine) return Promise.resolve(null);
    running = fetchCopy().finally(() => { running = null; });
    return running;
  }

  async function fetchCopy() {
    let response;
    try {
      response = await fetch(url(), { credentials: "same-origin", redirect: "manual", cache: "no-store",
                                      headers: { Accept: "application/json" } });
    } catch (error) {
      return null;
    }
    if (!response.ok) return null;
    const text = await response.text();
    let data;
    try { data = JSON.parse(text); } catch (error) { return null; }
    if (String(data.user) !== user()) return null; // signed in as someone else meanwhile
    const copy = { user: user(), data, savedAt: new Date().toISOString(), bytes: new Blob([text]).size };
    await transact("readwrite", (store) => store.put(copy));
    keepScreen();
    document.dispatchEvent(new CustomEvent("offline-data:change", { detail: { copy } }));
    return copy;
  }

  // The service worker fetches the offline order screen with this user's cookies and keeps it (static/sw.js).
  function keepScreen() {
    if ("serviceWorker" in navigator && navigator.serviceWorker.controller) {
      navigator.serviceWorker.controller.postMessage({ type: "keep-pages" });
    }
  }

  function stale(copy) {
    return !copy || Date.now() - Date.parse(copy.savedAt) > FRESH_MS;
  }

  function refreshIfStale() {
    if (!url() || !online()) return;
    get().then((copy) => { if (stale(copy)) refresh(); }).catch(() => undefined);
  }

  // ---- The 我的 page's section ----
  function size(bytes) {
    if (bytes < 1024) return `${bytes} B`;
    if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
    return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
  }

  function when(iso) {
    const date = new Date(iso);
    const pad = (n) => String(n).padStart(2, "0");
    return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} ${pad(date.getHours())}:${pad(date.getMinutes())}`;
  }

  function showStatus() {
    const boxes = document.querySelectorAll("[data-offline-status]");
    if (!boxes.length) return;
    get().then((copy) => boxes.forEach((box) => {
      if (!copy) {
        box.textContent = box.dataset.none;
        return;
      }
      box.textContent = box.dataset.template
        .replace("{size}", size(copy.bytes)).replace("{date}", when(copy.savedAt))
        .replace("{customers}", copy.data.customers.length).replace("{products}", copy.data.products.length);
    })).catch(() => boxes.forEach((box) => { box.textContent = box.dataset.none; }));
  }

  document.addEventListener("click", (event) => {
    const button = event.target.closest("[data-offline-refresh]");
    if (!button) return;
    button.disabled = true;
    refresh().finally(() => { button.disabled = false; showStatus(); });
  });

  // ---- What became of orders taken offline, wherever the salesperson is when they are sent ----
  // Sent orders change the stock: the copy is refreshed once they are through. A refused confirmation is said at
  // once on any screen (the offline order screen lists it anyway), with a link to the draft that was kept.
  let after = null;
  document.addEventListener("outbox:sent", (event) => {
    const { entry, data } = event.detail;
    if (entry.group !== "offline-orders") return;
    clearTimeout(after);
    after = setTimeout(refresh, 1000);
    if (data && data.notice && !document.querySelector("[data-offline-order]")) notify(data);
  });

  function notify(data) {
    const list = document.querySelector("[data-outbox-failed-list]");
    const main = document.getElementById("main");
    if (!main) return;
    const box = document.createElement("p");
    box.className = "refusal offline-notice";
    box.setAttribute("role", "alert");
    const link = document.createElement("a");
    link.href = data.url;
    link.textContent = data.notice;
    const close = document.createElement("button");
    close.type = "button";
    close.className = "button small";
    close.textContent = list ? list.dataset.dismiss : "×";
    close.addEventListener("click", () => box.remove());
    box.append(link, " ", close);
    main.prepend(box);
  }

  window.jxcOfflineData = { get, refresh };
  document.addEventListener("offline-data:change", showStatus);
  document.addEventListener("htmx:afterSettle", showStatus);
  window.addEventListener("online", () => setTimeout(refreshIfStale, 1000));

  function start() {
    showStatus();
    // A moment after the page: the page's own requests first.
    setTimeout(refreshIfStale, 2000);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();

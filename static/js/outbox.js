// The offline outbox: writes kept in IndexedDB ("jxc-outbox") until the server has them, replayed in order.
//
//   jxcOutbox.add({url, body, key, label, group, meta?, keep?, form?, reason?}) -> Promise<entry>  stored durably,
//                                      then a replay starts
//   jxcOutbox.flush() -> Promise       replay the waiting entries, oldest first, one at a time
//   jxcOutbox.waiting(group?) -> Promise<array>   entries still waiting (oldest first)
//   jxcOutbox.failed() -> Promise<array>          entries the server refused, each with its `reason`
//   jxcOutbox.entries(group) -> Promise<array>    every entry of the group kept here: waiting, failed and sent
//   jxcOutbox.dismiss(key) -> Promise  forget an entry (a failed one once the user has seen it, a sent one)
//   jxcOutbox.counts                   {waiting, failed, online}, kept current (read synchronously)
//
// `meta` stays on the phone (what a screen needs to list the entry); `keep` keeps the entry once sent, as `sent`
// with the server's answer (`status`, `data`), for a screen that lists what happened to its writes (offline
// orders), until dismissed or KEEP_SENT_DAYS old. `form` sends the body as a form (a screen's own POST, with
// HX-Request, so the answer is its fragment: `text` in the events) instead of JSON; `reason` is what a refusal
// says when the answer is not JSON.
//
// Each replay is a POST carrying the entry's key as Idempotency-Key, so the server counts it once however
// often it is sent. 2xx: sent (event `outbox:sent`). A refusal (4xx but 401/408/429): kept as failed with the
// server's reason (event `outbox:failed`), never dropped silently. No network, 5xx, 401, 408, 429: the run stops
// and the entry waits for the next one (`online`, page shown again, page start, the sync button, every 30 s).
// Every change fires `outbox:change` {waiting, failed} on document. Entries belong to the user who made them
// and are replayed only in that user's session.
(function () {
  "use strict";
  if (window.jxcOutbox) return;

  const DB_NAME = "jxc-outbox";
  const STORE = "entries";
  const RETRY_MS = 30000;
  const LOCK = "jxc-outbox-replay";
  const RETRY_LATER = new Set([401, 408, 429]);
  const KEEP_SENT_DAYS = 14;

  let dbPromise = null;
  let running = null; // this tab's replay run
  let again = false; // flush() asked for during a run: look once more before ending it
  // navigator.onLine only knows whether there is a network, not whether the server answers (a captive Wi-Fi
  // portal, a dead access point): a replay that cannot reach the server counts as offline until one does.
  let reachable = true;
  const counts = { waiting: 0, failed: 0, get online() { return navigator.onLine && reachable; } };

  function openDb() {
    if (!dbPromise) {
      dbPromise = new Promise((resolve, reject) => {
        const request = indexedDB.open(DB_NAME, 1);
        request.onupgradeneeded = () => {
          // seq (auto-increment) is the insertion order replays follow; key is unique, so adding the same
          // write twice keeps one entry.
          const store = request.result.createObjectStore(STORE, { keyPath: "seq", autoIncrement: true });
          store.createIndex("key", "key", { unique: true });
        };
        request.onsuccess = () => resolve(request.result);
        request.onerror = () => reject(request.error);
      });
    }
    return dbPromise;
  }

  // Run fn(store) in one transaction; resolves with fn's request result once the transaction is committed.
  function transact(mode, fn) {
    return openDb().then((db) => new Promise((resolve, reject) => {
      const tx = mode === "readwrite" ? db.transaction(STORE, mode, { durability: "strict" }) : db.transaction(STORE, mode);
      let result;
      const request = fn(tx.objectStore(STORE));
      if (request) request.onsuccess = () => { result = request.result; };
      tx.oncomplete = () => resolve(result);
      tx.onerror = () => reject(tx.error);
      tx.onabort = () => reject(tx.error);
    }));
  }

  function currentUser() {
    return (document.body && document.body.dataset.user) || "";
  }

  function all() {
    return transact("readonly", (store) => store.getAll()); // by seq: insertion order
  }

  function mine(entries, state) {
    const user = currentUser();
    return entries.filter((entry) => entry.state === state && entry.user === user);
  }

  function waiting(group) {
    return all().then((entries) => mine(entries, "waiting").filter((entry) => group === undefined || entry.group === group));
  }

  function failed() {
    return all().then((entries) => mine(entries, "failed"));
  }

  function entries(group) {
    const user = currentUser();
    return all().then((list) => list.filter((entry) => entry.user === user && entry.group === group));
  }

  function emit(name, detail) {
    document.dispatchEvent(new CustomEvent(name, { detail }));
  }

  function changed() {
    return all().then((entries) => {
      counts.waiting = mine(entries, "waiting").length;
      counts.failed = mine(entries, "failed").length;
      emit("outbox:change", { waiting: counts.waiting, failed: counts.failed });
    });
  }

  function add(write) {
    if (!write || !write.url || !write.key) return Promise.reject(new Error("outbox: url and key are required"));
    const entry = {
      url: write.url, body: write.body === undefined ? {} : write.body, key: String(write.key),
      label: write.label || "", group: write.group || "", user: currentUser(), state: "waiting",
      reason: "", status: null, createdAt: new Date().toISOString(),
      meta: write.meta || null, keep: Boolean(write.keep), form: Boolean(write.form), refusal: write.reason || "",
    };
    return transact("readwrite", (store) => store.add(entry))
      .then((seq) => { entry.seq = seq; }, (error) => {
        if (error && error.name === "ConstraintError") return; // this key is already kept: once is enough
        throw error;
      })
      .then(changed)
      .then(() => { flush(); return entry; });
  }

  function dismiss(key) {
    return transact("readwrite", (store) => {
      const request = store.index("key").getKey(String(key));
      request.onsuccess = () => {
        if (request.result !== undefined) store.delete(request.result);
      };
      return null;
    }).then(changed);
  }

  function update(entry) {
    return transact("readwrite", (store) => store.put(entry));
  }

  function remove(entry) {
    return transact("readwrite", (store) => store.delete(entry.seq));
  }

  // One run at a time: in this tab (the `running` promise) and across tabs (a Web Lock, when there is one).
  function flush() {
    if (running) {
      again = true;
      return running;
    }
    const run = () => replay().finally(() => { running = null; });
    running = navigator.locks
      ? navigator.locks.request(LOCK, { ifAvailable: true }, (lock) => (lock ? run() : (running = null, undefined)))
      : run();
    return running;
  }

  async function replay() {
    if (!currentUser()) return; // signed out: entries wait for their user
    let token = null;
    do {
      again = false;
      let next = await waiting();
      while (next.length) {
        if (!navigator.onLine) return;
        if (token === null) {
          token = await freshToken();
          if (token === null) return;
        }
        if (!(await send(next[0], token))) return;
        next = await waiting();
      }
    } while (again);
  }

  // CSRF tokens expire while writes wait: ask for one before each run. null: not now (offline or signed out).
  async function freshToken() {
    let response;
    try {
      response = await fetch("/pwa/csrf", {
        credentials: "same-origin", redirect: "manual", cache: "no-store", headers: { Accept: "application/json" },
      });
    } catch (error) {
      setReachable(false);
      return null;
    }
    setReachable(true);
    if (!response.ok) return null;
    return response.json().then((data) => data.token || null, () => null);
  }

  function setReachable(value) {
    if (reachable === value) return;
    reachable = value;
    connectionChanged();
  }

  // Send one entry; true to go on with the next, false to stop this run and try again later.
  async function send(entry, token) {
    let response;
    try {
      response = await fetch(entry.url, request(entry, token));
    } catch (error) {
      setReachable(false);
      return false; // no network: the entry waits
    }
    const status = response.status;
    // A redirect here is the sign-in page (the session ended): not a refusal of this write.
    if (response.type === "opaqueredirect" || status >= 500 || RETRY_LATER.has(status)) return false;
    const text = await response.text().catch(() => "");
    let data = null;
    try { data = JSON.parse(text); } catch (error) { /* a fragment, or nothing */ }
    if (response.ok) {
      if (entry.keep) {
        Object.assign(entry, { state: "sent", status, data, sentAt: new Date().toISOString() });
        await update(entry);
      } else {
        await remove(entry);
      }
      await changed();
      emit("outbox:sent", { entry, status, data, text });
      return true;
    }
    entry.state = "failed";
    entry.status = status;
    entry.data = data;
    entry.reason = reasonOf(data, status, entry.refusal);
    await update(entry);
    await changed();
    emit("outbox:failed", { entry, status, data, text, reason: entry.reason });
    return true;
  }

  function request(entry, token) {
    const headers = { "Idempotency-Key": entry.key, "X-CSRFToken": token };
    if (!entry.form) {
      return { method: "POST", credentials: "same-origin", redirect: "manual", body: JSON.stringify(entry.body),
               headers: Object.assign(headers, { "Content-Type": "application/json", Accept: "application/json" }) };
    }
    const body = new URLSearchParams();
    Object.entries(entry.body || {}).forEach(([name, value]) => body.append(name, String(value)));
    return { method: "POST", credentials: "same-origin", redirect: "manual", body,
             headers: Object.assign(headers, { "HX-Request": "true" }) };
  }

  // The app's error bodies: problem+json {title, detail, errors} from the API, {message} from JSON screens.
  function reasonOf(data, status, fallback) {
    if (data && typeof data === "object") {
      if (data.message) return String(data.message);
      if (data.errors && typeof data.errors === "object") {
        const messages = Object.values(data.errors).flat().filter(Boolean);
        if (messages.length) return messages.join(" ");
      }
      if (data.detail) return String(data.detail);
      if (data.title) return String(data.title);
    }
    return fallback || `HTTP ${status}`;
  }

  function connectionChanged() {
    emit("outbox:change", { waiting: counts.waiting, failed: counts.failed });
  }

  // Sent entries kept for a screen's list are forgotten after KEEP_SENT_DAYS: the server has them.
  function prune() {
    const limit = Date.now() - KEEP_SENT_DAYS * 86400000;
    return transact("readwrite", (store) => {
      const request = store.getAll();
      request.onsuccess = () => request.result
        .filter((entry) => entry.state === "sent" && Date.parse(entry.sentAt || entry.createdAt) < limit)
        .forEach((entry) => store.delete(entry.seq));
      return null;
    });
  }

  window.jxcOutbox = { add, flush, waiting, failed, entries, dismiss, counts };

  let wasOnline = navigator.onLine;
  function connectionCheck() {
    if (navigator.onLine === wasOnline) return;
    wasOnline = navigator.onLine;
    connectionChanged();
    if (wasOnline) flush();
  }
  window.addEventListener("online", connectionCheck);
  window.addEventListener("offline", connectionCheck);
  // The events can be missed when the connection changes while a page loads (seen in Chromium): look again.
  setInterval(connectionCheck, 2000);
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "visible") flush();
  });
  setInterval(() => { if (counts.waiting > 0) flush(); }, RETRY_MS);

  function start() {
    connectionChanged(); // the status as it is now, before IndexedDB answers
    prune().then(changed).then(flush).catch(() => undefined); // IndexedDB refused (a private window): nothing to show
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();

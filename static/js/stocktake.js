// The counting screen (templates/stocktake/count.html). The scan box (scanner.js) reads wedge and camera scans into
// its queue, each with a UUID; this takes each one (the box's cancelable `scan` event) and puts it in the outbox
// (outbox.js, IndexedDB) with that UUID as its scan_id, the typed quantity and the moment it was scanned. The
// outbox sends it at once when online and later when not, in order, so a scan is never lost and, the server
// counting each scan_id once, never counted twice. Undo is one more write in the same outbox, after the scan.
(function () {
  "use strict";
  if (window.jxcStocktake) return;
  window.jxcStocktake = true;

  const KEEP = 12; // scans listed on the screen
  const scans = []; // this page's scans, newest first: {id, code, qty, state, name, reason}

  function screen() {
    return document.querySelector("[data-stocktake]");
  }

  function text(name) {
    const element = screen();
    return (element && element.dataset[name]) || "";
  }

  function qtyInput() {
    return document.getElementById("st-qty");
  }

  // Back to the scan field after each scan, unless the counter is typing a quantity.
  function focusScan() {
    if (window.jxcScanner) window.jxcScanner.refocus("[data-stocktake]");
  }

  function takeQty() {
    const input = qtyInput();
    if (!input) return "1";
    const value = input.value.trim() || "1";
    input.value = "1"; // the typed quantity is for this scan only
    return value;
  }

  function render() {
    const list = document.getElementById("st-scans");
    if (!list) return;
    const undo = text("undoLabel");
    list.replaceChildren(...scans.slice(0, KEEP).map((scan) => {
      const row = document.createElement("li");
      row.className = `st-scan st-${scan.state}`;
      row.dataset.scanId = scan.id;
      const what = document.createElement("span");
      what.className = "st-what";
      what.textContent = scan.name || scan.code;
      const qty = document.createElement("span");
      qty.className = "st-scan-qty";
      qty.textContent = `× ${scan.qty}`;
      const state = document.createElement("span");
      state.className = "st-state";
      state.textContent = scan.reason || text(`state${scan.state[0].toUpperCase()}${scan.state.slice(1)}`);
      row.append(what, qty, state);
      if (scan.state === "counted" || scan.state === "waiting" || scan.state === "seen") {
        const button = document.createElement("button");
        button.type = "button";
        button.className = "button small";
        button.textContent = undo;
        button.dataset.undo = scan.id;
        row.append(button);
      }
      if (scan.state === "unknown" && text("attachUrl")) {
        const link = document.createElement("a");
        link.className = "button small";
        link.href = `${text("attachUrl")}?code=${encodeURIComponent(scan.code)}`;
        link.textContent = text("attachLabel");
        row.append(link);
      }
      if (scan.state === "unknown" || scan.state === "failed") {
        for (const [name, label] of [["retry", text("retryLabel")], ["dismiss", text("dismissLabel")]]) {
          const button = document.createElement("button");
          button.type = "button";
          button.className = "button small";
          button.textContent = label;
          button.dataset[name] = scan.id;
          row.append(button);
        }
      }
      return row;
    }));
  }

  function find(id) {
    return scans.find((scan) => scan.id === id);
  }

  function enqueue(scan) {
    return window.jxcOutbox.add({
      url: text("scanUrl"), key: scan.id, group: text("group"), label: `${text("title")}: ${scan.code} × ${scan.qty}`,
      body: { scan_id: scan.id, barcode: scan.code, qty: scan.qty, counted_at: scan.at },
    });
  }

  document.addEventListener("scan", (event) => {
    if (!screen() || !event.target.closest("[data-stocktake]") || !window.jxcOutbox) return;
    event.preventDefault(); // the box sends nothing itself: the outbox does
    const { code, uuid } = event.detail;
    const scan = { id: uuid, code, qty: takeQty(), state: "waiting", at: new Date().toISOString() };
    scans.unshift(scan);
    render();
    enqueue(scan).catch(() => { scan.state = "failed"; scan.reason = text("stateStorage"); render(); });
  });

  document.addEventListener("outbox:sent", (event) => {
    const { entry, status, data } = event.detail;
    if (entry.group !== text("group")) return;
    const scan = find(entry.body.scan_id);
    if (scan && data && entry.url === text("scanUrl")) {
      scan.state = status === 201 ? "counted" : "seen";
      scan.name = data.name;
      scan.qty = data.qty;
      render();
    }
    document.body.dispatchEvent(new CustomEvent("st:synced")); // the totals refresh (htmx trigger)
  });

  // A refused scan stays in the outbox's failed list (the shell counts it) until the counter retries or dismisses it.
  document.addEventListener("outbox:failed", (event) => {
    const { entry, status, reason } = event.detail;
    if (entry.group !== text("group")) return;
    if (navigator.vibrate) navigator.vibrate([120, 60, 120]);
    const scan = find(entry.body.scan_id);
    if (scan && entry.url === text("scanUrl")) {
      scan.state = status === 404 ? "unknown" : "failed";
      scan.reason = reason;
      render();
    }
  });

  document.addEventListener("click", (event) => {
    const undo = event.target.closest("[data-undo]");
    const retry = event.target.closest("[data-retry]");
    const dismiss = event.target.closest("[data-dismiss]");
    if (undo && screen()) {
      const scan = find(undo.dataset.undo);
      if (!scan) return;
      scan.state = "undone";
      render();
      window.jxcOutbox.add({
        url: text("undoUrl").replace("SCAN_ID", encodeURIComponent(scan.id)), key: `undo-${scan.id}`,
        group: text("group"), label: `${text("undoLabel")}: ${scan.code}`, body: {},
      });
      focusScan();
    } else if (retry && screen()) {
      const scan = find(retry.dataset.retry);
      if (!scan) return;
      scan.state = "waiting";
      scan.reason = "";
      render();
      // The same scan_id: it was never counted, so it counts once now (after the barcode was attached, say).
      window.jxcOutbox.dismiss(scan.id).then(() => enqueue(scan));
      focusScan();
    } else if (dismiss && screen()) {
      const index = scans.findIndex((scan) => scan.id === dismiss.dataset.dismiss);
      if (index < 0) return;
      window.jxcOutbox.dismiss(scans[index].id);
      scans.splice(index, 1);
      render();
      focusScan();
    }
  });

  // After a reload: this counter's last scans from the server, and the ones still waiting in the outbox (made
  // offline) on top.
  function restore() {
    let recent = [];
    try { recent = JSON.parse(text("recent") || "[]"); } catch (error) { /* none */ }
    recent.forEach((scan) => { if (!find(scan.id)) scans.push(scan); });
    render();
    if (!window.jxcOutbox) return;
    Promise.all([window.jxcOutbox.failed(), window.jxcOutbox.waiting(text("group"))]).then(([failed, waiting]) => {
      const kept = (entry) => entry.group === text("group") && entry.url === text("scanUrl") && !find(entry.body.scan_id);
      failed.concat(waiting).filter(kept).forEach((entry) => {
        const state = entry.state === "failed" ? (entry.status === 404 ? "unknown" : "failed") : "waiting";
        scans.unshift({ id: entry.body.scan_id, code: entry.body.barcode, qty: entry.body.qty, state, at: entry.body.counted_at,
                        reason: entry.reason || "" });
      });
      render();
    }).catch(() => undefined);
  }

  // The running totals poll every 15 s (templates/stocktake/_counted.html), but not while offline: each poll would
  // only fail. Checked here because an htmx trigger filter ("[navigator.onLine]") needs eval, which the
  // Content-Security-Policy refuses. The outbox also knows when the network is there but the server is not.
  document.addEventListener("htmx:beforeRequest", (event) => {
    const element = event.detail && event.detail.elt;
    if (!element || !element.matches || !element.matches("[data-st-online-only]")) return;
    const online = window.jxcOutbox ? window.jxcOutbox.counts.online : navigator.onLine;
    if (!online) event.preventDefault();
  });

  // One copy of this script serves every counting screen opened by boosted navigation: start afresh on each.
  let shown = null;
  function start() {
    const group = screen() ? text("group") : null;
    if (group !== shown) {
      shown = group;
      scans.length = 0;
      if (group) restore();
    }
    focusScan();
  }
  document.addEventListener("htmx:afterSettle", start);
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();

// Receiving by scanning (templates/purchasing/receiving/receive.html). The scan box (scanner.js) queues every scan
// with a UUID; this takes them over (the box's cancelable `scan` event) and POSTs them one at a time with the UUID as
// the key, so a wedge scanner's burst keeps its order and a retried scan is counted once by the server. Each answer
// replaces the lines (#receipt); a refusal (422) comes with its reason and a vibration, and counts nothing.
// The scan field gets the focus back after every answer, so a hardware scanner keeps typing into it.
(function () {
  "use strict";
  if (window.jxcReceiving) return;
  window.jxcReceiving = true;

  const RETRIES = 3;
  let chain = Promise.resolve();

  function csrfToken() {
    try {
      return JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRFToken"] || "";
    } catch (error) {
      return "";
    }
  }

  // Back to the scan field, unless the person is typing somewhere else.
  function focusScan() {
    const input = document.querySelector("[data-receive-scan] [data-scan-input]");
    const active = document.activeElement;
    if (!input || active === input) return;
    if (active && active.matches && active.matches("input:not([type=hidden]), textarea, select")) return;
    input.focus({ preventScroll: true });
  }

  function refused() {
    if (navigator.vibrate) navigator.vibrate([120, 60, 120]);
    document.dispatchEvent(new CustomEvent("receive:refused"));
  }

  function say(box, message) {
    const notice = box.querySelector("[data-scan-notice]");
    if (!notice) return;
    notice.textContent = message;
    notice.hidden = !message;
  }

  function showReceipt(html) {
    const receipt = document.getElementById("receipt");
    if (receipt && window.htmx) {
      window.htmx.swap(receipt, html, { swapStyle: "outerHTML", swapDelay: 0, settleDelay: 0 });
    }
    focusScan();
  }

  // One scan: the same UUID on every attempt, so a retry after a lost answer never counts twice.
  async function send(box, code, uuid) {
    const body = new FormData();
    body.append("code", code);
    body.append("key", uuid);
    for (let attempt = 1; attempt <= RETRIES; attempt += 1) {
      try {
        const response = await fetch(box.dataset.scanUrl, {
          method: "POST", body, credentials: "same-origin",
          headers: { "HX-Request": "true", "X-CSRFToken": csrfToken() },
        });
        if (response.ok || response.status === 422) {
          say(box, "");
          showReceipt(await response.text());
          if (response.status === 422) refused();
          return;
        }
        if (response.status < 500) break; // refused for good (signed out, not allowed): retrying will not help
      } catch (error) { /* offline or dropped: try again */ }
      await new Promise((resolve) => setTimeout(resolve, 500 * attempt));
    }
    let messages = {};
    try {
      messages = JSON.parse(box.querySelector("[data-scanbox]").dataset.scanMessages || "{}");
    } catch (error) { /* the defaults */ }
    say(box, `${code}: ${messages.error || "Failed"}`);
    refused();
  }

  document.addEventListener("scan", (event) => {
    const box = event.target.closest && event.target.closest("[data-receive-scan]");
    if (!box || !box.dataset.scanUrl) return;
    event.preventDefault(); // the scan box sends nothing itself
    const { code, uuid } = event.detail;
    chain = chain.then(() => send(box, code, uuid));
  });

  document.addEventListener("htmx:afterSettle", focusScan); // after an undo, or arriving by boosted navigation
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", focusScan);
  else focusScan();
})();

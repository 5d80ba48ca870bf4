// Receiving by scanning (templates/purchasing/receiving/receive.html). The scan box (scanner.js) queues every scan
// with a UUID; this takes them over (the box's cancelable `scan` event) and POSTs them one at a time with the UUID as
// the key, so a wedge scanner's burst keeps its order and a retried scan is counted once by the server. Each answer
// replaces the lines (#receipt); a refusal (422) comes with its reason and a vibration, and counts nothing.
// A refusal is kept in its own list ([data-refusals], outside #receipt) with the code and a dismiss button: the
// next scan's answer replaces the lines within a second, and a refusal gone with them would be missed at a busy
// door. The scan log marks each scan as it ended (the `scan:status` event of scanner.js): scanned or refused.
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

  function logStatus(box, uuid, status) {
    const form = box.querySelector("[data-scanbox]");
    if (form) form.dispatchEvent(new CustomEvent("scan:status", { detail: { uuid, status } }));
  }

  function keepRefusal(box, code, reason) {
    const list = box.querySelector("[data-refusals]");
    if (!list) return;
    const item = document.createElement("li");
    item.className = "error receipt-refusal";
    item.setAttribute("role", "alert");
    item.dataset.refusal = code;
    const text = document.createElement("span");
    const what = document.createElement("code");
    what.textContent = code;
    text.append(what, document.createElement("br"), reason);
    const dismiss = document.createElement("button");
    dismiss.type = "button";
    dismiss.className = "button";
    dismiss.dataset.dismiss = "";
    dismiss.textContent = list.dataset.dismissLabel || "Dismiss";
    item.append(text, dismiss);
    list.prepend(item);
  }

  // The lines of a refusal's answer, without the refusal itself (kept in the list instead), and its reason.
  function splitRefusal(html) {
    const answer = document.createElement("template");
    answer.innerHTML = html;
    const refusal = answer.content.querySelector("[data-refusal]");
    const reason = refusal ? refusal.textContent.trim() : "";
    if (refusal) refusal.remove();
    return { lines: answer.innerHTML, reason };
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
    logStatus(box, uuid, "sending");
    for (let attempt = 1; attempt <= RETRIES; attempt += 1) {
      try {
        const response = await fetch(box.dataset.scanUrl, {
          method: "POST", body, credentials: "same-origin",
          headers: { "HX-Request": "true", "X-CSRFToken": csrfToken() },
        });
        if (response.ok) {
          say(box, "");
          showReceipt(await response.text());
          logStatus(box, uuid, "handled");
          return;
        }
        if (response.status === 422) {
          say(box, "");
          const { lines, reason } = splitRefusal(await response.text());
          showReceipt(lines);
          keepRefusal(box, code, reason);
          logStatus(box, uuid, "refused");
          refused();
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
    logStatus(box, uuid, "error");
    refused();
  }

  document.addEventListener("scan", (event) => {
    const box = event.target.closest && event.target.closest("[data-receive-scan]");
    if (!box || !box.dataset.scanUrl) return;
    event.preventDefault(); // the scan box sends nothing itself
    const { code, uuid } = event.detail;
    chain = chain.then(() => send(box, code, uuid));
  });

  document.addEventListener("click", (event) => {
    const dismiss = event.target.closest && event.target.closest("[data-refusals] [data-dismiss]");
    if (!dismiss) return;
    dismiss.closest("li").remove();
    focusScan();
  });

  document.addEventListener("htmx:afterSettle", focusScan); // after an undo, or arriving by boosted navigation
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", focusScan);
  else focusScan();
})();

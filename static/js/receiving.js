// Receiving by scanning (templates/purchasing/receiving/receive.html). The scan box (scanner.js) queues every scan
// and POSTs it with its UUID as the key to the order's scan URL (data-scan-post), so a wedge scanner's burst keeps
// its order and a retried scan is counted once by the server. This places each answer (`scan:answer`): it replaces
// the lines (#receipt); a refusal (422) comes with its reason and a vibration, and counts nothing.
// A refusal is kept in its own list ([data-refusals], outside #receipt) with the code and a dismiss button: the
// next scan's answer replaces the lines within a second, and a refusal gone with them would be missed at a busy
// door. The scan log marks each scan as it ended: scanned, refused or failed.
// The scan field gets the focus back after every answer, so a hardware scanner keeps typing into it.
(function () {
  "use strict";
  if (window.jxcReceiving) return;
  window.jxcReceiving = true;

  function focusScan() {
    if (window.jxcScanner) window.jxcScanner.refocus("[data-receive-scan]");
  }

  function refused() {
    if (navigator.vibrate) navigator.vibrate([120, 60, 120]);
    document.dispatchEvent(new CustomEvent("receive:refused"));
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

  document.addEventListener("scan:answer", (event) => {
    const box = event.target.closest && event.target.closest("[data-receive-scan]");
    if (!box) return;
    const { code, ok, html } = event.detail;
    if (ok) {
      showReceipt(html);
      return;
    }
    const { lines, reason } = splitRefusal(html);
    showReceipt(lines);
    keepRefusal(box, code, reason);
    refused();
  });

  document.addEventListener("scan:done", (event) => { // a scan the server never answered
    if (event.detail.status === "error" && event.target.closest("[data-receive-scan]")) refused();
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

// Delivery, return, invoice and order screens: +/- steppers beside quantity inputs, share links for the customer
// (app/sharing) through the phone's share sheet, and a purchase order's PDF through the share sheet. All only
// enhance: without this script the inputs are typed into, "Share link" posts and shows the link to copy, and a
// purchase order's "Share" downloads the PDF.
// Loaded inside the page content so boosted navigation runs it too; the flag keeps one set of listeners.
(function () {
  "use strict";

  // Whether the phone can hand a PDF file to another app (Android Chrome, iOS Safari); desktops mostly cannot.
  function canShareFiles() {
    try {
      return !!(navigator.canShare && navigator.canShare({ files: [new File(["%PDF-"], "a.pdf", { type: "application/pdf" })] }));
    } catch (error) {
      return false;
    }
  }

  function reveal(root) {
    var scope = root.querySelectorAll ? root : document;
    scope.querySelectorAll("[data-step][hidden]").forEach(function (button) {
      button.hidden = false;
    });
    if (navigator.share && canShareFiles()) {
      scope.querySelectorAll("[data-share-pdf][hidden]").forEach(function (button) { button.hidden = false; });
    }
  }
  reveal(document);
  if (window.jxcDocuments) { return; }
  window.jxcDocuments = true;

  document.addEventListener("htmx:load", function (event) { reveal(event.detail.elt); });

  // Whole units, kept between 0 and what is left (data-max); a typed fraction steps from where it is.
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-step]");
    if (!button) { return; }
    var input = document.getElementById(button.getAttribute("aria-controls"));
    if (!input) { return; }
    var max = parseFloat(input.dataset.max);
    var next = (parseFloat(input.value) || 0) + parseFloat(button.dataset.step);
    next = Math.max(0, isNaN(max) ? next : Math.min(max, next));
    input.value = String(Math.round(next * 1000) / 1000);
    input.dispatchEvent(new Event("input", { bubbles: true }));
  });

  // ---- Share links (templates/sharing/_panel.html) ----
  // The share sheet opens only while the tap still counts as the user's (transient activation): with a link the
  // panel already offers (data-share-current) it opens at once; otherwise htmx makes the link first and the sheet
  // opens when the new panel arrives, or, if the browser says the tap has expired, the panel asks for one more.
  var pendingPanel = null;  // id of the panel whose share form htmx is posting
  var pdfFiles = {};  // PDF address -> File, kept so a second tap can share without waiting

  function say(panel, message) {
    var status = panel.querySelector("[data-share-status]");
    if (status) { status.textContent = message ? status.dataset[message] : ""; }
  }

  function copyLink(panel, url) {
    function byHand() {
      say(panel, "copyYourself");
      var input = panel.querySelector("[data-share-current] .share-url");
      if (input) { input.focus(); input.select(); }
    }
    if (navigator.clipboard && navigator.clipboard.writeText) {
      navigator.clipboard.writeText(url).then(function () { say(panel, "copied"); }, byHand);
    } else {
      byHand();
    }
  }

  function handOver(panel) {
    var row = panel.querySelector("[data-share-current]");
    if (!row) { say(panel, "failed"); return; }
    var url = row.dataset.shareUrl;
    if (!navigator.share) { copyLink(panel, url); return; }
    navigator.share({ title: panel.dataset.shareTitle, text: panel.dataset.shareText, url: url })
      .then(function () { say(panel, ""); })
      .catch(function (error) {
        if (error && error.name === "AbortError") { return; }  // the user closed the share sheet
        if (error && error.name === "NotAllowedError") { say(panel, "tapAgain"); return; }
        copyLink(panel, url);
      });
  }

  // Capture phase: decide before htmx's own submit listener on the form whether a request is needed at all.
  document.addEventListener("submit", function (event) {
    var form = event.target.closest && event.target.closest("[data-share-form]");
    if (!form) { return; }
    var panel = form.closest("[data-share-panel]");
    if (panel.querySelector("[data-share-current]")) {
      event.preventDefault();
      event.stopPropagation();
      handOver(panel);
      return;
    }
    pendingPanel = panel.id;
  }, true);

  document.addEventListener("htmx:load", function (event) {
    var panel = event.detail.elt;
    if (pendingPanel && panel.id === pendingPanel && panel.matches("[data-share-panel]")) {
      pendingPanel = null;
      handOver(panel);
    }
  });

  function shareFailed(event) {
    var form = event.detail.elt.closest && event.detail.elt.closest("[data-share-form]");
    if (!form) { return; }
    pendingPanel = null;
    say(form.closest("[data-share-panel]"), "failed");
  }
  document.addEventListener("htmx:sendError", shareFailed);
  document.addEventListener("htmx:responseError", shareFailed);

  // The PDF file itself, where the phone can share files.
  function sendFile(panel, file) {
    navigator.share({ files: [file], title: panel.dataset.shareTitle })
      .then(function () { say(panel, ""); })
      .catch(function (error) {
        if (error && error.name === "AbortError") { return; }
        say(panel, error && error.name === "NotAllowedError" ? "tapAgain" : "failed");
      });
  }

  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("[data-share-pdf]");
    if (!link || !navigator.share) { return; }
    event.preventDefault();
    var panel = link.closest("[data-share-panel]");
    if (pdfFiles[link.href]) { sendFile(panel, pdfFiles[link.href]); return; }
    fetch(link.href, { credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) { throw new Error("PDF " + response.status); }
        return response.blob();
      })
      .then(function (blob) {
        pdfFiles[link.href] = new File([blob], link.dataset.shareFile || "document.pdf", { type: "application/pdf" });
        sendFile(panel, pdfFiles[link.href]);
      })
      .catch(function () { say(panel, "failed"); });
  });

  // ---- A purchase order's PDF to the supplier (templates/trade/_macros.html pdf_links without `share`) ----
  // Share the PDF itself where the phone can (WeChat, mail...), else its link; any failure falls back to the download.
  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("[data-share]");
    if (!link || !navigator.share) { return; }
    event.preventDefault();
    var title = link.dataset.shareTitle || document.title;
    fetch(link.href, { credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) { throw new Error("PDF " + response.status); }
        return response.blob();
      })
      .then(function (blob) {
        var file = new File([blob], link.dataset.shareFile || "document.pdf", { type: "application/pdf" });
        if (navigator.canShare && navigator.canShare({ files: [file] })) {
          return navigator.share({ files: [file], title: title });
        }
        return navigator.share({ title: title, url: link.href });
      })
      .catch(function (error) {
        if (error && error.name === "AbortError") { return; }  // the user closed the share sheet
        var download = document.createElement("a");
        download.href = link.href;
        download.download = link.dataset.shareFile || "";
        document.body.appendChild(download);
        download.click();
        download.remove();
      });
  });
})();

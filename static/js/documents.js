// Delivery, return and invoice screens: +/- steppers beside quantity inputs, and "Share" through the phone's
// share sheet. Both only enhance: without this script the inputs are typed into and "Share" downloads the PDF.
// Loaded inside the page content so boosted navigation runs it too; the flag keeps one set of listeners.
(function () {
  "use strict";

  function reveal(root) {
    (root.querySelectorAll ? root : document).querySelectorAll("[data-step][hidden]").forEach(function (button) {
      button.hidden = false;
    });
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

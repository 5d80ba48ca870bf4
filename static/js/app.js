// The app shell's only script: register the service worker, and clear cached pages on sign-out.
(function () {
  "use strict";
  if ("serviceWorker" in navigator) {
    window.addEventListener("load", function () {
      navigator.serviceWorker.register("/sw.js").catch(function () { /* not fatal: the app works without it */ });
    });
    document.addEventListener("submit", function (event) {
      if (event.target.matches("form[action$='/logout']") && navigator.serviceWorker.controller) {
        navigator.serviceWorker.controller.postMessage({ type: "signed-out" });
      }
    });
  }
})();

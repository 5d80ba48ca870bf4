// People screens: the invite form proposes a username, the invitation page copies and shares its link, and the
// welcome page offers "add to home screen" (the browser's own prompt where it has one, written steps otherwise).
// Attached by data-* attributes; listeners sit on document, so boosted navigation needs no re-binding.
(function () {
  "use strict";
  if (window.jxcPeople) return;  // loaded once per document, whatever page brought it in
  window.jxcPeople = true;

  // ---- Invite form: a username from the name or phone, until the owner types one ----
  let proposal = 0;
  document.addEventListener("input", (event) => {
    const form = event.target.closest("[data-invite-form]");
    if (!form) return;
    const username = form.querySelector("[data-username-auto]");
    if (event.target === username) {
      username.dataset.touched = username.value ? "1" : "";
      return;
    }
    if (!username || username.dataset.touched) return;
    const name = form.querySelector("[name=display_name]").value;
    const phone = form.querySelector("[name=phone]").value;
    const ticket = ++proposal;
    const url = form.dataset.usernameUrl + "?" + new URLSearchParams({ name, phone });
    fetch(url, { credentials: "same-origin" }).then((response) => response.ok ? response.text() : "")
      .then((text) => { if (ticket === proposal && !username.dataset.touched) username.value = text; })
      .catch(() => undefined);
  });

  // ---- Invitation link: copy and share ----
  function linkOf(button) {
    const input = button.closest("section").querySelector("[data-invite-link]");
    return input ? input.value : "";
  }

  function showShare() {
    if (!navigator.share) return;
    document.querySelectorAll("[data-share-link]").forEach((button) => { button.hidden = false; });
  }

  document.addEventListener("click", (event) => {
    const copy = event.target.closest("[data-copy-link]");
    if (copy) {
      const input = copy.closest("section").querySelector("[data-invite-link]");
      const done = () => { copy.textContent = copy.dataset.copied; };
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(input.value).then(done, () => { input.select(); });
      } else {
        input.select();
        if (document.execCommand && document.execCommand("copy")) done();
      }
      return;
    }
    const share = event.target.closest("[data-share-link]");
    if (share && navigator.share) {
      navigator.share({ title: share.dataset.shareTitle, text: share.dataset.shareText, url: linkOf(share) })
        .catch(() => undefined);  // the owner closed the share sheet
    }
  });

  // ---- Add to home screen ----
  let installEvent = null;
  function standalone() {
    return window.matchMedia("(display-mode: standalone)").matches || window.navigator.standalone === true;
  }

  function renderInstall() {
    const offer = document.querySelector("[data-install-offer]");
    if (!offer) return;
    const installed = standalone();
    offer.querySelector("[data-install-installed]").hidden = !installed;
    offer.querySelector("[data-install-button]").hidden = installed || !installEvent;
    // The browser's prompt replaces the written steps where it exists.
    offer.querySelector("[data-install-manual]").hidden = installed || Boolean(installEvent);
  }

  window.addEventListener("beforeinstallprompt", (event) => {
    event.preventDefault();  // shown from our button instead of the browser's mini bar
    installEvent = event;
    renderInstall();
  });
  window.addEventListener("appinstalled", () => {
    installEvent = null;
    renderInstall();
  });
  document.addEventListener("click", (event) => {
    if (!event.target.closest("[data-install-button]") || !installEvent) return;
    const prompt = installEvent;
    installEvent = null;
    prompt.prompt();
    prompt.userChoice.finally(renderInstall);
  });

  function start() {
    showShare();
    renderInstall();
  }
  document.addEventListener("htmx:load", start);
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();

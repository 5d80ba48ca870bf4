// The scan box island, on every form[data-scanbox] (templates/macros/scan.html renders one).
// Keyboard-wedge scanners type a code in a few ms and press Enter, scan after scan: each code is taken off the
// input at once into a queue and sent one at a time, so no scan is lost, blanked or merged with the next.
// The camera (native BarcodeDetector, else the barcode-detector polyfill's ZXing wasm from static/vendor) feeds
// the same queue. Before a scan is sent the form fires a cancelable `scan` event, detail {code, uuid, source}:
// a screen that consumes a scan itself (stocktake's outbox, a search) calls preventDefault and nothing is sent;
// it may set detail.status (a MESSAGES key) for the log.
// The queue is every scanning screen's: where an element around the box has data-scan-post (an order's lines,
// receiving), each scan is POSTed there instead of looked up, one at a time, as `code` with its UUID as `key`,
// retried with the same UUID, so a burst keeps its order and the server counts a retried scan once. The answer
// (2xx, or 422 for a refusal) goes to the screen as `scan:answer` on that element, detail {code, uuid, ok, html,
// status}; the screen places the html and may change status, which the log then shows.
// After each scan the form fires `scan:done`, detail {code, uuid, source, status}.
// With no connection a POSTed scan is not lost: it goes to the outbox (outbox.js) as the same form POST with the
// same UUID, and so do the scans after it until the outbox has sent them (they keep their order). When the outbox
// sends it, the answer reaches the screen as `scan:answer` as if it had just been scanned, and its log row says so.
(function () {
  "use strict";
  if (window.jxcScanner) return; // loaded again by a swap or a second box: one copy does the work

  const FORMATS = ["ean_13", "ean_8", "upc_a", "code_128", "qr_code"];
  const SAME_CODE_MS = 1500; // a code in view is read again only after this long out of view
  const FRAME_GAP_MS = 100; // pause between two camera frames, to leave the phone some breath
  const LOG_SIZE = 5;
  const RETRIES = 3; // a POSTed scan: attempts before the log says it failed
  const MESSAGES = {
    queued: "Waiting", sending: "Looking up…", found: "Found", unknown: "Unknown barcode", error: "Failed",
    handled: "Scanned", refused: "Refused", searched: "Searched", nothing: "No barcode found in the photo",
    saved: "Offline: kept, added when back online",
    camera: "No camera: take a photo instead",
    decoder: "The barcode reader could not start",
  };
  const boxes = new WeakMap(); // form -> ScanBox
  const kept = new Map(); // a screen's scan URL -> its scans this page put in the outbox and not yet sent
  const filming = new Set(); // boxes whose camera is open

  function newId() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    // randomUUID needs a secure context; an intranet served over plain HTTP still deserves unique ids.
    const b = crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    const h = Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
  }

  function absolute(path) {
    return new URL(path, document.baseURI).href;
  }

  function sleep(ms) {
    return new Promise((resolve) => setTimeout(resolve, ms));
  }

  function csrfToken() {
    try {
      return JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRFToken"] || "";
    } catch (error) {
      return "";
    }
  }

  // Where a server says to go: HX-Redirect, HX-Location (a path or {"path": ...}), or a followed redirect.
  function destination(response) {
    const redirect = response.headers.get("HX-Redirect");
    if (redirect) return redirect;
    const location = response.headers.get("HX-Location");
    if (location) return location.trim().startsWith("{") ? JSON.parse(location).path : location;
    return response.redirected ? response.url : null;
  }

  // One decoder for the page, made on the first camera tap or photo: native where it reads every format we
  // need (Chrome on Android, macOS), else the polyfill, told where its wasm is before it first decodes.
  let decoder = null;
  function loadDecoder(form) {
    if (!decoder) decoder = makeDecoder(form).catch((error) => { decoder = null; throw error; });
    return decoder;
  }

  async function makeDecoder(form) {
    if (window.BarcodeDetector) {
      const supported = await window.BarcodeDetector.getSupportedFormats().catch(() => []);
      const readsAll = FORMATS.every((format) => supported.includes(format));
      if (readsAll) return new window.BarcodeDetector({ formats: FORMATS });
    }
    const wasm = absolute(form.dataset.scanWasm);
    const module = await import(absolute(form.dataset.scanDecoder));
    await module.prepareZXingModule({
      overrides: { locateFile: (path, prefix) => (path.endsWith(".wasm") ? wasm : prefix + path) },
      fireImmediately: true, // load and compile now: a failure shows once, not on every frame
    });
    return new module.BarcodeDetector({ formats: FORMATS });
  }

  // A short beep: the AudioContext is made on the camera tap, as iOS allows sound only after a gesture.
  const sound = {
    context: null,
    unlock() {
      const Context = window.AudioContext || window.webkitAudioContext;
      try {
        if (!this.context && Context) this.context = new Context();
        if (this.context && this.context.state === "suspended") this.context.resume();
      } catch (error) { this.context = null; }
    },
    beep() {
      const context = this.context;
      if (!context || context.state !== "running") return;
      const tone = context.createOscillator();
      const volume = context.createGain();
      tone.frequency.value = 1800;
      volume.gain.value = 0.15;
      tone.connect(volume).connect(context.destination);
      tone.start();
      tone.stop(context.currentTime + 0.08);
    },
  };

  class ScanBox {
    constructor(form) {
      this.form = form;
      this.input = form.querySelector("[data-scan-input]")
        || form.querySelector("input:not([type=hidden]):not([type=file])");
      this.queue = [];
      this.sending = false;
      this.leaving = false;
      this.stream = null;
      this.attempt = null;
      this.seen = new Map(); // code -> when the camera last saw it
      let custom = {};
      try { custom = JSON.parse(form.dataset.scanMessages || "{}"); } catch (error) { /* keep the defaults */ }
      this.messages = Object.assign({}, MESSAGES, custom);
      this.log = form.querySelector("[data-scan-log]") || this.make("ol", "scan-log", form);
      this.notice = form.querySelector("[data-scan-notice]");
      form.addEventListener("keydown", (event) => {
        if (event.key !== "Enter" || event.target !== this.input || event.isComposing) return;
        event.preventDefault();
        this.take();
      });
      form.addEventListener("submit", (event) => { // the Find button, or a phone keyboard's Go
        event.preventDefault();
        this.take();
      });
      // A screen that consumed a scan (the `scan` event) says how it ended: detail {uuid, status}, a MESSAGES key.
      form.addEventListener("scan:status", (event) => {
        const row = [...this.log.children].find((item) => item.dataset.uuid === event.detail.uuid);
        if (row) this.status({ row }, event.detail.status);
      });
      this.setUpCamera();
      this.rememberKept();
    }

    // Scans of this screen still in the outbox from before a reload: the next ones wait behind them.
    rememberKept() {
      const poster = this.form.closest("[data-scan-post]");
      if (!poster || !window.jxcOutbox) return;
      const url = poster.dataset.scanPost;
      window.jxcOutbox.waiting(`scan:${url}`).then((list) => {
        if (list.length && !kept.has(url)) kept.set(url, list.length);
      }).catch(() => undefined);
    }

    make(tag, className, parent, before) {
      const element = document.createElement(tag);
      element.className = className;
      parent.insertBefore(element, before || null);
      return element;
    }

    take() {
      const code = this.input.value.trim();
      this.input.value = ""; // at once: the scanner's next code may be typed within milliseconds
      if (code) this.push(code, "keyboard");
    }

    push(code, source) {
      const scan = { code, source, uuid: newId() };
      this.note(scan);
      this.queue.push(scan);
      this.drain();
    }

    async drain() {
      if (this.sending) return;
      this.sending = true;
      try {
        while (this.queue.length && !this.leaving) await this.handle(this.queue.shift());
      } finally {
        this.sending = false;
      }
    }

    async handle(scan) {
      const detail = { code: scan.code, uuid: scan.uuid, source: scan.source };
      if (!this.form.dispatchEvent(new CustomEvent("scan", { bubbles: true, cancelable: true, detail }))) {
        return this.done(scan, detail.status || "handled");
      }
      const poster = this.form.closest("[data-scan-post]");
      if (poster) return this.post(poster, scan);
      this.status(scan, "sending");
      let response;
      try {
        response = await fetch(this.url(scan.code), {
          headers: { "HX-Request": "true", "X-Scan-UUID": scan.uuid }, credentials: "same-origin",
        });
        const to = destination(response);
        if (to) {
          this.leaving = true; // the page is going: the rest of the queue goes with it
          this.done(scan, "found");
          window.location.assign(to);
          return;
        }
        if (response.ok || response.status === 404 || response.status === 422) this.show(await response.text());
      } catch (error) {
        return this.done(scan, "error");
      }
      this.done(scan, response.ok ? "found" : response.status === 404 ? "unknown" : "error");
    }

    // One scan POSTed to the screen: the same UUID on every attempt, so a retry after a lost answer never counts twice.
    async post(poster, scan) {
      if (this.offline(poster)) return this.keep(poster, scan);
      const body = new FormData();
      body.append("code", scan.code);
      body.append("key", scan.uuid);
      this.status(scan, "sending");
      for (let attempt = 1; attempt <= RETRIES; attempt += 1) {
        if (attempt > 1 && this.offline(poster)) return this.keep(poster, scan); // the connection went meanwhile
        try {
          const response = await fetch(poster.dataset.scanPost, {
            method: "POST", body, credentials: "same-origin",
            headers: { "HX-Request": "true", "X-CSRFToken": csrfToken() },
          });
          if (response.ok || response.status === 422) {
            this.say("");
            const detail = { code: scan.code, uuid: scan.uuid, ok: response.ok, html: await response.text(),
                             status: response.ok ? "handled" : "refused" };
            poster.dispatchEvent(new CustomEvent("scan:answer", { bubbles: true, detail }));
            return this.done(scan, detail.status);
          }
          if (response.status < 500) break; // refused for good (signed out, not allowed): retrying will not help
        } catch (error) { /* offline or dropped: try again */ }
        await sleep(500 * attempt);
      }
      this.say(`${scan.code}: ${this.messages.error}`);
      return this.done(scan, "error");
    }

    // Whether a scan for `poster` goes to the outbox: no connection, or earlier scans of it still wait there.
    offline(poster) {
      const outbox = window.jxcOutbox;
      return Boolean(outbox) && (!outbox.counts.online || kept.has(poster.dataset.scanPost));
    }

    // The scan into the outbox, to be POSTed like the others when the connection is back.
    async keep(poster, scan) {
      const url = poster.dataset.scanPost;
      const group = `scan:${url}`;
      kept.set(url, (kept.get(url) || 0) + 1);
      try {
        await window.jxcOutbox.add({
          url, key: scan.uuid, group, form: true, body: { code: scan.code, key: scan.uuid },
          label: `${this.messages.handled}: ${scan.code}`, reason: `${scan.code}: ${this.messages.refused}`,
        });
      } catch (error) {
        settle(url);
        this.say(`${scan.code}: ${this.messages.error}`);
        return this.done(scan, "error");
      }
      return this.done(scan, "saved");
    }

    // The form's own URL as a GET submission would make it, with this scan's code.
    url(code) {
      const url = new URL(this.form.getAttribute("action") || "", document.baseURI);
      url.search = "";
      for (const [key, value] of new FormData(this.form)) {
        if (typeof value === "string" && key !== this.input.name) url.searchParams.append(key, value);
      }
      url.searchParams.set(this.input.name, code);
      return url.href;
    }

    target() {
      const selector = this.form.dataset.scanTarget;
      if (selector) return document.querySelector(selector);
      const next = this.form.nextElementSibling;
      if (next && next.hasAttribute("data-scan-results")) return next;
      const results = this.make("div", "scan-results", this.form.parentNode, this.form.nextSibling);
      results.setAttribute("data-scan-results", "");
      results.setAttribute("aria-live", "polite");
      return results;
    }

    show(html) {
      const target = this.target();
      if (!target) return;
      target.innerHTML = html;
      if (window.htmx) window.htmx.process(target);
      init(target);
    }

    note(scan) {
      const row = document.createElement("li");
      const code = document.createElement("code");
      code.textContent = scan.code;
      row.append(code, document.createElement("span"));
      row.dataset.uuid = scan.uuid;
      this.log.prepend(row);
      while (this.log.children.length > LOG_SIZE) this.log.lastElementChild.remove();
      scan.row = row;
      this.status(scan, "queued");
    }

    status(scan, status) {
      scan.row.dataset.status = status;
      scan.row.lastElementChild.textContent = this.messages[status] || status;
    }

    done(scan, status) {
      this.status(scan, status);
      const detail = { code: scan.code, uuid: scan.uuid, source: scan.source, status };
      this.form.dispatchEvent(new CustomEvent("scan:done", { bubbles: true, detail }));
    }

    say(message) {
      if (this.notice) {
        this.notice.textContent = message;
        this.notice.hidden = !message;
      }
    }

    // --- camera -------------------------------------------------------------------------------------
    setUpCamera() {
      const form = this.form;
      this.button = form.querySelector("[data-scan-camera]");
      this.panel = form.querySelector("[data-scan-panel]");
      this.video = this.panel && this.panel.querySelector("video");
      this.photo = form.querySelector("[data-scan-photo]");
      const file = this.photo && this.photo.querySelector("input[type=file]");
      const canFilm = Boolean(navigator.mediaDevices && navigator.mediaDevices.getUserMedia);
      if (this.button && this.video && canFilm) {
        this.button.hidden = false;
        this.button.addEventListener("click", () => {
          if (this.stream || this.attempt) this.stopCamera();
          else this.startCamera();
        });
        const close = this.panel.querySelector("[data-scan-close]");
        if (close) close.addEventListener("click", () => this.stopCamera());
      } else if (this.photo) {
        this.photo.hidden = false;
      }
      if (file) file.addEventListener("change", () => this.readPhoto(file));
    }

    async startCamera() {
      const attempt = (this.attempt = {});
      sound.unlock(); // inside the tap
      this.say("");
      this.panel.hidden = false;
      this.button.setAttribute("aria-expanded", "true");
      const decoding = loadDecoder(this.form); // fetch and compile the decoder while the camera starts
      decoding.catch(() => {});
      let stream;
      try {
        stream = await navigator.mediaDevices.getUserMedia({
          audio: false, video: { facingMode: { ideal: "environment" }, width: { ideal: 1280 }, height: { ideal: 720 } },
        });
      } catch (error) { // denied, no camera, or in use elsewhere: a photo still works
        if (this.attempt === attempt) this.stopCamera();
        if (this.photo) this.photo.hidden = false;
        this.say(this.messages.camera);
        return;
      }
      if (this.attempt !== attempt || !this.form.isConnected) { // closed while the camera was starting
        stream.getTracks().forEach((track) => track.stop());
        return;
      }
      this.stream = stream;
      filming.add(this);
      watchRemoval();
      this.video.srcObject = stream;
      this.video.play().catch(() => {});
      let detector;
      try {
        detector = await decoding;
      } catch (error) {
        this.stopCamera();
        this.say(this.messages.decoder);
        return;
      }
      this.film(detector, stream);
    }

    async film(detector, stream) {
      while (this.stream === stream) {
        if (this.video.readyState >= 2) { // HAVE_CURRENT_DATA
          let codes = [];
          try { codes = await detector.detect(this.video); } catch (error) { /* an unreadable frame */ }
          if (this.stream !== stream) break;
          const now = performance.now();
          for (const code of new Set(codes.map((found) => found.rawValue))) this.sighted(code, now);
        }
        await sleep(FRAME_GAP_MS);
      }
    }

    sighted(code, now) {
      for (const [seen, when] of this.seen) if (now - when >= SAME_CODE_MS) this.seen.delete(seen);
      const known = this.seen.has(code);
      this.seen.set(code, now);
      if (known) return; // the same item still in view
      sound.beep();
      if (navigator.vibrate) navigator.vibrate(60);
      this.push(code, "camera");
    }

    stopCamera() {
      const stream = this.stream;
      this.stream = null;
      this.attempt = null;
      filming.delete(this);
      if (stream) stream.getTracks().forEach((track) => track.stop());
      if (this.video) this.video.srcObject = null;
      if (this.panel) this.panel.hidden = true;
      if (this.button) this.button.setAttribute("aria-expanded", "false");
      this.seen.clear();
    }

    async readPhoto(file) {
      const image = file.files[0];
      file.value = ""; // the same photo may be chosen again
      if (!image) return;
      this.say("");
      let codes;
      try {
        codes = await (await loadDecoder(this.form)).detect(image);
      } catch (error) {
        this.say(this.messages.decoder);
        return;
      }
      const found = [...new Set(codes.map((code) => code.rawValue))];
      if (!found.length) this.say(this.messages.nothing);
      found.forEach((code) => this.push(code, "photo"));
    }
  }

  // Cameras stop when their form leaves the page (an htmx swap) or the page is hidden.
  let observer = null;
  function watchRemoval() {
    if (observer) return;
    observer = new MutationObserver(() => {
      filming.forEach((box) => { if (!box.form.isConnected) box.stopCamera(); });
      if (!filming.size) { observer.disconnect(); observer = null; }
    });
    observer.observe(document.documentElement, { childList: true, subtree: true });
  }
  function stopAll() {
    filming.forEach((box) => box.stopCamera());
  }
  document.addEventListener("visibilitychange", () => { if (document.hidden) stopAll(); });
  window.addEventListener("pagehide", stopAll);

  function init(root) {
    const forms = root.matches && root.matches("form[data-scanbox]") ? [root] : [];
    if (root.querySelectorAll) forms.push(...root.querySelectorAll("form[data-scanbox]"));
    forms.forEach((form) => { if (!boxes.has(form)) boxes.set(form, new ScanBox(form)); });
  }

  // Back to the scan field of the box inside `within` (after a scan, an undo, a dismissed refusal), unless the
  // person is typing somewhere else (a quantity, say): a hardware scanner keeps typing into it.
  function refocus(within) {
    const input = document.querySelector(`${within} [data-scan-input]`);
    const active = document.activeElement;
    if (!input || active === input) return;
    if (active && active.matches && active.matches("input:not([type=hidden]), textarea, select")) return;
    input.focus({ preventScroll: true });
  }

  function settle(url) {
    const left = (kept.get(url) || 1) - 1;
    if (left > 0) kept.set(url, left);
    else kept.delete(url);
  }

  // A scan the outbox sent (or saw refused): its screen shows the answer, as it would have at once online.
  function answered(event, ok) {
    const { entry, text } = event.detail;
    if (!entry.group || !entry.group.startsWith("scan:")) return;
    const url = entry.url;
    if (kept.has(url)) settle(url);
    const row = document.querySelector(`[data-scan-log] li[data-uuid="${CSS.escape(entry.key)}"]`);
    if (row) {
      const form = row.closest("form[data-scanbox]");
      const box = form && boxes.get(form);
      if (box) box.status({ row }, ok ? "handled" : "refused");
    }
    const poster = [...document.querySelectorAll("[data-scan-post]")].find((element) => element.dataset.scanPost === url);
    if (!poster || !text) return;
    const detail = { code: entry.body.code, uuid: entry.key, ok, html: text, status: ok ? "handled" : "refused" };
    poster.dispatchEvent(new CustomEvent("scan:answer", { bubbles: true, detail }));
    // Shown on the screen with its reason, as a scan refused online is: not kept in the outbox's failed list.
    if (!ok) window.jxcOutbox.dismiss(entry.key);
  }
  document.addEventListener("outbox:sent", (event) => answered(event, true));
  document.addEventListener("outbox:failed", (event) => answered(event, false));

  window.jxcScanner = { init, refocus };
  document.addEventListener("htmx:load", (event) => init(event.target));
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", () => init(document));
  else init(document);
})();

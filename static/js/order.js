// The draft order editor, sales and purchase (templates/trade/_add_lines.html, _lines.html). The jobs htmx attributes
// cannot do alone:
// - scans from the scan box ([data-order-scan]) are posted by scanner.js to the order's add URL (data-scan-post),
//   one at a time with their UUIDs; each answer (`scan:answer`: the lines, or the lines with the refusal) is shown;
// - the − / + buttons change the quantity on the spot; the line form then saves the final figure once (its
//   `change delay` trigger), so five quick taps make one request for +5, never a doubled step;
// - an answer replaces all the lines: a figure changed while a save was on its way (a tap, or typing in the next
//   field) is carried into the new lines and saved in turn, so the last figure given is the one that stays;
// - one box scans and searches: text typed into the scan box by a person (not a wedge scanner's burst of keys) is
//   searched as it is typed and on Enter, the results listed to tap; only a barcode or SKU typed in full and Enter
//   adds its product at once. After a product is added from the results, the box and the results are cleared;
// - a 常买 button gets a fresh key after each add, so each tap adds one more (a double tap still adds once);
// - a line's discount and tax, opened with a tap, stay open when the lines are redrawn.
// Loaded inside the page content so boosted navigation runs it too; the flag keeps one set of listeners.
(function () {
  "use strict";
  if (window.jxcOrderEditor) return;
  window.jxcOrderEditor = true;

  const sent = new Map(); // input id -> the value its line last sent
  let carried = []; // [input id, value] not yet saved when the lines were replaced
  let opened = []; // ids of the lines' details (discount, tax) open when the lines were replaced

  function capture() {
    const lines = document.getElementById("order-lines");
    carried = !lines ? [] : Array.from(lines.querySelectorAll("form input[id]"))
      .filter((input) => input.value !== (sent.has(input.id) ? sent.get(input.id) : input.defaultValue))
      .map((input) => [input.id, input.value]);
    opened = !lines ? [] : Array.from(lines.querySelectorAll("details[open][id]"), (details) => details.id);
  }

  function restore() {
    for (const id of opened) {
      const details = document.getElementById(id);
      if (details) details.open = true;
    }
    opened = [];
    for (const [id, value] of carried) {
      const input = document.getElementById(id);
      if (!input || input.value === value) continue;
      input.value = value;
      // Still being typed in (htmx gave focus back): saved when the user leaves it, not half-typed now.
      if (input === document.activeElement) input.dataset.unsent = "1";
      else input.dispatchEvent(new Event("change", { bubbles: true }));
    }
    carried = [];
  }

  function showLines(html) {
    const lines = document.getElementById("order-lines");
    if (!lines || !window.htmx) return;
    capture();
    window.htmx.swap(lines, html, { swapStyle: "outerHTML", swapDelay: 0, settleDelay: 20 });
  }

  document.addEventListener("htmx:configRequest", (event) => {
    const form = event.detail.elt.closest && event.detail.elt.closest("#order-lines form");
    if (form) form.querySelectorAll("input[id]").forEach((input) => sent.set(input.id, input.value));
  });
  document.addEventListener("htmx:beforeSwap", (event) => {
    if (event.detail.target && event.detail.target.id === "order-lines") capture();
  });
  document.addEventListener("htmx:load", (event) => {
    if (event.detail.elt.id === "order-lines") restore();
  });
  document.addEventListener("focusout", (event) => {
    const input = event.target;
    if (!input.dataset || !input.dataset.unsent) return;
    delete input.dataset.unsent;
    if (input.value !== input.defaultValue) input.dispatchEvent(new Event("change", { bubbles: true }));
  });

  document.addEventListener("scan:answer", (event) => {
    if (!event.target.closest || !event.target.closest("[data-order-scan]")) return;
    showLines(event.detail.html);
    event.detail.status = "handled"; // a refusal is said above the lines; the log shows every answered scan as scanned
  });

  // A keyboard-wedge scanner types a whole code a few ms a key, then Enter; a person types a few keys a second, and
  // Chinese through an input method (no key per character). Each Enter in the scan box leaves its verdict here, read
  // when the scan box hands the code over (the scans of a burst are queued, so keyed by code).
  const WEDGE_MS_PER_KEY = 30; // on average: scanners type 5-20 ms a key, the fastest people over 60
  const MIN_WEDGE_KEYS = 4;
  let typing = null; // {keys, first, last, slow} for the text in the scan box now
  const wedged = new Map(); // code -> true when it came as a burst

  document.addEventListener("keydown", (event) => {
    const input = event.target;
    if (!input.matches || !input.matches("[data-order-scan] [data-scan-input]")) return;
    const now = performance.now();
    if (event.key === "Enter") {
      const code = input.value.trim();
      const burst = typing && !typing.slow && typing.keys >= MIN_WEDGE_KEYS && typing.keys === code.length
        && (typing.last - typing.first) / (typing.keys - 1) <= WEDGE_MS_PER_KEY;
      if (code) wedged.set(code, Boolean(burst));
      typing = null;
      return;
    }
    if (!input.value || !typing) typing = { keys: 0, first: now, last: now, slow: false };
    if (event.key.length !== 1 || event.isComposing) typing.slow = true; // edited or composed: a person
    typing.keys += 1;
    typing.last = now;
  }, true); // before the scan box's own listener, which empties the input on Enter

  // Typed text is searched (the results listed to tap); with `exact`, a barcode or SKU among them adds its product.
  function search(code, exact) {
    const input = document.querySelector("[data-product-search]");
    if (!input || !window.htmx) return false;
    input.value = code;
    if (exact) input.dataset.pickExact = "1";
    window.htmx.trigger(input, "search");
    return true;
  }

  // Search as a person types: after a pause, and never in the middle of a Chinese input method's composition. A
  // wedge scanner's burst is over (and the box emptied by its Enter) before the pause ends, so it searches nothing.
  const SEARCH_PAUSE_MS = 300;
  let pause = null;
  function searchSoon(box) {
    clearTimeout(pause);
    pause = setTimeout(() => {
      const text = box.value.trim();
      const input = document.querySelector("[data-product-search]");
      if (!input || input.value === text) return;
      if (text) {
        search(text, false);
      } else if (document.activeElement === box) { // the words deleted: their results go too
        input.value = "";
        const options = document.getElementById("product-options");
        if (options) options.replaceChildren();
      }
    }, SEARCH_PAUSE_MS);
  }
  document.addEventListener("input", (event) => {
    const box = event.target;
    if (event.isComposing || !box.matches || !box.matches("[data-order-scan] [data-scan-input]")) return;
    searchSoon(box);
  });
  document.addEventListener("compositionend", (event) => {
    const box = event.target;
    if (box.matches && box.matches("[data-order-scan] [data-scan-input]")) searchSoon(box);
  });

  document.addEventListener("scan", (event) => {
    if (!event.target.closest || !event.target.closest("[data-order-scan]")) return;
    const { code, source } = event.detail;
    const burst = wedged.get(code);
    wedged.delete(code);
    if (source === "keyboard" && !burst && search(code, true)) {
      event.preventDefault(); // not added: scanner.js posts nothing
      event.detail.status = "searched";
      const box = event.target.querySelector("[data-scan-input]");
      if (box && !box.value) { // the words searched stay in the box, selected: the next scan or word replaces them
        box.value = code;
        if (box === document.activeElement) box.select();
      }
    }
  });

  // Here the − / + buttons only step the figure: their no-JavaScript name and value would otherwise ride along with
  // the line's next save (htmx sends the last button pressed in a form) and win over the figure typed or stepped.
  function enhance(root) {
    root.querySelectorAll("button[data-step]").forEach((button) => {
      button.removeAttribute("name");
      button.type = "button";
    });
  }
  document.addEventListener("htmx:load", (event) => enhance(event.detail.elt));
  enhance(document);

  document.addEventListener("click", (event) => {
    const button = event.target.closest && event.target.closest("[data-step]");
    const input = button && button.form && button.form.elements.namedItem("qty");
    if (!input) return;
    event.preventDefault();
    const current = Number(input.value.replace(",", "."));
    if (!Number.isFinite(current)) return;
    const next = Math.round((current + Number(button.dataset.step)) * 1000) / 1000;
    if (next <= 0) return; // the line's remove button takes it off
    input.value = String(next);
    input.dispatchEvent(new Event("change", { bubbles: true }));
  });

  document.addEventListener("htmx:load", (event) => {
    const list = event.detail.elt;
    if (!list.matches || !list.matches("#product-options")) return;
    const input = document.querySelector("[data-product-search]");
    if (!input || !input.dataset.pickExact) return;
    delete input.dataset.pickExact;
    const options = list.querySelectorAll("form[data-add-option]");
    if (list.hasAttribute("data-exact") && options.length === 1) {
      options[0].requestSubmit(); // a barcode or SKU typed in full, then Enter: added as if scanned
    }
  });

  function freshKey() {
    return window.crypto && crypto.randomUUID ? crypto.randomUUID()
      : Array.from(crypto.getRandomValues(new Uint8Array(16)), (x) => x.toString(16).padStart(2, "0")).join("");
  }

  document.addEventListener("htmx:afterRequest", (event) => {
    const form = event.detail.elt;
    if (!form.matches || !event.detail.successful) return;
    if (form.matches("form[data-add-often]")) { // added: the next tap adds one more
      form.elements.namedItem("key").value = freshKey();
      return;
    }
    if (!form.matches("form[data-add-option]")) return;
    clearTimeout(pause);
    const input = document.querySelector("[data-product-search]");
    if (input) input.value = "";
    const box = document.querySelector("[data-order-scan] [data-scan-input]");
    if (box) box.value = "";
    const options = document.getElementById("product-options");
    if (options) options.replaceChildren();
  });
})();

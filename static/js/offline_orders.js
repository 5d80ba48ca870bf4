// The order screen that works with no connection (templates/sales/offline/order.html). Customers, products, prices
// and stock come from what the phone keeps (offline_data.js); the scan box (scanner.js) reads wedge and camera scans
// and this takes each one (its cancelable `scan` event), so nothing goes to the network while the order is made.
// Saving puts the order in the outbox (outbox.js) under a new UUID, its client key: sent once, in order, when there
// is a connection, to app/sales/offline_routes.py, which makes the draft (and confirms it if asked). The outbox keeps
// each order's answer (`keep`), so the list below says what became of every order taken here: waiting, a draft,
// confirmed, or a confirmation refused (with the reason; the draft is kept), or not sent at all (edit and resend).
(function () {
  "use strict";
  if (window.jxcOfflineOrders) return;
  window.jxcOfflineOrders = true;

  const GROUP = "offline-orders";
  const SHOWN = 20; // search results listed
  let copy = null; // this user's kept data
  let customer = null;
  let lines = []; // {product, qty (a Number, 3 places)}
  let replaces = null; // the key of a refused order being edited, forgotten once the new one is saved

  function screen() {
    return document.querySelector("[data-offline-order]");
  }

  function $(selector) {
    const root = screen();
    return root && root.querySelector(selector);
  }

  function texts() {
    try { return JSON.parse(screen().dataset.texts); } catch (error) { return {}; }
  }

  function say(name, values) {
    let text = texts()[name] || name;
    Object.entries(values || {}).forEach(([key, value]) => { text = text.split(`{${key}}`).join(String(value)); });
    return text;
  }

  function newKey() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    const b = crypto.getRandomValues(new Uint8Array(16));
    return Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
  }

  // ---- money and quantities: cents and thousandths as integers, so no float is ever summed ----
  function cents(text) {
    const [whole, part = ""] = String(text).split(".");
    return Number(whole) * 100 + Number((part + "00").slice(0, 2)) * (String(text).startsWith("-") ? -1 : 1);
  }

  function money(amount) {
    const sign = amount < 0 ? "-" : "";
    const value = Math.abs(amount);
    const whole = String(Math.floor(value / 100)).replace(/\B(?=(\d{3})+(?!\d))/g, ",");
    return `${sign}${screen().dataset.currency}${whole}.${String(value % 100).padStart(2, "0")}`;
  }

  function qtyText(qty) {
    return String(Math.round(qty * 1000) / 1000);
  }

  function lineCents(line) {
    return Math.round(cents(price(line.product)) * Math.round(line.qty * 1000) / 1000);
  }

  // The total as the draft will have it: each line's amount plus its tax at the company's rate, each to the cent.
  function total() {
    const rate = cents(copy.data.tax_rate); // 13.00 % -> 1300
    return lines.reduce((sum, line) => {
      const amount = lineCents(line);
      return sum + amount + Math.round(amount * rate / 10000);
    }, 0);
  }

  // The price this customer pays, as a new line on a draft would get it: the last price they paid, else their list.
  function price(product) {
    if (!customer) return product.prices[0];
    const last = (copy.data.last_prices[String(customer.id)] || {})[String(product.id)];
    return last !== undefined ? last : product.prices[customer.prices];
  }

  // ---- search, the same rule as the server's: every word is in the haystack (names, codes, pinyin, initials) ----
  function matching(list, text) {
    const words = text.trim().toLowerCase().split(/\s+/).filter(Boolean);
    if (!words.length) return [];
    return list.filter((item) => words.every((word) => item.search.includes(word))).slice(0, SHOWN);
  }

  function product(id) {
    return copy.data.products.find((item) => item.id === id);
  }

  // A barcode (a pack's counts its units) or a SKU typed in full: the product and how many one scan adds.
  function exact(code) {
    const barcode = copy.data.barcodes[code];
    if (barcode) return { product: product(barcode[0]), qty: Number(barcode[1]) };
    const sku = code.toLowerCase();
    const found = copy.data.products.find((item) => item.sku.toLowerCase() === sku);
    return found ? { product: found, qty: 1 } : null;
  }

  // ---- drawing ----
  function button(label, data, className) {
    const element = document.createElement("button");
    element.type = "button";
    element.className = className || "button small";
    element.textContent = label;
    Object.entries(data).forEach(([key, value]) => { element.dataset[key] = value; });
    return element;
  }

  function drawCustomers() {
    const list = $("[data-customer-list]");
    const input = $("[data-customer-search]");
    if (!list || !copy) return;
    const found = input.value.trim() ? matching(copy.data.customers, input.value) : copy.data.customers.slice(0, SHOWN);
    list.replaceChildren(...found.map((item) => {
      const row = document.createElement("li");
      const pick = button("", { customerId: item.id }, "pick");
      const name = document.createElement("strong");
      name.textContent = item.name;
      const code = document.createElement("span");
      code.className = "muted";
      code.textContent = item.code;
      pick.append(name, code);
      row.append(pick);
      return row;
    }));
    if (!found.length && input.value.trim()) list.replaceChildren(note(say("no_customers")));
  }

  function note(text) {
    const row = document.createElement("li");
    row.className = "muted";
    row.textContent = text;
    return row;
  }

  function drawChosen() {
    $("[data-chosen]").hidden = !customer;
    $("[data-customer-picker]").hidden = Boolean(customer);
    $("[data-chosen-name]").textContent = customer ? customer.name : "";
  }

  function drawProducts(text) {
    const list = $("[data-product-list]");
    if (!list || !copy) return;
    const found = matching(copy.data.products, text || "");
    list.replaceChildren(...found.map((item) => {
      const row = document.createElement("li");
      const pick = button("", { productId: item.id }, "pick");
      const name = document.createElement("strong");
      name.textContent = item.spec ? `${item.name} ${item.spec}` : item.name;
      const facts = document.createElement("span");
      facts.className = "muted";
      facts.textContent = `${item.sku} · ${say("available", { n: `${item.available} ${item.unit}` })}`;
      const cost = document.createElement("span");
      cost.className = "amount";
      cost.textContent = money(cents(price(item)));
      pick.append(name, facts, cost);
      row.append(pick);
      return row;
    }));
    if (!found.length && (text || "").trim()) list.replaceChildren(note(say("none_found")));
  }

  function drawLines() {
    const list = $("[data-lines]");
    if (!list) return;
    list.replaceChildren(...lines.map((line, index) => {
      const row = document.createElement("li");
      row.className = "offline-line";
      row.dataset.productId = line.product.id;
      const what = document.createElement("span");
      what.className = "line-product";
      const name = document.createElement("strong");
      name.textContent = line.product.name;
      const each = document.createElement("span");
      each.className = "muted";
      each.textContent = `${money(cents(price(line.product)))} / ${line.product.unit}`;
      what.append(name, each);
      const qty = document.createElement("input");
      qty.type = "text";
      qty.inputMode = "decimal";
      qty.value = qtyText(line.qty);
      qty.dataset.qty = index;
      qty.setAttribute("aria-label", line.product.name);
      const amount = document.createElement("span");
      amount.className = "amount";
      amount.textContent = money(lineCents(line));
      row.append(what, button("−", { step: "-1", line: index }, "button step"), qty,
                 button("+", { step: "1", line: index }, "button step"), amount,
                 button("×", { removeLine: index }, "button remove"));
      row.lastElementChild.setAttribute("aria-label", say("remove"));
      return row;
    }));
    $("[data-total]").textContent = money(copy ? total() : 0);
  }

  function stateOf(entry) {
    const data = entry.data || {};
    if (entry.state === "waiting") return ["waiting", say("waiting")];
    if (entry.state === "failed") return ["failed", say("failed", { reason: entry.reason })];
    if (data.confirmed) return ["confirmed", say("confirmed", { number: data.number })];
    if (data.refusal) return ["refused", say("refused", { reason: data.refusal, number: data.number })];
    return ["draft", say("draft", { number: data.number })];
  }

  function drawOrders() {
    const list = $("[data-orders]");
    if (!list || !window.jxcOutbox) return Promise.resolve();
    return window.jxcOutbox.entries(GROUP).then((entries) => {
      list.replaceChildren(...entries.reverse().map((entry) => {
        const [state, text] = stateOf(entry);
        const meta = entry.meta || {};
        const row = document.createElement("li");
        row.className = `offline-sent offline-${state}`;
        row.dataset.key = entry.key;
        const what = document.createElement("strong");
        what.textContent = meta.customer || "";
        const facts = document.createElement("span");
        facts.className = "muted";
        facts.textContent = `${say("lines", { n: (meta.lines || []).length })} · ${meta.total || ""}`
          + (meta.confirm ? ` · ${say("confirm_asked")}` : "");
        const status = document.createElement("span");
        status.className = "offline-state";
        status.textContent = text;
        row.append(what, facts, status);
        if (entry.data && entry.data.url) {
          const link = document.createElement("a");
          link.className = "button small";
          link.href = entry.data.url;
          link.textContent = say("open");
          row.append(link);
        }
        if (state === "failed") row.append(button(say("edit"), { edit: entry.key }));
        if (state !== "waiting") row.append(button(say("dismiss"), { forget: entry.key }));
        return row;
      }));
    }).catch(() => undefined);
  }

  // ---- changing the order ----
  function add(item, qty) {
    if (!item) return;
    const line = lines.find((each) => each.product.id === item.id);
    if (line) line.qty = Math.round((line.qty + qty) * 1000) / 1000;
    else lines.push({ product: item, qty });
    problem("");
    drawLines();
  }

  function choose(item) {
    customer = item;
    problem("");
    $("[data-saved]").hidden = true; // the next order is under way
    drawChosen();
    drawLines(); // the prices are this customer's now
    drawProducts(scanInput() ? scanInput().value : "");
  }

  function scanInput() {
    return $("[data-scan-input]");
  }

  function problem(text) {
    const element = $("[data-problem]");
    if (!element) return;
    element.textContent = text;
    element.hidden = !text;
  }

  function clearSearch() {
    if (scanInput()) scanInput().value = "";
    drawProducts("");
  }

  function reset() {
    customer = null;
    lines = [];
    replaces = null;
    $("[data-notes]").value = "";
    $("[data-confirm]").checked = false;
    $("[data-customer-search]").value = "";
    drawChosen();
    drawCustomers();
    drawLines();
    clearSearch();
  }

  async function save() {
    if (!customer) return problem(say("pick_customer"));
    if (!lines.length) return problem(say("no_lines"));
    const key = newKey();
    const confirm = $("[data-confirm]").checked;
    const sum = money(total());
    const body = { client_key: key, customer_id: customer.id, confirm, notes: $("[data-notes]").value.trim(),
                   lines: lines.map((line) => ({ product_id: line.product.id, qty: qtyText(line.qty) })) };
    const meta = { customer: customer.name, customerId: customer.id, total: sum, confirm, notes: body.notes,
                   lines: lines.map((line) => ({ id: line.product.id, name: line.product.name, qty: qtyText(line.qty) })) };
    try {
      await window.jxcOutbox.add({ url: screen().dataset.syncUrl, key, group: GROUP, keep: true, body, meta,
                                   label: say("label", { customer: customer.name, n: lines.length }) });
    } catch (error) {
      return problem(say("storage"));
    }
    if (replaces) await window.jxcOutbox.dismiss(replaces);
    reset();
    const saved = $("[data-saved]");
    saved.textContent = say("saved");
    saved.hidden = false;
    drawOrders();
  }

  // A refused order back in the form, to fix and send again under a new key.
  function edit(key) {
    window.jxcOutbox.entries(GROUP).then((entries) => {
      const entry = entries.find((each) => each.key === key);
      if (!entry || !copy) return;
      const meta = entry.meta || {};
      const who = copy.data.customers.find((item) => item.id === meta.customerId);
      customer = who || null;
      lines = (meta.lines || []).map((line) => ({ product: product(line.id), qty: Number(line.qty) }))
        .filter((line) => line.product);
      replaces = key;
      $("[data-notes]").value = meta.notes || "";
      $("[data-confirm]").checked = Boolean(meta.confirm);
      drawChosen();
      drawLines();
      problem(entry.reason);
      $("[data-save]").scrollIntoView({ block: "center" });
    });
  }

  // ---- events ----
  document.addEventListener("scan", (event) => {
    if (!screen() || !event.target.closest("[data-offline-order]")) return;
    event.preventDefault(); // nothing goes to the network: the kept data answers
    if (!copy) return;
    const found = exact(event.detail.code);
    if (found) {
      add(found.product, found.qty);
      drawProducts(""); // what the scanner's keys searched on their way in
      event.detail.status = "found";
    } else {
      scanInput().value = event.detail.code; // typed words: search them, the results to tap
      drawProducts(event.detail.code);
      event.detail.status = matching(copy.data.products, event.detail.code).length ? "searched" : "unknown";
    }
  });

  document.addEventListener("input", (event) => {
    if (!screen()) return;
    if (event.target.matches("[data-customer-search]")) drawCustomers();
    else if (event.target.matches("[data-offline-order] [data-scan-input]")) drawProducts(event.target.value);
  });

  document.addEventListener("change", (event) => {
    if (!screen() || !event.target.matches("[data-qty]")) return;
    const line = lines[Number(event.target.dataset.qty)];
    const qty = Number(event.target.value.replace(",", "."));
    if (line && Number.isFinite(qty) && qty > 0) line.qty = Math.round(qty * 1000) / 1000;
    drawLines();
  });

  document.addEventListener("click", (event) => {
    if (!screen()) return;
    const target = event.target.closest("button");
    if (!target || !target.closest("[data-offline-order]")) return;
    const data = target.dataset;
    if (data.customerId) {
      choose(copy.data.customers.find((item) => item.id === Number(data.customerId)));
    } else if (data.productId) {
      add(product(Number(data.productId)), 1);
      clearSearch(); // added: the box is ready for the next scan or search
    } else if (data.step) {
      const line = lines[Number(data.line)];
      const next = Math.round((line.qty + Number(data.step)) * 1000) / 1000;
      if (next > 0) line.qty = next;
      drawLines();
    } else if (data.removeLine !== undefined) {
      lines.splice(Number(data.removeLine), 1);
      drawLines();
    } else if (target.matches("[data-change-customer]")) {
      customer = null;
      drawChosen();
      drawCustomers();
      $("[data-customer-search]").focus();
    } else if (target.matches("[data-save]")) {
      save();
    } else if (data.edit) {
      edit(data.edit);
    } else if (data.forget) {
      window.jxcOutbox.dismiss(data.forget).then(drawOrders);
    }
  });

  ["outbox:change", "outbox:sent", "outbox:failed"].forEach((name) => document.addEventListener(name, () => {
    if (screen()) drawOrders();
  }));
  document.addEventListener("offline-data:change", (event) => {
    if (!screen()) return;
    copy = event.detail.copy;
    drawCustomers();
    drawProducts(scanInput() ? scanInput().value : "");
  });

  // One copy of this script serves the screen each time boosted navigation brings it back: start afresh.
  let shown = null;
  function start() {
    const root = screen();
    if (root === shown) return;
    shown = root;
    if (!root) return;
    customer = null;
    lines = [];
    replaces = null;
    drawOrders();
    if (!window.jxcOfflineData) return;
    window.jxcOfflineData.get().then((kept) => {
      copy = kept;
      if (copy) {
        drawCustomers();
        drawLines();
      }
      // Fresh data whenever the screen opens with a connection (what is kept answers meanwhile).
      if (navigator.onLine) window.jxcOfflineData.refresh();
    }).catch(() => undefined);
  }
  document.addEventListener("htmx:afterSettle", start);
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();

// Slips printed on the spot (templates/printing/slip.html). Over Web Bluetooth: the server builds the ESC/POS bytes
// (app/printing/escpos.py), this only finds the printer's write characteristic and sends them in small chunks. Or
// through the system print dialog, with the page sized to the slip: the paper's width and the slip's length.
// Loaded inside the page content so boosted navigation runs it too; the flag keeps one set of listeners.
(function () {
  "use strict";
  if (window.jxcThermal) { return; }
  window.jxcThermal = true;

  // Services on which common BLE receipt printers take data: 18f0 (most), then the vendor and serial-port ones.
  var SERVICES = ["000018f0-0000-1000-8000-00805f9b34fb", "e7810a71-73ae-499d-8c15-faa9aef0c3f2",
    "49535343-fe7d-4ae5-8fa9-9fafd205e455", "0000ff00-0000-1000-8000-00805f9b34fb",
    "0000ffe0-0000-1000-8000-00805f9b34fb", "0000fff0-0000-1000-8000-00805f9b34fb"];
  var CHUNK = 100;  // bytes a write: what these printers take at once without dropping any
  var REMEMBERED = "jxc.thermal.printer";  // {id, name} of the printer last printed to
  var current = null;  // the device printed to on this page load (reconnected without asking)

  function status() { return document.querySelector("[data-thermal-status]"); }

  function say(key, values) {
    var box = status();
    if (!box) { return; }
    var text = box.dataset[key] || "";
    Object.keys(values || {}).forEach(function (name) { text = text.replace("{" + name + "}", values[name]); });
    box.textContent = text;
    box.classList.toggle("error", ["unsupported", "failed", "notPrinter", "cancelled"].indexOf(key) >= 0);
  }

  function remembered() {
    try { return JSON.parse(localStorage.getItem(REMEMBERED) || "null"); } catch (error) { return null; }
  }

  function showRemembered() {
    var printer = remembered();
    var forget = document.querySelector("[data-thermal-forget]");
    if (forget) { forget.hidden = !printer; }
    if (!navigator.bluetooth) { say("unsupported"); } else if (printer) { say("remembered", { printer: printer.name }); }
  }

  // The remembered printer if this browser still has its permission (getDevices), else the chooser.
  async function device(choose) {
    var printer = remembered();
    if (!choose && current) { return current; }
    if (!choose && printer && navigator.bluetooth.getDevices) {
      var known = (await navigator.bluetooth.getDevices()).filter(function (d) { return d.id === printer.id; });
      if (known.length) { return known[0]; }
    }
    return navigator.bluetooth.requestDevice({ acceptAllDevices: true, optionalServices: SERVICES });
  }

  async function writable(found) {
    var server = await found.gatt.connect();
    for (var i = 0; i < SERVICES.length; i += 1) {
      var service = await server.getPrimaryService(SERVICES[i]).catch(function () { return null; });
      if (!service) { continue; }
      var usable = (await service.getCharacteristics()).filter(function (c) {
        return c.properties.write || c.properties.writeWithoutResponse;
      });
      if (usable.length) { return usable[0]; }
    }
    return null;
  }

  async function send(target, bytes) {
    for (var start = 0; start < bytes.length; start += CHUNK) {
      var chunk = bytes.slice(start, start + CHUNK);
      // With a response where the printer offers it: each chunk waits until the last was taken.
      if (target.properties.write) { await target.writeValueWithResponse(chunk); }
      else { await target.writeValueWithoutResponse(chunk); }
    }
  }

  async function print(button, choose) {
    if (!navigator.bluetooth) { say("unsupported"); return; }
    button.disabled = true;
    var found = null;
    try {
      say("connecting");
      found = await device(choose);
      var target = await writable(found);
      if (!target) {
        say("notPrinter", { printer: found.name || "?" });
        found.gatt.disconnect();
        return;
      }
      var response = await fetch(button.dataset.src, { credentials: "same-origin" });
      if (!response.ok) { throw new Error("HTTP " + response.status); }
      var bytes = new Uint8Array(await response.arrayBuffer());
      say("sending", { printer: found.name || "?" });
      await send(target, bytes);
      current = found;
      localStorage.setItem(REMEMBERED, JSON.stringify({ id: found.id, name: found.name || "?" }));
      say("done", { printer: found.name || "?" });
      var forget = document.querySelector("[data-thermal-forget]");
      if (forget) { forget.hidden = false; }
    } catch (error) {
      if (error && error.name === "NotFoundError" && /cancel/i.test(error.message)) { say("cancelled"); }
      else { say("failed", { reason: (error && error.message) || String(error) }); }
      current = null;  // reconnect, or choose again, next time
    } finally {
      button.disabled = false;
    }
  }

  // The page as long as the slip and as wide as the paper (a named @page, so no other screen's printing changes).
  function fitPage() {
    var slip = document.querySelector("[data-slip]");
    if (!slip || !document.adoptedStyleSheets) { return; }
    var length = Math.ceil(slip.getBoundingClientRect().height * 25.4 / 96) + 4;
    var sheet = new CSSStyleSheet();
    sheet.replaceSync("@page slip-" + slip.dataset.paper + " { size: " + slip.dataset.paper + "mm " + length +
                      "mm; margin: 0; }");
    document.adoptedStyleSheets = [sheet];
  }

  window.addEventListener("beforeprint", fitPage);
  document.addEventListener("click", function (event) {
    var target = event.target.closest && event.target.closest("[data-thermal-print], [data-system-print], [data-thermal-forget]");
    if (!target) { return; }
    if (target.hasAttribute("data-system-print")) { fitPage(); window.print(); return; }
    if (target.hasAttribute("data-thermal-forget")) {
      localStorage.removeItem(REMEMBERED);
      current = null;
      print(document.querySelector("[data-thermal-print]"), true);
      return;
    }
    print(target, false);
  });
  document.addEventListener("htmx:load", showRemembered);
  showRemembered();
})();

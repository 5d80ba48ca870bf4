// The running totals of a voucher being entered by hand: debits, credits and what is left to balance, as typed.
// The server checks the voucher in full (app/books/vouchers.py); this only saves a round trip to find a typo.
// Amounts are added in fen (integers), never as floating-point yuan. Loaded inside the page content so boosted
// navigation runs it too; the flag keeps the listener to one set however often it loads.
(function () {
  "use strict";
  if (window.jxcVoucherTotals) { return; }
  window.jxcVoucherTotals = true;

  var AMOUNT = /^\s*(\d{1,10})(?:\.(\d{0,2}))?\s*$/;

  function fen(text) {
    var match = AMOUNT.exec(text || "");
    if (!match) { return 0; }
    return parseInt(match[1], 10) * 100 + parseInt(((match[2] || "") + "00").slice(0, 2), 10);
  }

  function yuan(cents) {
    return new Intl.NumberFormat(document.documentElement.lang || "zh-CN",
                                 {style: "currency", currency: "CNY"}).format(cents / 100);
  }

  function sum(form, side) {
    var total = 0;
    form.querySelectorAll("input[name$='-" + side + "']").forEach(function (input) { total += fen(input.value); });
    return total;
  }

  function update(form) {
    var out = form.querySelector("[data-voucher-totals]");
    if (!out) { return; }
    var debit = sum(form, "debit"), credit = sum(form, "credit");
    out.querySelector("[data-debit]").textContent = yuan(debit);
    out.querySelector("[data-credit]").textContent = yuan(credit);
    var left = out.querySelector("[data-difference]");
    left.textContent = debit === credit ? out.dataset.balanced
      : out.dataset.difference.replace("{amount}", yuan(Math.abs(debit - credit)));
    out.classList.toggle("unbalanced", debit !== credit);
  }

  document.addEventListener("input", function (event) {
    var form = event.target.closest && event.target.closest("[data-voucher-form]");
    if (form) { update(form); }
  });
  document.addEventListener("htmx:load", function (event) {
    var root = event.detail.elt;
    var forms = root.matches && root.matches("[data-voucher-form]") ? [root] : root.querySelectorAll("[data-voucher-form]");
    forms.forEach(update);
  });
  document.querySelectorAll("[data-voucher-form]").forEach(update);
})();

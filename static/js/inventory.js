// Document lines on the adjustment and transfer forms. Enter in a product search (a keyboard-wedge
// scanner ends every code with one) searches at once instead of submitting the form, and picks the
// product when exactly one matches. Loaded inside the page content so boosted navigation runs it too;
// the flag keeps the listeners to one set however often it loads.
(function () {
  "use strict";
  if (window.jxcInventoryLines) { return; }
  window.jxcInventoryLines = true;

  document.addEventListener("keydown", function (event) {
    var input = event.target;
    if (event.key !== "Enter" || !input.matches || !input.matches("[data-product-search]")) { return; }
    event.preventDefault();
    if (!input.value.trim() || !window.htmx) { return; }
    input.dataset.pickSingle = "1";
    window.htmx.trigger(input, "search");
  });

  document.addEventListener("htmx:load", function (event) {
    var list = event.detail.elt;
    if (!list.matches || !list.matches("[data-product-options]")) { return; }
    var input = document.getElementById(list.dataset.input);
    if (!input || !input.dataset.pickSingle) { return; }
    delete input.dataset.pickSingle;
    var options = list.querySelectorAll("[data-option]");
    if (options.length === 1) { options[0].click(); }
  });
})();

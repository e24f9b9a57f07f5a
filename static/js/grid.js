// Totals computed as you type: each total input names its parts in data-sum-of.
(function () {
  "use strict";
  var DIGITS = /^[0-9]+$/;
  function parse(input) {
    var raw = (input.value || "").replace(/\s/g, "");
    if (raw === "") return null;
    return DIGITS.test(raw) ? parseInt(raw, 10) : NaN;
  }
  function update(total) {
    var ids = (total.getAttribute("data-sum-of") || "").split(" ").filter(Boolean);
    var out = document.querySelector('[data-total-for="' + total.id + '"]');
    if (!out) return;
    var sum = 0, known = 0, invalid = false;
    ids.forEach(function (id) {
      var el = document.getElementById(id);
      if (!el) return;
      var v = parse(el);
      if (v === null) return;
      if (isNaN(v)) { invalid = true; return; }
      sum += v; known += 1;
    });
    if (invalid || known === 0) { out.textContent = ""; total.removeAttribute("placeholder"); out.classList.remove("mismatch"); return; }
    var complete = known === ids.length;
    out.textContent = (complete ? "som: " : "som tot nu: ") + sum;
    total.setAttribute("placeholder", String(sum));
    var t = parse(total);
    var mismatch = t !== null && !isNaN(t) && ((complete && t !== sum) || sum > t);
    out.classList.toggle("mismatch", mismatch);
    if (mismatch) out.textContent += " (wijkt af van het totaal)";
  }
  var totals = Array.prototype.slice.call(document.querySelectorAll("input[data-sum-of]"));
  function updateAll() { totals.forEach(update); }
  document.addEventListener("input", function (e) {
    if (e.target && e.target.matches && e.target.matches("input[data-indicator]")) updateAll();
  });
  updateAll();
})();

// Progressive enhancement only: every page works without JavaScript.
(function () {
  "use strict";
  document.querySelectorAll(".js-autosubmit").forEach(function (el) {
    el.addEventListener("change", function () { el.form.submit(); });
  });
  // A search field over a long list of boxes (the correction page's thousand submissions) hides
  // the boxes whose label, or group, does not contain what is typed; ticked boxes stay in sight.
  document.querySelectorAll("input[data-filters]").forEach(function (input) {
    var list = document.getElementById(input.dataset.filters);
    if (!list) { return; }
    var wrapper = input.closest(".js-filter");
    if (wrapper) { wrapper.hidden = false; }
    var labels = Array.prototype.slice.call(list.querySelectorAll("label"));
    var texts = labels.map(function (label) {
      var group = label.closest("fieldset");
      var legend = group && group.querySelector("legend");
      return (label.textContent + " " + (legend ? legend.textContent : "")).toLocaleLowerCase("nl");
    });
    input.addEventListener("input", function () {
      var wanted = input.value.trim().toLocaleLowerCase("nl");
      labels.forEach(function (label, i) {
        label.hidden = wanted !== "" && texts[i].indexOf(wanted) === -1 && !label.querySelector("input").checked;
      });
      list.querySelectorAll("fieldset").forEach(function (group) {
        group.hidden = !group.querySelector("label:not([hidden])");
      });
    });
  });
})();

// The export status page: follow a file while it is built (the Celery task's progress, read by the
// file's id), then show its download link. Progressive enhancement
// only: without JavaScript the page has a "Vernieuwen" link (no inline script: CSP script-src 'self').
(function () {
  "use strict";
  var box = document.querySelector("[data-export-progress-url]");
  if (!box || !window.fetch) { return; }
  var state = box.getAttribute("data-export-state");
  if (state !== "queued" && state !== "running") { return; }
  var url = box.getAttribute("data-export-progress-url");
  var bar = box.querySelector("progress");
  var label = box.querySelector("[data-export-percent]");
  var delay = 1000;
  var failures = 0;

  function show(percent) {
    if (percent === null || percent === undefined) { return; }
    if (bar) { bar.value = percent; bar.textContent = percent + "%"; }
    if (label) { label.textContent = percent + "%"; }
  }

  function poll() {
    fetch(url, { headers: { "Accept": "application/json" }, credentials: "same-origin", cache: "no-store" })
      .then(function (response) {
        if (!response.ok) { throw new Error("HTTP " + response.status); }
        return response.json();
      })
      .then(function (status) {
        failures = 0;
        if (status.state !== "queued" && status.state !== "running") {
          window.location.reload();  // ready or failed: the server renders the outcome
          return;
        }
        show(status.percent);
        window.setTimeout(poll, delay);
      })
      .catch(function () {
        failures += 1;
        if (failures < 10) { window.setTimeout(poll, delay * (failures + 1)); }
      });
  }

  window.setTimeout(poll, delay);
})();

// Progressive enhancement only: everything works without this file.
// 1. A worker's answer (or a check-in) appears without a refresh (polling /updates).
// 2. Kiosk: back to the language screen after a period without a touch or a key.
(function () {
  "use strict";
  var body = document.body;
  var after = parseInt(body.getAttribute("data-after") || "0", 10);
  var every = parseFloat(body.getAttribute("data-poll") || "3") * 1000;
  var section = document.getElementById("pushed");
  var list = document.getElementById("pushed-list");
  function poll() {
    if (document.visibilityState !== "visible") { return; }
    fetch("/updates?after=" + after, { credentials: "same-origin", cache: "no-store" })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) {
        if (!data || !data.html || !list) { return; }
        after = data.last;
        list.insertAdjacentHTML("beforeend", data.html);
        section.hidden = false;
        var last = list.lastElementChild;
        if (last && last.scrollIntoView) { last.scrollIntoView({ block: "nearest" }); }
      })
      .catch(function () { /* offline for a moment: try again next time */ });
  }
  if (every > 0 && list) { window.setInterval(poll, every); }

  var idle = parseInt(body.getAttribute("data-idle") || "0", 10);
  var reset = body.getAttribute("data-reset");
  if (idle > 0 && reset) {
    var timer = 0;
    var restart = function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(function () { window.location.assign(reset); }, idle * 1000);
    };
    ["pointerdown", "keydown", "input", "scroll", "touchstart"].forEach(function (name) {
      window.addEventListener(name, restart, { passive: true });
    });
    restart();
  }
})();

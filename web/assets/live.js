// Redraws the live page's over-time section at each census sample: the
// server keeps the samples and draws the chart; the page only fetches it.
(function () {
  "use strict";
  var body = document.getElementById("over-time-body");
  if (!body || !window.fetch) return;
  var period = function () {
    var ms = +document.getElementById("over-time-body").dataset.periodMs;
    return Math.max(250, ms || 1000);
  };
  var next = function () { setTimeout(redraw, period()); };
  var redraw = function () {
    fetch("/census/over-time?format=html", {cache: "no-store"})
      .then(function (r) { if (!r.ok) throw new Error(r.status); return r.text(); })
      .then(function (html) {
        document.getElementById("over-time-body").outerHTML = html;
        next();
      })
      .catch(next); // park stopped, or a request failed: try again later
  };
  next();
})();

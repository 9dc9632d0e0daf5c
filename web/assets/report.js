// The filter box: shows the groups whose text (states, functions, files,
// labels, ids) holds every word typed, case aside. The page is complete
// without it; the box stays hidden when script is off.
(function () {
  var bar = document.getElementById("filterbar");
  var box = document.getElementById("filter");
  var shown = document.getElementById("shown");
  var none = document.getElementById("nomatch");
  var groups = Array.prototype.slice.call(document.querySelectorAll("details.group"));
  var texts = groups.map(function (g) { return g.textContent.toLowerCase(); });
  function apply() {
    var words = box.value.toLowerCase().split(/\s+/).filter(Boolean);
    var n = 0, count = 0;
    groups.forEach(function (g, i) {
      var hit = words.every(function (w) { return texts[i].indexOf(w) >= 0; });
      g.hidden = !hit;
      if (hit) { n++; count += +g.dataset.count; }
    });
    shown.textContent = words.length ? n + " of " + groups.length + " groups, " + count + " goroutines" : "";
    none.hidden = n > 0;
    var url = new URL(location.href);
    if (words.length) { url.hash = "filter=" + encodeURIComponent(box.value); } else { url.hash = ""; }
    history.replaceState(null, "", url);
  }
  var m = /^#filter=(.*)$/.exec(location.hash);
  if (m) { box.value = decodeURIComponent(m[1]); }
  box.addEventListener("input", apply);
  bar.hidden = false;
  apply();
})();

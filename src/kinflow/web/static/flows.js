// A flow's run history and a run's page, kept current without reload: the server's event stream
// tells where the flow's runs stand (`runs`), and when that differs from what the page shows, the
// page fetches itself again and swaps in its part that shows the runs. EventSource reconnects by
// itself, and each new stream starts with the current state, so nothing missed stays missed.
(function () {
  "use strict";
  var part = document.querySelector("[data-live-runs]");
  if (!part || !window.EventSource || !window.fetch || !window.DOMParser) { return; }
  var shown = part.getAttribute("data-progress");
  var note = document.getElementById("live-note");
  var fetching = false;
  var again = false;

  function swap(html) {
    var fresh = new DOMParser().parseFromString(html, "text/html").getElementById(part.id);
    if (!fresh) { return; }
    // Keep the keyboard where it was: the element of the same id, if it had one.
    var focused = part.contains(document.activeElement) ? document.activeElement.id : "";
    part.replaceWith(fresh);
    part = fresh;
    if (focused && document.getElementById(focused)) { document.getElementById(focused).focus(); }
    if (note) { note.textContent = note.getAttribute("data-text"); }
    document.documentElement.setAttribute("data-runs-progress", part.getAttribute("data-progress") || "");
  }

  function refresh() {
    if (fetching) { again = true; return; }
    fetching = true;
    fetch(window.location.href, {credentials: "same-origin", headers: {"Accept": "text/html"}})
      .then(function (response) { return response.ok ? response.text() : null; })
      .then(function (html) { if (html) { swap(html); } })
      .catch(function () { /* the next change tries again */ })
      .then(function () {
        fetching = false;
        if (again) { again = false; refresh(); }
      });
  }

  var source = new EventSource(part.getAttribute("data-live-runs"));
  source.addEventListener("runs", function (event) {
    if (event.data !== shown) {
      shown = event.data;
      refresh();
    }
  });
})();

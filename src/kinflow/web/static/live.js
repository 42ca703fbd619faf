// The unread notification count of a signed-in page, kept current by the server's event stream
// (EventSource reconnects by itself when a stream ends or the connection drops).
(function () {
  "use strict";
  if (!window.EventSource) { return; }
  var source = new EventSource("/k/notifications/stream");
  source.addEventListener("unread", function (event) {
    document.querySelectorAll("[data-unread]").forEach(function (element) {
      element.textContent = event.data;
    });
    document.documentElement.setAttribute("data-unread-count", event.data);
  });
})();

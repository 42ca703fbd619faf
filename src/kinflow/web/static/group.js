// A group's conversation, kept live. The server's event stream sends the conversation's version when
// it opens (so a page that reconnects catches up) and whenever it changes; the page then fetches the
// conversation and draws again only the messages that are new or changed (their data-digest). Forms
// marked data-inplace are sent without leaving the page; without script they post and come back.
(function () {
  "use strict";
  var section = document.getElementById("group");
  if (!section || !window.fetch || !window.DOMParser) { return; }
  var base = "/k/groups/" + encodeURIComponent(section.getAttribute("data-group"));
  var status = document.getElementById("conversation-status");
  var fetching = null;
  var again = false;

  function conversation() { return document.getElementById("conversation"); }

  function parse(html) {
    return new DOMParser().parseFromString(html, "text/html");
  }

  // A message whose form the reader is filling in keeps it; only its results are drawn again.
  function busy(item) {
    return item.contains(document.activeElement) || item.querySelector("form[data-dirty]") ||
      item.querySelector("details[open]");
  }

  function redraw(old, fresh) {
    if (!busy(old)) {
      old.replaceWith(document.importNode(fresh, true));
      return;
    }
    var parts = fresh.querySelectorAll("[data-part], .like, .reaction-comments");
    Array.prototype.forEach.call(parts, function (part) {
      var selector = part.hasAttribute("data-part") ? "[data-part=\"" + part.getAttribute("data-part") + "\"]"
        : "." + part.className.split(" ")[0];
      var mine = old.querySelector(selector);
      if (mine) { mine.replaceWith(document.importNode(part, true)); }
    });
  }

  function merge(fresh, redrawn) {
    var current = conversation();
    if (!fresh || !current) { return; }
    var bottom = window.innerHeight + window.scrollY >= document.documentElement.scrollHeight - 40;
    var previous = null;
    var added = 0;
    var inserted = 0;
    Array.prototype.forEach.call(fresh.children, function (item) {
      if (!item.id) { return; }
      var old = document.getElementById(item.id);
      if (!old) {
        var node = document.importNode(item, true);
        if (previous) { previous.after(node); } else { current.prepend(node); }
        inserted += 1;
        if (!node.classList.contains("mine")) { added += 1; }  // news from others is announced
      } else if (item.id === redrawn) {
        old.replaceWith(document.importNode(item, true));
      } else if (old.getAttribute("data-digest") !== item.getAttribute("data-digest")) {
        redraw(old, item);
      }
      previous = document.getElementById(item.id);
    });
    var empty = inserted && current.querySelector(".empty");
    if (empty) { empty.remove(); }
    if (added) { status.textContent = section.getAttribute("data-said-new").replace("{count}", String(added)); }
    if (inserted && bottom) { window.scrollTo(0, document.documentElement.scrollHeight); }
    current.setAttribute("data-version", fresh.getAttribute("data-version"));
  }

  // A fetch that fails (the connection dropped) is tried again a little later, and when the browser
  // is back online: the stream may have said its news already.
  var retry = null;
  function later() {
    if (!retry) { retry = window.setTimeout(function () { retry = null; refresh(); }, 3000); }
  }

  function refresh() {
    if (fetching) { again = true; return fetching; }
    fetching = fetch(base + "/messages", {credentials: "same-origin"})
      .then(function (response) {
        if (!response.ok) { throw new Error(String(response.status)); }
        return response.text();
      })
      .then(function (html) { merge(parse(html).getElementById("conversation"), null); })
      .catch(later)
      .then(function () {
        fetching = null;
        if (again) { again = false; refresh(); }
      });
    return fetching;
  }
  window.addEventListener("online", function () { refresh(); });

  if (section.getAttribute("data-live") === "true" && window.EventSource) {
    var source = new EventSource(base + "/stream");
    source.addEventListener("conversation", function (event) {
      var current = conversation();
      if (current && event.data !== current.getAttribute("data-version")) { refresh(); }
    });
  }

  function dirty(event) {
    var form = event.target.form;
    if (form && form.hasAttribute("data-inplace")) { form.setAttribute("data-dirty", "true"); }
  }
  document.addEventListener("input", dirty);
  document.addEventListener("change", dirty);

  function problem(form, text) {
    var shown = form.querySelector("[data-problem]");
    if (!shown) {
      shown = document.createElement("p");
      shown.className = "error";
      shown.setAttribute("role", "alert");
      shown.setAttribute("data-problem", "");
      form.appendChild(shown);
    }
    shown.textContent = text;
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.hasAttribute("data-inplace")) { return; }
    event.preventDefault();
    var button = form.querySelector("button[type=submit]");
    var item = form.closest("li.message");
    if (button) { button.disabled = true; }
    fetch(form.action, {method: "POST", body: new URLSearchParams(new FormData(form)), credentials: "same-origin"})
      .then(function (response) {
        return response.text().then(function (html) {
          var page = parse(html);
          if (!response.ok) {
            var said = page.querySelector("[data-problem]") || page.querySelector("main .error");
            problem(form, said ? said.textContent.trim() : String(response.status));
            return;
          }
          form.removeAttribute("data-dirty");
          if (!item) { form.reset(); }
          var stale = form.querySelector("[data-problem]");
          if (stale) { stale.remove(); }
          merge(page.getElementById("conversation"), item ? item.id : null);
          var back = item ? document.getElementById(item.id) : form.querySelector("textarea");
          if (back) { back.focus(); }
        });
      })
      .catch(function () { problem(form, section.getAttribute("data-said-offline")); })
      .then(function () { if (button && document.contains(button)) { button.disabled = false; } });
  });
})();

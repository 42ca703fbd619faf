// `@` completion in the comment box: typing @ and a few letters lists the users, groups and
// departments that match (arrow keys move, Enter or Tab takes one, Escape closes); the chosen
// `@code` stays in the text, and the server turns it into a mention when the comment is posted.
(function () {
  "use strict";
  function setUp() {
    var box = document.getElementById("comment-text");
    var list = document.getElementById("mention-list");
    var status = document.getElementById("mention-status");
    if (!box || !list) { return; }
    var options = [], active = -1, asked = 0;
    var kinds = {USER: list.dataset.user, GROUP: list.dataset.group, ORGANIZATION: list.dataset.department};

    function word() {
      var before = box.value.slice(0, box.selectionStart);
      var found = /(^|\s)@([^\s@]{1,64})$/.exec(before);
      return found ? found[2] : null;
    }
    function close() {
      list.hidden = true; list.innerHTML = ""; options = []; active = -1;
      box.removeAttribute("aria-activedescendant");
    }
    function highlight(index) {
      options.forEach(function (option, i) { option.element.setAttribute("aria-selected", i === index ? "true" : "false"); });
      active = index;
      if (index >= 0) { box.setAttribute("aria-activedescendant", options[index].element.id); }
    }
    function choose(index) {
      var chosen = options[index];
      var caret = box.selectionStart;
      var before = box.value.slice(0, caret).replace(/@[^\s@]*$/, "@" + chosen.code + " ");
      box.value = before + box.value.slice(caret);
      box.selectionStart = box.selectionEnd = before.length;
      close();
      box.focus();
    }
    function show(entities) {
      close();
      entities.forEach(function (entity, index) {
        var item = document.createElement("li");
        item.id = "mention-option-" + index;
        item.setAttribute("role", "option");
        item.textContent = entity.name + " (@" + entity.code + ", " + (kinds[entity.type] || entity.type) + ")";
        item.addEventListener("mousedown", function (event) { event.preventDefault(); choose(index); });
        list.appendChild(item);
        options.push({element: item, code: entity.code});
      });
      list.hidden = options.length === 0;
      if (options.length) { highlight(0); }
      status.textContent = options.length ? options.length + " " + list.dataset.found : "";
    }
    box.addEventListener("input", function () {
      var text = word();
      if (!text) { close(); return; }
      var ticket = ++asked;
      fetch("/k/mentions.json?q=" + encodeURIComponent(text), {credentials: "same-origin",
        headers: {"X-Requested-With": "XMLHttpRequest"}})
        .then(function (response) { return response.json(); })
        .then(function (body) { if (ticket === asked) { show(body.entities || []); } })
        .catch(close);
    });
    box.addEventListener("keydown", function (event) {
      if (list.hidden || !options.length) { return; }
      if (event.key === "ArrowDown") { event.preventDefault(); highlight((active + 1) % options.length); }
      else if (event.key === "ArrowUp") { event.preventDefault(); highlight((active + options.length - 1) % options.length); }
      else if (event.key === "Enter" || event.key === "Tab") { event.preventDefault(); choose(Math.max(active, 0)); }
      else if (event.key === "Escape") { event.preventDefault(); close(); }
    });
    box.addEventListener("blur", function () { setTimeout(close, 150); });
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", setUp); } else { setUp(); }
})();

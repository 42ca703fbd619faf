// A record's permalink names it in the fragment (#record=N&comment=M), which never reaches the
// server: ask again with it in the query, then bring the comment into view.
(function () {
  "use strict";
  var wanted = new URLSearchParams(location.hash.slice(1));
  var shown = new URLSearchParams(location.search);
  var record = wanted.get("record");
  var comment = wanted.get("comment") || shown.get("comment");
  var digits = /^[0-9]{1,18}$/;
  if (record && digits.test(record) && shown.get("record") !== record) {
    var query = new URLSearchParams({record: record});
    if (comment && digits.test(comment)) { query.set("comment", comment); }
    location.replace(location.pathname + "?" + query.toString() + location.hash);
    return;
  }
  function focusComment() {
    if (!comment || !digits.test(comment)) { return; }
    var target = document.getElementById("comment-" + comment);
    if (!target) { return; }
    target.classList.add("current");
    target.scrollIntoView({block: "center"});
    target.focus({preventScroll: true});
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", focusComment);
  } else {
    focusComment();
  }
  window.addEventListener("hashchange", function () {
    var next = new URLSearchParams(location.hash.slice(1));
    if (next.get("record") !== shown.get("record")) { location.reload(); return; }
    comment = next.get("comment");
    focusComment();
  });
})();

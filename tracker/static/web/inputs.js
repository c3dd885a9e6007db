// Inputs that never lose text silently (issue 11). A browser cuts a paste at a field's
// maxlength without a word; here the limit moves to data-maxlength, a counter shows how much is
// left, and a text over the limit is refused with a message (the server refuses it too).
(function () {
  "use strict";
  document.querySelectorAll("input[maxlength], textarea[maxlength]").forEach(function (el) {
    var limit = parseInt(el.getAttribute("maxlength"), 10);
    if (!(limit > 0) || el.type === "hidden") {
      return;
    }
    el.removeAttribute("maxlength");
    el.setAttribute("data-maxlength", String(limit));
    var counter = document.createElement("div");
    counter.className = "form-text char-count";
    counter.id = (el.id || el.name) + "-count";
    counter.setAttribute("aria-live", "polite");
    el.insertAdjacentElement("afterend", counter);
    var described = el.getAttribute("aria-describedby");
    el.setAttribute("aria-describedby", (described ? described + " " : "") + counter.id);
    function update() {
      var n = el.value.length;
      var over = n > limit;
      // Long fields show the counter from the start; short ones once they are nearly full.
      var show = over || el.tagName === "TEXTAREA" || n >= limit * 0.8;
      counter.textContent = !show ? "" : over
        ? "Too long: " + n + " characters, at most " + limit + ". Shorten it; nothing was cut."
        : n + " / " + limit + " characters";
      counter.classList.toggle("text-danger-emphasis", over);
      el.setCustomValidity(over ? "At most " + limit + " characters (it has " + n + ")." : "");
      el.classList.toggle("is-invalid", over);
    }
    el.addEventListener("input", update);
    update();
  });
}());

// A link to a part of the page inside a folded section (details) unfolds it, on arrival and on
// every in-page link (the incident page folds what does not need attention, issue 11).
(function () {
  "use strict";
  function reveal() {
    var id = decodeURIComponent(location.hash.slice(1));
    var target = id && document.getElementById(id);
    for (var el = target; el; el = el.parentElement) {
      if (el.tagName === "DETAILS") {
        el.open = true;
      }
    }
    if (target) {
      target.scrollIntoView();
    }
  }
  window.addEventListener("hashchange", reveal);
  if (location.hash) {
    reveal();
  }
}());

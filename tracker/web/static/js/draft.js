/* Draft page: copy button, live "what not to say" check, and auto-applied options.
   Progressive enhancement only: without this file the page works by plain form posts. */
(function () {
  "use strict";

  var form = document.getElementById("draft-form");

  // Options (recipient, version): apply on change.
  var options = document.getElementById("draft-options");
  if (options) {
    options.addEventListener("change", function () { options.submit(); });
  }

  if (!form) { return; }
  var body = document.getElementById("id_body");
  var subject = document.getElementById("id_subject");

  // Copy the message text.
  var copy = document.getElementById("draft-copy");
  if (copy && body) {
    copy.hidden = false;
    copy.addEventListener("click", function () {
      var done = function () {
        copy.textContent = "Copied";
        window.setTimeout(function () { copy.textContent = "Copy"; }, 2000);
      };
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(body.value).then(done, function () {
          body.select(); document.execCommand("copy"); done();
        });
      } else {
        body.select(); document.execCommand("copy"); done();
      }
    });
  }

  // Live check: post the text to the check's URL (the form's data-check-url) and show what
  // comes back.
  var list = document.getElementById("draft-findings-list");
  var none = document.getElementById("draft-findings-none");
  var template = document.getElementById("draft-finding-template");
  var count = document.getElementById("draft-word-count");
  var mailto = document.getElementById("draft-mailto");
  var timer = null;
  var seq = 0;

  function render(data) {
    if (list && template) {
      while (list.firstChild) { list.removeChild(list.firstChild); }
      data.findings.forEach(function (f) {
        var item = template.content.firstElementChild.cloneNode(true);
        item.setAttribute("data-rule", f.rule);
        item.querySelector(".finding-title").textContent = f.title;
        var sentence = item.querySelector(".finding-sentence");
        var whole = item.querySelector(".finding-whole");
        if (f.sentence) { sentence.textContent = f.sentence; whole.remove(); }
        else { sentence.remove(); }
        item.querySelector(".finding-why").textContent = f.why;
        item.querySelector(".finding-fix").textContent = "Fix: " + f.fix;
        list.appendChild(item);
      });
      if (none) { none.hidden = data.findings.length > 0; }
    }
    if (count) { count.textContent = String(data.words); }
    if (mailto && data.mailto) { mailto.setAttribute("href", data.mailto); }
  }

  function runCheck() {
    var mine = ++seq;
    var url = form.getAttribute("data-check-url");
    if (!url) { return; }
    fetch(url, {
      method: "POST",
      body: new FormData(form),
      credentials: "same-origin",
      headers: { "Accept": "application/json", "X-Requested-With": "XMLHttpRequest" }
    }).then(function (response) {
      if (!response.ok) { throw new Error("check failed: " + response.status); }
      return response.json();
    }).then(function (json) {
      if (mine === seq) { render(json); }
    }).catch(function () { /* the "Check my text" button still works */ });
  }

  function schedule() {
    if (timer) { window.clearTimeout(timer); }
    timer = window.setTimeout(runCheck, 500);
  }

  if (body) { body.addEventListener("input", schedule); }
  if (subject) { subject.addEventListener("input", schedule); }
})();

// Time-zone help on the sign-up and profile forms, from the browser's own zone (Intl).
// <select data-zone-guess="preselect">: picks the browser's zone while the field still shows UTC.
// <select data-zone-guess="suggest">: offers a button to switch when the browser's zone differs.
// "keep" (a re-rendered form) leaves what the person sent alone.
(function () {
  "use strict";
  var zone;
  try {
    zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  } catch (e) {
    return;
  }
  if (!zone) {
    return;
  }
  // Browsers built on older ICU data still report renamed zones; prefer today's names.
  var renamed = {
    "Asia/Calcutta": "Asia/Kolkata",
    "Asia/Katmandu": "Asia/Kathmandu",
    "Asia/Saigon": "Asia/Ho_Chi_Minh",
    "Asia/Rangoon": "Asia/Yangon",
    "Europe/Kiev": "Europe/Kyiv",
    "America/Godthab": "America/Nuuk",
    "America/Buenos_Aires": "America/Argentina/Buenos_Aires",
    "Atlantic/Faeroe": "Atlantic/Faroe",
    "Pacific/Truk": "Pacific/Chuuk",
    "Pacific/Ponape": "Pacific/Pohnpei"
  };
  if (renamed[zone] && document.querySelector('option[value="' + renamed[zone] + '"]')) {
    zone = renamed[zone];
  }
  document.querySelectorAll("select[data-zone-guess]").forEach(function (select) {
    var known = Array.prototype.some.call(select.options, function (o) {
      return o.value === zone;
    });
    if (!known || select.value === zone) {
      return;
    }
    var mode = select.getAttribute("data-zone-guess");
    if (mode === "preselect" && select.value === "UTC") {
      select.value = zone;
    } else if (mode === "suggest") {
      var hint = document.createElement("div");
      hint.className = "form-text";
      hint.textContent = "Your browser is set to " + zone.replace(/_/g, " ") + ". ";
      var button = document.createElement("button");
      button.type = "button";
      button.className = "btn btn-link btn-sm p-0 align-baseline";
      button.textContent = "Use it";
      button.addEventListener("click", function () {
        select.value = zone;
        hint.remove();
      });
      hint.appendChild(button);
      select.insertAdjacentElement("afterend", hint);
    }
  });
})();

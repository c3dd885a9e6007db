// Zones that can't trap (issue 11), for every form with a time and a zone:
// - <input data-zone-search>: typing a city or a country ("Berlin", "India") offers the matching
//   IANA zones as buttons under the field (from /zones/?q=, Babel's CLDR city names).
// - <input data-zone-preview="<zone input name>" data-other-zone-field="<input name>" or
//   data-other-zone="<IANA zone>">: while a time is typed, the same instant is shown in the other
//   zone ("= Wed 2 Dec, 22:00 GMT+5:30 for you (Asia/Kolkata)"), and a time that does not exist
//   in its zone (clocks jump forward) says so before the form is sent.
// - <input type="hidden" name="candidate_tz"> left empty: the browser's own zone.
// No inline script anywhere (CSP); this file is loaded with a <script src>.
(function () {
  "use strict";
  var script = document.currentScript;
  var searchUrl = (script && script.getAttribute("data-zone-search-url")) || "/zones/";

  function browserZone() {
    try {
      return Intl.DateTimeFormat().resolvedOptions().timeZone || "";
    } catch (e) {
      return "";
    }
  }

  // --- Live conversion -------------------------------------------------------------------

  var partsFormatters = {};
  function partsIn(ms, zone) {
    if (!partsFormatters[zone]) {
      partsFormatters[zone] = new Intl.DateTimeFormat("en-US", {
        timeZone: zone, hourCycle: "h23", year: "numeric", month: "2-digit", day: "2-digit",
        hour: "2-digit", minute: "2-digit", second: "2-digit"
      });
    }
    var out = {};
    partsFormatters[zone].formatToParts(new Date(ms)).forEach(function (p) {
      out[p.type] = parseInt(p.value, 10);
    });
    return out;
  }
  function wallMs(p) {
    return Date.UTC(p.year, p.month - 1, p.day, p.hour % 24, p.minute, p.second || 0);
  }
  function offsetMs(ms, zone) {
    return wallMs(partsIn(ms, zone)) - ms;
  }
  // A wall time in `zone` to an instant, or null when it does not exist there (a DST gap).
  function instantOf(wall, zone) {
    var guess = wallMs(wall);
    var t = guess - offsetMs(guess, zone);
    var t2 = guess - offsetMs(t, zone);
    if (t2 !== t) {
      t = t2;
    }
    return wallMs(partsIn(t, zone)) === guess ? t : null;
  }
  function parseWall(value) {
    var m = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{1,2}):(\d{2})/.exec(value || "");
    if (!m) {
      return null;
    }
    return { year: +m[1], month: +m[2], day: +m[3], hour: +m[4], minute: +m[5], second: 0 };
  }
  function label(ms, zone) {
    var text = new Intl.DateTimeFormat("en-GB", {
      timeZone: zone, weekday: "short", day: "numeric", month: "short", hour: "2-digit",
      minute: "2-digit", hourCycle: "h23", timeZoneName: "short"
    }).format(new Date(ms));
    return text;
  }
  function isZone(zone) {
    if (!zone || zone.indexOf("/") < 0 && zone !== "UTC") {
      return false;
    }
    try {
      new Intl.DateTimeFormat("en-US", { timeZone: zone });
      return true;
    } catch (e) {
      return false;
    }
  }

  function setUpPreview(input) {
    var form = input.form;
    if (!form) {
      return;
    }
    var zoneInput = form.elements.namedItem(input.getAttribute("data-zone-preview"));
    var otherName = input.getAttribute("data-other-zone-field");
    var otherInput = otherName ? form.elements.namedItem(otherName) : null;
    // A date box with its 24-hour time box next to it (WallTimeWidget), or one combined box.
    var timeInput = document.getElementById(input.id + "_time");
    function wallValue() {
      return timeInput ? input.value + " " + timeInput.value.trim() : input.value;
    }
    var out = document.createElement("p");
    out.className = "form-text zone-preview mb-0";
    out.setAttribute("aria-live", "polite");
    out.id = input.id + "-preview";
    (input.parentElement.classList.contains("wall-time") ? input.parentElement : input)
      .insertAdjacentElement("afterend", out);
    var described = input.getAttribute("aria-describedby");
    input.setAttribute("aria-describedby", (described ? described + " " : "") + out.id);
    if (timeInput) {
      timeInput.setAttribute("aria-describedby", out.id);
    }

    function otherZone() {
      var z = otherInput ? otherInput.value.trim() : "";
      return z || input.getAttribute("data-other-zone") || browserZone();
    }
    function update() {
      var zone = zoneInput ? zoneInput.value.trim() : "";
      var wall = parseWall(wallValue());
      out.textContent = "";
      out.classList.remove("text-danger-emphasis");
      if (!wall || !isZone(zone)) {
        return;
      }
      var ms = instantOf(wall, zone);
      if (ms === null) {
        out.textContent = "This time does not exist in " + zone +
          ": the clocks jump forward then. Pick a time an hour later.";
        out.classList.add("text-danger-emphasis");
        return;
      }
      var other = otherZone();
      if (!isZone(other) || other === zone) {
        out.textContent = "= " + label(ms, zone) + " (" + zone.replace(/_/g, " ") + ")";
        return;
      }
      out.textContent = "= " + label(ms, other) + " for you (" + other.replace(/_/g, " ") +
        ")";
    }
    ["input", "change"].forEach(function (ev) {
      input.addEventListener(ev, update);
      if (timeInput) {
        timeInput.addEventListener(ev, update);
      }
      if (zoneInput) {
        zoneInput.addEventListener(ev, update);
      }
      if (otherInput) {
        otherInput.addEventListener(ev, update);
      }
    });
    update();
  }

  // --- City and country search -----------------------------------------------------------

  function setUpSearch(input) {
    var box = document.createElement("div");
    box.className = "zone-suggestions d-flex flex-wrap gap-1 mt-1";
    box.setAttribute("role", "group");
    box.setAttribute("aria-label", "Suggestions");
    box.hidden = true;
    input.insertAdjacentElement("afterend", box);
    var timer = null;
    var asked = "";

    function show(results) {
      box.textContent = "";
      results.forEach(function (r) {
        var b = document.createElement("button");
        b.type = "button";
        b.className = "btn btn-sm btn-outline-secondary";
        b.textContent = r.label;
        b.setAttribute("data-zone", r.zone);
        b.addEventListener("click", function () {
          input.value = r.zone;
          box.hidden = true;
          box.textContent = "";
          input.dispatchEvent(new Event("change", { bubbles: true }));
          input.focus();
        });
        box.appendChild(b);
      });
      box.hidden = results.length === 0;
    }
    function ask() {
      var q = input.value.trim();
      if (q.length < 2 || isZone(q) || q === asked) {
        if (isZone(q)) {
          show([]);
        }
        return;
      }
      asked = q;
      fetch(searchUrl + "?q=" + encodeURIComponent(q), { headers: { Accept: "application/json" } })
        .then(function (r) { return r.ok ? r.json() : { results: [] }; })
        .then(function (data) {
          if (input.value.trim() === q) {
            show(data.results || []);
          }
        })
        .catch(function () { show([]); });
    }
    input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(ask, 150);
    });
  }

  // Issue 11: the interview's zone prefilled from a contact the person already has. The form
  // lists them (name, email, zone) as JSON in its data-known-contacts attribute; typing a
  // known email or name fills an empty zone box and says where it came from.
  function setUpKnownContacts() {
    var holder = document.querySelector("[data-known-contacts]");
    var zoneInput = document.querySelector('input[name="interview_tz"]');
    if (!holder || !zoneInput) {
      return;
    }
    var known = JSON.parse(holder.getAttribute("data-known-contacts") || "[]");
    var note = document.createElement("div");
    note.className = "form-text";
    note.id = "known-contact-zone";
    note.setAttribute("role", "status");
    zoneInput.parentNode.appendChild(note);
    var filled = "";
    function match(value, key) {
      var v = (value || "").trim().toLowerCase();
      if (!v) {
        return null;
      }
      for (var i = 0; i < known.length; i++) {
        if ((known[i][key] || "").toLowerCase() === v) {
          return known[i];
        }
      }
      return null;
    }
    function fill(contact) {
      if (!contact || (zoneInput.value && zoneInput.value !== filled)) {
        return;
      }
      zoneInput.value = contact.zone;
      filled = contact.zone;
      note.textContent = "Zone from your contact " + contact.name + ": " + contact.zone + ".";
      zoneInput.dispatchEvent(new Event("change", { bubbles: true }));
    }
    ["contact_email", "contact_name"].forEach(function (name) {
      var input = document.querySelector('input[name="' + name + '"]');
      if (input) {
        input.addEventListener("change", function () {
          fill(match(input.value, name === "contact_email" ? "email" : "name"));
        });
      }
    });
  }

  setUpKnownContacts();
  document.querySelectorAll("input[data-zone-search]").forEach(setUpSearch);
  document.querySelectorAll("input[data-zone-preview]").forEach(setUpPreview);
  document.querySelectorAll('input[type="hidden"][name="candidate_tz"]').forEach(function (h) {
    if (!h.value) {
      h.value = browserZone();
    }
  });
}());

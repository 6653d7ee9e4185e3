// The count of events not seen yet, beside "Events" in the main navigation. Asked once per
// page and again when an events page says the count changed ("hearthwatch:unseen" event);
// the badge stays hidden at zero and when the count cannot be had.
"use strict";

(function (hw) {
  function show(badge, body) {
    var count = body.count;
    badge.hidden = !count;
    badge.textContent = body.capped ? body.cap - 1 + "+" : String(count);
    var link = badge.closest("a");
    var label = count ? (body.capped ? "more than " + (body.cap - 1) : count) + " not seen" : "";
    if (link) {
      link.setAttribute("aria-label", "Events" + (label ? ", " + label : ""));
    }
  }

  function refresh() {
    var badge = document.querySelector("[data-unseen-badge]");
    if (!badge || !window.fetch) {
      return;
    }
    window
      .fetch("/api/v1/events/unseen-count", { credentials: "same-origin" })
      .then(function (response) {
        return response.ok ? response.json() : null;
      })
      .then(function (body) {
        if (body) {
          show(badge, body);
        }
      })
      .catch(function () {
        // A badge is a hint; the events page says the same in full.
      });
  }

  hw.refreshUnseen = refresh;
  document.addEventListener("DOMContentLoaded", refresh);
})((window.Hearthwatch = window.Hearthwatch || {}));

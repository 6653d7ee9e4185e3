// Alert history (issue 14 item 8): pages through GET /api/v1/notify/history, newest first,
// one row per alert with each channel's delivery status; "Show older alerts" follows the
// cursor the API hands back.
"use strict";

(function () {
  var API = "/api/v1/notify/history";
  var STATUS_WORDS = { sent: "sent", failed: "failed", retrying: "trying again",
    disabled: "channel turned off", skipped: "not sent" };
  var HELD_BACK = { quiet_hours: "quiet hours", cooldown: "cooldown",
    disarmed: "the camera does not alert in the home's arming mode",
    no_channel: "every channel is off for this camera" };
  var table, rows, status, more, cameras, cursor = null;

  function cell(text) {
    var element = document.createElement("td");
    element.textContent = text;
    return element;
  }

  function whenCell(iso) {
    var element = document.createElement("td");
    var time = document.createElement("time");
    time.dateTime = iso;
    time.textContent = new Date(iso).toLocaleString();
    element.appendChild(time);
    return element;
  }

  function deliveries(item) {
    var element = document.createElement("td");
    if (item.suppressed_reason) {
      var reason = item.suppressed_reason;
      element.textContent = "Held back: " + (HELD_BACK[reason] || reason.replace(/_/g, " "));
      return element;
    }
    (item.deliveries || []).forEach(function (delivery) {
      var word = STATUS_WORDS[delivery.status] || delivery.status;
      var badge = document.createElement("span");
      badge.className = "delivery delivery--" + delivery.status;
      badge.textContent = delivery.channel + ": " + word;
      if (delivery.error) {
        badge.title = delivery.error;
      }
      element.appendChild(badge);
    });
    if (!element.childNodes.length) {
      element.textContent = "No channel was on";
    }
    return element;
  }

  function row(item) {
    var line = document.createElement("tr");
    line.setAttribute("data-notification-id", item.id);
    line.appendChild(whenCell(item.created_at));
    line.appendChild(cell(item.title || item.kind));
    line.appendChild(cell(item.camera_id ? (cameras[item.camera_id] || "A removed camera") : ""));
    line.appendChild(deliveries(item));
    return line;
  }

  function load() {
    more.disabled = true;
    var url = API + (cursor ? "?cursor=" + encodeURIComponent(cursor) : "");
    fetch(url, { credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) {
          throw new Error("The server answered " + response.status + ".");
        }
        return response.json();
      })
      .then(function (page) {
        (page.items || []).forEach(function (item) { rows.appendChild(row(item)); });
        cursor = page.next_cursor || null;
        more.hidden = !cursor;
        status.textContent = rows.childNodes.length ? "" : "No alerts yet.";
      })
      .catch(function (error) {
        status.textContent = "The history could not be loaded: " + error.message;
      })
      .then(function () {
        more.disabled = false;
      });
  }

  document.addEventListener("DOMContentLoaded", function () {
    table = document.getElementById("history");
    if (!table) {
      return;
    }
    rows = document.getElementById("history-rows");
    status = document.getElementById("history-status");
    more = document.getElementById("history-more");
    cameras = JSON.parse(table.getAttribute("data-cameras") || "{}");
    more.addEventListener("click", load);
    load();
  });
})();

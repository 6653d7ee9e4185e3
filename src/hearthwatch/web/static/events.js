// The event list: its "From" and "Until" filters are in the viewer's own time zone. The
// form's inputs hold local wall-clock times; on submit they go to the server as exact
// moments (ISO 8601, UTC), and a moment coming back is shown in local time again. Without
// this script the times are read as UTC.
"use strict";

(function () {
  function pad(value) {
    return (value < 10 ? "0" : "") + value;
  }

  function localValue(date) {
    return (
      date.getFullYear() + "-" + pad(date.getMonth() + 1) + "-" + pad(date.getDate()) + "T" +
      pad(date.getHours()) + ":" + pad(date.getMinutes()) + ":" + pad(date.getSeconds())
    );
  }

  // A moment the server echoed back: ISO with a zone, or microseconds since 1970.
  function parseMoment(text) {
    if (/^\d+$/.test(text)) {
      return new Date(Number(text) / 1000);
    }
    return /(Z|[+-]\d\d:\d\d)$/.test(text) ? new Date(text) : null;
  }

  function showLocal(input) {
    var moment = parseMoment(input.getAttribute("data-moment") || "");
    if (moment && !isNaN(moment.getTime())) {
      input.value = localValue(moment);
    }
  }

  function sendExact(form, input) {
    var name = input.getAttribute("name");
    if (!name || !input.value) {
      return;
    }
    var moment = new Date(input.value); // a datetime-local value reads as local time
    if (isNaN(moment.getTime())) {
      return;
    }
    var exact = document.createElement("input");
    exact.type = "hidden";
    exact.name = name;
    exact.value = moment.toISOString();
    input.removeAttribute("name");
    form.appendChild(exact);
  }

  document.addEventListener("DOMContentLoaded", function () {
    var form = document.querySelector("[data-event-filters]");
    if (!form) {
      return;
    }
    var times = form.querySelectorAll('input[type="datetime-local"]');
    times.forEach(showLocal);
    form.addEventListener("submit", function () {
      times.forEach(function (input) {
        sendExact(form, input);
      });
    });
  });
})();

// Arming page: offer the browser's own time zone (Intl) for the home, next to the list of
// zones. The page's forms work without this script.
"use strict";

(function () {
  document.addEventListener("DOMContentLoaded", function () {
    var select = document.getElementById("timezone");
    var button = document.getElementById("use-browser-zone");
    var zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
    if (!select || !button || !zone || select.value === zone) {
      return;
    }
    var known = Array.prototype.some.call(select.options, function (option) {
      return option.value === zone;
    });
    if (!known) {
      return;
    }
    button.textContent = "Use this browser's time zone (" + zone + ")";
    button.hidden = false;
    button.addEventListener("click", function () {
      select.value = zone;
      select.focus();
    });
  });
})();

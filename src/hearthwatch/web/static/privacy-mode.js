// The camera page's privacy mode switch: PUT /api/v1/cameras/{id}/privacy-mode, then the
// page reloads, so the live picture goes (or comes back) with what the server says.
"use strict";

(function () {
  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") : "";
  }

  function wire(box) {
    var button = box.querySelector("[data-privacy-toggle]");
    var problem = box.querySelector("[data-privacy-problem]");
    button.addEventListener("click", function () {
      var on = box.getAttribute("data-on") !== "true";
      button.disabled = true;
      problem.textContent = "";
      window
        .fetch("/api/v1/cameras/" + box.getAttribute("data-camera-id") + "/privacy-mode", {
          method: "PUT",
          credentials: "same-origin",
          headers: { "content-type": "application/json", "x-csrf-token": csrfToken() },
          body: JSON.stringify({ on: on }),
        })
        .then(function (response) {
          if (!response.ok) {
            throw new Error(String(response.status));
          }
          window.location.reload();
        })
        .catch(function () {
          button.disabled = false;
          problem.textContent = "Privacy mode could not be changed. Reload the page and try again.";
        });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-privacy-mode]").forEach(wire);
  });
})();

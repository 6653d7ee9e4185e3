// Progressive enhancement only: every page works without this file.
"use strict";

(function () {
  var LABELS = ["very weak", "weak", "fair", "strong", "very strong"];

  function showStrength(meter, verdict) {
    var bar = meter.querySelector(".strength__bar");
    var label = meter.querySelector(".strength__label");
    var warning = meter.querySelector(".strength__warning");
    var tips = meter.querySelector(".strength__tips");
    bar.className = "strength__bar strength__bar--" + verdict.score;
    label.textContent =
      "Password strength: " + LABELS[verdict.score] + (verdict.acceptable ? " — good to go." : ".");
    warning.textContent = verdict.warning || "";
    tips.textContent = "";
    (verdict.suggestions || []).forEach(function (tip) {
      var item = document.createElement("li");
      item.textContent = tip;
      tips.appendChild(item);
    });
    meter.classList.add("strength--shown");
  }

  function watchStrength(input) {
    var meter = document.getElementById(input.getAttribute("data-strength"));
    var timer = null;
    var asked = 0;
    if (!meter || !window.fetch) {
      return;
    }
    input.addEventListener("input", function () {
      window.clearTimeout(timer);
      if (!input.value) {
        meter.classList.remove("strength--shown");
        return;
      }
      timer = window.setTimeout(function () {
        var ticket = ++asked;
        window
          .fetch("/api/v1/auth/password-strength", {
            method: "POST",
            headers: { "content-type": "application/json" },
            body: JSON.stringify({ password: input.value.slice(0, 256) }),
            credentials: "same-origin",
          })
          .then(function (response) {
            return response.ok ? response.json() : null;
          })
          .then(function (verdict) {
            if (verdict && ticket === asked && input.value) {
              showStrength(meter, verdict);
            }
          })
          .catch(function () {
            // The server judges the password on submit anyway.
          });
      }, 350);
    });
  }

  function focusFirstProblem() {
    var invalid = document.querySelector('[aria-invalid="true"]');
    if (invalid) {
      invalid.focus();
    }
  }

  function selectSecretsOnFocus() {
    document.querySelectorAll(".secret--select").forEach(function (secret) {
      secret.addEventListener("focus", function () {
        var range = document.createRange();
        range.selectNodeContents(secret);
        window.getSelection().removeAllRanges();
        window.getSelection().addRange(range);
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("input[data-strength]").forEach(watchStrength);
    focusFirstProblem();
    selectSecretsOnFocus();
  });
})();

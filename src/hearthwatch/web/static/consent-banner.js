// The cookie banner without a page reload, and the page-view ping (P29).
// Progressive enhancement only: the banner is a plain form that works without this file,
// and the server decides, from the hw_consent cookie and the consent ledger, whether a
// ping is counted; it ignores pings without analytics consent.
"use strict";

(function () {
  var frame = document.getElementById("privacy-frame");
  if (!frame || !window.fetch) {
    return;
  }
  var csrf = frame.getAttribute("data-csrf") || "";

  function countPageView() {
    if (frame.getAttribute("data-analytics") !== "1") {
      return;
    }
    var url = "/privacy/analytics/view?path=" + encodeURIComponent(window.location.pathname);
    fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "x-csrf-token": csrf },
    }).catch(function () {});
  }

  function submitPlainly(form, choice) {
    var field = document.createElement("input");
    field.type = "hidden";
    field.name = "choice";
    field.value = choice;
    form.appendChild(field);
    form.submit();
  }

  function sendChoice(form, choice) {
    var data = new URLSearchParams(new FormData(form));
    data.set("choice", choice);
    return fetch(form.action, {
      method: "POST",
      credentials: "same-origin",
      headers: { accept: "application/json" },
      body: data,
    });
  }

  // The banner floats over the page (consent.css): give the page as much room at its end
  // as the banner is tall, so that nothing stays hidden under it.
  function makeRoomFor(banner) {
    function measure() {
      var space = Math.ceil(banner.getBoundingClientRect().height) + 16;
      document.body.style.setProperty("--cookie-banner-space", space + "px");
    }
    measure();
    if (window.ResizeObserver) {
      new ResizeObserver(measure).observe(banner);
    }
  }

  function watchBanner() {
    var banner = document.getElementById("cookie-banner");
    var form = document.getElementById("cookie-banner-form");
    if (!banner || !form) {
      return;
    }
    makeRoomFor(banner);
    form.addEventListener("submit", function (event) {
      var button = event.submitter;
      if (!button || !button.value) {
        return;
      }
      event.preventDefault();
      var analytics =
        button.value === "accept_all" ||
        (button.value === "save" && form.elements.namedItem("analytics").checked);
      sendChoice(form, button.value).then(function (response) {
        if (response.status !== 204) {
          submitPlainly(form, button.value);
          return;
        }
        banner.remove();
        document.body.style.removeProperty("--cookie-banner-space");
        frame.setAttribute("data-analytics", analytics ? "1" : "0");
        countPageView();
      }, function () {
        submitPlainly(form, button.value);
      });
    });
  }

  watchBanner();
  countPageView();
})();

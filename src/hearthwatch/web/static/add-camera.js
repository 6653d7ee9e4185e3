// "Add a camera": the four ways become tabs, and the QR code can be scanned live with the
// device camera where the browser reads QR codes itself (BarcodeDetector). The camera is
// only requested when the person presses "Scan with camera" (P32); frames never leave the
// browser, and the camera is switched off as soon as a code is read or the page is left.
"use strict";

(function () {
  var SCAN_EVERY_MS = 250;
  var PREFIX = "HWCAM1;";

  function canScan() {
    return (
      "BarcodeDetector" in window &&
      !!(navigator.mediaDevices && navigator.mediaDevices.getUserMedia)
    );
  }

  function Tabs(root) {
    var list = root.querySelector("[data-tab-list]");
    var tabs = Array.prototype.slice.call(list.querySelectorAll("[data-tab]"));
    var panels = {};
    root.querySelectorAll("[data-panel]").forEach(function (panel) {
      panels[panel.getAttribute("data-panel")] = panel;
    });
    root.classList.add("tabs--enhanced");
    list.setAttribute("role", "tablist");
    tabs.forEach(function (tab) {
      var name = tab.getAttribute("data-tab");
      tab.id = "tab-" + name;
      tab.setAttribute("role", "tab");
      tab.setAttribute("aria-controls", panels[name].id);
      panels[name].setAttribute("role", "tabpanel");
      panels[name].setAttribute("tabindex", "-1");
    });

    function select(name, focus) {
      tabs.forEach(function (tab) {
        var chosen = tab.getAttribute("data-tab") === name;
        tab.setAttribute("aria-selected", chosen ? "true" : "false");
        tab.setAttribute("tabindex", chosen ? "0" : "-1");
        panels[tab.getAttribute("data-tab")].hidden = !chosen;
        if (chosen && focus) {
          tab.focus();
        }
      });
      root.dispatchEvent(new CustomEvent("hearthwatch:tab", { detail: { name: name } }));
    }

    list.addEventListener("click", function (event) {
      var tab = event.target.closest("[data-tab]");
      if (tab) {
        event.preventDefault();
        select(tab.getAttribute("data-tab"), true);
        window.history.replaceState(null, "", "#" + panels[tab.getAttribute("data-tab")].id);
      }
    });
    list.addEventListener("keydown", function (event) {
      var at = tabs.indexOf(document.activeElement);
      var moves = { ArrowLeft: at - 1, ArrowRight: at + 1, Home: 0, End: tabs.length - 1 };
      if (at < 0 || !(event.key in moves)) {
        return;
      }
      event.preventDefault();
      select(tabs[(moves[event.key] + tabs.length) % tabs.length].getAttribute("data-tab"), true);
    });
    root.querySelectorAll("[data-tab-link]").forEach(function (link) {
      link.addEventListener("click", function (event) {
        event.preventDefault();
        select(link.getAttribute("data-tab-link"), true);
      });
    });

    function fromHash() {
      var tab = tabs.filter(function (candidate) {
        return candidate.getAttribute("href") === window.location.hash;
      })[0];
      return tab ? tab.getAttribute("data-tab") : null;
    }
    window.addEventListener("hashchange", function () {
      if (fromHash()) {
        select(fromHash(), false);
      }
    });
    var first = root.getAttribute("data-active");
    if (fromHash()) {
      first = fromHash();
    } else if (root.getAttribute("data-chosen") !== "true" && !canScan()) {
      first = "photo"; // where scanning is impossible, a photo is the quickest way
    }
    select(first, false);
  }

  function Scanner(panel) {
    var box = panel.querySelector("[data-scanner]");
    var view = panel.querySelector("[data-scanner-view]");
    var video = panel.querySelector("[data-scanner-video]");
    var status = panel.querySelector("[data-scanner-status]");
    var startButton = panel.querySelector("[data-scan-start]");
    var stopButton = panel.querySelector("[data-scan-stop]");
    var form = panel.querySelector("[data-scan-form]");
    var stream = null;
    var timer = null;
    var detector = null;

    function unsupported() {
      box.hidden = true;
      panel.querySelector("[data-scanner-unsupported]").hidden = false;
    }

    function stop() {
      window.clearTimeout(timer);
      if (stream) {
        stream.getTracks().forEach(function (track) {
          track.stop();
        });
      }
      stream = null;
      video.srcObject = null;
      view.hidden = true;
      stopButton.hidden = true;
      startButton.hidden = false;
    }

    function found(text) {
      stop();
      status.textContent = "Code found. Adding the camera…";
      form.querySelector("input[name=payload]").value = text;
      form.submit();
    }

    function look() {
      detector
        .detect(video)
        .then(function (codes) {
          var ours = codes.filter(function (code) {
            return code.rawValue.indexOf(PREFIX) === 0;
          })[0];
          if (ours) {
            found(ours.rawValue);
            return;
          }
          if (codes.length) {
            status.textContent =
              "That is not a Hearthwatch camera code. Look for the code on the camera’s label.";
          }
          timer = window.setTimeout(look, SCAN_EVERY_MS);
        })
        .catch(function () {
          timer = window.setTimeout(look, SCAN_EVERY_MS);
        });
    }

    function start() {
      status.textContent = "Waiting for permission to use the camera…";
      navigator.mediaDevices
        .getUserMedia({ video: { facingMode: "environment" }, audio: false })
        .then(function (media) {
          stream = media;
          video.srcObject = media;
          view.hidden = false;
          startButton.hidden = true;
          stopButton.hidden = false;
          status.textContent = "Hold the QR code inside the frame.";
          return video.play().then(look);
        })
        .catch(function (error) {
          stop();
          status.textContent =
            error && error.name === "NotAllowedError"
              ? "Camera access was not allowed. You can allow it in your browser’s site settings, or upload a photo of the code instead."
              : error && error.name === "NotFoundError"
                ? "This device has no camera we can use. Upload a photo of the code instead."
                : "The camera could not be started. Upload a photo of the code instead.";
        });
    }

    if (!canScan()) {
      unsupported();
      return;
    }
    window.BarcodeDetector.getSupportedFormats()
      .then(function (formats) {
        if (formats.indexOf("qr_code") < 0) {
          unsupported();
          return;
        }
        detector = new window.BarcodeDetector({ formats: ["qr_code"] });
        box.hidden = false;
      })
      .catch(unsupported);
    startButton.addEventListener("click", start);
    stopButton.addEventListener("click", function () {
      stop();
      status.textContent = "The camera is off.";
    });
    // Never leave the camera on behind the person's back.
    document.addEventListener("visibilitychange", function () {
      if (document.hidden && stream) {
        stop();
      }
    });
    window.addEventListener("pagehide", stop);
    panel.closest("[data-tabs]").addEventListener("hearthwatch:tab", function (event) {
      if (event.detail.name !== "scan" && stream) {
        stop();
      }
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var tabs = document.querySelector("[data-tabs]");
    if (tabs) {
      Scanner(document.querySelector("[data-panel=scan]"));
      Tabs(tabs);
    }
  });
})();

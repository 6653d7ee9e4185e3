// "Add a camera": the four ways become tabs, and the QR code can be scanned live with the
// device camera. Codes are read by the browser itself where it can (BarcodeDetector), else
// by the ZXing decoder served with the page (static/vendor/zxing-library, loaded only then),
// so scanning works in Chromium, Firefox and Safari alike. The camera is only requested when
// the person presses "Scan with camera" (P32); frames never leave the browser, and the
// camera is switched off as soon as a code is read or the page is left.
"use strict";

(function () {
  var SCAN_EVERY_MS = 250;
  var PREFIX = "HWCAM1;";
  var MAX_SIDE = 960; // frames are scaled down to this before decoding: fast enough, sharp enough

  function canUseCamera() {
    return !!(navigator.mediaDevices && navigator.mediaDevices.getUserMedia);
  }

  // A decoder turns the video's current frame into a promise of the texts of its QR codes.
  function nativeDecoder() {
    if (!("BarcodeDetector" in window)) {
      return Promise.resolve(null);
    }
    return window.BarcodeDetector.getSupportedFormats()
      .then(function (formats) {
        if (formats.indexOf("qr_code") < 0) {
          return null;
        }
        var detector = new window.BarcodeDetector({ formats: ["qr_code"] });
        return function (video) {
          return detector.detect(video).then(function (codes) {
            return codes.map(function (code) {
              return code.rawValue;
            });
          });
        };
      })
      .catch(function () {
        return null;
      });
  }

  function loadScript(src) {
    return new Promise(function (resolve, reject) {
      var script = document.createElement("script");
      script.src = src;
      script.onload = resolve;
      script.onerror = reject;
      document.head.appendChild(script);
    });
  }

  function zxingDecoder(src) {
    var loaded = window.ZXing ? Promise.resolve() : loadScript(src);
    return loaded
      .then(function () {
        var ZXing = window.ZXing;
        var reader = new ZXing.QRCodeReader();
        var hints = new Map([[ZXing.DecodeHintType.TRY_HARDER, true]]);
        var canvas = document.createElement("canvas");
        var context = canvas.getContext("2d", { willReadFrequently: true });
        return function (video) {
          var luminance = grey(video, canvas, context);
          if (!luminance) {
            return Promise.resolve([]);
          }
          var source = new ZXing.RGBLuminanceSource(luminance, canvas.width, canvas.height);
          var bitmap = new ZXing.BinaryBitmap(new ZXing.HybridBinarizer(source));
          try {
            return Promise.resolve([reader.decode(bitmap, hints).getText()]);
          } catch (error) {
            return Promise.resolve([]); // no code in this frame (ZXing throws NotFound)
          } finally {
            reader.reset();
          }
        };
      })
      .catch(function () {
        return null;
      });
  }

  // The frame as one byte of brightness per pixel, scaled so its longer side is MAX_SIDE.
  function grey(video, canvas, context) {
    var width = video.videoWidth;
    var height = video.videoHeight;
    if (!width || !height) {
      return null;
    }
    var scale = Math.min(1, MAX_SIDE / Math.max(width, height));
    canvas.width = Math.round(width * scale);
    canvas.height = Math.round(height * scale);
    context.drawImage(video, 0, 0, canvas.width, canvas.height);
    var rgba = context.getImageData(0, 0, canvas.width, canvas.height).data;
    var out = new Uint8ClampedArray(canvas.width * canvas.height);
    for (var i = 0, j = 0; i < out.length; i += 1, j += 4) {
      out[i] = (rgba[j] * 77 + rgba[j + 1] * 150 + rgba[j + 2] * 29) >> 8;
    }
    return out;
  }

  function bestDecoder(fallbackSrc) {
    return nativeDecoder().then(function (decoder) {
      return decoder || zxingDecoder(fallbackSrc);
    });
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
    } else if (root.getAttribute("data-chosen") !== "true" && !canUseCamera()) {
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
    var decode = null;

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

    // The code is read: fill the form and let the person name the camera, then add it.
    function found(text) {
      stop();
      var serial = (/;S=([A-Z0-9]+)/.exec(text) || [])[1] || "";
      form.querySelector("input[name=payload]").value = text;
      form.querySelector("[data-scan-details]").open = true;
      status.textContent =
        "Code read: camera " + serial + ". Give it a name if you like, then press Add camera.";
      // Adding is now the main step; scanning again the alternative.
      var submit = form.querySelector("[data-scan-submit]");
      submit.classList.replace("button--secondary", "button--primary");
      startButton.classList.replace("button--primary", "button--secondary");
      var name = form.querySelector("input[name=name]");
      (name.value ? submit : name).focus();
    }

    function look() {
      if (!stream) {
        return;
      }
      decode(video)
        .then(function (texts) {
          var ours = texts.filter(function (text) {
            return text.indexOf(PREFIX) === 0;
          })[0];
          if (ours) {
            found(ours);
            return;
          }
          if (texts.length) {
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

    if (!canUseCamera()) {
      unsupported();
      return;
    }
    bestDecoder(box.getAttribute("data-decoder-src")).then(function (decoder) {
      if (!decoder) {
        unsupported();
        return;
      }
      decode = decoder;
      box.hidden = false;
    });
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

  // "Test the connection": the typed address looked at through the API, the answer shown in
  // place (a live region) and nothing added. Without this script the same button submits
  // the form to /cameras/add/rtsp/test, which answers with the page.
  var CODECS = { h264: "H.264", hevc: "H.265", h265: "H.265" };
  var SOUNDS = { aac: "AAC", pcm_mulaw: "G.711 \u00b5-law", pcm_alaw: "G.711 A-law" };

  function foundWords(found) {
    var parts = [CODECS[found.codec] || String(found.codec || "unknown").toUpperCase()];
    if (found.width && found.height) {
      parts.push(found.width + " \u00d7 " + found.height);
    }
    if (found.transport) {
      parts.push(found.transport.toUpperCase());
    }
    if (found.audio) {
      parts.push("sound " + (SOUNDS[found.audio] || found.audio.toUpperCase()));
    }
    return parts.join(" \u00b7 ");
  }

  function ConnectionTest(form) {
    var button = form.querySelector("[data-probe-button]");
    var answer = form.querySelector("[data-probe-answer]");

    function show(kind, title, detail) {
      answer.className = "probe-answer probe-answer--" + kind;
      answer.textContent = "";
      [
        ["probe-answer__title", title],
        ["probe-answer__detail", detail],
      ].forEach(function (line) {
        if (line[1]) {
          var p = document.createElement("p");
          p.className = line[0];
          p.textContent = line[1];
          answer.appendChild(p);
        }
      });
    }

    function body() {
      var value = function (name) {
        var input = form.querySelector("[name=" + name + "]");
        return input ? input.value : "";
      };
      var sent = { url: value("url").trim(), rtsp_transport: value("rtsp_transport") || "auto" };
      if (value("username")) {
        sent.username = value("username");
      }
      if (value("password")) {
        sent.password = value("password");
      }
      return sent;
    }

    function answered(response) {
      return response
        .json()
        .catch(function () {
          return {};
        })
        .then(function (found) {
          if (response.ok && found.reached) {
            show("reached", "Reached the camera.", foundWords(found));
          } else if (response.ok) {
            show("failed", found.problem, found.next_step);
          } else {
            var error = found.error || {};
            show("failed", error.message || "The test could not be made. Try again.", "");
          }
        });
    }

    button.addEventListener("click", function (event) {
      event.preventDefault();
      if (button.disabled) {
        return;
      }
      button.disabled = true;
      button.setAttribute("aria-busy", "true");
      show("busy", "Looking at the stream (a few seconds)…", "");
      var csrf = form.querySelector("[name=csrf_token]");
      window
        .fetch("/api/v1/cameras/probe", {
          method: "POST",
          credentials: "same-origin",
          headers: { "content-type": "application/json", "x-csrf-token": csrf ? csrf.value : "" },
          body: JSON.stringify(body()),
        })
        .then(answered)
        .catch(function () {
          show("failed", "The server could not be reached. Check your connection and try again.", "");
        })
        .then(function () {
          button.disabled = false;
          button.removeAttribute("aria-busy");
          button.focus();
        });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var tabs = document.querySelector("[data-tabs]");
    if (tabs) {
      Scanner(document.querySelector("[data-panel=scan]"));
      Tabs(tabs);
    }
    var rtsp = document.querySelector("[data-rtsp-form]");
    if (rtsp) {
      ConnectionTest(rtsp);
    }
  });
})();

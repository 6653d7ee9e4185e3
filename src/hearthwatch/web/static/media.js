// Shared pieces of the camera pages: media tokens, downloads, full screen, and time
// formatting. Everything hangs off window.Hearthwatch; mse.js adds the video plumbing.
"use strict";

(function (hw) {
  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") : "";
  }

  function MediaError(message, status) {
    var error = new Error(message);
    error.status = status || 0;
    return error;
  }

  // Media tokens last a few minutes; a keeper hands out a valid one, asking for a new one
  // well before the old expires (and at once after a refusal, via invalidate()).
  function TokenKeeper(cameraId, scope) {
    this.cameraId = cameraId;
    this.scope = scope;
    this.token = null;
    this.renewAt = 0;
    this.pending = null;
  }

  TokenKeeper.prototype.get = function () {
    if (this.token && Date.now() < this.renewAt) {
      return Promise.resolve(this.token);
    }
    if (!this.pending) {
      this.pending = this.fetchToken().finally(
        function () {
          this.pending = null;
        }.bind(this),
      );
    }
    return this.pending;
  };

  TokenKeeper.prototype.fetchToken = function () {
    var started = Date.now();
    var url = "/api/v1/cameras/" + encodeURIComponent(this.cameraId) + "/media-token";
    return window
      .fetch(url, {
        method: "POST",
        credentials: "same-origin",
        headers: { "content-type": "application/json", "x-csrf-token": csrfToken() },
        body: JSON.stringify({ scope: this.scope }),
      })
      .then(function (response) {
        if (!response.ok) {
          throw MediaError("media token refused", response.status);
        }
        var served = Date.parse(response.headers.get("date") || "");
        return response.json().then(function (body) {
          return { body: body, served: served };
        });
      })
      .then(
        function (answer) {
          // The lifetime is measured against the server's own Date header, and the
          // token renewed after half of it by our clock: a device clock that is off
          // by minutes cannot make us use an expired token.
          var lifetime = (Date.parse(answer.body.expires_at) - answer.served) / 1000;
          var seconds = isFinite(lifetime) ? Math.min(Math.max(lifetime, 20), 3600) : 120;
          this.token = answer.body.token;
          this.renewAt = started + (seconds * 1000) / 2;
          return this.token;
        }.bind(this),
      );
  };

  TokenKeeper.prototype.invalidate = function () {
    this.token = null;
  };

  function pad(value) {
    return (value < 10 ? "0" : "") + value;
  }

  function clock(date) {
    return pad(date.getHours()) + ":" + pad(date.getMinutes()) + ":" + pad(date.getSeconds());
  }

  function stamp(date) {
    return (
      date.getFullYear() +
      pad(date.getMonth() + 1) +
      pad(date.getDate()) +
      "-" +
      clock(date).replace(/:/g, "")
    );
  }

  // Download a Blob under a file name, through a short-lived blob: link.
  function saveBlob(blob, name) {
    var link = document.createElement("a");
    link.href = URL.createObjectURL(blob);
    link.download = name;
    document.body.appendChild(link);
    link.click();
    link.remove();
    window.setTimeout(function () {
      URL.revokeObjectURL(link.href);
    }, 10000);
  }

  function slug(text) {
    return (
      (text || "camera")
        .toLowerCase()
        .replace(/[^a-z0-9]+/g, "-")
        .replace(/^-|-$/g, "") || "camera"
    );
  }

  // A button that shows `target` full screen (and back); hidden where that is impossible.
  function fullScreen(button, target, onFail) {
    if (!button || !target.requestFullscreen) {
      if (button) {
        button.hidden = true;
      }
      return;
    }
    var label = button.querySelector("span");
    button.hidden = false;
    button.addEventListener("click", function () {
      if (document.fullscreenElement) {
        document.exitFullscreen();
      } else {
        target.requestFullscreen().catch(function () {
          onFail("Full screen is not available here.");
        });
      }
    });
    document.addEventListener("fullscreenchange", function () {
      var text = document.fullscreenElement === target ? "Exit full screen" : "Full screen";
      if (label) {
        label.textContent = text;
      }
      button.setAttribute("aria-label", text);
    });
  }

  // The sound button of a player (live or recorded): hidden until the video has sound,
  // off at first, and as this browser last left it from the first click or key on the
  // page (browsers let sound start only after one).
  var SOUND_KEY = "hearthwatch.sound"; // "on" once the viewer turned the sound on
  var SPEAKER = "M3 9h4l5-4v14l-5-4H3z";
  var SOUND_ICONS = {
    off: SPEAKER + "M15.5 9.5l5 5m0-5l-5 5",
    on: SPEAKER + "M15.5 8.5a5 5 0 0 1 0 7M18 6a8.5 8.5 0 0 1 0 12",
  };

  function userActive() {
    return !!(navigator.userActivation && navigator.userActivation.hasBeenActive);
  }

  function SoundButton(root, video) {
    var button = document.createElement("button");
    button.type = "button";
    button.className = "player__button player__sound";
    button.setAttribute("data-sound", "");
    button.hidden = true;
    button.appendChild(soundIcon());
    root.appendChild(button);
    this.button = button;
    this.video = video;
    video.muted = true;
    this.show(false);
    button.addEventListener("click", this.toggle.bind(this));
    // Sound the viewer wanted last time comes back with their first click or key here.
    var again = this.recall.bind(this);
    ["pointerdown", "keydown"].forEach(function (type) {
      document.addEventListener(type, again, { once: true, capture: true });
    });
  }

  function soundIcon() {
    var svg = "http://www.w3.org/2000/svg";
    var icon = document.createElementNS(svg, "svg");
    var attributes = { class: "icon", viewBox: "0 0 24 24", "aria-hidden": "true" };
    Object.keys(attributes).forEach(function (name) {
      icon.setAttribute(name, attributes[name]);
    });
    icon.setAttribute("focusable", "false");
    var path = document.createElementNS(svg, "path");
    var stroke = { fill: "none", stroke: "currentColor", "stroke-width": "2" };
    stroke["stroke-linecap"] = stroke["stroke-linejoin"] = "round";
    Object.keys(stroke).forEach(function (name) {
      path.setAttribute(name, stroke[name]);
    });
    icon.appendChild(path);
    return icon;
  }

  SoundButton.prototype.wanted = function () {
    try {
      return window.localStorage.getItem(SOUND_KEY) === "on";
    } catch (error) {
      return false; // storage refused: off, as at first
    }
  };

  SoundButton.prototype.remember = function (on) {
    try {
      window.localStorage.setItem(SOUND_KEY, on ? "on" : "off");
    } catch (error) {
      // Not remembered: the button still works on this page.
    }
  };

  SoundButton.prototype.show = function (on) {
    var label = on ? "Turn sound off" : "Turn sound on";
    this.video.muted = !on;
    this.button.setAttribute("aria-label", label);
    this.button.setAttribute("aria-pressed", on ? "true" : "false");
    this.button.title = label;
    this.button.querySelector("path").setAttribute("d", SOUND_ICONS[on ? "on" : "off"]);
  };

  SoundButton.prototype.toggle = function () {
    var on = this.video.muted;
    this.remember(on);
    this.show(on);
  };

  SoundButton.prototype.recall = function (event) {
    var fromButton = event.target === this.button;
    if (!this.button.hidden && this.wanted() && this.video.muted && !fromButton) {
      this.show(true);
    }
  };

  // The video has sound (or, after a reconnection, no longer has).
  SoundButton.prototype.available = function (has) {
    this.button.hidden = !has;
    if (!has) {
      this.show(false);
    } else if (this.wanted() && userActive()) {
      this.show(true);
    }
  };

  // What to tell a viewer whose browser cannot play the video (`what`: "camera" for live
  // view, else recordings), from mediaSupport's `lacking`.
  function cannotPlay(lacking, what) {
    if (lacking === "H.265 video") {
      return (
        (what === "camera" ? "This camera sends" : "These recordings are") +
        " H.265 video, which this browser cannot play. Safari, or Chrome and Edge on a " +
        "device that decodes H.265, can; or set the camera to send H.264."
      );
    }
    if (lacking === "Media Source Extensions") {
      return (
        "This browser cannot play this video. Try a current Firefox, Chrome, Edge or Safari."
      );
    }
    var whose = what === "camera" ? "the camera’s " : "the recordings’ ";
    return "This browser cannot play " + whose + lacking + ". Try another browser.";
  }

  hw.SoundButton = SoundButton;
  hw.cannotPlay = cannotPlay;
  hw.fullScreen = fullScreen;
  hw.TokenKeeper = TokenKeeper;
  hw.MediaError = MediaError;
  hw.clock = clock;
  hw.stamp = stamp;
  hw.saveBlob = saveBlob;
  hw.slug = slug;
})((window.Hearthwatch = window.Hearthwatch || {}));

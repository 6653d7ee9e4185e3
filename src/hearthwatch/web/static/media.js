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

  hw.fullScreen = fullScreen;
  hw.TokenKeeper = TokenKeeper;
  hw.MediaError = MediaError;
  hw.clock = clock;
  hw.stamp = stamp;
  hw.saveBlob = saveBlob;
  hw.slug = slug;
})((window.Hearthwatch = window.Hearthwatch || {}));

// My devices and the camera page: start the live players, refresh still pictures of tiles
// when there are many cameras, and the snapshot and full-screen buttons.
"use strict";

(function (hw) {
  var STILL_REFRESH_MS = 10000;
  var players = [];

  // The badges next to a player follow what the player sees (online or offline).
  function followState(scope) {
    scope.addEventListener("hearthwatch:live", function (event) {
      var state = event.detail.state;
      if (state !== "live" && state !== "offline") {
        return;
      }
      showBadges(scope, state === "live");
    });
  }

  function startPlayers() {
    document.querySelectorAll("[data-live-player]").forEach(function (root) {
      var player = new hw.LivePlayer(root);
      players.push(player);
      followState(root.closest("[data-camera-tile]") || document.querySelector("main"));
      player.start();
    });
    // Nobody watches a hidden tab: close the streams, reopen them when it is shown again.
    document.addEventListener("visibilitychange", function () {
      players.forEach(function (player) {
        if (document.hidden) {
          player.stop();
        } else {
          player.start();
        }
      });
    });
  }

  function showBadges(scope, online) {
    scope.querySelectorAll("[data-online-badge]").forEach(function (badge) {
      badge.textContent = online ? "Online" : "Offline";
      badge.classList.toggle("badge--online", online);
      badge.classList.toggle("badge--offline", !online);
    });
    scope.querySelectorAll("[data-rec-badge]").forEach(function (badge) {
      badge.hidden = !online;
    });
  }

  // Many cameras: each tile shows a still picture, refreshed every few seconds, and only
  // cameras the server reports online are asked for one.
  function Still(root) {
    this.root = root;
    this.image = root.querySelector("img");
    this.message = root.querySelector(".player__message");
    this.cameraId = root.getAttribute("data-camera-id");
    this.tokens = new hw.TokenKeeper(this.cameraId, "live");
  }

  Still.prototype.offline = function () {
    this.root.setAttribute("data-state", "offline");
    this.message.textContent = "The camera is offline.";
  };

  Still.prototype.load = function () {
    var self = this;
    this.tokens
      .get()
      .then(function (token) {
        var url =
          "/api/v1/cameras/" + self.cameraId + "/snapshot?token=" + encodeURIComponent(token);
        return window.fetch(url, { credentials: "same-origin" });
      })
      .then(function (response) {
        if (!response.ok) {
          throw hw.MediaError("no picture", response.status);
        }
        return response.blob();
      })
      .then(function (blob) {
        var old = self.image.src;
        self.image.src = URL.createObjectURL(blob);
        self.image.hidden = false;
        self.root.setAttribute("data-state", "live");
        if (old) {
          URL.revokeObjectURL(old);
        }
      })
      .catch(function () {
        self.tokens.invalidate();
        self.offline();
      });
  };

  function startStills(roots) {
    var stills = roots.map(function (root) {
      return new Still(root);
    });
    function refresh() {
      if (document.hidden) {
        return;
      }
      window
        .fetch("/api/v1/cameras", { credentials: "same-origin" })
        .then(function (response) {
          return response.ok ? response.json() : [];
        })
        .then(function (cameras) {
          var online = {};
          cameras.forEach(function (camera) {
            online[camera.id] = camera.online;
          });
          stills.forEach(function (still) {
            showBadges(still.root.closest("[data-camera-tile]"), !!online[still.cameraId]);
            if (online[still.cameraId]) {
              still.load();
            } else {
              still.offline();
            }
          });
        })
        .catch(function () {
          // Try again at the next refresh.
        });
    }
    if (stills.length) {
      refresh();
      window.setInterval(refresh, STILL_REFRESH_MS);
    }
  }

  function note(text) {
    var output = document.querySelector("[data-player-note]");
    if (output) {
      output.textContent = text;
    }
  }

  function liveSnapshot(button) {
    var player = document.querySelector("[data-live-player]");
    var cameraId = player.getAttribute("data-camera-id");
    var name = hw.slug(document.querySelector("h1").textContent);
    var tokens = new hw.TokenKeeper(cameraId, "live");
    button.addEventListener("click", function () {
      button.disabled = true;
      note("Taking a snapshot…");
      tokens
        .get()
        .then(function (token) {
          var url = "/api/v1/cameras/" + cameraId + "/snapshot?token=" + encodeURIComponent(token);
          return window.fetch(url, { credentials: "same-origin" });
        })
        .then(function (response) {
          if (!response.ok) {
            throw hw.MediaError("no snapshot", response.status);
          }
          return response.blob();
        })
        .then(function (blob) {
          hw.saveBlob(blob, name + "-" + hw.stamp(new Date()) + ".jpg");
          note("Snapshot saved to your downloads.");
        })
        .catch(function (error) {
          tokens.invalidate();
          note(
            error.status === 404
              ? "No snapshot: the camera is offline."
              : "The snapshot failed. Try again.",
          );
        })
        .finally(function () {
          button.disabled = false;
        });
    });
  }

  var CODECS = { h264: "H.264", hevc: "H.265", h265: "H.265" };

  function describeVideo(stream) {
    if (!stream.codec) {
      return "Not known yet";
    }
    var size =
      stream.width && stream.height ? stream.width + " × " + stream.height : "unknown size";
    var rate = stream.fps ? Math.round(stream.fps * 100) / 100 + " fps" : "unknown frame rate";
    return (CODECS[stream.codec] || stream.codec.toUpperCase()) + " · " + size + " · " + rate;
  }

  // Keep the details panel current: status, last seen and the stream's format.
  function followDetails(cameraId) {
    var fields = {};
    document.querySelectorAll("[data-detail]").forEach(function (field) {
      fields[field.getAttribute("data-detail")] = field;
    });
    function refresh() {
      window
        .fetch("/api/v1/cameras/" + cameraId, { credentials: "same-origin" })
        .then(function (response) {
          return response.ok ? response.json() : null;
        })
        .then(function (camera) {
          if (!camera) {
            return;
          }
          // The real reason and what to do about it (issue 12 item 5), as the page said it.
          fields.status.textContent = camera.online
            ? "Online"
            : camera.problem
              ? "Offline: " + camera.problem
              : "Offline: connecting to the camera…";
          var seen = camera.last_seen_at ? new Date(camera.last_seen_at).toLocaleString() : "Never";
          fields["last-seen"].textContent = camera.online ? "Now" : seen;
          fields.video.textContent = describeVideo(camera.stream);
        })
        .catch(function () {
          // The next refresh will try again.
        });
    }
    document.addEventListener("hearthwatch:live", function (event) {
      if (event.detail.state === "live" || event.detail.state === "offline") {
        refresh();
      }
    });
    window.setInterval(refresh, 15000);
  }

  document.addEventListener("DOMContentLoaded", function () {
    startPlayers();
    startStills(Array.prototype.slice.call(document.querySelectorAll("[data-live-still]")));
    var bar = document.querySelector("[data-player-bar]");
    if (bar) {
      bar.hidden = false;
      liveSnapshot(bar.querySelector("[data-snapshot]"));
      var player = document.querySelector("[data-live-player]");
      hw.fullScreen(player.querySelector("[data-fullscreen]"), player, note);
      followDetails(player.getAttribute("data-camera-id"));
    }
  });
})((window.Hearthwatch = window.Hearthwatch || {}));

// The live player: fMP4 over a WebSocket into Media Source Extensions, kept near the
// live edge for low latency. The socket sends an init segment, then one fragment per frame
// starting at the last keyframe; fragment times are wall-clock seconds, so the player knows
// how far behind real time it is and catches up by jumping or playing a little faster.
"use strict";

(function (hw) {
  var TARGET_BEHIND = 0.15; // seconds of video kept ahead of the play position
  var CATCH_UP_BEHIND = 0.3; // more than this: play a little faster
  var JUMP_BEHIND = 0.9; // more than this: jump to the live edge
  var KEEP_SECONDS = 8; // video kept behind the play position (older is removed)
  var STALL_MS = 8000; // no frame for this long: reconnect
  var RETRY_MS = [1000, 2000, 4000, 8000, 15000, 30000];
  var LATENCY_SAMPLES = 75;

  function LivePlayer(root) {
    this.root = root;
    this.video = root.querySelector("video");
    this.message = root.querySelector(".player__message");
    this.cameraId = root.getAttribute("data-camera-id");
    this.tokens = new hw.TokenKeeper(this.cameraId, "live");
    this.session = null;
    this.stopped = true;
    this.attempt = 0;
    this.refusals = 0;
    this.latencies = [];
    this.retryTimer = null;
    this.watchdog = window.setInterval(this.check.bind(this), 1000);
  }

  LivePlayer.prototype.start = function () {
    if (this.stopped) {
      this.stopped = false;
      this.connect();
    }
  };

  LivePlayer.prototype.stop = function () {
    this.stopped = true;
    window.clearTimeout(this.retryTimer);
    this.close();
  };

  LivePlayer.prototype.setState = function (state, text) {
    this.root.setAttribute("data-state", state);
    if (this.message && text !== undefined) {
      this.message.textContent = text;
    }
    this.root.dispatchEvent(
      new CustomEvent("hearthwatch:live", { bubbles: true, detail: { state: state } }),
    );
  };

  LivePlayer.prototype.connect = function () {
    if (this.root.getAttribute("data-state") !== "live") {
      this.setState("connecting", "Connecting…");
    }
    this.tokens.get().then(this.open.bind(this), this.refused.bind(this));
  };

  LivePlayer.prototype.refused = function (error) {
    if (error.status === 401 || error.status === 403) {
      this.setState("ended", "Your sign-in has ended. Reload the page to sign in again.");
      this.stop();
    } else if (error.status === 404) {
      this.setState("ended", "This camera is no longer in your account.");
      this.stop();
    } else {
      this.retry("Cannot reach the server. Trying again…");
    }
  };

  LivePlayer.prototype.open = function (token) {
    if (this.stopped) {
      return;
    }
    var scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
    var path = "/api/v1/cameras/" + encodeURIComponent(this.cameraId) + "/live?token=";
    var socket = new WebSocket(scheme + window.location.host + path + encodeURIComponent(token));
    var session = { socket: socket, source: null, queue: null, base: null, pending: [], count: 0 };
    session.lastData = Date.now();
    socket.binaryType = "arraybuffer";
    socket.onmessage = this.receive.bind(this, session);
    socket.onclose = this.closed.bind(this, session);
    this.session = session;
  };

  LivePlayer.prototype.receive = function (session, event) {
    if (session !== this.session) {
      return;
    }
    session.lastData = Date.now();
    if (!session.source) {
      this.setUp(session, event.data);
    } else if (!session.queue) {
      session.pending.push(event.data);
    } else {
      this.appendFragment(session, event.data);
    }
  };

  LivePlayer.prototype.setUp = function (session, init) {
    var type = hw.supportedType(init);
    if (!type) {
      this.setState("ended", "This browser cannot play the camera’s video.");
      this.stop();
      return;
    }
    var source = new MediaSource();
    var url = URL.createObjectURL(source);
    session.source = source;
    source.addEventListener(
      "sourceopen",
      function () {
        URL.revokeObjectURL(url);
        if (session !== this.session) {
          return;
        }
        var buffer = source.addSourceBuffer(type);
        session.queue = new hw.AppendQueue(buffer, this.failed.bind(this, session));
        session.queue.append(init);
        session.pending.splice(0).forEach(this.appendFragment.bind(this, session));
      }.bind(this),
      { once: true },
    );
    this.video.src = url;
  };

  LivePlayer.prototype.appendFragment = function (session, data) {
    if (session.base === null) {
      var seconds = hw.decodeSeconds(data);
      if (seconds === null) {
        return;
      }
      // Media time 0 is the first frame received: small numbers, and the wall-clock time
      // of any frame is base + media time.
      session.base = seconds;
      session.queue.push(function (buffer) {
        buffer.timestampOffset = -seconds;
      });
    }
    session.queue.append(data, this.appended.bind(this, session));
  };

  LivePlayer.prototype.appended = function (session) {
    if (session !== this.session) {
      return;
    }
    session.count += 1;
    if (this.root.getAttribute("data-state") !== "live") {
      this.attempt = 0;
      this.refusals = 0;
      this.setState("live", "");
    }
    this.keepUp(session);
    if (session.count % 50 === 0) {
      this.trim(session);
    }
  };

  // Stay close behind the newest frame: jump when far behind, else speed up gently.
  LivePlayer.prototype.keepUp = function (session) {
    var video = this.video;
    var ranges = video.buffered;
    if (!ranges.length) {
      return;
    }
    var last = ranges.length - 1;
    var end = ranges.end(last);
    var behind = end - video.currentTime;
    // The first frames are the backlog since the last keyframe: start at their end.
    if (!session.started || behind > JUMP_BEHIND || video.currentTime < ranges.start(last)) {
      if (!session.started) {
        this.latencies = [];
      }
      session.started = true;
      video.currentTime = Math.max(ranges.start(last), end - TARGET_BEHIND);
      video.playbackRate = 1;
    } else if (behind > CATCH_UP_BEHIND) {
      video.playbackRate = 1.2;
    } else if (behind <= TARGET_BEHIND) {
      video.playbackRate = 1;
    }
    if (video.paused) {
      video.play().catch(function () {
        // Autoplay refused: the picture stays on the first frame until a click.
      });
    }
    this.measure(session);
  };

  LivePlayer.prototype.measure = function (session) {
    var behindNow = Date.now() / 1000 - (session.base + this.video.currentTime);
    this.latencies.push(behindNow);
    if (this.latencies.length > LATENCY_SAMPLES) {
      this.latencies.shift();
    }
    var sorted = this.latencies.slice().sort(function (a, b) {
      return a - b;
    });
    this.root.setAttribute(
      "data-latency-ms",
      String(Math.round(sorted[sorted.length >> 1] * 1000)),
    );
  };

  LivePlayer.prototype.trim = function (session) {
    var video = this.video;
    var ranges = video.buffered;
    var until = video.currentTime - KEEP_SECONDS;
    if (ranges.length && until > ranges.start(0) + 1) {
      session.queue.push(function (buffer) {
        buffer.remove(0, until);
      });
    }
  };

  LivePlayer.prototype.failed = function (session, error) {
    if (session !== this.session) {
      return;
    }
    if (window.console) {
      window.console.warn("live video failed:", error);
    }
    this.close();
    this.retry("The video stopped. Reconnecting…");
  };

  LivePlayer.prototype.closed = function (session, event) {
    if (session !== this.session) {
      return;
    }
    this.session = null;
    if (this.stopped) {
      return;
    }
    if (event.code === 4404) {
      this.setState("offline", "The camera is offline. We keep trying…");
      this.retry();
    } else if (event.code === 4401) {
      this.tokens.invalidate();
      this.refusals += 1;
      if (this.refusals > 2) {
        this.setState("ended", "You can no longer watch this camera. Reload the page.");
        this.stop();
      } else {
        this.retry("Checking your access…", 0);
      }
    } else {
      this.retry("Connection lost. Reconnecting…");
    }
  };

  LivePlayer.prototype.retry = function (text, delay) {
    if (this.stopped) {
      return;
    }
    if (text) {
      this.setState(
        this.root.getAttribute("data-state") === "offline" ? "offline" : "connecting",
        text,
      );
    }
    var wait = delay !== undefined ? delay : RETRY_MS[Math.min(this.attempt, RETRY_MS.length - 1)];
    this.attempt += 1;
    window.clearTimeout(this.retryTimer);
    this.retryTimer = window.setTimeout(this.connect.bind(this), wait);
  };

  LivePlayer.prototype.close = function () {
    var session = this.session;
    this.session = null;
    if (session) {
      session.socket.onclose = null;
      session.socket.onmessage = null;
      session.socket.close();
    }
  };

  // Reconnect a socket that went quiet; keep playing when the tab comes back.
  LivePlayer.prototype.check = function () {
    var session = this.session;
    if (session && Date.now() - session.lastData > STALL_MS) {
      this.close();
      this.retry("The picture froze. Reconnecting…");
    } else if (session && session.queue) {
      this.keepUp(session);
    }
  };

  hw.LivePlayer = LivePlayer;
})((window.Hearthwatch = window.Hearthwatch || {}));

// The live player. WebRTC first (live-webrtc.js): the camera's own H.264, forwarded by the
// server without re-encoding and played by the browser's WebRTC stack. Where WebRTC is
// missing, cannot connect or shows no frame within a few seconds, fMP4 over a WebSocket
// into Media Source Extensions, kept near the live edge for low latency: the
// socket sends an init segment, then one fragment per frame starting at the last keyframe;
// fragment times are wall-clock seconds, so the player knows how far behind real time it
// is and catches up by jumping or playing a little faster. A caption names the transport.
// When the camera has sound, a button turns it on and off (media.js). A camera sending H.265
// is watched through its H.264 sub-stream where the browser cannot play H.265 (always over
// WebRTC; over the WebSocket when Media Source Extensions lack it) and the camera has one;
// a second caption says so ("Sub-stream, H.264 640×360").
// A WebRTC picture that stops (no frame shown for ~1.2 s, e.g. the camera rebooted)
// says "Reconnecting…" and starts a new session at once.
"use strict";

(function (hw) {
  var TARGET_BEHIND = 0.15; // seconds of video kept ahead of the play position
  var CATCH_UP_BEHIND = 0.3; // more than this: play a little faster
  var JUMP_BEHIND = 0.9; // more than this: jump to the live edge
  var KEEP_SECONDS = 8; // video kept behind the play position (older is removed)
  var STALL_MS = 8000; // no frame for this long: reconnect
  // A visible WebRTC picture with no new frame for this long (or four frame intervals of a
  // slow camera) reconnects too.
  var PEER_STALL_MS = 1200;
  var CHECK_MS = 200;
  var H265 = 'video/mp4; codecs="hvc1.1.6.L93.B0"';
  var CODECS = { h264: "H.264", hevc: "H.265", h265: "H.265" };
  var RETRY_MS = [1000, 2000, 4000, 8000, 15000, 30000];
  var LATENCY_SAMPLES = 75;
  var FIRST_FRAME_MS = 4000; // WebRTC with no frame by then: use the WebSocket instead
  var SIGNAL_MS = 15000; // no answer to the offer by then: use the WebSocket instead
  var TRANSPORTS = { webrtc: "WebRTC", websocket: "WebSocket" };

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
    this.reconnecting = false; // a picture stopped: say so until one moves again
    // Cleared for the rest of the page's life once WebRTC failed to show a picture.
    this.webrtc = typeof window.RTCPeerConnection === "function";
    this.caption = transportCaption(root);
    this.streamCaption = streamCaption(root);
    // A tile stays silent (many cameras at once would be a din); its camera page has sound.
    this.sound = root.classList.contains("player--tile")
      ? { available: function () {} }
      : new hw.SoundButton(root, this.video);
    this.watchdog = window.setInterval(this.check.bind(this), CHECK_MS);
  }

  function streamCaption(root) {
    var caption = document.createElement("p");
    caption.className = "player__transport player__stream";
    caption.setAttribute("data-live-stream", "");
    caption.style.bottom = "2.4rem"; // above the transport's caption (CSSOM: CSP allows it)
    caption.hidden = true;
    root.appendChild(caption);
    return caption;
  }

  // Which of the camera's streams is shown, when it is not the main one.
  LivePlayer.prototype.showStream = function (session, info) {
    if (session !== this.session) {
      return;
    }
    var sub = info && info.stream === "sub";
    this.root.setAttribute("data-stream", sub ? "sub" : "main");
    this.streamCaption.hidden = !sub;
    if (sub) {
      var codec = CODECS[info.codec] || String(info.codec || "").toUpperCase();
      var size = info.width && info.height ? " " + info.width + "×" + info.height : "";
      this.streamCaption.textContent = "Sub-stream, " + codec + size;
    }
  };

  function playsH265() {
    return Boolean(window.MediaSource && window.MediaSource.isTypeSupported(H265));
  }

  function transportCaption(root) {
    var caption = root.querySelector("[data-live-transport]");
    if (!caption) {
      caption = document.createElement("p");
      caption.className = "player__transport";
      caption.setAttribute("data-live-transport", "");
      caption.hidden = true;
      root.appendChild(caption);
    }
    return caption;
  }

  LivePlayer.prototype.showTransport = function (kind) {
    this.root.setAttribute("data-transport", kind);
    this.caption.textContent = TRANSPORTS[kind];
    this.caption.hidden = false;
  };

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
    if (this.reconnecting) {
      this.setState("connecting", "Reconnecting…"); // until a picture moves again
    } else if (this.root.getAttribute("data-state") !== "live") {
      this.setState("connecting", "Connecting…");
    }
    if (this.webrtc) {
      this.openPeer(this.tokens.get()); // the offer is made while the token comes
    } else {
      this.tokens.get().then(this.openSocket.bind(this), this.refused.bind(this));
    }
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

  // WebRTC: a receive-only H.264 offer (with its ICE candidates) posted with the media
  // token; the answer starts the stream.
  LivePlayer.prototype.openPeer = function (tokenComing) {
    try {
      this.session = new hw.PeerSession(this.cameraId, this.video, tokenComing, {
        frame: this.frameShown.bind(this),
        failed: this.peerFailed.bind(this),
        lost: this.peerLost.bind(this),
        sound: this.soundArrived.bind(this),
        stream: this.showStream.bind(this),
        // While a picture that stopped is awaited, the offer goes out whatever the camera's
        // status says (the server holds the stream through a short outage).
        skipIfOffline: !this.reconnecting,
      });
    } catch (error) {
      this.fallBack(null, error);
    }
  };

  LivePlayer.prototype.frameShown = function (session, metadata) {
    if (session !== this.session) {
      return;
    }
    if (session.frames === 1) {
      this.latencies = [];
      this.attempt = 0;
      this.refusals = 0;
      this.showTransport("webrtc");
      this.reconnecting = false;
      this.setState("live", "");
    }
    // From the frame's capture where the browser knows it, else from its arrival: this
    // leaves out the way from the camera, which the WebSocket's figure includes (there the
    // server stamps each fragment with the wall-clock time the ingest got it).
    var since = metadata && (metadata.captureTime || metadata.receiveTime);
    if (since) {
      this.noteLatency((metadata.expectedDisplayTime - since) / 1000);
    }
  };

  LivePlayer.prototype.soundArrived = function (session) {
    if (session === this.session) {
      this.sound.available(true);
    }
  };

  LivePlayer.prototype.peerLost = function (session, state) {
    if (session !== this.session) {
      return;
    }
    if (!session.frames) {
      this.fallBack(session, new Error("WebRTC connection " + state));
    } else {
      this.close();
      this.retry("Connection lost. Reconnecting…");
    }
  };

  LivePlayer.prototype.peerFailed = function (session, error) {
    if (session !== this.session) {
      return;
    }
    if (error.tokenRefused) {
      this.close();
      this.refused(error);
    } else if (error.status === 401 || error.status === 403 || error.status === 404) {
      this.close();
      this.lost(error.status === 404 ? 4404 : 4401);
    } else {
      this.fallBack(session, error);
    }
  };

  // WebRTC did not work here: the WebSocket from now on.
  LivePlayer.prototype.fallBack = function (session, error) {
    if (session !== this.session) {
      return;
    }
    if (window.console) {
      window.console.warn("live video over WebRTC failed, using the WebSocket:", error);
    }
    this.webrtc = false;
    this.close();
    if (!this.stopped) {
      this.connect();
    }
  };

  LivePlayer.prototype.openSocket = function (token) {
    if (this.stopped) {
      return;
    }
    var scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
    var path = "/api/v1/cameras/" + encodeURIComponent(this.cameraId) + "/live?";
    // The sub-stream is asked for where H.265 cannot play; the server sends it only when
    // the main stream is H.265 and the camera has one.
    var query = (playsH265() ? "" : "stream=sub&") + "token=" + encodeURIComponent(token);
    var socket = new WebSocket(scheme + window.location.host + path + query);
    var session = {
      kind: "websocket",
      socket: socket,
      source: null,
      queue: null,
      base: null,
      pending: [],
      count: 0,
    };
    session.lastData = Date.now();
    socket.binaryType = "arraybuffer";
    socket.onmessage = this.receive.bind(this, session);
    socket.onclose = this.closed.bind(this, session);
    this.session = session;
    this.showStream(session, null); // the main stream unless the server says otherwise
  };

  LivePlayer.prototype.receive = function (session, event) {
    if (session !== this.session) {
      return;
    }
    session.lastData = Date.now();
    if (typeof event.data === "string") {
      this.showStream(session, JSON.parse(event.data)); // which stream comes next
    } else if (!session.source) {
      this.setUp(session, event.data);
    } else if (!session.queue) {
      session.pending.push(event.data);
    } else {
      this.appendFragment(session, event.data);
    }
  };

  LivePlayer.prototype.setUp = function (session, init) {
    var support = hw.mediaSupport(init);
    var type = support.type;
    if (!type) {
      this.root.setAttribute("data-lacking", support.lacking);
      this.setState("ended", hw.cannotPlay(support.lacking, "camera"));
      this.stop();
      return;
    }
    this.root.setAttribute("data-media-type", type);
    this.sound.available(support.sound);
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
    if (session.count === 1) {
      this.showTransport("websocket");
    }
    if (this.root.getAttribute("data-state") !== "live") {
      this.reconnecting = false;
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
    this.noteLatency(Date.now() / 1000 - (session.base + this.video.currentTime));
  };

  // The median of the recent latencies (in seconds), shown as data-latency-ms.
  LivePlayer.prototype.noteLatency = function (behindNow) {
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
    this.lost(event.code);
  };

  // The stream ended with a WebSocket close code (WebRTC refusals are mapped onto them).
  LivePlayer.prototype.lost = function (code) {
    if (this.stopped) {
      return;
    }
    if (code === 4404) {
      this.setState("offline", "The camera is offline. We keep trying…");
      this.retry();
    } else if (code === 4401) {
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
    if (session && session.kind === "webrtc") {
      session.close();
    } else if (session) {
      session.socket.onclose = null;
      session.socket.onmessage = null;
      session.socket.close();
    }
  };

  // Reconnect a stream that went quiet; keep playing when the tab comes back.
  LivePlayer.prototype.check = function () {
    var session = this.session;
    if (session && session.kind === "webrtc") {
      this.checkPeer(session);
    } else if (session && Date.now() - session.lastData > STALL_MS) {
      this.close();
      this.retry("The picture froze. Reconnecting…");
    } else if (session && session.queue) {
      this.keepUp(session);
    }
  };

  LivePlayer.prototype.checkPeer = function (session) {
    session.poll();
    var now = Date.now();
    // A hidden page may show no frames without anything being wrong.
    var stall =
      document.visibilityState === "hidden"
        ? STALL_MS
        : Math.max(PEER_STALL_MS, 4 * (session.frameGap || 0));
    if (session.frames || session.shown) {
      if (now - session.lastData > stall) {
        this.close();
        this.reconnecting = true;
        this.retry(undefined, 0);
      }
    } else if (
      session.answered
        ? now - session.answered > FIRST_FRAME_MS
        : now - session.opened > SIGNAL_MS
    ) {
      this.fallBack(session, new Error("no picture over WebRTC"));
    }
  };

  hw.LivePlayer = LivePlayer;
})((window.Hearthwatch = window.Hearthwatch || {}));

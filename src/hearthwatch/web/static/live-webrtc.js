// Live video over WebRTC, the live player's first choice: a receive-only H.264 offer (with
// a receive-only audio section for the camera's sound), posted with a live media token to
// /api/v1/cameras/{id}/webrtc; the answer starts the camera's H.264 (and its sound as
// Opus or G.711, when it has any), which the browser's WebRTC stack plays in the <video>.
// The player decides what to do about failures. A camera whose main stream is H.265 (which
// WebRTC here does not carry) is watched through its H.264 sub-stream when it has one: the
// answer's Hearthwatch-Live-Stream header says which stream comes ("sub; codec=h264;
// width=640; height=360").
"use strict";

(function (hw) {
  var ICE_GATHER_MS = 2000; // send the offer with the candidates gathered by then

  // One attempt. `events` are called with this session first: frame(metadata or null) for
  // each frame shown, failed(error) when the offer could not be made or was refused
  // (error.status from the server, error.tokenRefused without a media token), lost(state)
  // when the connection failed or was closed, sound() when the camera's sound comes, and
  // stream(info) with the answer's description of the stream sent.
  // Throws where WebRTC is unusable.
  function PeerSession(cameraId, video, tokenComing, events) {
    this.kind = "webrtc";
    this.video = video;
    this.events = events;
    this.opened = Date.now();
    this.lastData = this.opened;
    this.answered = 0;
    this.frames = 0;
    this.shown = 0;
    this.tracked = false;
    this.closed = false;
    this.stream = new MediaStream();
    this.peer = new window.RTCPeerConnection();
    preferH264(this.peer.addTransceiver("video", { direction: "recvonly" }));
    this.peer.addTransceiver("audio", { direction: "recvonly" });
    this.peer.ontrack = this.track.bind(this);
    this.peer.onconnectionstatechange = this.stateChanged.bind(this);
    this.negotiate(cameraId, tokenComing);
  }

  // The offer is made while the token comes, and while the camera's codec is looked up:
  // WebRTC here carries no H.265, so for such a camera the offer is not even sent.
  PeerSession.prototype.negotiate = function (cameraId, tokenComing) {
    var self = this;
    var peer = this.peer;
    var token = tokenComing.catch(function (error) {
      error.tokenRefused = true;
      throw error;
    });
    var offered = peer
      .createOffer()
      .then(function (offer) {
        return peer.setLocalDescription(offer);
      })
      .then(function () {
        return gathered(peer);
      });
    Promise.all([token, offered, carried(cameraId, this.events.skipIfOffline)])
      .then(function (ready) {
        return postOffer(cameraId, ready[0], peer.localDescription);
      })
      .then(function (answer) {
        if (self.closed) {
          return undefined;
        }
        return peer.setRemoteDescription(answer).then(function () {
          self.answered = Date.now();
          self.events.stream(self, answer.stream);
        });
      })
      .catch(function (error) {
        if (!self.closed) {
          self.events.failed(self, error);
        }
      });
  };

  PeerSession.prototype.track = function (event) {
    if (this.closed) {
      return;
    }
    var video = this.video;
    var self = this;
    // Picture and sound in one stream, however the server grouped them, so that the
    // browser keeps them in step.
    this.stream.addTrack(event.track);
    if (event.track.kind === "audio") {
      this.events.sound(this);
      return;
    }
    this.tracked = true;
    // A track the server ended (the camera went away) stops at once, without waiting for
    // the player to see that no frame comes.
    event.track.addEventListener("ended", this.ended.bind(this));
    event.track.addEventListener("mute", this.ended.bind(this));
    this.shown = video.getVideoPlaybackQuality().totalVideoFrames;
    video.srcObject = this.stream;
    video.play().catch(function () {
      // Autoplay refused: the picture stays on the first frame until a click.
    });
    if (!video.requestVideoFrameCallback) {
      return; // poll() notices the frames instead
    }
    function presented(now, metadata) {
      if (!self.closed) {
        self.frameShown(metadata);
        video.requestVideoFrameCallback(presented);
      }
    }
    video.requestVideoFrameCallback(presented);
  };

  PeerSession.prototype.frameShown = function (metadata) {
    var now = Date.now();
    if (this.frames) {
      // The usual time between frames (a moving average), for a slow camera's stall check.
      this.frameGap = 0.9 * (this.frameGap || now - this.lastData) + 0.1 * (now - this.lastData);
    }
    this.frames += 1;
    this.lastData = now;
    this.events.frame(this, metadata);
  };

  PeerSession.prototype.ended = function () {
    if (!this.closed && this.frames) {
      this.lastData = 0; // the player's next check reconnects
    }
  };

  PeerSession.prototype.stateChanged = function () {
    var state = this.peer.connectionState;
    if (!this.closed && (state === "failed" || state === "closed")) {
      this.events.lost(this, state);
    }
  };

  // Called now and then: notices decoded frames (and reports them where the browser has no
  // requestVideoFrameCallback).
  PeerSession.prototype.poll = function () {
    var decoded = this.video.getVideoPlaybackQuality().totalVideoFrames;
    if (this.tracked && decoded > this.shown) {
      this.shown = decoded;
      this.lastData = Date.now();
      if (!this.video.requestVideoFrameCallback) {
        this.frameShown(null);
      }
    }
  };

  PeerSession.prototype.close = function () {
    this.closed = true;
    this.peer.ontrack = null;
    this.peer.onconnectionstatechange = null;
    this.peer.close();
    this.video.srcObject = null;
  };

  function preferH264(transceiver) {
    var capabilities =
      window.RTCRtpReceiver && window.RTCRtpReceiver.getCapabilities
        ? window.RTCRtpReceiver.getCapabilities("video")
        : null;
    if (!capabilities || !transceiver.setCodecPreferences) {
      return;
    }
    var h264 = capabilities.codecs.filter(function (codec) {
      return /^video\/h264$/i.test(codec.mimeType);
    });
    if (h264.length) {
      transceiver.setCodecPreferences(h264);
    }
  }

  // Resolves once the offer holds a first candidate (or gathering ended, or ICE_GATHER_MS
  // passed). One is enough: the server learns the browser's other addresses from its
  // connectivity checks, and waiting for all of them costs about 100 ms.
  function gathered(peer) {
    return new Promise(function (resolve) {
      var timer = window.setTimeout(done, ICE_GATHER_MS);
      function done() {
        window.clearTimeout(timer);
        peer.removeEventListener("icecandidate", changed);
        peer.removeEventListener("icegatheringstatechange", changed);
        resolve();
      }
      function changed(event) {
        if ((event && event.candidate) || peer.iceGatheringState === "complete") {
          done();
        }
      }
      peer.addEventListener("icecandidate", changed);
      peer.addEventListener("icegatheringstatechange", changed);
      changed(null);
    });
  }

  var NOT_CARRIED = { hevc: true, h265: true };

  // Resolves when the camera's codec can go over WebRTC (or is not known yet), or it has a
  // sub-stream the server sends instead; rejects for a codec that cannot, so the player
  // turns to the WebSocket without asking the server. With `skipIfOffline`, a camera the
  // API says is offline is refused here as the server would (404), without an offer whose
  // refusal the console would log.
  function carried(cameraId, skipIfOffline) {
    return window
      .fetch("/api/v1/cameras/" + encodeURIComponent(cameraId), { credentials: "same-origin" })
      .then(function (response) {
        return response.ok ? response.json() : null;
      })
      .catch(function () {
        return null; // the server will say
      })
      .then(function (camera) {
        if (skipIfOffline && camera && camera.online === false) {
          throw hw.MediaError("camera offline", 404);
        }
        var codec = camera && camera.stream && camera.stream.codec;
        if (codec && NOT_CARRIED[codec] && !camera.has_sub_stream) {
          throw new Error("WebRTC here carries no " + codec);
        }
      });
  }

  function postOffer(cameraId, token, offer) {
    var path = "/api/v1/cameras/" + encodeURIComponent(cameraId) + "/webrtc?token=";
    return window
      .fetch(path + encodeURIComponent(token), {
        method: "POST",
        credentials: "same-origin",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ sdp: offer.sdp, type: offer.type }),
      })
      .then(function (response) {
        if (!response.ok) {
          throw hw.MediaError("offer refused", response.status);
        }
        var stream = streamInfo(response.headers.get("hearthwatch-live-stream"));
        return response.json().then(function (answer) {
          return { type: answer.type, sdp: answer.sdp, stream: stream };
        });
      });
  }

  // "sub; codec=h264; width=640; height=360" as {stream, codec, width, height}.
  function streamInfo(header) {
    var parts = (header || "main").split(";");
    var info = { stream: parts[0].trim() };
    parts.slice(1).forEach(function (part) {
      var pair = part.split("=");
      var value = (pair[1] || "").trim();
      info[pair[0].trim()] = /^\d+$/.test(value) ? Number(value) : value;
    });
    return info;
  }

  hw.PeerSession = PeerSession;
})((window.Hearthwatch = window.Hearthwatch || {}));

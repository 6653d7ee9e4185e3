// Plays a day of recorded segments as one continuous video through Media Source
// Extensions. Each segment is a small fMP4 (init + one fragment) whose decode time is
// absolute, so segments land at their true place on the timeline; the source buffer's
// offset makes media time "seconds since the day's local midnight". Segments are fetched in
// order a few at a time, old video is dropped behind the play position, and gaps between
// recordings are skipped.
"use strict";

(function (hw) {
  var AHEAD_SECONDS = 24; // keep this much video fetched ahead of the play position
  var PREFETCH = 3; // segments fetched at the same time
  var KEEP_BEHIND = 30; // seconds kept behind the play position
  var NEAR_END = 0.3; // this close to the end of buffered video: jump over the gap

  function SegmentPlayer(video, options) {
    this.video = video;
    this.cameraId = options.cameraId;
    this.tokens = options.tokens;
    this.dayStart = options.dayStart; // seconds since the epoch
    this.length = options.length;
    this.onState = options.onState;
    this.onTime = options.onTime;
    this.segments = [];
    this.next = 0;
    this.fetches = {};
    this.generation = 0;
    this.busy = null;
    this.target = null;
    this.wanted = false;
    this.ended = false;
    this.queue = null;
    this.source = new MediaSource();
    this.opened = new Promise(
      function (resolve) {
        this.source.addEventListener("sourceopen", resolve, { once: true });
      }.bind(this),
    );
    var url = URL.createObjectURL(this.source);
    this.opened.then(function () {
      URL.revokeObjectURL(url);
    });
    video.src = url;
    video.addEventListener(
      "waiting",
      function () {
        if (!this.ended) {
          this.onState("loading");
        }
      }.bind(this),
    );
    video.addEventListener(
      "playing",
      function () {
        this.onState("playing");
      }.bind(this),
    );
    window.setInterval(this.tick.bind(this), 200);
  }

  // New or refreshed segment list ({id, start, end} in seconds since midnight, in order).
  SegmentPlayer.prototype.load = function (segments) {
    var appended = this.next > 0 ? this.segments[this.next - 1].id : null;
    this.segments = segments;
    var index = segments.findIndex(function (segment) {
      return segment.id === appended;
    });
    this.next = index + 1;
  };

  SegmentPlayer.prototype.position = function () {
    return this.target !== null ? this.target : this.video.currentTime;
  };

  SegmentPlayer.prototype.buffered = function (seconds) {
    var ranges = this.video.buffered;
    for (var i = 0; i < ranges.length; i++) {
      if (ranges.start(i) <= seconds + 0.05 && seconds < ranges.end(i) - 0.05) {
        return true;
      }
    }
    return false;
  };

  // Go to `seconds`; inside a gap, to the start of the next recording.
  SegmentPlayer.prototype.seek = function (seconds) {
    var index = this.segments.findIndex(function (segment) {
      return segment.end > seconds;
    });
    if (index < 0) {
      this.finish();
      return;
    }
    this.ended = false;
    var target = Math.max(seconds, this.segments[index].start);
    if (this.buffered(target)) {
      this.video.currentTime = target;
      this.resume();
      return;
    }
    this.generation += 1;
    this.fetches = {};
    this.next = index;
    this.target = target;
    this.onState("loading");
    if (this.queue) {
      this.queue.clear();
      this.queue.push(function (buffer) {
        buffer.abort();
        if (buffer.buffered.length) {
          buffer.remove(0, Infinity);
        }
      });
    }
    this.pump();
  };

  SegmentPlayer.prototype.finish = function () {
    if (!this.ended) {
      this.ended = true;
      this.wanted = false;
      this.video.pause();
      this.onState("end");
    }
  };

  SegmentPlayer.prototype.play = function () {
    this.wanted = true;
    this.resume();
  };

  SegmentPlayer.prototype.pause = function () {
    this.wanted = false;
    this.video.pause();
  };

  SegmentPlayer.prototype.resume = function () {
    if (this.wanted && this.target === null && this.video.paused) {
      this.video.play().catch(function () {
        // Not allowed yet (no user gesture): the play button stays available.
      });
    }
  };

  SegmentPlayer.prototype.setRate = function (rate) {
    this.video.playbackRate = rate;
    this.video.defaultPlaybackRate = rate;
  };

  SegmentPlayer.prototype.fetchSegment = function (index, retried) {
    var self = this;
    var segment = this.segments[index];
    return this.tokens.get().then(function (token) {
      var url = "/api/v1/cameras/" + self.cameraId + "/segments/" + segment.id + "?form=timeline&token=";
      return window
        .fetch(url + encodeURIComponent(token), { credentials: "same-origin" })
        .then(function (response) {
          if (response.status === 401 && !retried) {
            self.tokens.invalidate();
            return self.fetchSegment(index, true);
          }
          if (!response.ok) {
            throw hw.MediaError("segment " + segment.id + " unavailable", response.status);
          }
          return response.arrayBuffer();
        });
    });
  };

  // Fetch and append the next segment when the play position comes near it.
  SegmentPlayer.prototype.pump = function () {
    var generation = this.generation;
    if (this.busy === generation || this.next >= this.segments.length) {
      return;
    }
    var index = this.next;
    if (this.segments[index].start - this.position() > AHEAD_SECONDS) {
      return;
    }
    for (var i = index; i < Math.min(index + PREFETCH, this.segments.length); i++) {
      this.fetches[i] = this.fetches[i] || this.fetchSegment(i);
    }
    var self = this;
    this.busy = generation;
    this.fetches[index]
      .then(function (data) {
        return generation === self.generation ? self.append(data) : null;
      })
      .catch(function (error) {
        if (window.console) {
          window.console.warn("skipping a recording:", error.message);
        }
      })
      .finally(function () {
        if (generation !== self.generation) {
          return;
        }
        delete self.fetches[index];
        self.busy = null;
        self.next = index + 1;
        self.appended();
        self.pump();
      });
  };

  SegmentPlayer.prototype.append = function (data) {
    var self = this;
    return this.opened.then(function () {
      if (!self.queue) {
        self.createBuffer(data);
      }
      return new Promise(function (resolve) {
        self.queue.append(data, resolve);
      });
    });
  };

  SegmentPlayer.prototype.createBuffer = function (first) {
    var support = hw.mediaSupport(first);
    var type = support.type;
    if (!type) {
      this.onState("error", hw.cannotPlay(support.lacking, "recordings"));
      throw hw.MediaError("unsupported video");
    }
    var root = this.video.closest(".player");
    if (support.sound && root && !this.sound) {
      this.sound = new hw.SoundButton(root, this.video);
    }
    if (this.sound) {
      this.sound.available(support.sound);
    }
    var buffer = this.source.addSourceBuffer(type);
    this.source.duration = this.length;
    this.queue = new hw.AppendQueue(buffer, this.failed.bind(this));
    var offset = -this.dayStart;
    this.queue.push(function (sourceBuffer) {
      sourceBuffer.timestampOffset = offset;
    });
  };

  SegmentPlayer.prototype.failed = function (error) {
    if (window.console) {
      window.console.warn("playback failed:", error);
    }
    this.onState("error", "The recording could not be played. Pick another moment to try again.");
  };

  SegmentPlayer.prototype.appended = function () {
    if (this.target === null) {
      return;
    }
    var target = this.target;
    var ranges = this.video.buffered;
    var start = ranges.length ? ranges.start(ranges.length - 1) : null;
    if (start !== null && ranges.end(ranges.length - 1) > target) {
      this.target = null;
      this.video.currentTime = Math.max(target, start);
      this.onState("ready");
      this.resume();
    }
  };

  // Skip gaps, notice the end of the day's recordings, drop old video, fetch more.
  SegmentPlayer.prototype.tick = function () {
    var video = this.video;
    var now = this.position();
    this.onTime(now);
    if (this.target !== null) {
      return;
    }
    var ranges = video.buffered;
    for (var i = 0; i < ranges.length; i++) {
      var inside = ranges.start(i) - 0.05 <= now && now < ranges.end(i);
      if (inside && ranges.end(i) - now > NEAR_END) {
        break;
      }
      if (ranges.start(i) > now) {
        video.currentTime = ranges.start(i);
        break;
      }
    }
    if (this.next >= this.segments.length && !this.buffered(now) && now > 0) {
      var last = ranges.length ? ranges.end(ranges.length - 1) : 0;
      if (now >= last - NEAR_END && this.segments.length) {
        this.finish();
      }
    }
    if (this.queue && ranges.length && now - ranges.start(0) > KEEP_BEHIND + 10) {
      var until = now - KEEP_BEHIND;
      this.queue.push(function (buffer) {
        buffer.remove(0, until);
      });
    }
    this.pump();
  };

  hw.SegmentPlayer = SegmentPlayer;
})((window.Hearthwatch = window.Hearthwatch || {}));

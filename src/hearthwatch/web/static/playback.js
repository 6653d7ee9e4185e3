// The playback page: one day (local time) of a camera's recordings on a timeline, played
// continuously, at 1x/2x/4x, with a snapshot of any moment and clip downloads. The day's
// events are marks on the timeline; opened from an event (?event=...), the page starts on
// that event's day at its pre-roll and marks the event seen.
"use strict";

(function (hw) {
  var REFRESH_MS = 30000;
  var FOLLOW_MS = 2000;
  // Elements that need the keys themselves; elsewhere (the page, the video) they drive
  // the timeline.
  var USES_KEYS =
    "input, select, textarea, button, a[href], summary, [contenteditable], [role='slider']," +
    " [role='tab'], [role='dialog'], [role='menu']";
  var MESSAGES = {
    loading: "Loading…",
    end: "No more recordings on this day. Pick a moment on the timeline.",
    empty: "Nothing was recorded on this day.",
  };

  function pad(value) {
    return (value < 10 ? "0" : "") + value;
  }

  function isoDay(date) {
    return date.getFullYear() + "-" + pad(date.getMonth() + 1) + "-" + pad(date.getDate());
  }

  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") : "";
  }

  function Playback(root) {
    var parts = root.getAttribute("data-day").split("-").map(Number);
    var today = new Date();
    var atUs = root.getAttribute("data-at-us");
    // Opened from an event: the event's day in the viewer's time zone.
    var opening = atUs ? new Date(Number(atUs) / 1000) : today;
    var day =
      root.getAttribute("data-day-given") === "true"
        ? new Date(parts[0], parts[1] - 1, parts[2])
        : new Date(opening.getFullYear(), opening.getMonth(), opening.getDate());
    this.root = root;
    this.cameraId = root.getAttribute("data-camera-id");
    this.day = day;
    this.dayStart = day.getTime();
    this.length =
      (new Date(day.getFullYear(), day.getMonth(), day.getDate() + 1).getTime() - this.dayStart) /
      1000;
    this.isToday = isoDay(day) === isoDay(today);
    this.tokens = new hw.TokenKeeper(this.cameraId, "playback");
    this.message = root.querySelector("[data-player-message]");
    this.playButton = root.querySelector("[data-play]");
    this.clockEl = root.querySelector("[data-clock]");
    this.overlayClock = root.querySelector("[data-overlay-clock]");
    this.spans = [];
    this.started = false;
    this.eventId = root.getAttribute("data-event-id");
    this.startAt = atUs ? (Number(atUs) / 1000 - this.dayStart) / 1000 : null;
    this.showDay();
    this.player = new hw.SegmentPlayer(root.querySelector("video"), {
      cameraId: this.cameraId,
      tokens: this.tokens,
      dayStart: this.dayStart / 1000,
      length: this.length,
      onState: this.setState.bind(this),
      onTime: this.showTime.bind(this),
    });
    this.timeline = new hw.Timeline(root.querySelector("[data-timeline]"), {
      dayStart: this.dayStart,
      length: this.length,
      onSeek: this.seek.bind(this),
      onMark: this.playEvent.bind(this),
    });
    this.wire();
    this.refresh();
    this.markSeen(this.eventId); // opening an event is seeing it
    if (this.isToday) {
      window.setInterval(this.refresh.bind(this), REFRESH_MS);
    }
  }

  Playback.prototype.at = function (seconds) {
    return new Date(this.dayStart + seconds * 1000);
  };

  // The day in the browser's words and time zone; the links step from it.
  Playback.prototype.showDay = function () {
    var day = this.day;
    var text = day.toLocaleDateString(undefined, {
      weekday: "long",
      day: "numeric",
      month: "long",
      year: "numeric",
    });
    document.querySelector("[data-day-label]").textContent = (this.isToday ? "Today, " : "") + text;
    document.querySelector("[data-day-input]").value = isoDay(day);
    document.querySelector("[data-day-input]").max = isoDay(new Date());
    document.querySelectorAll("[data-day-step]").forEach(function (link) {
      var step = Number(link.getAttribute("data-day-step"));
      var other = new Date(day.getFullYear(), day.getMonth(), day.getDate() + step);
      link.href = "?day=" + isoDay(other);
      if (step > 0 && this.isToday) {
        link.removeAttribute("href");
        link.setAttribute("aria-disabled", "true");
      }
    }, this);
    if (this.root.getAttribute("data-day-given") !== "true" && !this.eventId) {
      window.history.replaceState(null, "", "?day=" + isoDay(day));
    }
  };

  Playback.prototype.refresh = function () {
    var self = this;
    var query =
      "?start=" +
      encodeURIComponent(this.at(0).toISOString()) +
      "&end=" +
      encodeURIComponent(this.at(this.length).toISOString());
    return this.tokens
      .get()
      .then(function (token) {
        var url =
          "/api/v1/cameras/" +
          self.cameraId +
          "/recordings" +
          query +
          "&token=" +
          encodeURIComponent(token);
        return window.fetch(url, { credentials: "same-origin" });
      })
      .then(function (response) {
        if (!response.ok) {
          throw hw.MediaError("timeline unavailable", response.status);
        }
        return response.json();
      })
      .then(this.show.bind(this))
      .then(this.loadMarks.bind(this))
      .catch(function (error) {
        self.tokens.invalidate();
        if (!self.started) {
          self.setState(
            "error",
            error.status === 401
              ? "Your sign-in has ended. Reload the page to sign in again."
              : "The recordings could not be loaded. Reload the page to try again.",
          );
        }
      });
  };

  Playback.prototype.relative = function (item) {
    return {
      id: item.id,
      start: (Date.parse(item.start) - this.dayStart) / 1000,
      end: (Date.parse(item.end) - this.dayStart) / 1000,
    };
  };

  Playback.prototype.show = function (timeline) {
    this.spans = timeline.spans.map(this.relative, this);
    var now = this.isToday ? (Date.now() - this.dayStart) / 1000 : null;
    this.timeline.setSpans(this.spans, now);
    this.player.load(timeline.segments.map(this.relative, this));
    this.root.querySelector("[data-timeline]").hidden = false;
    if (this.started) {
      return;
    }
    if (!this.spans.length) {
      this.setState("empty");
      this.timeline.setPosition(now === null ? 0 : now);
      return;
    }
    this.started = true;
    this.root.querySelector("[data-transport]").hidden = false;
    this.timeline.fit();
    var last = this.spans[this.spans.length - 1];
    // An event from its pre-roll; today with the latest half minute; another day from its
    // first recording.
    if (this.startAt !== null) {
      this.seek(Math.max(this.startAt, 0));
    } else {
      this.seek(this.isToday ? Math.max(last.start, last.end - 30) : this.spans[0].start);
    }
    this.player.play();
  };

  // The day's events, as marks on the timeline (a failure leaves the marks as they were).
  Playback.prototype.loadMarks = function () {
    var self = this;
    var from = Math.round(this.dayStart * 1000);
    var url =
      "/api/v1/cameras/" +
      this.cameraId +
      "/events?from_us=" +
      from +
      "&to_us=" +
      (from + Math.round(this.length * 1000000));
    return window
      .fetch(url, { credentials: "same-origin" })
      .then(function (response) {
        return response.ok ? response.json() : null;
      })
      .then(function (body) {
        if (body) {
          self.timeline.setMarks(body.items.map(self.mark, self));
        }
      })
      .catch(function () {
        // Marks are a help for finding moments; the recordings play without them.
      });
  };

  Playback.prototype.mark = function (item) {
    var start = (item.start_us / 1000 - this.dayStart) / 1000;
    return {
      id: item.id,
      start: start,
      playFrom: Math.max((item.clip.start_us / 1000 - this.dayStart) / 1000, 0),
      label: "Motion at " + hw.clock(this.at(start)),
      thumbnail: item.thumbnail_url,
      seen: item.seen,
    };
  };

  // A mark pressed: play from the event's pre-roll, and the event counts as seen.
  Playback.prototype.playEvent = function (mark) {
    this.seek(mark.playFrom);
    if (this.started && !this.player.wanted) {
      this.player.play();
    }
    this.syncPlayButton();
    if (!mark.seen) {
      mark.seen = true;
      this.markSeen(mark.id);
    }
  };

  Playback.prototype.markSeen = function (eventId) {
    if (!eventId) {
      return;
    }
    window
      .fetch("/api/v1/events/" + eventId + "/seen", {
        method: "POST",
        credentials: "same-origin",
        headers: { "x-csrf-token": csrfToken() },
      })
      .then(function () {
        if (hw.refreshUnseen) {
          hw.refreshUnseen();
        }
      })
      .catch(function () {
        // Unseen stays unseen; nothing else depends on it.
      });
  };

  Playback.prototype.seek = function (seconds) {
    this.timeline.show(seconds);
    if (this.started) {
      if (this.player.ended) {
        // It stopped at the end of the recordings, not by the viewer's choice: play on.
        this.player.wanted = true;
      }
      this.player.seek(seconds);
    }
  };

  // The timeline's keys work from anywhere on the page that does not use them itself
  // (the video, the page body); Space and K play and pause.
  Playback.prototype.listenForKeys = function () {
    var self = this;
    var track = this.root.querySelector("[data-track]");
    document.addEventListener("keydown", function (event) {
      var target = event.target;
      var free = target === track || !(target.closest && target.closest(USES_KEYS));
      if (!self.started || !free || event.defaultPrevented) {
        return;
      }
      if (event.key === " " || event.key === "k") {
        event.preventDefault();
        self.playButton.click();
      } else if (target !== track && self.timeline.handles(event.key)) {
        self.timeline.key(event);
      }
    });
  };

  Playback.prototype.note = function (text) {
    this.root.querySelector("[data-player-note]").textContent = text;
  };

  // At the end of today's recordings, keep asking for newer ones and play on when they come.
  Playback.prototype.follow = function () {
    var self = this;
    window.setTimeout(function () {
      self.refresh().then(function () {
        var position = self.player.position();
        var newer = self.player.segments.some(function (segment) {
          return segment.end > position + 0.5;
        });
        if (!self.player.ended) {
          return;
        }
        if (newer) {
          self.player.wanted = true;
          self.player.seek(position);
        } else {
          self.follow();
        }
      });
    }, FOLLOW_MS);
  };

  Playback.prototype.setState = function (state, text) {
    if (state === "end" && this.isToday) {
      state = "loading";
      text = "You are at the latest recording. Newer video follows in a moment…";
      this.follow();
    }
    this.root.querySelector("[data-player]").setAttribute("data-state", state);
    this.message.textContent = text || MESSAGES[state] || "";
    this.syncPlayButton();
  };

  Playback.prototype.showTime = function (seconds) {
    var text = hw.clock(this.at(seconds));
    this.timeline.setPosition(seconds);
    if (this.clockEl.textContent !== text) {
      this.clockEl.textContent = text;
      this.clockEl.setAttribute("datetime", this.at(seconds).toISOString());
      this.overlayClock.textContent = isoDay(this.day) + " " + text;
    }
  };

  Playback.prototype.syncPlayButton = function () {
    var playing = this.player && this.player.wanted;
    this.playButton.setAttribute("aria-label", playing ? "Pause" : "Play");
    this.playButton.classList.toggle("transport__play--playing", !!playing);
  };

  Playback.prototype.wire = function () {
    var self = this;
    var video = this.root.querySelector("video");
    this.playButton.addEventListener("click", function () {
      if (self.player.wanted) {
        self.player.pause();
      } else if (self.player.ended) {
        self.player.wanted = true;
        self.player.seek(self.timeline.position);
      } else {
        self.player.play();
      }
      self.syncPlayButton();
    });
    video.addEventListener("play", this.syncPlayButton.bind(this));
    video.addEventListener("pause", this.syncPlayButton.bind(this));
    this.root.querySelectorAll("[data-speed]").forEach(function (button, index, all) {
      button.addEventListener("click", function () {
        self.player.setRate(Number(button.getAttribute("data-speed")));
        all.forEach(function (other) {
          other.setAttribute("aria-pressed", other === button ? "true" : "false");
        });
      });
    });
    hw.fullScreen(
      this.root.querySelector("[data-fullscreen]"),
      this.root.querySelector("[data-player]"),
      function (text) {
        self.note(text);
      },
    );
    document.querySelector("[data-day-input]").addEventListener("change", function (event) {
      if (event.target.value) {
        event.target.form.submit();
      }
    });
    hw.Downloads(this);
    this.listenForKeys();
  };

  hw.Playback = Playback;

  document.addEventListener("DOMContentLoaded", function () {
    var root = document.querySelector("[data-playback]");
    if (root && window.MediaSource) {
      new Playback(root);
    } else if (root) {
      root.querySelector("[data-player-message]").textContent =
        "This browser cannot play recordings.";
    }
  });
})((window.Hearthwatch = window.Hearthwatch || {}));

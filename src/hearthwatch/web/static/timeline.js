// The timeline of one day: recorded stretches and gaps, the play position, ticks in local
// time, zoom from 24 hours down to 10 minutes (it opens zoomed to the day's recordings). A
// slider for assistive technology and the keyboard, always landing on recorded video:
//   Home / End            the start / the last moments of the day's recordings
//   Page Down / Page Up   the previous / next recorded stretch (10 minutes within a long one)
//   ← → (↓ ↑)             10 seconds back / on; with Shift, 1 minute
// Events are marks in a row of their own under the track: buttons (Tab reaches them) that
// show the event's thumbnail on hover or focus and play from its pre-roll when pressed.
"use strict";

(function (hw) {
  var ZOOMS = [
    [86400, "24 h"],
    [21600, "6 h"],
    [7200, "2 h"],
    [1800, "30 min"],
    [600, "10 min"],
  ];
  var TICK_STEPS = [60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600];
  var MIN_TICK_PX = 56;
  var ARROW_STEPS = { ArrowLeft: -10, ArrowDown: -10, ArrowRight: 10, ArrowUp: 10 };
  var PAGE_STEP = 600;
  var END_LEAD = 3; // End lands this many seconds before the last recorded moment
  var AT_START = 1; // this close after a stretch's start counts as being at its start
  var MIN_SPAN_PX = 10; // a recording however short stays this wide, and clickable
  var COMMIT_AFTER_KEYS_MS = 350;

  function Timeline(root, options) {
    this.root = root;
    this.dayStart = options.dayStart; // ms since the epoch: local midnight
    this.length = options.length; // seconds in this day (23 to 25 hours)
    this.onSeek = options.onSeek;
    this.onMark = options.onMark || function () {};
    this.marksEl = root.querySelector("[data-marks]");
    this.markPreview = root.querySelector("[data-mark-preview]");
    this.marks = [];
    this.track = root.querySelector("[data-track]");
    this.spansEl = root.querySelector("[data-spans]");
    this.cursor = root.querySelector("[data-cursor]");
    this.cursorTime = root.querySelector("[data-cursor-time]");
    this.ticksEl = root.querySelector("[data-ticks]");
    this.nowEl = root.querySelector("[data-now]");
    this.zoomLabel = root.querySelector("[data-zoom-label]");
    this.overview = root.querySelector("[data-overview]");
    this.spans = [];
    this.position = 0;
    this.now = null;
    this.zoom = 0;
    this.viewStart = 0;
    this.dragging = false;
    this.keyTimer = null;
    this.track.setAttribute("aria-valuemax", String(this.length));
    this.listen();
  }

  Timeline.prototype.label = function (seconds) {
    return hw.clock(new Date(this.dayStart + seconds * 1000));
  };

  Timeline.prototype.viewLength = function () {
    return Math.min(ZOOMS[this.zoom][0], this.length);
  };

  Timeline.prototype.clamp = function (seconds) {
    return Math.min(Math.max(seconds, 0), this.length);
  };

  Timeline.prototype.recordedAt = function (seconds) {
    return this.spanAt(seconds) !== null;
  };

  Timeline.prototype.spanAt = function (seconds) {
    for (var i = 0; i < this.spans.length; i++) {
      if (this.spans[i].start <= seconds && seconds < this.spans[i].end) {
        return this.spans[i];
      }
    }
    return null;
  };

  // The moment the keys aim at (seconds); null when the day holds no recording.
  Timeline.prototype.keyTarget = function (key, shift) {
    var spans = this.spans;
    var at = this.position;
    if (!spans.length) {
      return null;
    }
    var first = spans[0];
    var last = spans[spans.length - 1];
    var latest = Math.max(last.start, last.end - END_LEAD);
    var span = this.spanAt(at);
    var earlier = spans.filter(function (s) {
      return s.start < at - AT_START;
    });
    var later = spans.filter(function (s) {
      return s.start > at;
    });
    if (key === "Home") {
      return first.start;
    }
    if (key === "End") {
      return latest;
    }
    if (key === "PageUp") {
      if (span && span.end - END_LEAD - at > PAGE_STEP) {
        return at + PAGE_STEP;
      }
      return later.length ? later[0].start : latest;
    }
    if (key === "PageDown") {
      if (span && at - span.start > PAGE_STEP) {
        return at - PAGE_STEP;
      }
      return earlier.length ? earlier[earlier.length - 1].start : first.start;
    }
    var step = ARROW_STEPS[key] * (shift ? 6 : 1);
    var target = at + step;
    if (this.recordedAt(target) || target > at) {
      return target; // forward into a gap: the player goes on to the next recording
    }
    // Back into a gap: the last seconds of the recording before it, not the same one again.
    var before = spans.filter(function (s) {
      return s.end <= target;
    });
    var previous = before[before.length - 1];
    return previous ? Math.max(previous.start, previous.end + step) : target;
  };

  // Open on the day's recordings: the closest zoom that holds them all, centred on them.
  Timeline.prototype.fit = function () {
    if (!this.spans.length) {
      return;
    }
    var from = this.spans[0].start;
    var to = this.spans[this.spans.length - 1].end;
    var zoom = 0;
    while (zoom + 1 < ZOOMS.length && ZOOMS[zoom + 1][0] >= (to - from) * 1.1) {
      zoom += 1;
    }
    this.zoom = zoom;
    var length = this.viewLength();
    this.viewStart = Math.min(Math.max((from + to) / 2 - length / 2, 0), this.length - length);
    this.render();
  };

  // A tap on a recording drawn wider than it lasts lands inside it, not in the gap beside.
  Timeline.prototype.snap = function (seconds) {
    var width = this.track.clientWidth || 320;
    var slack = ((MIN_SPAN_PX / 2 + 2) / width) * this.viewLength();
    if (this.recordedAt(seconds)) {
      return seconds;
    }
    var near = this.spans.filter(function (span) {
      return span.start - slack <= seconds && seconds < span.end + slack;
    })[0];
    if (!near) {
      return seconds;
    }
    return Math.min(Math.max(seconds, near.start), Math.max(near.start, near.end - 1));
  };

  Timeline.prototype.setSpans = function (spans, now) {
    this.spans = spans;
    this.now = now;
    this.drawSpans(this.overview.querySelector("[data-overview-spans]"), 0, this.length);
    this.render();
  };

  // Bars for the recorded stretches between `from` and `to` (seconds) inside `box`.
  Timeline.prototype.drawSpans = function (box, from, to) {
    var fragment = document.createDocumentFragment();
    this.spans.forEach(function (span) {
      if (span.end <= from || span.start >= to) {
        return;
      }
      var left = Math.max(((span.start - from) / (to - from)) * 100, 0);
      var right = Math.min(((span.end - from) / (to - from)) * 100, 100);
      var bar = document.createElement("span");
      bar.className = "timeline__span";
      // Centred on the recording, and never narrower than MIN_SPAN_PX (CSS max()).
      bar.style.left = (left + right) / 2 + "%";
      bar.style.width = "max(" + (right - left) + "%, " + MIN_SPAN_PX + "px)";
      bar.setAttribute("data-start", String(span.start));
      bar.setAttribute("data-end", String(span.end));
      fragment.appendChild(bar);
    });
    box.replaceChildren(fragment);
  };

  // Events of the day: {id, start, playFrom (seconds), label, thumbnail (URL or null)}.
  Timeline.prototype.setMarks = function (marks) {
    this.marks = marks;
    this.render();
  };

  Timeline.prototype.drawMarks = function (from, to) {
    if (!this.marksEl) {
      return;
    }
    var self = this;
    var fragment = document.createDocumentFragment();
    this.marks.forEach(function (mark) {
      if (mark.start < from || mark.start > to) {
        return;
      }
      var button = document.createElement("button");
      button.type = "button";
      button.className = "timeline__mark" + (mark.seen ? "" : " timeline__mark--unseen");
      button.style.left = ((mark.start - from) / (to - from)) * 100 + "%";
      button.setAttribute("aria-label", mark.label + ": play from just before");
      button.setAttribute("data-event-id", mark.id);
      button.addEventListener("click", function () {
        self.hidePreview();
        self.onMark(mark);
      });
      ["pointerenter", "focus"].forEach(function (type) {
        button.addEventListener(type, function () {
          self.showPreview(mark, button);
        });
      });
      ["pointerleave", "blur"].forEach(function (type) {
        button.addEventListener(type, function () {
          self.hidePreview();
        });
      });
      fragment.appendChild(button);
    });
    this.marksEl.replaceChildren(fragment);
    this.marksEl.hidden = !this.marks.length;
  };

  // The event's thumbnail and time above its mark.
  Timeline.prototype.showPreview = function (mark, button) {
    if (!this.markPreview) {
      return;
    }
    var image = this.markPreview.querySelector("img");
    image.hidden = !mark.thumbnail;
    if (mark.thumbnail && image.getAttribute("src") !== mark.thumbnail) {
      image.src = mark.thumbnail;
    }
    this.markPreview.querySelector("[data-mark-preview-text]").textContent = mark.label;
    this.markPreview.style.left = button.style.left;
    this.markPreview.hidden = false;
  };

  Timeline.prototype.hidePreview = function () {
    if (this.markPreview) {
      this.markPreview.hidden = true;
    }
  };

  Timeline.prototype.setPosition = function (seconds) {
    if (!this.dragging && this.keyTimer === null) {
      this.show(seconds);
    }
  };

  // Move the cursor (and the view, when the cursor would leave it).
  Timeline.prototype.show = function (seconds) {
    this.position = this.clamp(seconds);
    var length = this.viewLength();
    var margin = length * 0.04;
    if (
      this.position < this.viewStart + margin ||
      this.position > this.viewStart + length - margin
    ) {
      this.viewStart = Math.min(Math.max(this.position - length / 2, 0), this.length - length);
      this.render();
    } else {
      this.placeCursor();
    }
  };

  Timeline.prototype.percent = function (seconds) {
    return ((seconds - this.viewStart) / this.viewLength()) * 100;
  };

  Timeline.prototype.render = function () {
    var viewEnd = this.viewStart + this.viewLength();
    this.drawSpans(this.spansEl, this.viewStart, viewEnd);
    this.drawMarks(this.viewStart, viewEnd);
    // Zoomed in, a strip of the whole day shows where the view is.
    var frame = this.overview.querySelector("[data-overview-window]");
    this.overview.hidden = this.viewLength() >= this.length;
    frame.style.left = (this.viewStart / this.length) * 100 + "%";
    frame.style.width = (this.viewLength() / this.length) * 100 + "%";
    this.nowEl.hidden = this.now === null || this.now < this.viewStart || this.now > viewEnd;
    if (!this.nowEl.hidden) {
      this.nowEl.style.left = this.percent(this.now) + "%";
    }
    this.zoomLabel.textContent = ZOOMS[this.zoom][1];
    this.renderTicks();
    this.placeCursor();
  };

  Timeline.prototype.renderTicks = function () {
    var length = this.viewLength();
    var width = this.track.clientWidth || 320;
    var step =
      TICK_STEPS.filter(function (s) {
        return (s / length) * width >= MIN_TICK_PX;
      })[0] || 21600;
    var fragment = document.createDocumentFragment();
    for (var t = Math.ceil(this.viewStart / step) * step; t <= this.viewStart + length; t += step) {
      var tick = document.createElement("span");
      tick.className = "timeline__tick";
      tick.style.left = this.percent(t) + "%";
      tick.textContent = this.label(t).slice(0, 5);
      fragment.appendChild(tick);
    }
    this.ticksEl.replaceChildren(fragment);
  };

  Timeline.prototype.placeCursor = function () {
    var at = this.percent(this.position);
    this.cursor.hidden = at < 0 || at > 100;
    this.cursor.style.left = at + "%";
    this.cursor.classList.toggle("timeline__cursor--start", at < 12);
    this.cursor.classList.toggle("timeline__cursor--end", at > 88);
    var text = this.label(this.position);
    this.cursorTime.textContent = text;
    this.track.setAttribute("aria-valuenow", String(Math.round(this.position)));
    this.track.setAttribute(
      "aria-valuetext",
      text + (this.recordedAt(this.position) ? ", recorded" : ", no recording"),
    );
  };

  Timeline.prototype.secondsAt = function (clientX) {
    var box = this.track.getBoundingClientRect();
    var fraction = Math.min(Math.max((clientX - box.left) / box.width, 0), 1);
    return this.clamp(this.viewStart + fraction * this.viewLength());
  };

  Timeline.prototype.setZoom = function (zoom) {
    this.zoom = Math.min(Math.max(zoom, 0), ZOOMS.length - 1);
    var length = this.viewLength();
    this.viewStart = Math.min(Math.max(this.position - length / 2, 0), this.length - length);
    this.render();
  };

  Timeline.prototype.listen = function () {
    var self = this;
    var track = this.track;
    track.addEventListener("pointerdown", function (event) {
      if (event.button !== 0) {
        return;
      }
      self.dragging = true;
      track.setPointerCapture(event.pointerId);
      track.focus({ preventScroll: true });
      self.preview(self.secondsAt(event.clientX));
      event.preventDefault();
    });
    track.addEventListener("pointermove", function (event) {
      if (self.dragging) {
        self.preview(self.secondsAt(event.clientX));
      }
    });
    track.addEventListener("pointerup", function (event) {
      if (self.dragging) {
        self.dragging = false;
        var seconds = self.snap(self.secondsAt(event.clientX));
        self.preview(seconds);
        self.onSeek(seconds);
      }
    });
    track.addEventListener("pointercancel", function () {
      self.dragging = false;
    });
    track.addEventListener("keydown", function (event) {
      self.key(event);
    });
    this.root.querySelectorAll("[data-zoom]").forEach(function (button) {
      button.addEventListener("click", function () {
        self.setZoom(self.zoom + Number(button.getAttribute("data-zoom")));
      });
    });
    window.addEventListener("resize", function () {
      self.renderTicks();
    });
  };

  Timeline.prototype.preview = function (seconds) {
    this.position = seconds;
    this.placeCursor();
  };

  Timeline.prototype.handles = function (key) {
    return key in ARROW_STEPS || ["Home", "End", "PageUp", "PageDown"].indexOf(key) >= 0;
  };

  Timeline.prototype.key = function (event) {
    if (!this.handles(event.key) || event.altKey || event.ctrlKey || event.metaKey) {
      return;
    }
    event.preventDefault();
    var target = this.keyTarget(event.key, event.shiftKey);
    if (target === null) {
      return;
    }
    window.clearTimeout(this.keyTimer);
    this.show(target);
    // Held keys move the cursor at once; the video follows when they stop.
    this.keyTimer = window.setTimeout(
      function () {
        this.keyTimer = null;
        this.onSeek(this.position);
      }.bind(this),
      COMMIT_AFTER_KEYS_MS,
    );
  };

  hw.Timeline = Timeline;
})((window.Hearthwatch = window.Hearthwatch || {}));

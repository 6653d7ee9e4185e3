// Downloads on the playback page: a snapshot (JPEG) of the moment shown, and "Download
// clip": a stretch of the day (by default the minute around the play position) as a
// standard MP4 from the clip endpoint. Before the download starts, /clip/range says what
// the clip will really hold (it opens on a keyframe, the recording may stop or have gaps),
// and the page says so when that differs from what was asked.
"use strict";

(function (hw) {
  var MAX_CLIP_S = 3600;

  function pad(value) {
    return (value < 10 ? "0" : "") + value;
  }

  function timeValue(date) {
    return pad(date.getHours()) + ":" + pad(date.getMinutes()) + ":" + pad(date.getSeconds());
  }

  // "HH:MM[:SS]" on the page's day, as seconds since its midnight (DST-safe through Date).
  function secondsOf(page, text) {
    var parts = (text || "").split(":").map(Number);
    if (parts.length < 2 || parts.some(isNaN)) {
      return null;
    }
    var day = page.day;
    var moment = new Date(
      day.getFullYear(),
      day.getMonth(),
      day.getDate(),
      parts[0],
      parts[1],
      parts[2] || 0,
    );
    return (moment.getTime() - page.dayStart) / 1000;
  }

  function snapshot(page) {
    var moment = page.at(page.player.position());
    var name = hw.slug(page.root.getAttribute("data-camera-name"));
    page.tokens
      .get()
      .then(function (token) {
        var url =
          "/api/v1/cameras/" +
          page.cameraId +
          "/snapshot?at=" +
          encodeURIComponent(moment.toISOString());
        return window.fetch(url + "&token=" + encodeURIComponent(token), {
          credentials: "same-origin",
        });
      })
      .then(function (response) {
        if (!response.ok) {
          throw hw.MediaError("no snapshot", response.status);
        }
        return response.blob();
      })
      .then(function (blob) {
        hw.saveBlob(blob, name + "-" + hw.stamp(moment) + ".jpg");
        page.note("Snapshot of " + hw.clock(moment) + " saved to your downloads.");
      })
      .catch(function () {
        page.tokens.invalidate();
        page.note("Nothing was recorded at that moment, so there is no snapshot.");
      });
  }

  function duration(seconds) {
    var whole = Math.round(seconds);
    if (whole < 60) {
      return whole + " s";
    }
    return Math.floor(whole / 60) + " min " + pad(whole % 60) + " s";
  }

  function at(iso) {
    return hw.clock(new Date(iso));
  }

  // What the clip holds, in words; empty when it is what was asked for.
  function describe(range) {
    if (!range.notes.length) {
      return "";
    }
    var asked = (Date.parse(range.asked_end) - Date.parse(range.asked_start)) / 1000;
    var words = [
      "The clip runs " + at(range.start) + "–" + at(range.end) + " and holds " +
        duration(range.recorded_seconds) + " of video" +
        (range.shorter ? " (you asked for " + duration(asked) + ")." : "."),
    ];
    range.notes.forEach(function (note) {
      if (note === "starts_early_on_keyframe") {
        var early = (Date.parse(range.asked_start) - Date.parse(range.start)) / 1000;
        words.push(
          "It starts " + duration(early) + " before " + at(range.asked_start) +
            ", on the keyframe where the video can begin.",
        );
      } else if (note === "starts_late") {
        words.push("The recording only begins at " + at(range.start) + ".");
      } else if (note === "ends_early") {
        words.push("The recording stops at " + at(range.end) + ".");
      } else if (note === "has_gaps") {
        words.push(
          "Nothing was recorded " +
            range.gaps
              .map(function (gap) {
                return "from " + at(gap.start) + " to " + at(gap.end);
              })
              .join(", ") +
            "; the picture stands still there.",
        );
      }
    });
    return words.join(" ");
  }

  function ClipForm(page) {
    var form = document.querySelector("[data-clip-form]");
    var toggle = page.root.querySelector("[data-clip-toggle]");
    var start = form.querySelector("[data-clip-start]");
    var end = form.querySelector("[data-clip-end]");
    var problem = form.querySelector("[data-clip-problem]");
    var said = page.root.querySelector("[data-clip-note]");

    function open(show) {
      form.hidden = !show;
      toggle.setAttribute("aria-expanded", show ? "true" : "false");
      problem.textContent = "";
      if (show) {
        var at = page.player.position();
        start.value = timeValue(page.at(Math.max(at - 30, 0)));
        end.value = timeValue(page.at(Math.min(at + 30, page.length - 1)));
        start.focus();
      }
    }

    function check(from, to) {
      if (from === null || to === null) {
        return "Enter both times.";
      }
      if (to <= from) {
        return "The end must come after the start.";
      }
      if (to - from > MAX_CLIP_S) {
        return "A clip can be at most one hour long.";
      }
      var recorded = page.spans.some(function (span) {
        return span.start < to && span.end > from;
      });
      return recorded ? "" : "Nothing was recorded between these times.";
    }

    toggle.addEventListener("click", function () {
      open(form.hidden);
    });
    form.querySelector("[data-clip-cancel]").addEventListener("click", function () {
      open(false);
      toggle.focus();
    });
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var from = secondsOf(page, start.value);
      var to = secondsOf(page, end.value);
      problem.textContent = check(from, to);
      if (problem.textContent) {
        return;
      }
      said.textContent = "";
      page.tokens
        .get()
        .then(function (token) {
          var base = "/api/v1/cameras/" + page.cameraId + "/clip";
          var query =
            "?start=" +
            encodeURIComponent(page.at(from).toISOString()) +
            "&end=" +
            encodeURIComponent(page.at(to).toISOString()) +
            "&token=" +
            encodeURIComponent(token);
          return window
            .fetch(base + "/range" + query, { credentials: "same-origin" })
            .then(function (response) {
              if (!response.ok) {
                throw hw.MediaError("no clip", response.status);
              }
              return response.json();
            })
            .then(function (range) {
              // A plain link: the browser streams the file to disk instead of holding it.
              var link = document.createElement("a");
              link.href = base + query;
              link.download = "";
              document.body.appendChild(link);
              link.click();
              link.remove();
              page.note("Your clip is being prepared; the download starts in a moment.");
              said.textContent = describe(range);
              open(false);
            });
        })
        .catch(function (error) {
          page.tokens.invalidate();
          problem.textContent =
            error && error.status === 404
              ? "Nothing was recorded between these times."
              : "The download could not be started. Reload the page and try again.";
        });
    });
  }

  hw.Downloads = function (page) {
    page.root.querySelector("[data-snapshot]").addEventListener("click", function () {
      snapshot(page);
    });
    ClipForm(page);
  };
})((window.Hearthwatch = window.Hearthwatch || {}));

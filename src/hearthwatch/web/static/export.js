// "Download your data": while an archive is being prepared, poll the exports API every
// 1.5 s, move its progress bar, and reload the page once it is ready (or failed) so the
// server-rendered download link appears. Without JavaScript a reload shows the same.
"use strict";

(function () {
  var POLL_MS = 1500;
  var ACTIVE = { queued: true, building: true };

  function megabytes(bytes) {
    return (bytes / 1048576).toFixed(1);
  }

  function update(item, job) {
    var bar = item.querySelector("[data-export-progress]");
    var counts = item.querySelector("[data-export-counts]");
    if (bar) {
      bar.max = Math.max(job.bytes_total, 1);
      bar.value = job.bytes_done;
    }
    if (counts) {
      counts.textContent =
        job.objects_done + " of " + job.objects_total + " files, " +
        megabytes(job.bytes_done) + " of " + megabytes(job.bytes_total) + " MB";
    }
  }

  function poll(list) {
    fetch("/api/v1/privacy/exports", { credentials: "same-origin" })
      .then(function (response) {
        return response.ok ? response.json() : [];
      })
      .then(function (jobs) {
        var finished = false;
        jobs.forEach(function (job) {
          var item = list.querySelector('[data-export-id="' + job.id + '"]');
          if (!item) {
            return;
          }
          if (ACTIVE[item.getAttribute("data-state")] && !ACTIVE[job.state]) {
            finished = true;
          }
          update(item, job);
        });
        if (finished) {
          window.location.reload();
        } else {
          window.setTimeout(function () { poll(list); }, POLL_MS);
        }
      })
      .catch(function () {
        window.setTimeout(function () { poll(list); }, POLL_MS * 4);
      });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var list = document.getElementById("exports");
    if (list && list.getAttribute("data-poll") === "on") {
      poll(list);
    }
  });
})();

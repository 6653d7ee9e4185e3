// Notification settings (issue 14 item 8): the page's form is filled from, and saved to,
// the notifications API (GET/PUT /api/v1/notify/preferences); webhooks and the MQTT broker
// are listed, added and removed there too. Push on this browser is push.js.
"use strict";

(function () {
  var API = "/api/v1/notify";
  var CHANNELS = ["push", "email", "webhook", "mqtt"];

  function csrf() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") : "";
  }

  function call(method, path, body) {
    var options = { method: method, credentials: "same-origin", headers: { "x-csrf-token": csrf() } };
    if (body !== undefined) {
      options.headers["content-type"] = "application/json";
      options.body = JSON.stringify(body);
    }
    return fetch(API + path, options).then(function (response) {
      if (response.status === 204) {
        return null;
      }
      return response.json().catch(function () { return {}; }).then(function (answer) {
        if (!response.ok) {
          var error = new Error((answer.error && answer.error.message) || "The server answered " + response.status + ".");
          error.status = response.status;
          throw error;
        }
        return answer;
      });
    });
  }

  function byId(id) {
    return document.getElementById(id);
  }

  function problem(error) {
    byId("settings-problem-text").textContent = error ? error.message : "";
    byId("settings-problem").hidden = !error;
  }

  // --- Preferences ---

  function browserZone(select) {
    var zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
    var known = Array.prototype.some.call(select.options, function (o) { return o.value === zone; });
    return known ? zone : null;
  }

  function fill(prefs) {
    CHANNELS.forEach(function (name) {
      byId("channel-" + name).checked = Boolean(prefs.channels[name]);
    });
    byId("images").checked = Boolean(prefs.images);
    byId("quiet-on").checked = Boolean(prefs.quiet_hours);
    if (prefs.quiet_hours) {
      byId("quiet-start").value = prefs.quiet_hours.start;
      byId("quiet-end").value = prefs.quiet_hours.end;
    }
    var zone = byId("timezone");
    // A setting never saved is UTC: this browser's own zone is the better guess.
    zone.value = prefs.timezone === "UTC" ? (browserZone(zone) || "UTC") : prefs.timezone;
    byId("cooldown").value = prefs.cooldown_seconds;
    document.querySelectorAll("tr[data-camera-id]").forEach(function (row) {
      var chosen = (prefs.cameras || {})[row.getAttribute("data-camera-id")] || {};
      row.querySelectorAll("input[data-channel]").forEach(function (box) {
        box.checked = chosen[box.getAttribute("data-channel")] !== false;
      });
    });
  }

  function read() {
    var channels = {};
    CHANNELS.forEach(function (name) { channels[name] = byId("channel-" + name).checked; });
    var cameras = {};
    document.querySelectorAll("tr[data-camera-id]").forEach(function (row) {
      var switches = {};
      var any = false;
      row.querySelectorAll("input[data-channel]").forEach(function (box) {
        switches[box.getAttribute("data-channel")] = box.checked;
        any = any || !box.checked;
      });
      if (any) {
        cameras[row.getAttribute("data-camera-id")] = switches;
      }
    });
    return {
      channels: channels,
      images: byId("images").checked,
      quiet_hours: byId("quiet-on").checked
        ? { start: byId("quiet-start").value, end: byId("quiet-end").value }
        : null,
      timezone: byId("timezone").value,
      cooldown_seconds: parseInt(byId("cooldown").value, 10) || 0,
      cameras: cameras,
    };
  }

  function savePreferences(event) {
    event.preventDefault();
    var status = byId("preferences-status");
    status.textContent = "Saving…";
    call("PUT", "/preferences", read())
      .then(function (saved) {
        fill(saved);
        problem(null);
        status.textContent = "Saved.";
      })
      .catch(function (error) {
        status.textContent = "";
        problem(error);
        byId("settings-problem").focus();
      });
  }

  // --- Webhooks ---

  function webhookItem(hook) {
    var item = document.createElement("li");
    item.className = "card item";
    var main = document.createElement("div");
    main.className = "item__main";
    var title = document.createElement("p");
    title.className = "item__title";
    title.textContent = hook.url;
    var detail = document.createElement("p");
    detail.className = "item__detail";
    detail.textContent = hook.enabled
      ? "On" + (hook.failures ? " (" + hook.failures + " failed deliveries in a row)" : "")
      : "Off: turned off after failing too often";
    main.appendChild(title);
    main.appendChild(detail);
    item.appendChild(main);
    if (!hook.enabled) {
      item.appendChild(button("Turn on again", hook.url, function () {
        return call("POST", "/webhooks/" + encodeURIComponent(hook.id) + "/enable");
      }));
    }
    item.appendChild(button("Remove", hook.url, function () {
      return call("DELETE", "/webhooks/" + encodeURIComponent(hook.id));
    }));
    return item;
  }

  function button(label, about, action) {
    var element = document.createElement("button");
    element.type = "button";
    element.className = "button button--secondary button--small";
    element.textContent = label;
    var hidden = document.createElement("span");
    hidden.className = "visually-hidden";
    hidden.textContent = " " + about;
    element.appendChild(hidden);
    element.addEventListener("click", function () {
      element.disabled = true;
      action().then(loadWebhooks, problem).then(function () { element.disabled = false; });
    });
    return element;
  }

  function loadWebhooks() {
    return call("GET", "/webhooks").then(function (hooks) {
      var list = byId("webhooks");
      list.textContent = "";
      (hooks || []).forEach(function (hook) { list.appendChild(webhookItem(hook)); });
      if (!hooks || !hooks.length) {
        var none = document.createElement("li");
        none.className = "muted";
        none.textContent = "No webhooks yet.";
        list.appendChild(none);
      }
    }, problem);
  }

  function addWebhook(event) {
    event.preventDefault();
    var url = byId("webhook-url");
    call("POST", "/webhooks", { url: url.value.trim() })
      .then(function (made) {
        problem(null);
        url.value = "";
        byId("webhook-secret").textContent = made.secret || "";
        byId("webhook-secret-box").hidden = !made.secret;
        return loadWebhooks();
      })
      .catch(function (error) {
        problem(error);
        url.focus();
      });
  }

  // --- MQTT ---

  function loadMqtt() {
    return call("GET", "/mqtt").then(function (broker) {
      byId("mqtt-url").value = (broker && broker.url) || "";
      byId("mqtt-username").value = (broker && broker.username) || "";
      byId("mqtt-topic").value = (broker && broker.topic) || "";
      byId("mqtt-password").value = "";
      byId("mqtt-password").placeholder = broker && broker.password_set ? "(saved)" : "";
      byId("mqtt-remove").hidden = !(broker && broker.url);
    }).catch(function (error) {
      if (error.status !== 404) {
        problem(error);
      }
      byId("mqtt-remove").hidden = true;
    });
  }

  function saveMqtt(event) {
    event.preventDefault();
    var body = {
      url: byId("mqtt-url").value.trim(),
      username: byId("mqtt-username").value.trim() || null,
      topic: byId("mqtt-topic").value.trim(),
    };
    if (byId("mqtt-password").value) {
      body.password = byId("mqtt-password").value;
    }
    call("PUT", "/mqtt", body)
      .then(function () {
        problem(null);
        byId("mqtt-status").textContent = "Broker saved.";
        return loadMqtt();
      })
      .catch(problem);
  }

  function removeMqtt() {
    call("DELETE", "/mqtt")
      .then(function () {
        byId("mqtt-status").textContent = "Broker removed.";
        return loadMqtt();
      })
      .catch(problem);
  }

  document.addEventListener("DOMContentLoaded", function () {
    var form = byId("preferences");
    if (!form) {
      return;
    }
    byId("settings-problem").tabIndex = -1;
    call("GET", "/preferences").then(fill, problem);
    form.addEventListener("submit", savePreferences);
    byId("webhook-add").addEventListener("submit", addWebhook);
    byId("mqtt").addEventListener("submit", saveMqtt);
    byId("mqtt-remove").addEventListener("click", removeMqtt);
    loadWebhooks();
    loadMqtt();
  });
})();

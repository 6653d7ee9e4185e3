// Push on this browser (issue 14 item 7). Nothing is asked on page load: the page only
// looks whether this browser is already subscribed. "Turn on" asks the browser's
// permission, registers the service worker (/sw.js, scope "/"), subscribes with the
// server's VAPID key and sends the subscription to the notifications API; "Turn off"
// unsubscribes and deletes it there too.
"use strict";

(function () {
  var API = "/api/v1/notify/push";
  var STORED_ID = "hw-push-subscription-id";
  var SUBSCRIBE_WAIT_MS = 15000;
  var status, onButton, offButton;

  function csrf() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") : "";
  }

  function show(state, text) {
    status.setAttribute("data-state", state);
    status.textContent = text;
    onButton.hidden = state === "on" || state === "unsupported";
    offButton.hidden = state !== "on";
  }

  function call(method, path, body) {
    var options = { method: method, credentials: "same-origin", headers: { "x-csrf-token": csrf() } };
    if (body !== undefined) {
      options.headers["content-type"] = "application/json";
      options.body = JSON.stringify(body);
    }
    return fetch(API + path, options).then(function (response) {
      if (!response.ok) {
        throw new Error("the server answered " + response.status);
      }
      return response.status === 204 ? null : response.json();
    });
  }

  function keyBytes(base64url) {
    var padded = (base64url + "===".slice((base64url.length + 3) % 4))
      .replace(/-/g, "+").replace(/_/g, "/");
    var raw = window.atob(padded);
    var bytes = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i += 1) {
      bytes[i] = raw.charCodeAt(i);
    }
    return bytes;
  }

  function supported() {
    return "serviceWorker" in navigator && "PushManager" in window && "Notification" in window;
  }

  function currentSubscription() {
    return navigator.serviceWorker.getRegistration("/").then(function (registration) {
      return registration ? registration.pushManager.getSubscription() : null;
    });
  }

  // The browser's push service (Google's for Chromium) may be out of reach: give up after a
  // while rather than leave the person waiting on a button that never answers.
  function subscribe(registration, key) {
    var gaveUp = new Promise(function (resolve, reject) {
      window.setTimeout(function () {
        var error = new Error("no answer");
        error.name = "TimeoutError";
        reject(error);
      }, SUBSCRIBE_WAIT_MS);
    });
    var asked = registration.pushManager.subscribe({
      userVisibleOnly: true,
      applicationServerKey: keyBytes(key.public_key),
    });
    return Promise.race([asked, gaveUp]).catch(function (error) {
      error.step = "subscribe";
      throw error;
    });
  }

  function turnOn() {
    onButton.disabled = true;
    show("busy", "Asking your browser…");
    // Asked first, in the click itself: browsers honour a permission prompt only then.
    Notification.requestPermission()
      .then(function (permission) {
        if (permission !== "granted") {
          throw new Error("permission");
        }
        return navigator.serviceWorker.register("/sw.js", { scope: "/" });
      })
      .then(function () {
        return Promise.all([navigator.serviceWorker.ready, call("GET", "/key")]);
      })
      .then(function (found) {
        return subscribe(found[0], found[1]);
      })
      .then(function (subscription) {
        return call("POST", "/subscriptions", subscription.toJSON());
      })
      .then(function (saved) {
        if (saved && saved.id) {
          window.localStorage.setItem(STORED_ID, saved.id);
        }
        show("on", "Push is on for this browser.");
      })
      .catch(function (error) {
        show("off", problem(error));
        status.classList.add("push-problem");
      })
      .then(function () {
        onButton.disabled = false;
      });
  }

  function problem(error) {
    if (error.message === "permission") {
      return "Push stays off: this browser did not allow notifications. You can allow them " +
        "for this site in the browser's settings, then try again.";
    }
    if (error.step === "subscribe") {
      return "Push could not be turned on: this browser's push service did not answer (" +
        (error.name || "error") + "). Try again later, or use e-mail, a webhook or MQTT.";
    }
    return "Push could not be turned on (" + error.message + "). Please try again.";
  }

  function turnOff() {
    offButton.disabled = true;
    currentSubscription()
      .then(function (subscription) {
        if (!subscription) {
          return null;
        }
        // The id the server gave when push was turned on here (the API never hands back a
        // browser's endpoint, so it cannot be looked up); without it, unsubscribing is
        // enough: the push service then refuses the server's sends and it forgets the browser.
        var id = window.localStorage.getItem(STORED_ID);
        var forget = id ? call("DELETE", "/subscriptions/" + encodeURIComponent(id)) : null;
        return Promise.resolve(forget).then(function () {
          return subscription.unsubscribe();
        });
      })
      .then(function () {
        window.localStorage.removeItem(STORED_ID);
        status.classList.remove("push-problem");
        show("off", "Push is off for this browser.");
      })
      .catch(function (error) {
        show("on", "Push could not be turned off (" + error.message + "). Please try again.");
      })
      .then(function () {
        offButton.disabled = false;
      });
  }

  document.addEventListener("DOMContentLoaded", function () {
    status = document.getElementById("push-status");
    onButton = document.getElementById("push-on");
    offButton = document.getElementById("push-off");
    if (!status || !onButton || !offButton) {
      return;
    }
    if (!supported()) {
      show("unsupported", "This browser cannot receive push alerts. Use e-mail, a webhook or MQTT.");
      return;
    }
    onButton.addEventListener("click", turnOn);
    offButton.addEventListener("click", turnOff);
    currentSubscription()
      .then(function (subscription) {
        if (subscription) {
          show("on", "Push is on for this browser.");
        } else if (Notification.permission === "denied") {
          show("off", "Push is off: notifications are blocked for this site in the browser's settings.");
        } else {
          show("off", "Push is off for this browser.");
        }
      })
      .catch(function () {
        show("off", "Push is off for this browser.");
      });
  });
})();

// Hearthwatch's service worker (issue 14 item 7), served from /sw.js with scope "/".
// It is registered only when the person turns push on (push.js). A push carries the alert
// as JSON ({title, body, url, image, id, ...}): it is shown as a notification, with its
// picture when the person keeps images in alerts on (P15); a click opens or focuses the
// alert's page. Only addresses of this service are opened.
"use strict";

self.addEventListener("install", function () {
  self.skipWaiting();
});

self.addEventListener("activate", function (event) {
  event.waitUntil(self.clients.claim());
});

function ownPage(url) {
  try {
    var target = new URL(url || "/", self.location.origin);
    return target.origin === self.location.origin ? target.href : self.location.origin + "/";
  } catch (error) {
    return self.location.origin + "/";
  }
}

function alertOf(event) {
  if (!event.data) {
    return {};
  }
  try {
    return event.data.json() || {};
  } catch (error) {
    return { body: event.data.text() };
  }
}

self.addEventListener("push", function (event) {
  var alert = alertOf(event);
  var options = {
    body: alert.body || "",
    icon: "/static/favicon.svg",
    badge: "/static/favicon.svg",
    tag: alert.id || undefined,
    timestamp: alert.created_at ? Date.parse(alert.created_at) || undefined : undefined,
    data: { url: ownPage(alert.url) },
  };
  if (alert.image) {
    options.image = alert.image;
  }
  event.waitUntil(self.registration.showNotification(alert.title || "Hearthwatch", options));
});

self.addEventListener("notificationclick", function (event) {
  event.notification.close();
  var url = ownPage(event.notification.data && event.notification.data.url);
  event.waitUntil(
    self.clients.matchAll({ type: "window", includeUncontrolled: true }).then(function (windows) {
      for (var i = 0; i < windows.length; i += 1) {
        if (windows[i].url === url && "focus" in windows[i]) {
          return windows[i].focus();
        }
      }
      return self.clients.openWindow(url);
    })
  );
});

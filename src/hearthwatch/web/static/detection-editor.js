// The detection editor: zones and privacy masks drawn as polygons on the camera's live
// picture, sensitivity and timings; read and saved with the detection API
// (GET / PUT /api/v1/cameras/{id}/detection), whose refusals (422, `detection.*`) are shown
// next to the input they are about. Points are fractions of the picture (0 to 1), as the
// API keeps them, so a shape fits the picture at any size.
//   mouse: click the corners, then "Close shape" (or click the first point again)
//   keyboard (on the picture): arrows move a cross (Shift: bigger steps), Enter adds a point
"use strict";

(function () {
  var SVG = "http://www.w3.org/2000/svg";
  var MAX_POINTS = 32;
  var CLOSE_TO_FIRST = 0.03; // a click this near the first point closes the shape
  var NUMBERS = ["min_duration_ms", "quiet_seconds", "pre_roll_s", "post_roll_s"];
  var KEY_STEPS = { ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, -1], ArrowDown: [0, 1] };

  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") : "";
  }

  function round(value) {
    return Math.round(Math.min(Math.max(value, 0), 1) * 10000) / 10000;
  }

  function svg(name, attributes) {
    var element = document.createElementNS(SVG, name);
    Object.keys(attributes).forEach(function (key) {
      element.setAttribute(key, attributes[key]);
    });
    return element;
  }

  function Editor(form) {
    this.form = form;
    this.cameraId = form.getAttribute("data-camera-id");
    this.url = "/api/v1/cameras/" + this.cameraId + "/detection";
    this.canvas = form.querySelector("[data-canvas]");
    this.zones = [];
    this.masks = [];
    this.drawing = []; // the points of the shape being drawn
    this.cross = [0.5, 0.5];
    this.showCross = false;
    this.wire();
    this.loadPicture();
    this.load();
  }

  Editor.prototype.q = function (selector) {
    return this.form.querySelector(selector);
  };

  Editor.prototype.kind = function () {
    return this.q("[data-draw-kind]:checked").value;
  };

  Editor.prototype.say = function (text) {
    this.q("[data-drawing-status]").textContent = text;
  };

  Editor.prototype.loadPicture = function () {
    var picture = this.q("[data-snapshot]");
    var note = this.q("[data-snapshot-note]");
    picture.addEventListener("load", function () {
      picture.classList.add("drawing__picture--shown");
    });
    picture.addEventListener("error", function () {
      picture.removeAttribute("src");
      note.hidden = false;
    });
    picture.src = picture.getAttribute("data-src");
  };

  Editor.prototype.load = function () {
    var self = this;
    window
      .fetch(this.url, { credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) {
          throw new Error(String(response.status));
        }
        return response.json();
      })
      .then(function (settings) {
        self.fill(settings);
        self.q("[data-save]").disabled = false;
      })
      .catch(function () {
        self.problem("The settings could not be loaded. Reload the page to try again.");
      });
  };

  Editor.prototype.fill = function (settings) {
    this.q("[data-enabled]").checked = settings.enabled;
    this.q("#field-sensitivity").value = settings.sensitivity;
    this.showSensitivity();
    NUMBERS.forEach(function (name) {
      this.q("#field-" + name).value = settings[name];
    }, this);
    this.zones = settings.zones.map(function (zone) {
      return { id: zone.id, name: zone.name, points: zone.points };
    });
    this.masks = settings.masks.map(function (points) {
      return { points: points };
    });
    this.render();
  };

  Editor.prototype.showSensitivity = function () {
    this.q("[data-sensitivity-value]").textContent = this.q("#field-sensitivity").value;
  };

  // --- Drawing ---

  Editor.prototype.pointAt = function (event) {
    var box = this.canvas.getBoundingClientRect();
    return [
      round((event.clientX - box.left) / box.width),
      round((event.clientY - box.top) / box.height),
    ];
  };

  Editor.prototype.add = function (point) {
    var first = this.drawing[0];
    if (
      first &&
      this.drawing.length >= 3 &&
      Math.abs(first[0] - point[0]) < CLOSE_TO_FIRST &&
      Math.abs(first[1] - point[1]) < CLOSE_TO_FIRST
    ) {
      this.close();
      return;
    }
    if (this.drawing.length >= MAX_POINTS) {
      this.say("A shape has at most " + MAX_POINTS + " points: close it.");
      return;
    }
    this.drawing.push(point);
    this.say("Point " + this.drawing.length + " added.");
    this.render();
  };

  Editor.prototype.close = function () {
    if (this.drawing.length < 3) {
      this.say("A shape needs at least three points.");
      return;
    }
    if (this.kind() === "zone") {
      var zone = this.newZone(this.drawing);
      this.zones.push(zone);
      this.say(zone.name + " added. You can rename it in the list of zones.");
    } else {
      this.masks.push({ points: this.drawing });
      this.say("Privacy mask " + this.masks.length + " added.");
    }
    this.drawing = [];
    this.render();
  };

  Editor.prototype.newZone = function (points) {
    var used = {};
    this.zones.forEach(function (zone) {
      used[zone.id] = true;
    });
    var n = 1;
    while (used["zone-" + n]) {
      n += 1;
    }
    return { id: "zone-" + n, name: "Zone " + n, points: points };
  };

  Editor.prototype.render = function () {
    var canvas = this.canvas;
    var fragment = document.createDocumentFragment();
    var polygon = function (points, className) {
      return svg("polygon", {
        points: points.map(function (p) {
          return p[0] + "," + p[1];
        }).join(" "),
        class: className,
        "vector-effect": "non-scaling-stroke",
      });
    };
    this.masks.forEach(function (mask) {
      fragment.appendChild(polygon(mask.points, "shape shape--mask"));
    });
    this.zones.forEach(function (zone) {
      fragment.appendChild(polygon(zone.points, "shape shape--zone"));
    });
    if (this.drawing.length) {
      var line = svg("polyline", {
        points: this.drawing.map(function (p) {
          return p[0] + "," + p[1];
        }).join(" "),
        class: "shape shape--drawing shape--" + this.kind(),
        "vector-effect": "non-scaling-stroke",
      });
      fragment.appendChild(line);
      this.drawing.forEach(function (p, index) {
        fragment.appendChild(
          svg("ellipse", {
            cx: p[0], cy: p[1], rx: 0.008, ry: 0.014,
            class: "shape__point" + (index === 0 ? " shape__point--first" : ""),
          }),
        );
      });
    }
    if (this.showCross) {
      fragment.appendChild(
        svg("path", {
          d: "M" + (this.cross[0] - 0.03) + " " + this.cross[1] + "h0.06M" + this.cross[0] + " " +
            (this.cross[1] - 0.05) + "v0.1",
          class: "shape__cross",
          "vector-effect": "non-scaling-stroke",
        }),
      );
    }
    canvas.replaceChildren(fragment);
    this.q("[data-close-shape]").disabled = this.drawing.length < 3;
    this.q("[data-undo-point]").disabled = !this.drawing.length;
    this.q("[data-discard-shape]").disabled = !this.drawing.length;
    this.renderLists();
  };

  Editor.prototype.renderLists = function () {
    var self = this;
    var zoneList = this.q("[data-zone-list]");
    var maskList = this.q("[data-mask-list]");
    zoneList.replaceChildren.apply(
      zoneList,
      this.zones.map(function (zone, index) {
        return self.zoneItem(zone, index);
      }),
    );
    maskList.replaceChildren.apply(
      maskList,
      this.masks.map(function (mask, index) {
        return self.maskItem(index);
      }),
    );
    this.q("[data-no-zones]").hidden = this.zones.length > 0;
    this.q("[data-no-masks]").hidden = this.masks.length > 0;
  };

  Editor.prototype.zoneItem = function (zone, index) {
    var self = this;
    var item = document.createElement("li");
    item.className = "shape-list__item";
    item.setAttribute("data-zone", zone.id);
    var label = document.createElement("label");
    label.className = "visually-hidden";
    label.htmlFor = "zone-name-" + index;
    label.textContent = "Name of zone " + (index + 1);
    var name = document.createElement("input");
    name.type = "text";
    name.id = "zone-name-" + index;
    name.maxLength = 40;
    name.value = zone.name;
    name.setAttribute("data-zone-name", "");
    name.addEventListener("input", function () {
      zone.name = name.value;
    });
    var error = document.createElement("p");
    error.className = "field__error";
    error.setAttribute("data-error-for", "zones." + index);
    error.hidden = true;
    item.append(label, name, this.deleteButton("Delete " + zone.name, function () {
      self.zones.splice(index, 1);
      self.say(zone.name + " deleted.");
      self.render();
    }), error);
    return item;
  };

  Editor.prototype.maskItem = function (index) {
    var self = this;
    var item = document.createElement("li");
    item.className = "shape-list__item";
    item.setAttribute("data-mask", String(index));
    var text = document.createElement("span");
    text.textContent = "Privacy mask " + (index + 1);
    var error = document.createElement("p");
    error.className = "field__error";
    error.setAttribute("data-error-for", "masks." + index);
    error.hidden = true;
    item.append(text, this.deleteButton("Delete privacy mask " + (index + 1), function () {
      self.masks.splice(index, 1);
      self.say("Privacy mask " + (index + 1) + " deleted.");
      self.render();
    }), error);
    return item;
  };

  Editor.prototype.deleteButton = function (label, onClick) {
    var button = document.createElement("button");
    button.type = "button";
    button.className = "button button--quiet button--small";
    button.textContent = "Delete";
    button.setAttribute("aria-label", label);
    button.addEventListener("click", onClick);
    return button;
  };

  Editor.prototype.key = function (event) {
    var step = KEY_STEPS[event.key];
    if (step) {
      var size = event.shiftKey ? 0.1 : 0.02;
      this.cross = [round(this.cross[0] + step[0] * size), round(this.cross[1] + step[1] * size)];
      this.showCross = true;
      this.say("Cross at " + Math.round(this.cross[0] * 100) + "% across, " +
        Math.round(this.cross[1] * 100) + "% down.");
      this.render();
      event.preventDefault();
    } else if (event.key === "Enter" || event.key === " ") {
      this.showCross = true;
      this.add(this.cross.slice());
      event.preventDefault();
    }
  };

  // --- Saving ---

  Editor.prototype.body = function () {
    var body = {
      enabled: this.q("[data-enabled]").checked,
      sensitivity: Number(this.q("#field-sensitivity").value),
      zones: this.zones.map(function (zone) {
        return { id: zone.id, name: zone.name.trim(), points: zone.points };
      }),
      masks: this.masks.map(function (mask) {
        return mask.points;
      }),
    };
    NUMBERS.forEach(function (name) {
      var text = this.q("#field-" + name).value;
      body[name] = /^\d+$/.test(text) ? Number(text) : text;
    }, this);
    return body;
  };

  Editor.prototype.clearProblems = function () {
    var box = this.q("[data-detection-problem]");
    box.hidden = true;
    box.textContent = "";
    this.form.querySelectorAll("[data-error-for]").forEach(function (error) {
      error.hidden = true;
      error.textContent = "";
    });
    this.form.querySelectorAll('[aria-invalid="true"]').forEach(function (input) {
      input.removeAttribute("aria-invalid");
    });
  };

  Editor.prototype.problem = function (message, field) {
    // "zones.2.name" belongs to the second zone's row; "min_duration_ms" to its input.
    var parts = (field || "").split(".");
    var key = parts[0] === "zones" || parts[0] === "masks" ? parts.slice(0, 2).join(".") : parts[0];
    var error = key ? this.form.querySelector('[data-error-for="' + key + '"]') : null;
    var box = this.q("[data-detection-problem]");
    box.textContent = message;
    box.hidden = false;
    if (error) {
      error.textContent = message;
      error.hidden = false;
      var input = error.parentNode.querySelector("input");
      if (input) {
        input.setAttribute("aria-invalid", "true");
        input.focus();
      }
    }
  };

  Editor.prototype.save = function () {
    var self = this;
    var saved = this.q("[data-saved]");
    this.clearProblems();
    saved.textContent = "";
    if (this.drawing.length) {
      this.problem("Close or discard the shape you are drawing first.");
      return;
    }
    var button = this.q("[data-save]");
    button.disabled = true;
    window
      .fetch(this.url, {
        method: "PUT",
        credentials: "same-origin",
        headers: { "content-type": "application/json", "x-csrf-token": csrfToken() },
        body: JSON.stringify(this.body()),
      })
      .then(function (response) {
        return response.json().then(function (body) {
          return { ok: response.ok, body: body };
        });
      })
      .then(function (answer) {
        button.disabled = false;
        if (answer.ok) {
          self.fill(answer.body);
          saved.textContent = "Saved. The camera uses the new settings within seconds.";
          return;
        }
        var error = answer.body.error || {};
        var details = error.details;
        var field = details && !Array.isArray(details) ? details.field : null;
        if (Array.isArray(details) && details.length) {
          field = details[0].field;
        }
        self.problem(error.message || "The settings could not be saved.", field);
      })
      .catch(function () {
        button.disabled = false;
        self.problem("The settings could not be saved. Reload the page and try again.");
      });
  };

  Editor.prototype.wire = function () {
    var self = this;
    this.canvas.addEventListener("click", function (event) {
      self.showCross = false;
      self.add(self.pointAt(event));
    });
    this.canvas.addEventListener("keydown", this.key.bind(this));
    this.q("[data-close-shape]").addEventListener("click", this.close.bind(this));
    this.q("[data-undo-point]").addEventListener("click", function () {
      self.drawing.pop();
      self.say("Point removed.");
      self.render();
    });
    this.q("[data-discard-shape]").addEventListener("click", function () {
      self.drawing = [];
      self.say("Shape discarded.");
      self.render();
    });
    this.form.querySelectorAll("[data-draw-kind]").forEach(function (radio) {
      radio.addEventListener("change", self.render.bind(self));
    });
    this.q("#field-sensitivity").addEventListener("input", this.showSensitivity.bind(this));
    this.form.addEventListener("submit", function (event) {
      event.preventDefault();
      self.save();
    });
  };

  document.addEventListener("DOMContentLoaded", function () {
    var form = document.querySelector("[data-detection-editor]");
    if (form && window.fetch) {
      new Editor(form);
    }
  });
})();

// Media Source Extensions plumbing shared by the live and the recorded players: reading
// the fMP4 boxes they need (the avcC record for the codec string, a fragment's tfdt for its
// time), and a queue that feeds a SourceBuffer one update at a time.
"use strict";

(function (hw) {
  var TIMESCALE = 90000;

  // Reading ISO BMFF boxes: enough to find the avcC record and a fragment's tfdt.
  function findBox(bytes, path, start, end) {
    var view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    var offset = start || 0;
    var limit = end === undefined ? bytes.byteLength : end;
    while (offset + 8 <= limit) {
      var size = view.getUint32(offset);
      var kind = String.fromCharCode(
        bytes[offset + 4],
        bytes[offset + 5],
        bytes[offset + 6],
        bytes[offset + 7],
      );
      if (size < 8 || offset + size > limit) {
        return null;
      }
      if (kind === path[0]) {
        if (path.length === 1) {
          return { start: offset + 8, end: offset + size };
        }
        var skip = kind === "stsd" ? 8 : kind === "avc1" ? 78 : 0;
        return findBox(bytes, path.slice(1), offset + 8 + skip, offset + size);
      }
      offset += size;
    }
    return null;
  }

  var AVCC_PATH = ["moov", "trak", "mdia", "minf", "stbl", "stsd", "avc1", "avcC"];

  function hex(value) {
    return (value < 16 ? "0" : "") + value.toString(16).toUpperCase();
  }

  // The MSE type of an init segment: avc1.PPCCLL from the avcC's profile, compatibility
  // and level bytes; the common High and Baseline types when it cannot be read.
  function mimeTypes(init) {
    var bytes = new Uint8Array(init);
    var avcc = findBox(bytes, AVCC_PATH);
    var types = [];
    if (avcc) {
      types.push(
        "avc1." +
          hex(bytes[avcc.start + 1]) +
          hex(bytes[avcc.start + 2]) +
          hex(bytes[avcc.start + 3]),
      );
    }
    types.push("avc1.640028", "avc1.42E01E");
    return types.map(function (codec) {
      return 'video/mp4; codecs="' + codec + '"';
    });
  }

  function supportedType(init) {
    if (!window.MediaSource) {
      return null;
    }
    return (
      mimeTypes(init).filter(function (type) {
        return window.MediaSource.isTypeSupported(type);
      })[0] || null
    );
  }

  // A media fragment's decode time (moof/traf/tfdt), in seconds since the epoch.
  function decodeSeconds(fragment) {
    var bytes = new Uint8Array(fragment);
    var tfdt = findBox(bytes, ["moof", "traf", "tfdt"]);
    if (!tfdt) {
      return null;
    }
    var view = new DataView(bytes.buffer, bytes.byteOffset + tfdt.start, tfdt.end - tfdt.start);
    var ticks =
      view.getUint8(0) === 1
        ? view.getUint32(4) * 4294967296 + view.getUint32(8)
        : view.getUint32(4);
    return ticks / TIMESCALE;
  }

  // SourceBuffer calls one at a time: each waits for the previous one's updateend. Media
  // waiting in line is appended in one call (fragments may be concatenated), so a backlog
  // such as the frames since the last keyframe costs one round trip, not one per frame.
  function AppendQueue(buffer, onError) {
    this.buffer = buffer;
    this.tasks = [];
    this.after = [];
    this.onError = onError;
    buffer.addEventListener(
      "updateend",
      function () {
        this.after.splice(0).forEach(function (after) {
          after();
        });
        this.next();
      }.bind(this),
    );
  }

  // `task(buffer)` runs when the buffer is free; `done` (optional) once its update ended.
  AppendQueue.prototype.push = function (task, done) {
    this.tasks.push({ run: task, done: done });
    this.next();
  };

  AppendQueue.prototype.append = function (data, done) {
    this.tasks.push({ data: data, done: done });
    this.next();
  };

  AppendQueue.prototype.take = function () {
    var task = this.tasks.shift();
    if (!task.data) {
      return task;
    }
    var parts = [task];
    while (this.tasks.length && this.tasks[0].data) {
      parts.push(this.tasks.shift());
    }
    if (parts.length === 1) {
      return { data: task.data, dones: [task.done] };
    }
    var size = parts.reduce(function (sum, part) {
      return sum + part.data.byteLength;
    }, 0);
    var joined = new Uint8Array(size);
    var offset = 0;
    parts.forEach(function (part) {
      joined.set(new Uint8Array(part.data), offset);
      offset += part.data.byteLength;
    });
    return {
      data: joined,
      dones: parts.map(function (part) {
        return part.done;
      }),
    };
  };

  AppendQueue.prototype.next = function () {
    while (!this.buffer.updating && this.tasks.length) {
      var task = this.take();
      var dones = (task.dones || [task.done]).filter(Boolean);
      try {
        if (task.data) {
          this.buffer.appendBuffer(task.data);
        } else {
          task.run(this.buffer);
        }
      } catch (error) {
        this.tasks = [];
        this.onError(error);
        return;
      }
      if (this.buffer.updating) {
        this.after = dones;
      } else {
        dones.forEach(function (done) {
          done();
        });
      }
    }
  };

  AppendQueue.prototype.clear = function () {
    this.tasks = [];
  };

  hw.TIMESCALE = TIMESCALE;
  hw.supportedType = supportedType;
  hw.decodeSeconds = decodeSeconds;
  hw.AppendQueue = AppendQueue;
})((window.Hearthwatch = window.Hearthwatch || {}));

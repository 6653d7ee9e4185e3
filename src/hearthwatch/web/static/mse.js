// Media Source Extensions plumbing shared by the live and the recorded players: reading
// the fMP4 boxes they need (each track's codec string, from avcC, hvcC or esds, checked
// with MediaSource.isTypeSupported; a fragment's tfdt for its time), and a queue that
// feeds a SourceBuffer one update at a time.
"use strict";

(function (hw) {
  var TIMESCALE = 90000;

  // Reading ISO BMFF boxes: enough to name each track's codec and find a fragment's tfdt.
  // Sample entries start with fixed fields before their child boxes: 78 bytes for video
  // (avc1, hvc1), 28 for audio (mp4a); stsd has 8 bytes of header before its entries.
  var SKIP = { stsd: 8, avc1: 78, avc3: 78, hvc1: 78, hev1: 78, mp4a: 28 };

  // The boxes between start and end: [{kind, start (of the contents), end}].
  function boxes(bytes, start, end) {
    var view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    var found = [];
    var offset = start;
    while (offset + 8 <= end) {
      var size = view.getUint32(offset);
      if (size < 8 || offset + size > end) {
        break;
      }
      var kind = String.fromCharCode.apply(null, bytes.subarray(offset + 4, offset + 8));
      found.push({ kind: kind, start: offset + 8 + (SKIP[kind] || 0), end: offset + size });
      offset += size;
    }
    return found;
  }

  function child(bytes, parent, kind) {
    return (
      boxes(bytes, parent.start, parent.end).filter(function (box) {
        return box.kind === kind;
      })[0] || null
    );
  }

  function findBox(bytes, path) {
    var box = { start: 0, end: bytes.byteLength };
    for (var i = 0; box && i < path.length; i += 1) {
      box = child(bytes, box, path[i]);
    }
    return box;
  }

  function hex(value) {
    return (value < 16 ? "0" : "") + value.toString(16).toUpperCase();
  }

  // avc1.PPCCLL: profile, compatibility and level from the avcC record (RFC 6381).
  function avcCodec(bytes, entry) {
    var avcc = child(bytes, entry, "avcC");
    if (!avcc) {
      return null;
    }
    var at = avcc.start;
    return "avc1." + hex(bytes[at + 1]) + hex(bytes[at + 2]) + hex(bytes[at + 3]);
  }

  // hvc1.<space><profile>.<compatibility, bits reversed>.<tier><level>.<constraints>
  // from the hvcC record (ISO/IEC 14496-15 annex E).
  function hevcCodec(bytes, entry, kind) {
    var hvcc = child(bytes, entry, "hvcC");
    if (!hvcc) {
      return null;
    }
    var at = hvcc.start;
    var view = new DataView(bytes.buffer, bytes.byteOffset + at, hvcc.end - at);
    var space = ["", "A", "B", "C"][bytes[at + 1] >> 6];
    var flags = view.getUint32(2);
    var reversed = 0;
    for (var bit = 0; bit < 32; bit += 1) {
      reversed = reversed * 2 + ((flags >>> bit) & 1);
    }
    var constraints = Array.prototype.slice.call(bytes.subarray(at + 6, at + 12));
    while (constraints.length && constraints[constraints.length - 1] === 0) {
      constraints.pop();
    }
    return [
      kind + "." + space + (bytes[at + 1] & 0x1f),
      reversed.toString(16).toUpperCase(),
      ((bytes[at + 1] >> 5) & 1 ? "H" : "L") + bytes[at + 12],
    ]
      .concat(constraints.map(hex))
      .join(".");
  }

  // mp4a.40.<audio object type> from the esds descriptors (ISO/IEC 14496-1): ES_Descriptor,
  // DecoderConfigDescriptor, then DecoderSpecificInfo (the AudioSpecificConfig).
  function aacCodec(bytes, entry) {
    var esds = child(bytes, entry, "esds");
    if (!esds) {
      return "mp4a.40.2";
    }
    var at = esds.start + 4;
    var fixed = { 3: 3, 4: 13, 5: 0 }; // bytes before the nested descriptor
    while (at < esds.end) {
      var tag = bytes[at];
      at += 1;
      while (bytes[at] & 0x80) {
        at += 1; // the size, in up to four bytes, is not needed
      }
      at += 1;
      if (tag === 3) {
        var flags = bytes[at + 2];
        at += 3 + (flags & 0x80 ? 2 : 0) + (flags & 0x40 ? 1 + bytes[at + 3] : 0);
        at += flags & 0x20 ? 2 : 0;
      } else if (tag === 5) {
        var type = bytes[at] >> 3;
        type = type === 31 ? 32 + (((bytes[at] & 7) << 3) | (bytes[at + 1] >> 5)) : type;
        return "mp4a.40." + type;
      } else if (fixed[tag] !== undefined) {
        at += fixed[tag];
      } else {
        break;
      }
    }
    return "mp4a.40.2";
  }

  var NAMES = { avc1: "H.264", avc3: "H.264", hvc1: "H.265", hev1: "H.265", mp4a: "AAC" };

  // Each track of an init segment: {kind: "video"|"audio", name, codec}.
  function tracks(init) {
    var bytes = new Uint8Array(init);
    var moov = findBox(bytes, ["moov"]);
    if (!moov) {
      return [];
    }
    return boxes(bytes, moov.start, moov.end)
      .filter(function (box) {
        return box.kind === "trak";
      })
      .map(function (trak) {
        var stsd = trak;
        ["mdia", "minf", "stbl", "stsd"].forEach(function (kind) {
          stsd = stsd && child(bytes, stsd, kind);
        });
        var entry = stsd && boxes(bytes, stsd.start, stsd.end)[0];
        if (!entry || !NAMES[entry.kind]) {
          return { kind: "other", name: entry ? entry.kind : "unknown", codec: null };
        }
        var kind = entry.kind;
        var codec =
          kind === "mp4a"
            ? aacCodec(bytes, entry)
            : kind === "hvc1" || kind === "hev1"
              ? hevcCodec(bytes, entry, kind)
              : avcCodec(bytes, entry);
        return { kind: kind === "mp4a" ? "audio" : "video", name: NAMES[kind], codec: codec };
      });
  }

  function mime(codecs) {
    return 'video/mp4; codecs="' + codecs.join(", ") + '"';
  }

  function playable(codec) {
    return !!codec && window.MediaSource.isTypeSupported(mime([codec]));
  }

  // What this browser makes of an init segment: {type} to give addSourceBuffer, whether
  // it has sound, and when it cannot play it, {type: null, lacking: what it lacks}.
  function support(init) {
    if (!window.MediaSource) {
      return { type: null, sound: false, lacking: "Media Source Extensions" };
    }
    var found = tracks(init);
    var video = found.filter(function (track) {
      return track.kind === "video";
    })[0];
    var audio = found.filter(function (track) {
      return track.kind === "audio";
    })[0];
    var codecs = [];
    if (!video || video.name === "H.264") {
      // The common High and Baseline types stand in for a record that cannot be read.
      codecs.push([video && video.codec, "avc1.640028", "avc1.42E01E"].filter(playable)[0]);
    } else {
      codecs.push(playable(video.codec) ? video.codec : null);
    }
    if (!codecs[0]) {
      return { type: null, sound: false, lacking: (video ? video.name : "H.264") + " video" };
    }
    if (audio) {
      if (!playable(audio.codec)) {
        return { type: null, sound: false, lacking: audio.name + " sound" };
      }
      codecs.push(audio.codec);
    }
    var type = mime(codecs);
    if (!window.MediaSource.isTypeSupported(type)) {
      return { type: null, sound: false, lacking: "this mix of video and sound" };
    }
    return { type: type, sound: !!audio, lacking: null };
  }

  function supportedType(init) {
    return support(init).type;
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
  hw.mediaSupport = support;
  hw.mediaTracks = tracks;
  hw.decodeSeconds = decodeSeconds;
  hw.AppendQueue = AppendQueue;
})((window.Hearthwatch = window.Hearthwatch || {}));

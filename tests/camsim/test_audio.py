"""Issue 12 item 3: simulated cameras send AAC audio that clients nobody here wrote can read.

The foreign clients are Debian's ffprobe and ffmpeg and GStreamer's rtspsrc; sync is judged
on what ffmpeg records (it lines the tracks up by the RTCP sender reports): the chime rings
when the figure walks in, so the sound's onsets must fall on the picture's.
"""

from __future__ import annotations

import itertools
import json
import struct
import subprocess
import time
import wave
from pathlib import Path
from typing import Any

import av
import numpy as np
import pytest
from numpy.typing import NDArray

from hearthwatch.camsim.fleet import CameraFleet, CameraInfo
from hearthwatch.camsim.scene import SceneSpec
from hearthwatch.camsim.sound import sound_for, synthesize
from tests.camsim.conftest import SCENE_SECONDS, StartFleet, require_binary
from tests.camsim.rtsp_client import RawRtspClient, SenderReport

TIMEOUT_S = 30


def ffprobe_json(*args: str) -> dict[str, Any]:
    ffprobe = require_binary("ffprobe")
    done = subprocess.run(
        [ffprobe, "-v", "error", "-of", "json", *args],
        capture_output=True,
        text=True,
        timeout=TIMEOUT_S,
        check=True,
    )
    result: dict[str, Any] = json.loads(done.stdout)
    return result


def probe_streams(url: str, transport: str = "tcp") -> list[dict[str, Any]]:
    streams: list[dict[str, Any]] = ffprobe_json(
        "-rtsp_transport", transport, "-show_streams", url
    )["streams"]
    return streams


def record(url: str, out: Path, *, seconds: float, transport: str = "tcp") -> Path:
    ffmpeg = require_binary("ffmpeg")
    copy_args = ["-t", str(seconds), "-c", "copy", str(out)]
    subprocess.run(
        [ffmpeg, "-v", "error", "-y", "-rtsp_transport", transport, "-i", url, *copy_args],
        capture_output=True,
        timeout=TIMEOUT_S,
        check=True,
    )
    return out


def packet_spans(path: Path) -> dict[str, tuple[float, float]]:
    """First and last packet time of each track, by codec name."""
    spans: dict[str, tuple[float, float]] = {}
    with av.open(str(path)) as container:
        for packet in container.demux():
            if packet.pts is None:
                continue
            name = packet.stream.codec_context.name
            at = float(packet.pts * packet.time_base)
            first, last = spans.get(name, (at, at))
            spans[name] = (min(first, at), max(last, at))
    return spans


@pytest.mark.parametrize("transport", ["tcp", "udp"])
def test_issue12_item3_ffprobe_sees_h264_and_aac_lc_16khz_mono(
    camera: CameraInfo, transport: str
) -> None:
    streams = probe_streams(camera.main_url, transport)
    by_type = {s["codec_type"]: s for s in streams}
    assert len(streams) == 2
    assert by_type["video"]["codec_name"] == "h264"
    audio = by_type["audio"]
    assert (audio["codec_name"], audio["profile"]) == ("aac", "LC")
    assert (audio["sample_rate"], audio["channels"]) == ("16000", 1)


def test_issue12_item3_the_sub_stream_carries_the_same_audio(camera: CameraInfo) -> None:
    kinds = sorted((s["codec_type"], s["codec_name"]) for s in probe_streams(camera.sub_url))
    assert kinds == [("audio", "aac"), ("video", "h264")]


@pytest.mark.parametrize("transport", ["tcp", "udp"])
def test_issue12_item3_ffmpeg_records_both_tracks_for_as_long(
    camera: CameraInfo, transport: str, tmp_path: Path
) -> None:
    out = record(camera.main_url, tmp_path / "out.mkv", seconds=3, transport=transport)
    spans = packet_spans(out)
    assert set(spans) == {"h264", "aac"}
    video, audio = spans["h264"], spans["aac"]
    assert video[1] - video[0] > 2.5
    assert abs((audio[1] - audio[0]) - (video[1] - video[0])) < 0.2
    assert abs(audio[0] - video[0]) < 0.1  # the audio starts with the picture


def gst_record_audio(url: str, wav: Path, protocol: str) -> subprocess.CompletedProcess[str]:
    """GStreamer plays both tracks (video decoded to a fakesink) and writes the sound to a
    WAV file; each branch ends itself after about 3 s (`identity eos-after`)."""
    gst = require_binary("gst-launch-1.0")
    pipeline = (
        f"rtspsrc location={url} protocols={protocol} latency=200 name=src "
        "src. ! queue ! rtph264depay ! h264parse ! avdec_h264 ! identity eos-after=75 ! fakesink "
        "src. ! queue ! rtpmp4gdepay ! aacparse ! avdec_aac ! identity eos-after=45 "
        f"! audioconvert ! audio/x-raw,format=S16LE ! wavenc ! filesink location={wav}"
    )
    return subprocess.run(
        [gst, "-q", *pipeline.split()], capture_output=True, text=True, timeout=TIMEOUT_S
    )


@pytest.mark.parametrize("protocol", ["tcp", "udp"])
def test_issue12_item3_gstreamer_rtspsrc_plays_both_tracks_and_decodes_the_sound(
    camera: CameraInfo, tmp_path: Path, protocol: str
) -> None:
    wav = tmp_path / "sound.wav"
    done = gst_record_audio(camera.main_url, wav, protocol)
    assert done.returncode == 0, done.stderr
    with wave.open(str(wav)) as sound:
        assert (sound.getframerate(), sound.getnchannels()) == (16000, 1)
        samples = np.frombuffer(sound.readframes(sound.getnframes()), np.int16)
    assert len(samples) >= 2.5 * 16000
    # A whole scene loop holds pings and the melody: sound, not silence.
    assert np.abs(samples).max() > 0.02 * 32768


def video_onsets(path: Path) -> list[float]:
    """When something appears in a still picture: a frame that differs from the one before
    it, after at least half a second of frames that did not."""
    times, changed = [], []
    previous: NDArray[np.float32] | None = None
    with av.open(str(path)) as container:
        for frame in container.decode(video=0):
            small = frame.reformat(width=160, height=90, format="gray").to_ndarray()
            blocks = small.astype(np.float32).reshape(18, 5, 32, 5).mean(axis=(1, 3))
            if previous is not None:
                times.append(float(frame.time or 0.0))
                changed.append(float(np.abs(blocks - previous).max()) > 25)
            previous = blocks
    return [t for i, t in enumerate(times) if changed[i] and not any(changed[max(0, i - 12) : i])]


def audio_onsets(path: Path) -> list[float]:
    """When the chime starts: loud after at least half a second below the threshold."""
    chunks, start = [], None
    with av.open(str(path)) as container:
        for frame in container.decode(audio=0):
            start = float(frame.time or 0.0) if start is None else start
            chunks.append(frame.to_ndarray()[0])
            rate = frame.sample_rate
    assert start is not None
    loud = np.abs(np.concatenate(chunks)) > 0.1
    quiet_for = int(0.5 * rate)
    onsets: list[float] = []
    for index in np.flatnonzero(loud):
        if index >= quiet_for and not loud[index - quiet_for : index].any():
            onsets.append(start + float(index) / rate)
    return onsets


def test_issue12_item3_audio_and_video_stay_in_sync_over_loops(
    shared_fleet: CameraFleet, tmp_path: Path
) -> None:
    # The figure walks in 30% into each 4 s loop and the camera's melody starts with it.
    out = record(shared_fleet.cameras[1].main_url, tmp_path / "sync.mkv", seconds=9.5)
    seen, heard = video_onsets(out), audio_onsets(out)
    assert len(seen) >= 2, seen  # two loops at least
    for at in seen:
        nearest = min(heard, key=lambda t: abs(t - at))
        assert abs(nearest - at) < 0.06, (seen, heard)
    assert len(heard) == len(seen), (seen, heard)


def test_issue12_item3_video_only_cameras_offer_no_audio(start_fleet: StartFleet) -> None:
    fleet = start_fleet(cameras=2, video_only=frozenset({1}))
    with_audio, silent = fleet.cameras
    assert (with_audio.audio, silent.audio) == (True, False)
    assert [s["codec_type"] for s in probe_streams(silent.main_url)] == ["video"]
    with RawRtspClient(fleet.rtsp_port) as client:
        sdp = client.request("DESCRIBE", silent.main_url).body.decode()
        assert "m=audio" not in sdp
        transport = {"Transport": "RTP/AVP/TCP;unicast;interleaved=2-3"}
        assert client.request("SETUP", silent.main_url + "/trackID=1", transport).status == 404


def test_issue12_item3_audio_switched_at_run_time_restarts_the_streams(
    start_fleet: StartFleet,
) -> None:
    fleet = start_fleet(cameras=1, audio=False)
    camera = fleet.cameras[0]
    assert [s["codec_type"] for s in probe_streams(camera.main_url)] == ["video"]
    with RawRtspClient(fleet.rtsp_port) as client:
        client.play_tcp(camera.main_url)
        client.read_frame()
        assert fleet.set_audio(camera.serial, True).audio is True
        assert client.closed_by_server()  # the camera restarts its streams
    assert sorted(s["codec_type"] for s in probe_streams(camera.main_url)) == ["audio", "video"]


def test_issue12_item3_cameras_of_a_fleet_chime_differently(shared_fleet: CameraFleet) -> None:
    sdps = []
    for camera in shared_fleet.cameras:
        with RawRtspClient(shared_fleet.rtsp_port) as client:
            sdps.append(client.request("DESCRIBE", camera.main_url).body.decode())
    for sdp in sdps:
        assert "a=rtpmap:97 MPEG4-GENERIC/16000/1" in sdp
        assert "mode=AAC-hbr;sizelength=13;indexlength=3;indexdeltalength=3;config=1408" in sdp
    scene = SceneSpec(seconds=SCENE_SECONDS, motion=((1.0, 2.0),))
    pitches = [dominant_pitch(synthesize(sound_for(scene, index))) for index in range(4)]
    assert len(set(pitches)) == 4, pitches


def dominant_pitch(signal: NDArray[np.float32]) -> float:
    spectrum = np.abs(np.fft.rfft(signal))
    return float(np.argmax(spectrum) * 16000 / len(signal))


def rtp_time(packet: bytes) -> int:
    return int(struct.unpack_from("!I", packet, 4)[0])


def aac_frame_count(packet: bytes) -> int:
    """AU headers in an RFC 3640 AAC-hbr payload (16 bits each)."""
    return int.from_bytes(packet[12:14], "big") // 16


def test_issue12_item3_sender_reports_put_sound_and_picture_at_the_same_time(
    camera: CameraInfo, shared_fleet: CameraFleet
) -> None:
    url = camera.main_url
    with RawRtspClient(shared_fleet.rtsp_port) as client:
        client.request("DESCRIBE", url)
        video = client.request(
            "SETUP", url + "/trackID=0", {"Transport": "RTP/AVP/TCP;unicast;interleaved=0-1"}
        )
        audio = client.request(
            "SETUP",
            url + "/trackID=1",
            {"Transport": "RTP/AVP/TCP;unicast;interleaved=2-3", "Session": video.session},
        )
        assert audio.status == 200 and audio.session == video.session
        assert client.request("PLAY", url + "/", {"Session": video.session}).status == 200
        packets: dict[int, list[bytes]] = {0: [], 1: [], 2: [], 3: []}
        while len(packets[2]) < 20 or not packets[1] or not packets[3]:
            channel, payload = client.read_frame()
            packets[channel].append(payload)
    video_report = SenderReport.parse(packets[1][0])
    audio_report = SenderReport.parse(packets[3][0])
    assert video_report is not None and audio_report is not None
    keyframe, sound = packets[0][0], packets[2][0]
    assert keyframe[12] & 0x1F == 7  # the video starts at a keyframe, SPS first

    def wall(packet: bytes, report: SenderReport, rate: int) -> float:
        delta = (rtp_time(packet) - report.rtp_time + 2**31) % 2**32 - 2**31
        return report.wall_time + delta / rate

    # The first sound is the frame that was being captured when the keyframe was.
    lead = wall(keyframe, video_report, 90_000) - wall(sound, audio_report, 16_000)
    assert 0 <= lead < 1024 / 16_000 + 0.001
    steps = {
        rtp_time(b) - rtp_time(a) - 1024 * aac_frame_count(a)
        for a, b in itertools.pairwise(packets[2])
    }
    assert steps == {0}  # every frame is 1024 samples after the one before


def play_both_tracks(client: RawRtspClient, url: str) -> None:
    video = client.request(
        "SETUP", url + "/trackID=0", {"Transport": "RTP/AVP/TCP;unicast;interleaved=0-1"}
    )
    headers = {"Transport": "RTP/AVP/TCP;unicast;interleaved=2-3", "Session": video.session}
    assert client.request("SETUP", url + "/trackID=1", headers).status == 200
    assert client.request("PLAY", url + "/", {"Session": video.session}).status == 200


def test_issue12_item3_a_stall_silences_sound_and_picture_alike(start_fleet: StartFleet) -> None:
    fleet = start_fleet(cameras=1)
    camera = fleet.cameras[0]
    stamps: dict[int, list[tuple[float, int]]] = {0: [], 2: []}
    with RawRtspClient(fleet.rtsp_port) as client:
        client.request("DESCRIBE", camera.main_url)
        play_both_tracks(client, camera.main_url)
        started = time.monotonic()
        while time.monotonic() - started < 3.5:
            channel, payload = client.read_frame()
            if channel in stamps:
                stamps[channel].append((time.monotonic() - started, rtp_time(payload)))
            if channel == 0 and len(stamps[0]) == 100:  # well into the stream
                fleet.stall(camera.serial, 1.0)

    def widest_gap(points: list[tuple[float, int]], rate: int) -> tuple[float, float]:
        """(arrival gap, timestamp gap) in seconds where packets stopped coming longest."""
        pairs = itertools.pairwise(points)
        return max((b[0] - a[0], ((b[1] - a[1]) % 2**32) / rate) for a, b in pairs)

    video_wait, video_jump = widest_gap(stamps[0], 90_000)
    audio_wait, audio_jump = widest_gap(stamps[2], 16_000)
    assert 0.9 < video_wait < 1.3 and 0.9 < audio_wait < 1.3
    # Both tracks' timestamps show the gap, so the sound stays with the picture after it.
    assert abs(video_jump - video_wait) < 0.15 and abs(audio_jump - audio_wait) < 0.15


def test_issue12_item3_a_client_may_take_the_sound_alone(
    camera: CameraInfo, tmp_path: Path
) -> None:
    ffmpeg = require_binary("ffmpeg")
    out = tmp_path / "sound.mka"
    source = ["-allowed_media_types", "audio", "-i", camera.sub_url]
    subprocess.run(
        [ffmpeg, "-v", "error", "-y", *source, "-t", "2", "-c", "copy", str(out)],
        capture_output=True,
        timeout=TIMEOUT_S,
        check=True,
    )
    spans = packet_spans(out)
    assert set(spans) == {"aac"}
    assert spans["aac"][1] - spans["aac"][0] > 1.5

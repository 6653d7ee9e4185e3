"""Serve a media file over RTSP with GStreamer's gst-rtsp-server (run with /usr/bin/python3).

Usage: gst_rtsp_serve.py FILE PORT [--udp-only] [--user NAME --password SECRET]

Serves rtsp://127.0.0.1:PORT/file: each client gets the file from its start, at its own
pace (a pipeline per client). FILE is an MP4 (H.264 only) or a Matroska file holding
H.264 or H.265 video and, optionally, AAC or G.711 mu-law audio; the server picks the
payloaders from what is in it. `--udp-only` refuses RTP over the RTSP connection (a
camera that only streams over UDP); `--user/--password` asks for digest authentication.
Prints "ready" once listening.

This is an RTSP server nobody on this project wrote, to test the recorder's ingest against.
"""

import argparse
import subprocess

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstRtsp", "1.0")
gi.require_version("GstRtspServer", "1.0")
from gi.repository import GLib, Gst, GstRtsp, GstRtspServer  # noqa: E402

VIDEO = {
    "h264": "h264parse config-interval=-1 ! rtph264pay name=pay0 pt=96",
    "hevc": "h265parse config-interval=-1 ! rtph265pay name=pay0 pt=96",
}
AUDIO = {
    "aac": "aacparse ! rtpmp4gpay name=pay1 pt=97",
    "pcm_mulaw": "rtppcmupay name=pay1 pt=0",
}


def streams(path: str) -> tuple[str, str | None]:
    """(video codec, audio codec or None) of the file, read with Debian's ffprobe."""
    found = subprocess.run(
        ["ffprobe", "-v", "error", "-show_entries", "stream=codec_type,codec_name",
         "-of", "csv=p=0", path],
        capture_output=True, text=True, check=True,
    ).stdout.split()  # fmt: skip
    video = audio = None
    for line in found:
        name, kind = line.split(",")[:2]
        if kind == "video" and video is None:
            video = name
        elif kind == "audio" and audio is None:
            audio = name
    if video not in VIDEO:
        raise SystemExit(f"unsupported video codec {video}")
    return video, audio if audio in AUDIO else None


def launch_line(path: str) -> str:
    video, audio = streams(path)
    if path.endswith(".mp4"):
        return f"( filesrc location={path} ! qtdemux ! {VIDEO[video]} )"
    line = f"( filesrc location={path} ! matroskademux name=d d.video_0 ! queue ! {VIDEO[video]}"
    if audio is not None:
        line += f" d.audio_0 ! queue ! {AUDIO[audio]}"
    return line + " )"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("file")
    parser.add_argument("port")
    parser.add_argument("--udp-only", action="store_true")
    parser.add_argument("--user")
    parser.add_argument("--password")
    args = parser.parse_args()
    Gst.init(None)
    server = GstRtspServer.RTSPServer()
    server.set_address("127.0.0.1")
    server.set_service(args.port)
    factory = GstRtspServer.RTSPMediaFactory()
    factory.set_launch(launch_line(args.file))
    factory.set_shared(False)
    if args.udp_only:
        factory.set_protocols(GstRtsp.RTSPLowerTrans.UDP | GstRtsp.RTSPLowerTrans.UDP_MCAST)
    if args.user:
        auth = GstRtspServer.RTSPAuth()
        auth.set_supported_methods(GstRtsp.RTSPAuthMethod.DIGEST)
        token = GstRtspServer.RTSPToken()
        token.set_string(GstRtspServer.RTSP_TOKEN_MEDIA_FACTORY_ROLE, "camera-user")
        auth.add_digest(args.user, args.password, token)
        server.set_auth(auth)
        factory.add_role_from_structure(
            Gst.Structure.from_string(
                "camera-user, media.factory.access=(boolean)true, "
                "media.factory.construct=(boolean)true"
            )[0]
        )
    server.get_mount_points().add_factory("/file", factory)
    server.attach(None)
    print("ready", flush=True)
    GLib.MainLoop().run()


if __name__ == "__main__":
    main()

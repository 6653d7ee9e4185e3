"""Serve an H.264 MP4 file over RTSP with GStreamer's gst-rtsp-server (run with /usr/bin/python3).

Usage: gst_rtsp_serve.py FILE PORT  — serves rtsp://127.0.0.1:PORT/file, looping nothing:
each client gets the file from the start. Prints "ready" once listening.
This is an RTSP server nobody on this project wrote, to test the recorder's ingest against.
"""

import sys

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstRtspServer", "1.0")
from gi.repository import GLib, Gst, GstRtspServer  # noqa: E402


def main() -> None:
    path, port = sys.argv[1], sys.argv[2]
    Gst.init(None)
    server = GstRtspServer.RTSPServer()
    server.set_address("127.0.0.1")
    server.set_service(port)
    factory = GstRtspServer.RTSPMediaFactory()
    factory.set_launch(
        f"( filesrc location={path} ! qtdemux ! h264parse config-interval=-1 "
        "! rtph264pay name=pay0 pt=96 )"
    )
    factory.set_shared(True)
    server.get_mount_points().add_factory("/file", factory)
    server.attach(None)
    print("ready", flush=True)
    GLib.MainLoop().run()


if __name__ == "__main__":
    main()

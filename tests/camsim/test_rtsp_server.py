"""The RTSP server under bad input, silent UDP clients, and RTCP sender reports."""

from __future__ import annotations

import itertools
import random
import socket
import struct
import threading
import time

import pytest

from hearthwatch.camsim.fleet import CameraFleet, CameraInfo
from hearthwatch.camsim.rtsp_handlers import MAX_SESSIONS_PER_CONNECTION
from tests.camsim.conftest import StartFleet
from tests.camsim.rtsp_client import RawRtspClient, SenderReport, udp_pair
from tests.camsim.streams import CLOCK_RATE, Capture, capture

TCP = {"Transport": "RTP/AVP/TCP;unicast;interleaved=0-1"}
MALFORMED = [
    b"HELLO\r\n\r\n",
    b"GET / HTTP/1.1\r\nHost: camera\r\n\r\n",
    b"DESCRIBE rtsp://camera/ RTSP/1.0\r\nCSeq: 1\r\nContent-Length: abc\r\n\r\n",
    b"DESCRIBE rtsp://camera/ RTSP/1.0\r\nCSeq: 1\r\nContent-Length: -5\r\n\r\n",
    b"DESCRIBE rtsp://camera/ RTSP/1.0\r\nCSeq: 1\r\nContent-Length: 99999999\r\n\r\n",
    b"\x00\xff" * 100 + b"\r\n\r\n",
    ("OPTIONS * RTSP/1.0\r\n" + "X-Filler: y\r\n" * 100 + "\r\n").encode(),
]


def rtsp_url(fleet: CameraFleet, path: str) -> str:
    return f"rtsp://127.0.0.1:{fleet.rtsp_port}{path.format(serial=fleet.cameras[0].serial)}"


@pytest.mark.parametrize("junk", MALFORMED)
def test_broken_framing_gets_400_and_the_connection_closes(
    shared_fleet: CameraFleet, junk: bytes
) -> None:
    with RawRtspClient(shared_fleet.rtsp_port) as client:
        client.send_raw(junk)
        assert client.read_reply().status == 400
        assert client.closed_by_server(within=2.0)


def test_an_endless_line_closes_the_connection(shared_fleet: CameraFleet) -> None:
    with RawRtspClient(shared_fleet.rtsp_port) as client:
        client.send_raw(b"A" * 70_000)
        assert client.closed_by_server(within=2.0)


@pytest.mark.parametrize(
    ("method", "path", "headers", "status"),
    [
        ("DESCRIBE", "/HWCNOSUCHCAM1/main", {}, 404),
        ("DESCRIBE", "/{serial}/nosuchstream", {}, 404),
        ("DESCRIBE", "", {}, 404),
        ("RECORD", "/{serial}/main", {}, 405),
        (
            "SETUP",
            "/{serial}/main/trackID=0",
            {"Transport": "RTP/AVP/TCP;interleaved=300-301"},
            400,
        ),
        ("SETUP", "/{serial}/main/trackID=0", {"Transport": "RTP/AVP;client_port=a-b"}, 400),
        ("SETUP", "/{serial}/main/trackID=0", {"Transport": "RTP/AVP;client_port=0-1"}, 400),
        ("SETUP", "/{serial}/main/trackID=0", {"Transport": "RTP/AVP;multicast"}, 461),
        ("SETUP", "/{serial}/main/trackID=0", {}, 461),
        ("SETUP", "/{serial}/main/trackID=0", {**TCP, "Session": "nosuch"}, 454),
        ("PLAY", "/{serial}/main/", {}, 454),
        ("PLAY", "/{serial}/main/", {"Session": "nosuch"}, 454),
        ("PAUSE", "/{serial}/main/", {"Session": "nosuch"}, 454),
        ("TEARDOWN", "/{serial}/main/", {"Session": "nosuch"}, 200),
        ("GET_PARAMETER", "/{serial}/main/", {}, 200),
    ],
)
def test_bad_requests_get_an_error_and_the_connection_stays_usable(
    shared_fleet: CameraFleet, method: str, path: str, headers: dict[str, str], status: int
) -> None:
    with RawRtspClient(shared_fleet.rtsp_port) as client:
        assert client.request(method, rtsp_url(shared_fleet, path), headers).status == status
        assert client.request("OPTIONS", rtsp_url(shared_fleet, "/{serial}/main")).status == 200


def test_empty_lines_before_a_request_are_ignored(shared_fleet: CameraFleet) -> None:
    with RawRtspClient(shared_fleet.rtsp_port) as client:
        client.send_raw(b"\r\n\r\nOPTIONS * RTSP/1.0\r\nCSeq: 7\r\n\r\n")
        reply = client.read_reply()
    assert (reply.status, reply.headers["cseq"]) == (200, "7")


def test_interleaved_data_from_the_client_is_ignored(shared_fleet: CameraFleet) -> None:
    with RawRtspClient(shared_fleet.rtsp_port) as client:
        client.send_raw(b"$\x01\x00\x04abcd")
        assert client.request("OPTIONS", "*").status == 200


def test_a_connection_holds_a_bounded_number_of_sessions(shared_fleet: CameraFleet) -> None:
    url = rtsp_url(shared_fleet, "/{serial}/sub/trackID=0")
    with RawRtspClient(shared_fleet.rtsp_port) as client:
        replies = [
            client.request("SETUP", url, TCP) for _ in range(MAX_SESSIONS_PER_CONNECTION + 1)
        ]
    assert [r.status for r in replies] == [200] * MAX_SESSIONS_PER_CONNECTION + [453]


def send_garbage(port: int) -> None:
    rng = random.Random(5)
    payloads = MALFORMED + [rng.randbytes(rng.randint(1, 3000)) + b"\r\n\r\n" for _ in range(150)]
    for payload in payloads:
        with socket.create_connection(("127.0.0.1", port), timeout=2) as sock:
            sock.sendall(payload)
            sock.shutdown(socket.SHUT_WR)


def test_garbage_on_other_connections_does_not_disturb_a_viewer(start_fleet: StartFleet) -> None:
    fleet = start_fleet()
    results: list[Capture] = []
    viewer = threading.Thread(
        target=lambda: results.append(capture(fleet.cameras[0].main_url, seconds=2.5))
    )
    viewer.start()
    time.sleep(1.5)
    send_garbage(fleet.rtsp_port)
    viewer.join()
    assert set(results[0].pts_steps) == {CLOCK_RATE // 25}
    paced = results[0].packets[30:]
    assert max(b.arrived - a.arrived for a, b in itertools.pairwise(paced)) < 0.6
    with RawRtspClient(fleet.rtsp_port) as client:
        assert client.request("DESCRIBE", fleet.cameras[0].main_url).status == 200


def test_tcp_sessions_get_rtcp_sender_reports(
    camera: CameraInfo, shared_fleet: CameraFleet
) -> None:
    with RawRtspClient(shared_fleet.rtsp_port) as client:
        client.play_tcp(camera.main_url)
        channel, rtp = client.read_frame()
        report = client.next_sender_report(channel=1)
    assert channel == 0
    assert report.ssrc == struct.unpack_from("!I", rtp, 8)[0]
    assert abs(report.wall_time - time.time()) < 1.0


def play_udp(client: RawRtspClient, url: str, rtp: socket.socket) -> tuple[str, tuple[int, int]]:
    """SETUP over UDP to `rtp` (and the port after it) and PLAY: (session, server ports)."""
    port = rtp.getsockname()[1]
    reply = client.request(
        "SETUP", url + "/trackID=0", {"Transport": f"RTP/AVP;unicast;client_port={port}-{port + 1}"}
    )
    assert reply.status == 200, reply
    server = reply.headers["transport"].split("server_port=")[1].split("-")
    assert client.request("PLAY", url + "/", {"Session": reply.session}).status == 200
    return reply.session, (int(server[0]), int(server[1]))


def test_udp_sessions_get_rtp_and_sender_reports_from_neighbouring_ports(
    camera: CameraInfo, shared_fleet: CameraFleet
) -> None:
    rtp, rtcp = udp_pair()
    with rtp, rtcp, RawRtspClient(shared_fleet.rtsp_port) as client:
        rtp.settimeout(5)
        rtcp.settimeout(5)
        _, (server_rtp, server_rtcp) = play_udp(client, camera.main_url, rtp)
        packet, sender = rtp.recvfrom(65536)
        report = SenderReport.parse(rtcp.recvfrom(65536)[0])
    assert server_rtcp == server_rtp + 1 and sender[1] == server_rtp
    assert report is not None and report.ssrc == struct.unpack_from("!I", packet, 8)[0]
    assert abs(report.wall_time - time.time()) < 1.0


def datagrams_flowing(sock: socket.socket, within: float = 0.5) -> bool:
    """Whether any datagram arrives within `within` seconds (after emptying the queue)."""
    sock.setblocking(False)
    try:
        while sock.recv(65536):
            pass
    except BlockingIOError:
        pass
    sock.settimeout(within)
    try:
        return bool(sock.recv(65536))
    except TimeoutError:
        return False


@pytest.fixture
def quick_timeout_fleet(start_fleet: StartFleet) -> CameraFleet:
    return start_fleet(session_timeout_s=1.0)


def test_silent_udp_client_times_out(quick_timeout_fleet: CameraFleet) -> None:
    fleet, rtp_and_rtcp = quick_timeout_fleet, udp_pair()
    with rtp_and_rtcp[0] as rtp, rtp_and_rtcp[1], RawRtspClient(fleet.rtsp_port) as client:
        play_udp(client, fleet.cameras[0].main_url, rtp)
        assert datagrams_flowing(rtp)
        assert client.closed_by_server(within=2.0)
        assert not datagrams_flowing(rtp)


@pytest.mark.parametrize("keepalive", ["GET_PARAMETER", "OPTIONS", "RTCP"])
def test_udp_keepalives_keep_the_session(quick_timeout_fleet: CameraFleet, keepalive: str) -> None:
    fleet, rtp_and_rtcp = quick_timeout_fleet, udp_pair()
    url = fleet.cameras[0].main_url
    with rtp_and_rtcp[0] as rtp, rtp_and_rtcp[1] as rtcp, RawRtspClient(fleet.rtsp_port) as client:
        session, (_, server_rtcp) = play_udp(client, url, rtp)
        for _ in range(6):
            time.sleep(0.4)
            if keepalive == "RTCP":
                rtcp.sendto(b"\x80\xc9\x00\x01\x00\x00\x00\x01", ("127.0.0.1", server_rtcp))
            else:
                assert client.request(keepalive, url + "/", {"Session": session}).status == 200
        assert datagrams_flowing(rtp)


def test_pyav_over_udp_outlives_the_session_timeout(quick_timeout_fleet: CameraFleet) -> None:
    result = capture(quick_timeout_fleet.cameras[0].main_url, transport="udp", seconds=3.0)
    assert set(result.pts_steps) == {CLOCK_RATE // 25}

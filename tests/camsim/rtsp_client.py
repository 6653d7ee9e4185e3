"""A bare RTSP client on plain sockets, to say exactly what a test needs (or malformed)."""

from __future__ import annotations

import hashlib
import re
import socket
import struct
import time
from dataclasses import dataclass, field
from types import TracebackType

NTP_EPOCH_OFFSET = 2_208_988_800


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: bytes = b""

    @property
    def session(self) -> str:
        return self.headers.get("session", "").split(";")[0]


@dataclass
class SenderReport:
    ssrc: int
    wall_time: float
    rtp_time: int

    @classmethod
    def parse(cls, packet: bytes) -> SenderReport | None:
        if len(packet) < 28 or packet[1] != 200:
            return None
        ssrc, ntp_hi, ntp_lo, rtp_time = struct.unpack_from("!IIII", packet, 4)
        return cls(ssrc, ntp_hi + ntp_lo / 2**32 - NTP_EPOCH_OFFSET, rtp_time)


@dataclass
class RawRtspClient:
    port: int
    host: str = "127.0.0.1"
    timeout: float = 5.0
    cseq: int = 0
    buffer: bytes = b""
    frames: list[tuple[int, bytes]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.sock = socket.create_connection((self.host, self.port), timeout=self.timeout)

    def __enter__(self) -> RawRtspClient:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, err: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def close(self) -> None:
        self.sock.close()

    def url(self, serial: str, stream: str = "main") -> str:
        return f"rtsp://{self.host}:{self.port}/{serial}/{stream}"

    def send_raw(self, data: bytes) -> None:
        self.sock.sendall(data)

    def request(self, method: str, url: str, headers: dict[str, str] | None = None) -> Reply:
        self.cseq += 1
        lines = [f"{method} {url} RTSP/1.0", f"CSeq: {self.cseq}"]
        lines += [f"{k}: {v}" for k, v in (headers or {}).items()]
        self.send_raw(("\r\n".join(lines) + "\r\n\r\n").encode())
        return self.read_reply()

    def read_reply(self) -> Reply:
        while True:
            if self.buffer.startswith(b"$"):
                self._take_frame()
                continue
            end = self.buffer.find(b"\r\n\r\n")
            if end >= 0 and not self.buffer.startswith(b"$"):
                return self._take_reply(end)
            self._fill()

    def _take_reply(self, end: int) -> Reply:
        head, self.buffer = self.buffer[:end].decode(), self.buffer[end + 4 :]
        status_line, *lines = head.split("\r\n")
        headers = {}
        for line in lines:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        length = int(headers.get("content-length", "0"))
        while len(self.buffer) < length:
            self._fill()
        body, self.buffer = self.buffer[:length], self.buffer[length:]
        return Reply(int(status_line.split(" ")[1]), headers, body)

    def read_frame(self) -> tuple[int, bytes]:
        """The next interleaved frame: (channel, payload)."""
        while not self.frames:
            if self.buffer.startswith(b"$"):
                self._take_frame()
            else:
                self._fill()
        return self.frames.pop(0)

    def _take_frame(self) -> None:
        while len(self.buffer) < 4:
            self._fill()
        channel, length = self.buffer[1], int.from_bytes(self.buffer[2:4], "big")
        while len(self.buffer) < 4 + length:
            self._fill()
        self.frames.append((channel, self.buffer[4 : 4 + length]))
        self.buffer = self.buffer[4 + length :]

    def _fill(self) -> None:
        data = self.sock.recv(65536)
        if not data:
            raise ConnectionError("the server closed the connection")
        self.buffer += data

    def closed_by_server(self, within: float = 3.0) -> bool:
        """Whether the server ends the connection within `within` seconds (data is skipped)."""
        deadline = time.monotonic() + within
        while time.monotonic() < deadline:
            self.sock.settimeout(max(0.01, deadline - time.monotonic()))
            try:
                if not self.sock.recv(65536):
                    return True
            except TimeoutError:
                return False
            except ConnectionResetError:
                return True
        return False

    def setup_tcp(self, url: str) -> Reply:
        self.request("DESCRIBE", url)
        reply = self.request(
            "SETUP", url + "/trackID=0", {"Transport": "RTP/AVP/TCP;unicast;interleaved=0-1"}
        )
        assert reply.status == 200, reply
        return reply

    def play_tcp(self, url: str) -> str:
        """DESCRIBE, SETUP over TCP and PLAY; returns the session id."""
        session = self.setup_tcp(url).session
        assert self.request("PLAY", url + "/", {"Session": session}).status == 200
        return session

    def next_sender_report(self, channel: int = 1) -> SenderReport:
        while True:
            got, payload = self.read_frame()
            report = SenderReport.parse(payload) if got == channel else None
            if report is not None:
                return report


def udp_pair() -> tuple[socket.socket, socket.socket]:
    """Two bound UDP sockets on neighbouring loopback ports (RTP, RTCP)."""
    for _ in range(50):
        rtp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        rtp.bind(("127.0.0.1", 0))
        rtcp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        try:
            rtcp.bind(("127.0.0.1", rtp.getsockname()[1] + 1))
        except OSError:
            rtp.close()
            rtcp.close()
            continue
        return rtp, rtcp
    raise OSError("no neighbouring UDP ports free")


def digest_header(challenge: str, *, username: str, password: str, method: str, uri: str) -> str:
    """An Authorization header answering a `WWW-Authenticate: Digest` challenge."""
    fields = dict(re.findall(r'(\w+)="([^"]*)"', challenge))

    def md5(text: str) -> str:
        return hashlib.md5(text.encode()).hexdigest()

    ha1 = md5(f"{username}:{fields['realm']}:{password}")
    response = md5(f"{ha1}:{fields['nonce']}:{md5(f'{method}:{uri}')}")
    return (
        f'Digest username="{username}", realm="{fields["realm"]}", nonce="{fields["nonce"]}", '
        f'uri="{uri}", response="{response}"'
    )

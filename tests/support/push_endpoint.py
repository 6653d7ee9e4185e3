"""A local Web Push service (RFC 8030) that receives pushes and decrypts them (RFC 8291).

It stands where a browser vendor's push service would: it hands out subscriptions as a
browser's `pushManager.subscribe()` would (an endpoint on this server, the browser's P-256
public key and auth secret), takes the POSTs Hearthwatch sends to the endpoint, and
decrypts each with the subscription's private key, as the browser would. Uses only the
standard library, `cryptography` and `http_ece`, so the alert latency bench imports it too.

    with PushEndpoint() as service:
        subscription = service.subscribe()          # .as_json(): what the browser posts
        ...                                         # POST it to /api/v1/notify/push/subscriptions
        push = service.wait_for(subscription)       # a Received: .payload (JSON), .headers
        service.answer(subscription, 410)           # the browser unsubscribed: 410 Gone

Every push must carry a VAPID `Authorization: vapid t=<JWT>, k=<public key>` header, or is
answered 401 (as real push services do); `Received.vapid_key` is the `k` it carried.
"""

from __future__ import annotations

import base64
import json
import os
import secrets
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import http_ece  # type: ignore[import-untyped]
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec


def _b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


@dataclass
class Received:
    """One push as the browser gets it."""

    payload: bytes
    headers: dict[str, str]
    at: float  # time.time() when it arrived (decrypted)

    def json(self) -> Any:
        return json.loads(self.payload)

    @property
    def vapid_key(self) -> str:
        auth = self.headers.get("authorization", "")
        return next((p.strip()[2:] for p in auth.split(",") if p.strip().startswith("k=")), "")


@dataclass
class LocalSubscription:
    """What a browser holds for one subscription: its endpoint and keys (private ones too)."""

    id: str
    endpoint: str
    private_key: ec.EllipticCurvePrivateKey = field(repr=False)
    auth_secret: bytes = field(repr=False)
    received: list[Received] = field(default_factory=list)
    status: int = 201  # what the push service answers

    @property
    def p256dh(self) -> str:
        raw = self.private_key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
        return _b64url(raw)

    def as_json(self) -> dict[str, Any]:
        """`PushSubscription.toJSON()`, as the web app posts it."""
        keys = {"p256dh": self.p256dh, "auth": _b64url(self.auth_secret)}
        return {"endpoint": self.endpoint, "expirationTime": None, "keys": keys}

    def decrypt(self, body: bytes) -> bytes:
        plain: bytes = http_ece.decrypt(
            body, private_key=self.private_key, auth_secret=self.auth_secret, version="aes128gcm"
        )
        return plain


class PushEndpoint:
    """The push service, listening on a free loopback port in a thread of its own."""

    def __init__(self, host: str = "127.0.0.1") -> None:
        self.subscriptions: dict[str, LocalSubscription] = {}
        self._arrived = threading.Condition()
        self._server = ThreadingHTTPServer((host, 0), _handler(self))
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self.base_url = f"http://{host}:{self._server.server_address[1]}"

    def __enter__(self) -> PushEndpoint:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def subscribe(self) -> LocalSubscription:
        """A new subscription, as a browser makes one."""
        sub_id = secrets.token_hex(8)
        made = LocalSubscription(
            sub_id, f"{self.base_url}/push/{sub_id}", ec.generate_private_key(ec.SECP256R1()),
            os.urandom(16),
        )  # fmt: skip
        self.subscriptions[sub_id] = made
        return made

    def answer(self, subscription: LocalSubscription, status: int) -> None:
        """Answer further pushes to `subscription` with `status` (410: unsubscribed)."""
        subscription.status = status

    def wait_for(
        self, subscription: LocalSubscription, count: int = 1, timeout: float = 10.0
    ) -> Received:
        """The `count`-th push to arrive for `subscription`, waiting up to `timeout`."""
        deadline = time.monotonic() + timeout
        with self._arrived:
            while len(subscription.received) < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError(f"{len(subscription.received)} of {count} pushes arrived")
                self._arrived.wait(left)
            return subscription.received[count - 1]

    def _take(self, sub_id: str, headers: dict[str, str], body: bytes) -> int:
        subscription = self.subscriptions.get(sub_id)
        if subscription is None:
            return 404
        if subscription.status >= 300:
            return subscription.status
        if not headers.get("authorization", "").startswith("vapid "):
            return 401
        plain = subscription.decrypt(body)
        with self._arrived:
            subscription.received.append(Received(plain, headers, time.time()))
            self._arrived.notify_all()
        return 201


def _handler(service: PushEndpoint) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("content-length", "0")))
            headers = {k.lower(): v for k, v in self.headers.items()}
            sub_id = self.path.rsplit("/", 1)[-1]
            try:
                status = service._take(sub_id, headers, body)
            except Exception:  # a push that does not decrypt
                status = 400
            self.send_response(status)
            self.send_header("content-length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            del format, args

    return Handler

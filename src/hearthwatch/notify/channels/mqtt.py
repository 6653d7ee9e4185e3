"""Alerts published to the user's own MQTT broker (their Home Assistant, say): JSON, QoS 1.

`mqtts://` connects over TLS, verifying the broker's certificate and name (against
`notify_mqtt_ca_file` when the operator names extra CAs); plain `mqtt://` only to this
machine outside production (notify/targets.py). A connection per alert: alerts are rare,
and a held connection to every user's broker would be a thread and a socket each.
"""

from __future__ import annotations

import asyncio
import json
import ssl

import aiomqtt
from sqlalchemy.orm import Session

from hearthwatch.context import AppContext
from hearthwatch.notify import targets
from hearthwatch.notify.channels import Alert, DeliveryFailed
from hearthwatch.notify.models import MqttTarget

TIMEOUT_S = 5.0


def send(ctx: AppContext, db: Session, alert: Alert, target_id: str | None) -> None:
    """Publish `alert` to the user's broker."""
    del target_id
    broker = db.get(MqttTarget, alert.user_id)
    if broker is None:
        raise DeliveryFailed("no MQTT broker is set", permanent=True)
    publish(ctx, broker, json.dumps(alert.payload()).encode())


def publish(ctx: AppContext, broker: MqttTarget, payload: bytes) -> None:
    """Connect to the user's broker, publish `payload` to their topic (QoS 1), disconnect."""
    target = targets.parse(broker.url, schemes=targets.MQTT, settings=ctx.settings)
    address = targets.check(target, ctx.settings)[0]
    tls = _tls(ctx) if target.scheme == "mqtts" else None
    if tls is not None:
        address = target.host  # the certificate names the host, not its address
    try:
        asyncio.run(asyncio.wait_for(_publish(broker, address, target.port, tls, payload),
                                     TIMEOUT_S * 2))  # fmt: skip
    except (aiomqtt.MqttError, OSError, TimeoutError, ssl.SSLError) as err:
        raise DeliveryFailed(f"MQTT broker refused or not reached ({type(err).__name__})") from err


async def _publish(
    broker: MqttTarget, host: str, port: int, tls: ssl.SSLContext | None, payload: bytes
) -> None:
    async with aiomqtt.Client(
        host, port, username=broker.username, password=broker.password, tls_context=tls,
        timeout=TIMEOUT_S, identifier=None,
    ) as client:  # fmt: skip
        await client.publish(broker.topic, payload, qos=1, timeout=TIMEOUT_S)


def _tls(ctx: AppContext) -> ssl.SSLContext:
    ca_file = ctx.settings.notify_mqtt_ca_file
    return ssl.create_default_context(cafile=str(ca_file) if ca_file else None)

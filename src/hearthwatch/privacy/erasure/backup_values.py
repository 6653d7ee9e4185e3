"""Column values in a backup's JSON, and back: each type the schema stores that JSON has no
word for (bytes, datetime, date, Decimal) becomes a one-key object naming it."""

from __future__ import annotations

import base64
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from typing import Any


def encode(value: Any) -> Any:
    """A column value as JSON; the types the schema uses get a tag that `decode` reads."""
    if isinstance(value, bytes):
        return {"$b": base64.b64encode(value).decode()}
    if isinstance(value, datetime):
        return {"$t": value.isoformat()}
    if isinstance(value, date):
        return {"$d": value.isoformat()}
    if isinstance(value, Decimal):
        return {"$n": str(value)}
    return value


_DECODERS: dict[str, Callable[[str], Any]] = {
    "$b": base64.b64decode,
    "$t": datetime.fromisoformat,
    "$d": date.fromisoformat,
    "$n": Decimal,
}


def decode(value: Any) -> Any:
    """A value as `encode` wrote it, back in its type."""
    if isinstance(value, dict) and len(value) == 1:
        ((tag, text_value),) = value.items()
        decoder = _DECODERS.get(tag)
        if decoder is not None:
            return decoder(text_value)
    return value

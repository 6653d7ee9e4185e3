"""Structured logs: one JSON object per line, a request id on every line, personal data masked.

Passwords, codes and tokens are never handed to a logger. E-mail addresses and IP addresses
that reach a log line anyway are masked by `MaskingFilter` (P45, P36).
"""

from __future__ import annotations

import contextvars
import json
import logging
import re
import sys
from typing import Any

request_id_var: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")

EMAIL = re.compile(
    r"([A-Za-z0-9._%+-])[A-Za-z0-9._%+-]*@([A-Za-z0-9-])[A-Za-z0-9.-]*(\.[A-Za-z]{2,})"
)
IPV4 = re.compile(r"\b(\d{1,3}\.\d{1,3}\.\d{1,3})\.\d{1,3}\b")
SECRET_KEYS = frozenset({"password", "code", "token", "secret", "authorization", "cookie"})
_STANDARD = set(logging.makeLogRecord({}).__dict__) | {"message", "asctime"}


def mask_email(text: str) -> str:
    """``alice@example.org`` becomes ``a***@e***.org``."""
    return EMAIL.sub(r"\1***@\2***\3", text)


def mask_ip(text: str) -> str:
    """IPv4 addresses lose their last octet."""
    return IPV4.sub(r"\1.0", text)


def mask(value: Any) -> Any:
    if not isinstance(value, str):
        return value
    # Neither pattern can match without its "@" or ".", and most log text has neither:
    # skipping the regex then keeps the per-request access line cheap.
    if "@" in value:
        value = mask_email(value)
    if "." in value:
        value = mask_ip(value)
    return value


class MaskingFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = mask(record.getMessage())
        record.args = None
        fields = record.__dict__
        for key in fields.keys() - _STANDARD:
            fields[key] = "[redacted]" if key.lower() in SECRET_KEYS else mask(fields[key])
        record.request_id = request_id_var.get()
        return True


class JsonFormatter(logging.Formatter):
    _encoder = json.JSONEncoder(default=str)  # what json.dumps(..., default=str) builds per call

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S") + f".{int(record.msecs):03d}Z",
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, value in record.__dict__.items():
            if key not in _STANDARD:
                entry[key] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return self._encoder.encode(entry)


class TextFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        extras = {k: v for k, v in record.__dict__.items() if k not in _STANDARD}
        tail = " ".join(f"{k}={v}" for k, v in extras.items())
        return f"{record.levelname.lower():7} {record.name}: {record.getMessage()} {tail}".rstrip()


def configure_logging(level: str = "INFO", *, as_json: bool = True) -> None:
    """Route every logger (ours, uvicorn's, SQLAlchemy's) through the masking JSON handler."""
    import time

    logging.Formatter.converter = time.gmtime
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter() if as_json else TextFormatter())
    handler.addFilter(MaskingFilter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for name in ("uvicorn", "uvicorn.error"):
        logging.getLogger(name).handlers[:] = []
        logging.getLogger(name).propagate = True
    logging.getLogger("uvicorn.access").disabled = True  # our middleware logs each request

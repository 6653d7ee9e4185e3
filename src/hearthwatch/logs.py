"""Structured logs: one JSON object per line, a request id on every line, personal data masked.

Passwords, codes and tokens are never handed to a logger by our code. Other loggers can
(uvicorn's access and WebSocket lines carry the whole request target, `?token=` and all),
so `MaskingFilter` redacts secret query parameters and bearer tokens in every line, and masks
the e-mail and IP addresses that reach one (P45, P36) with the rules of
`hearthwatch.security.masking`. The service's own listening address is not a person's: the
lines that announce it keep it whole (a `listening_on` field, uvicorn's "running on" line).
"""

from __future__ import annotations

import contextvars
import json
import logging
import re
import sys
from typing import Any

from hearthwatch.security.masking import mask_email, mask_ip

__all__ = [
    "JsonFormatter",
    "MaskingFilter",
    "TextFormatter",
    "configure_logging",
    "mask",
    "mask_email",
    "mask_ip",
    "redact_secrets",
    "request_id_var",
]

request_id_var: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")

SECRET_KEYS = frozenset({"password", "code", "token", "secret", "authorization", "cookie"})
# Fields that hold the service's own address (what it listens on), never a person's.
OWN_ADDRESS_KEYS = frozenset({"listening_on"})
SECRET_QUERY = re.compile(
    r"([?&;](?:token|access_token|code|secret|password|key|signature|sig)=)[^&;\s\"'#]+",
    re.IGNORECASE,
)
# A media token (`<base64url JSON>.<signature>`, JSON starts `eyJ`), a JWT, a personal API
# token (`hwt_...`) found anywhere in a line.
BEARER = re.compile(r"\b(?:eyJ[\w-]{4,}\.[\w.-]+|hwt_[\w-]{8,})")
REDACTED = "[redacted]"
_STANDARD = set(logging.makeLogRecord({}).__dict__) | {
    "message",
    "asctime",
    "_hw_masked",
    "_hw_json",
}


def redact_secrets(text: str) -> str:
    """Secret query parameters and bearer tokens in `text` replaced by `[redacted]`."""
    if "=" in text:
        text = SECRET_QUERY.sub(r"\1" + REDACTED, text)
    if "eyJ" in text or "hwt_" in text:
        text = BEARER.sub(REDACTED, text)
    return text


def mask(value: Any, *, keep_addresses: bool = False) -> Any:
    if not isinstance(value, str):
        return value
    # No pattern can match without its "=", "@", "." or ":", and most log text has none:
    # skipping the regexes then keeps the per-request access line cheap.
    value = redact_secrets(value)
    if "@" in value:
        value = mask_email(value)
    if not keep_addresses and ("." in value or ":" in value):
        value = mask_ip(value)
    return value


def _announces_own_address(record: logging.LogRecord) -> bool:
    return record.name == "uvicorn.error" and str(record.msg).startswith("Uvicorn running on")


# Set on a record once it is masked and once it is formatted as JSON, so a record that goes
# to several handlers (the console and the server log) is masked and encoded only once.
_MASKED = "_hw_masked"
_JSON = "_hw_json"


class MaskingFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        fields = record.__dict__
        if _MASKED in fields:
            return True
        record.msg = mask(record.getMessage(), keep_addresses=_announces_own_address(record))
        record.args = None
        for key in fields.keys() - _STANDARD:
            if key.lower() in SECRET_KEYS:
                fields[key] = REDACTED
            else:
                fields[key] = mask(fields[key], keep_addresses=key in OWN_ADDRESS_KEYS)
        record.request_id = request_id_var.get()
        fields[_MASKED] = True
        return True


class JsonFormatter(logging.Formatter):
    _encoder = json.JSONEncoder(default=str)  # what json.dumps(..., default=str) builds per call

    def format(self, record: logging.LogRecord) -> str:
        done: str | None = record.__dict__.get(_JSON)
        if done is not None:
            return done
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
        line = self._encoder.encode(entry)
        if _MASKED in record.__dict__:
            record.__dict__[_JSON] = line
        return line


class TextFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        extras = {k: v for k, v in record.__dict__.items() if k not in _STANDARD}
        tail = " ".join(f"{k}={v}" for k, v in extras.items())
        return f"{record.levelname.lower():7} {record.name}: {record.getMessage()} {tail}".rstrip()


def configure_logging(level: str = "INFO", *, as_json: bool = True) -> None:
    """Route every logger (ours, uvicorn's, SQLAlchemy's) through the masking JSON handler."""
    import time

    logging.Formatter.converter = time.gmtime
    # What a record would note and no line of ours shows: the caller's file and line (found
    # by walking the stack), the thread's and the process's names. Skipped, each access
    # line (one per request) costs a few µs less.
    logging._srcfile = None
    logging.logThreads = False
    logging.logProcesses = False
    logging.logMultiprocessing = False
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter() if as_json else TextFormatter())
    handler.addFilter(MaskingFilter())
    handler.setLevel(level)  # the server log (server_log.py) may keep more than the console
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for name in ("uvicorn", "uvicorn.error"):
        logging.getLogger(name).handlers[:] = []
        logging.getLogger(name).propagate = True
    logging.getLogger("uvicorn.access").disabled = True  # our middleware logs each request

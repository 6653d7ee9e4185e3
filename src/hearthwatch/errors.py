"""The one exception tree of Hearthwatch.

Every failure a client can see is a `HearthwatchError` with a stable dotted `code`
(``auth.invalid_credentials``), a human message and optional details. The HTTP edge turns
it into ``{"error": {"code", "message", "details"}}`` with the class's status; nothing
below the API layer knows about HTTP beyond that number.

    HearthwatchError
    ├── ValidationFailed      422  request.invalid
    ├── NotAuthenticated      401  auth.required
    ├── PermissionDenied      403  auth.forbidden
    ├── NotFound              404  *.not_found
    ├── Conflict              409  *.exists / *.state
    ├── Gone                  410  *.expired / *.downloaded
    ├── TooLarge              413  request.too_large
    │   └── ArchiveTooLarge        privacy.import_too_large
    ├── RateLimited           429  *.rate_limited
    └── AccountLocked         423  auth.locked

A domain may refine a class with a code and a constructor of its own (`CameraNotReached`
in devices/binding.py is a `ValidationFailed`); a new status belongs here.
"""

from __future__ import annotations

from typing import Any


class HearthwatchError(Exception):
    """A failure with a stable code that is safe to show to the client."""

    status = 400
    code = "request.bad"

    def __init__(self, message: str, *, code: str | None = None, details: Any = None) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        self.details = details

    def to_body(self) -> dict[str, Any]:
        return {"error": {"code": self.code, "message": self.message, "details": self.details}}


class ValidationFailed(HearthwatchError):
    status = 422
    code = "request.invalid"


class NotAuthenticated(HearthwatchError):
    status = 401
    code = "auth.required"


class PermissionDenied(HearthwatchError):
    status = 403
    code = "auth.forbidden"


class NotFound(HearthwatchError):
    status = 404
    code = "resource.not_found"


class Conflict(HearthwatchError):
    status = 409
    code = "resource.conflict"


class Gone(HearthwatchError):
    """What was asked for existed and is no more: a used or expired download link."""

    status = 410
    code = "resource.gone"


class TooLarge(HearthwatchError):
    """A body larger than this service accepts."""

    status = 413
    code = "request.too_large"


class ArchiveTooLarge(TooLarge):
    """An archive to import (P20) larger than the limits, sent or unpacked."""

    code = "privacy.import_too_large"


class RateLimited(HearthwatchError):
    status = 429
    code = "request.rate_limited"

    def __init__(self, message: str, *, retry_after_s: int, code: str | None = None) -> None:
        super().__init__(message, code=code, details={"retry_after_s": retry_after_s})
        self.retry_after_s = retry_after_s


class AccountLocked(HearthwatchError):
    status = 423
    code = "auth.locked"

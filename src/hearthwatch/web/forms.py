"""Posted HTML forms: reading them, checking them against the API schemas, showing problems.

Pages reuse the request schemas of the API (`RegisterIn`, `LoginIn`, ...), so a form and a
JSON body are held to the same rules. A failure, from a schema or from a service, becomes a
`FormProblem`: one message for the summary at the top of the form, and a message per field
for the inputs it concerns (linked with ``aria-describedby`` by the templates).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Annotated, Any, TypeVar
from urllib.parse import urlsplit

from fastapi import Depends, Request
from pydantic import BaseModel, ValidationError
from starlette.datastructures import UploadFile

from hearthwatch.accounts.profile import MAX_PICTURE_BYTES
from hearthwatch.devices.binding import MAX_QR_IMAGE_BYTES
from hearthwatch.errors import AccountLocked, HearthwatchError, ValidationFailed

Schema = TypeVar("Schema", bound=BaseModel)

# Uploads are read just past the largest size any form accepts, so "too large" is reported
# by the service that knows its own limit instead of arriving as a truncated file.
MAX_UPLOAD_BYTES = max(MAX_PICTURE_BYTES, MAX_QR_IMAGE_BYTES)

# Passwords are taken exactly as typed; every other field loses surrounding blanks.
UNTRIMMED = frozenset({"password", "new_password", "current_password"})
# Codes are often typed or pasted as "123 456".
CODE_FIELDS = frozenset({"code", "totp_code", "serial", "verification_code"})

FIELD_MESSAGES: Mapping[str, str] = {
    "email": "Enter a valid e-mail address, like name@example.org.",
    "password": "Enter a password.",
    "current_password": "Enter your current password.",
    "new_password": "Enter a new password.",
    "code": "Enter the 6-digit code.",
    "totp_code": "Enter the 6-digit code from your authenticator app.",
    "nickname": "Use at most 64 characters.",
    "real_name": "Use at most 128 characters.",
    "name": "Give the token a name of up to 64 characters.",
    "expires_in_days": "Choose how long the token stays valid.",
}

# Which input a service error is about, so the message can sit next to it.
ERROR_FIELDS: Mapping[str, str] = {
    "auth.weak_password": "password",
    "auth.invalid_credentials": "password",
    "auth.code_invalid": "code",
    "auth.code_expired": "code",
    "auth.code_attempts_exceeded": "code",
    "auth.totp_required": "totp_code",
    "auth.totp_invalid": "totp_code",
    "profile.picture_format": "picture",
    "profile.picture_invalid": "picture",
    "profile.picture_too_large": "picture",
}


@dataclass(frozen=True)
class PostedForm:
    """The text fields and (size-capped) uploaded files of one POST."""

    fields: Mapping[str, str]
    files: Mapping[str, bytes] = field(default_factory=dict)

    @property
    def csrf_token(self) -> str:
        return self.fields.get("csrf_token", "")

    def value(self, name: str) -> str:
        """The field as the user meant it: trimmed (passwords excepted), codes without blanks."""
        raw = self.fields.get(name, "")
        if name in UNTRIMMED:
            return raw
        if name in CODE_FIELDS:
            return "".join(raw.split())
        return raw.strip()

    def present(self, *names: str) -> dict[str, str]:
        """The named fields that were filled in; an empty field counts as missing."""
        return {name: self.value(name) for name in names if self.value(name)}

    def keep(self, *names: str) -> dict[str, str]:
        """Values to put back into a form shown again (never pass passwords here)."""
        return {name: self.value(name) for name in names}


async def read_form(request: Request) -> PostedForm:
    """Parse a url-encoded or multipart body; files are read up to just past the size cap."""
    async with request.form(max_files=2, max_fields=20) as form:
        fields: dict[str, str] = {}
        files: dict[str, bytes] = {}
        for name, item in form.multi_items():
            if isinstance(item, UploadFile):
                files[name] = await item.read(MAX_UPLOAD_BYTES + 1)
            else:
                fields.setdefault(name, item)
    return PostedForm(fields, files)


FormDep = Annotated[PostedForm, Depends(read_form)]


def parse(
    schema: type[Schema], data: Mapping[str, Any], messages: Mapping[str, str] | None = None
) -> Schema:
    """Validate form data with an API schema; failures name the fields in plain words.

    `messages` words a field differently where a form's field means something else
    (a camera's "name" is not a token's).
    """
    wording = {**FIELD_MESSAGES, **(messages or {})}
    try:
        return schema.model_validate(dict(data))
    except ValidationError as err:
        problems = {_field_of(item["loc"]) for item in err.errors()}
        details = [
            {"field": name, "message": wording.get(name, "Check this field.")}
            for name in sorted(problems)
        ]
        raise ValidationFailed("Some fields need a fix.", details=details) from None


def _field_of(location: tuple[int | str, ...]) -> str:
    return str(location[0]) if location else "form"


@dataclass(frozen=True)
class FormProblem:
    """What went wrong with a submitted form, in the words shown to the user."""

    code: str
    message: str
    fields: Mapping[str, str]
    locked: bool = False

    @property
    def listed(self) -> bool:
        """Whether the summary should list the field messages (several fields failed)."""
        return self.code == ValidationFailed.code

    @classmethod
    def of(
        cls, err: HearthwatchError, fields_by_code: Mapping[str, str] | None = None
    ) -> FormProblem:
        """The problem of `err`; `fields_by_code` names the input where the form differs."""
        fields = _detail_fields(err.details) if err.code == ValidationFailed.code else {}
        field_name = (fields_by_code or {}).get(err.code) or ERROR_FIELDS.get(err.code)
        if field_name:
            fields = {field_name: err.message}
        return cls(err.code, err.message, fields, locked=isinstance(err, AccountLocked))


def _detail_fields(details: Any) -> dict[str, str]:
    if not isinstance(details, list):
        return {}
    return {str(d["field"]): str(d["message"]) for d in details if isinstance(d, dict)}


def safe_next(target: str | None) -> str:
    """A local path to go to after signing in; anything that could leave the site becomes `/`."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return "/"
    if "\\" in target or any(ch.isspace() or ord(ch) < 32 or ord(ch) == 127 for ch in target):
        return "/"
    parts = urlsplit(target)
    return "/" if parts.scheme or parts.netloc else target

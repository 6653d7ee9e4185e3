"""Request and response shapes of the accounts API, kept apart from the storage models."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, EmailStr, Field, StringConstraints

from hearthwatch.accounts.identity import Identity
from hearthwatch.accounts.models import ApiToken, BrowserSession, User
from hearthwatch.privacy.minors.age import BIRTH_MONTH_PATTERN

Code = Annotated[str, StringConstraints(pattern=r"^\d{6}$")]
Password = Annotated[str, Field(min_length=1, max_length=256)]
# A recovery code as typed: ten letters and digits, spaces and dashes allowed (issue 12 item 17).
RecoveryCodeText = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9 -]{10,16}$")]
Email = Annotated[EmailStr, Field(max_length=254)]
Nickname = Annotated[str, StringConstraints(max_length=64, strip_whitespace=True)]
RealName = Annotated[str, StringConstraints(max_length=128, strip_whitespace=True)]
BirthMonth = Annotated[
    str,
    StringConstraints(pattern=BIRTH_MONTH_PATTERN),
    Field(
        description="Month and year of birth (YYYY-MM), only to decide whether the person is "
        "under 16; not stored.",
        examples=["1990-04"],
    ),
]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class RegisterIn(Strict):
    email: Email
    password: Password
    birth_month: BirthMonth
    guardian_email: Email | None = Field(
        default=None, description="Under 16: the parent or guardian asked to consent."
    )
    nickname: Nickname | None = None
    real_name: RealName | None = None


class Accepted(BaseModel):
    status: str
    message: str


class ConfirmIn(Strict):
    email: Email
    code: Code


class EmailIn(Strict):
    email: Email


class LoginIn(Strict):
    email: Email
    password: Password
    totp_code: Code | None = None
    recovery_code: RecoveryCodeText | None = Field(
        default=None,
        description="Instead of `totp_code` when two-step sign-in is on: one of the "
        "account's recovery codes, each usable once.",
    )


class SignInCodeIn(Strict):
    email: Email
    code: Code
    totp_code: Code | None = None


class PasswordResetConfirmIn(Strict):
    email: Email
    code: Code
    new_password: Password


class PasswordChangeIn(Strict):
    current_password: Password
    new_password: Password


class PasswordStrengthIn(Strict):
    password: Annotated[str, Field(max_length=256)]


class PasswordStrengthOut(BaseModel):
    score: int
    acceptable: bool
    warning: str
    suggestions: list[str]


class UserPublic(BaseModel):
    id: str
    email: str
    nickname: str | None
    real_name: str | None
    email_confirmed: bool
    two_factor_enabled: bool
    created_at: datetime
    last_login_at: datetime | None

    @classmethod
    def of(cls, user: User | Identity) -> UserPublic:
        return cls(
            id=user.id,
            email=user.email,
            nickname=user.nickname,
            real_name=user.real_name,
            email_confirmed=user.is_confirmed,
            two_factor_enabled=user.has_totp,
            created_at=user.created_at,
            last_login_at=user.last_login_at,
        )


class LoginOut(BaseModel):
    user: UserPublic
    session_id: str
    csrf_token: str
    expires_at: datetime


class ProfileUpdate(Strict):
    nickname: Nickname | None = None
    real_name: RealName | None = None


class EmailChangeIn(Strict):
    new_email: Email = Field(description="Checked like the address at sign-up.")
    password: Password = Field(description="The current password, asked again.")


class EmailChangeConfirmIn(Strict):
    code: Code = Field(description="The 6-digit code mailed to the new address.")


class EmailUndoIn(Strict):
    email: Email = Field(description="The previous address, which the notice was mailed to.")
    code: Code


class SessionPublic(BaseModel):
    id: str
    created_at: datetime
    last_seen_at: datetime
    expires_at: datetime
    ip_address: str | None = Field(description="Masked: the last part is hidden.")
    user_agent: str | None
    current: bool

    @classmethod
    def of(cls, record: BrowserSession, current_id: str | None) -> SessionPublic:
        return cls(
            id=record.id,
            created_at=record.created_at,
            last_seen_at=record.last_seen_at,
            expires_at=record.expires_at,
            ip_address=record.ip_address,  # the owner's own sessions: in full
            user_agent=record.user_agent,
            current=record.id == current_id,
        )


class SessionsEnded(BaseModel):
    ended: int


class TokenCreate(Strict):
    name: Annotated[str, StringConstraints(min_length=1, max_length=64, strip_whitespace=True)]
    expires_in_days: Annotated[int, Field(ge=1, le=3650)] | None = None


class TokenPublic(BaseModel):
    id: str
    name: str
    prefix: str
    created_at: datetime
    expires_at: datetime | None
    last_used_at: datetime | None

    @classmethod
    def of(cls, token: ApiToken) -> TokenPublic:
        return cls(
            id=token.id,
            name=token.name,
            prefix=token.prefix,
            created_at=token.created_at,
            expires_at=token.expires_at,
            last_used_at=token.last_used_at,
        )


class TokenCreated(BaseModel):
    token: TokenPublic
    secret: str = Field(description="Shown once; store it now.")


class TotpSetupOut(BaseModel):
    secret: str
    otpauth_uri: str


class TotpCodeIn(Strict):
    code: Code


class TwoFactorEnabledOut(UserPublic):
    recovery_codes: list[str] = Field(
        description="Ten one-use codes for when the authenticator app is lost: shown only now."
    )


class RecoveryCodesIn(Strict):
    password: Password


class RecoveryCodesOut(BaseModel):
    remaining: int
    recovery_codes: list[str] | None = Field(
        default=None, description="New codes (only in the answer that made them)."
    )


class TotpDisableIn(Strict):
    password: Password
    code: Code

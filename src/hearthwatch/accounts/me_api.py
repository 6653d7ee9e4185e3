"""`/api/v1/me/*`: the signed-in user's profile, sessions, tokens and security settings."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Response, UploadFile, status

from hearthwatch.accounts import (
    credentials,
    email_change,
    profile,
    recovery,
    recovery_codes,
    totp,
    two_step_settings,
)
from hearthwatch.accounts.profile import MAX_PICTURE_BYTES
from hearthwatch.accounts.schemas import (
    Accepted,
    EmailChangeConfirmIn,
    EmailChangeIn,
    PasswordChangeIn,
    ProfileUpdate,
    RecoveryCodesIn,
    RecoveryCodesOut,
    SessionPublic,
    SessionsEnded,
    TokenCreate,
    TokenCreated,
    TokenPublic,
    TotpCodeIn,
    TotpDisableIn,
    TotpSetupOut,
    TwoFactorEnabledOut,
    UserPublic,
)
from hearthwatch.api.deps import (
    SESSION_COOKIE,
    CallerDep,
    ContextDep,
    DbDep,
    IdentityDep,
    UserDep,
)
from hearthwatch.errors import ValidationFailed

router = APIRouter(prefix="/me", tags=["me"])

RecordId = Annotated[str, Path(pattern=r"^[0-9a-f]{32}$")]
EMAIL_CODE_SENT = "We mailed a 6-digit code to the new address. Enter it to use that address."


@router.get("", response_model=UserPublic)
async def read_me(user: IdentityDep) -> Response:
    """The signed-in account."""
    # Encoded straight from the model: the hottest read of the API skips FastAPI's second
    # validation of a value that is already a valid `UserPublic`.
    body = UserPublic.of(user).model_dump_json()
    return Response(body, media_type="application/json")


@router.patch("", response_model=UserPublic)
def update_me(body: ProfileUpdate, user: UserDep, ctx: ContextDep) -> UserPublic:
    """Edit nickname or real name; send an empty string to clear one."""
    profile.update_profile(ctx, user=user, changes=body.model_dump(exclude_unset=True))
    return UserPublic.of(user)


@router.post("/email", status_code=status.HTTP_202_ACCEPTED, response_model=Accepted)
def change_email(body: EmailChangeIn, user: UserDep, ctx: ContextDep, db: DbDep) -> Accepted:
    """Ask to sign in with another address: a 6-digit code (valid 10 minutes) is mailed to it.

    The answer is the same whether or not another account uses that address; then that
    mailbox is told so instead, and no code can confirm the change."""
    email_change.request_change(
        ctx, db, user=user, new_email=body.new_email, password=body.password
    )
    return Accepted(status="code_sent", message=EMAIL_CODE_SENT)


@router.post("/email/confirm", response_model=UserPublic)
def confirm_email_change(
    body: EmailChangeConfirmIn, caller: CallerDep, ctx: ContextDep, db: DbDep
) -> UserPublic:
    """Use the new address from now on; every other session ends, and the old address is
    mailed a notice with a code that undoes the change for 7 days."""
    user = email_change.confirm_change(
        ctx, db, user=caller.user, code=body.code, keep_session_id=caller.session_id
    )
    return UserPublic.of(user)


@router.get("/picture", responses={200: {"content": {"image/png": {}}}})
def read_picture(user: UserDep, db: DbDep) -> Response:
    picture = profile.get_picture(db, user=user)
    return Response(
        picture.data,
        media_type=picture.content_type,
        headers={"cache-control": "private, no-store"},
    )


@router.put("/picture", status_code=status.HTTP_204_NO_CONTENT)
def upload_picture(file: UploadFile, user: UserDep, ctx: ContextDep, db: DbDep) -> None:
    """Set the profile picture (JPEG, PNG, WebP or GIF up to 5 MB; metadata is removed)."""
    data = file.file.read(MAX_PICTURE_BYTES + 1)
    if not data:
        raise ValidationFailed("The file is empty.", code="profile.picture_invalid")
    profile.set_picture(ctx, db, user=user, data=data)


@router.delete("/picture", status_code=status.HTTP_204_NO_CONTENT)
def delete_picture(user: UserDep, db: DbDep) -> None:
    profile.delete_picture(db, user=user)


@router.post("/password", response_model=Accepted)
def change_password(
    body: PasswordChangeIn, caller: CallerDep, ctx: ContextDep, db: DbDep
) -> Accepted:
    """Change the password; every other session is signed out."""
    recovery.change_password(
        ctx,
        db,
        user=caller.user,
        current_password=body.current_password,
        new_password=body.new_password,
        keep_session_id=caller.session_id,
    )
    return Accepted(status="password_changed", message="Your password was changed.")


@router.get("/sessions", response_model=list[SessionPublic])
def list_sessions(caller: CallerDep, ctx: ContextDep, db: DbDep) -> list[SessionPublic]:
    """Where the account is signed in."""
    records = credentials.active_sessions(ctx, db, user=caller.user)
    return [SessionPublic.of(r, caller.session_id) for r in records]


@router.delete("/sessions/{session_id}", status_code=status.HTTP_204_NO_CONTENT)
def end_session(session_id: RecordId, user: UserDep, ctx: ContextDep, db: DbDep) -> None:
    credentials.revoke_session(ctx, db, user=user, session_id=session_id)


@router.post("/sessions/sign-out-everywhere", response_model=SessionsEnded)
def sign_out_everywhere(
    caller: CallerDep, ctx: ContextDep, db: DbDep, response: Response
) -> SessionsEnded:
    """End every session of the account, this one included."""
    ended = recovery.end_all_sessions(ctx, db, user_id=caller.user.id)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return SessionsEnded(ended=ended)


@router.get("/tokens", response_model=list[TokenPublic])
def list_tokens(user: UserDep, ctx: ContextDep, db: DbDep) -> list[TokenPublic]:
    return [TokenPublic.of(t) for t in credentials.active_tokens(ctx, db, user=user)]


@router.post("/tokens", status_code=status.HTTP_201_CREATED, response_model=TokenCreated)
def create_token(body: TokenCreate, user: UserDep, ctx: ContextDep, db: DbDep) -> TokenCreated:
    """A personal API token for `Authorization: Bearer ...`; the secret is shown only now."""
    created = credentials.create_token(
        ctx, db, user=user, name=body.name, expires_in_days=body.expires_in_days
    )
    return TokenCreated(token=TokenPublic.of(created.token), secret=created.secret)


@router.delete("/tokens/{token_id}", status_code=status.HTTP_204_NO_CONTENT)
def revoke_token(token_id: RecordId, user: UserDep, ctx: ContextDep, db: DbDep) -> None:
    credentials.revoke_token(ctx, db, user=user, token_id=token_id)


@router.post("/two-factor/setup", response_model=TotpSetupOut)
def two_factor_setup(user: UserDep, ctx: ContextDep) -> TotpSetupOut:
    """Start two-step sign-in: add the secret to an authenticator app, then enable."""
    setup = totp.begin_setup(ctx, user)
    return TotpSetupOut(secret=setup.secret, otpauth_uri=setup.uri)


@router.post("/two-factor/enable", response_model=TwoFactorEnabledOut)
def two_factor_enable(
    body: TotpCodeIn, user: UserDep, ctx: ContextDep, db: DbDep
) -> TwoFactorEnabledOut:
    """Turn it on with a first code; the answer holds ten recovery codes, shown only here."""
    codes = two_step_settings.turn_on(ctx, db, user=user, code=body.code)
    return TwoFactorEnabledOut(**UserPublic.of(user).model_dump(), recovery_codes=codes)


@router.get("/two-factor/recovery-codes", response_model=RecoveryCodesOut)
def recovery_codes_left(user: UserDep, db: DbDep) -> RecoveryCodesOut:
    """How many recovery codes are left unused (never the codes themselves)."""
    return RecoveryCodesOut(remaining=recovery_codes.remaining(db, user_id=user.id))


@router.post("/two-factor/recovery-codes", response_model=RecoveryCodesOut)
def new_recovery_codes(
    body: RecoveryCodesIn, user: UserDep, ctx: ContextDep, db: DbDep
) -> RecoveryCodesOut:
    """Replace every recovery code with ten new ones (the password first)."""
    codes = two_step_settings.new_codes(ctx, db, user=user, password=body.password)
    return RecoveryCodesOut(remaining=len(codes), recovery_codes=codes)


@router.post("/two-factor/disable", response_model=UserPublic)
def two_factor_disable(
    body: TotpDisableIn, user: UserDep, ctx: ContextDep, db: DbDep
) -> UserPublic:
    two_step_settings.turn_off(ctx, db, user=user, password=body.password, code=body.code)
    return UserPublic.of(user)


@router.post("/compromised", response_model=Accepted)
def report_compromised(user: UserDep, ctx: ContextDep, db: DbDep, response: Response) -> Accepted:
    """Lock the account now: every session and token ends and the owner is mailed."""
    recovery.report_compromised(ctx, db, user=user)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return Accepted(
        status="locked",
        message="Your account is locked. Reset your password with a mailed code to unlock it.",
    )

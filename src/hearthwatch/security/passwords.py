"""Argon2id password hashing and strength feedback (P3: the service pushes strong passwords)."""

from __future__ import annotations

import threading
from concurrent.futures import Future
from dataclasses import dataclass

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError

from hearthwatch.errors import ValidationFailed

MIN_LENGTH = 10
MAX_LENGTH = 256
ZXCVBN_MAX = 72  # zxcvbn refuses longer input; the first 72 characters decide the score


@dataclass(frozen=True)
class PasswordStrength:
    score: int  # 0 (guessable in seconds) .. 4 (very hard to guess)
    acceptable: bool
    warning: str
    suggestions: tuple[str, ...]


class PasswordPolicy:
    """Hashes with Argon2id and judges strength with zxcvbn, against the user's own details."""

    def __init__(self, *, min_score: int, time_cost: int, memory_kib: int) -> None:
        self.min_score = min_score
        self._hasher = PasswordHasher(
            time_cost=time_cost, memory_cost=memory_kib, parallelism=1, type=Type.ID
        )
        # The hash checked when no account matches, so that a sign-in takes as long either
        # way. Made beside start-up, not before it: one Argon2id hash is a tenth of a second
        # of the server's cold start (argon2 lets go of the GIL while it hashes).
        self._dummy: Future[str] = Future()
        threading.Thread(target=self._make_dummy, name="argon2-dummy", daemon=True).start()

    def _make_dummy(self) -> None:
        self._dummy.set_result(self._hasher.hash("hearthwatch-timing-equaliser"))

    @property
    def _dummy_hash(self) -> str:
        return self._dummy.result()

    def strength(self, password: str, user_inputs: tuple[str, ...] = ()) -> PasswordStrength:
        if len(password) < MIN_LENGTH:
            return PasswordStrength(
                0,
                False,
                f"Use at least {MIN_LENGTH} characters.",
                ("A few unrelated words make a long password that is easy to remember.",),
            )
        from zxcvbn import zxcvbn  # its word lists load in tens of ms: not on start-up's time

        result = zxcvbn(password[:ZXCVBN_MAX], user_inputs=[i for i in user_inputs if i])
        feedback = result["feedback"]
        score = int(result["score"])
        acceptable = score >= self.min_score and len(password) <= MAX_LENGTH
        warning = feedback["warning"] or ("" if acceptable else "This password is easy to guess.")
        return PasswordStrength(score, acceptable, warning, tuple(feedback["suggestions"]))

    def require_strong(self, password: str, user_inputs: tuple[str, ...] = ()) -> None:
        """Raise `auth.weak_password` with the feedback when the password is not good enough."""
        if len(password) > MAX_LENGTH:
            raise ValidationFailed(
                f"Passwords are limited to {MAX_LENGTH} characters.", code="auth.weak_password"
            )
        verdict = self.strength(password, user_inputs)
        if not verdict.acceptable:
            raise ValidationFailed(
                verdict.warning or "Choose a stronger password.",
                code="auth.weak_password",
                details={"score": verdict.score, "suggestions": list(verdict.suggestions)},
            )

    def hash(self, password: str) -> str:
        return self._hasher.hash(password)

    def verify(self, password_hash: str | None, password: str) -> bool:
        """Constant-ish time: an unknown account still costs one Argon2 verification."""
        try:
            return self._hasher.verify(password_hash or self._dummy_hash, password) and (
                password_hash is not None
            )
        except (VerificationError, InvalidHashError):
            return False

    def needs_rehash(self, password_hash: str) -> bool:
        return self._hasher.check_needs_rehash(password_hash)

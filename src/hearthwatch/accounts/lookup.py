"""Finding an account by its e-mail address, as typed by a person.

Its own module because both sides of sign-up need it: registration (creating accounts) and
signin (recognising them), and registration reaches, through the guardian's consent and
erasure, the export that asks for the password again (signin).
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from hearthwatch.accounts.models import User
from hearthwatch.security.sealed_columns import blind_index


def normalise_email(email: str) -> str:
    """The address as stored and compared: trimmed, lower case."""
    local, _, domain = email.strip().rpartition("@")
    return f"{local}@{domain.lower()}".lower()


def find_user_by_email(session: Session, email: str) -> User | None:
    index = blind_index(session, normalise_email(email))  # the address itself is sealed (P38)
    return session.scalars(select(User).where(User.email_index == index)).first()

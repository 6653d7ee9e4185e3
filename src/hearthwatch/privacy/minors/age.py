"""Deciding "under 16" from the month and year of birth (P4).

Year and month are the least data that decides it well. The year alone would be wrong for
up to a whole year around the 16th birthday; a full date adds a day nobody needs. With the
month, the answer is unsure only during the birthday month itself, and that month counts
as still under 16 (the safe side: at worst a 16-year-old asks a guardian, or waits a few
days). The month is used for this decision only and never stored.
"""

from __future__ import annotations

import re
from datetime import date

from hearthwatch.errors import ValidationFailed

AGE_OF_DIGITAL_CONSENT = 16
OLDEST_YEARS = 130
BIRTH_MONTH_PATTERN = r"^\d{4}-(0[1-9]|1[0-2])$"
_BIRTH_MONTH = re.compile(BIRTH_MONTH_PATTERN)


def is_under_16(birth_month: str, *, today: date) -> bool:
    """Whether someone born in `birth_month` ("YYYY-MM") may still be under 16 today."""
    year, month = _parse(birth_month, today)
    sixteenth = (year + AGE_OF_DIGITAL_CONSENT, month)
    return (today.year, today.month) <= sixteenth


def _parse(birth_month: str, today: date) -> tuple[int, int]:
    if not _BIRTH_MONTH.match(birth_month):
        raise _invalid()
    year, month = int(birth_month[:4]), int(birth_month[5:])
    if (year, month) > (today.year, today.month) or year < today.year - OLDEST_YEARS:
        raise _invalid()
    return year, month


def _invalid() -> ValidationFailed:
    return ValidationFailed(
        "Enter the month and year you were born.",
        code="auth.birth_month_invalid",
        details=[{"field": "birth_month", "message": "Enter the month and year you were born."}],
    )

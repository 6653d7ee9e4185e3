"""Deadlines of rights requests, counted in calendar months as the GDPR counts them.

A period of months ends on the same day of the month it ends in; when that month is too
short, on its last day (Regulation 1182/71 art. 3(2)(c)): received 31 January, due
28 February (29 in a leap year); received 30 November, due 30 December.
"""

from __future__ import annotations

import calendar
from datetime import datetime, timedelta


def add_months(moment: datetime, months: int) -> datetime:
    """The same day and time `months` later, or the last day of a month too short for it."""
    month_index = moment.month - 1 + months
    year, month = moment.year + month_index // 12, month_index % 12 + 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


def add_days(moment: datetime, days: int) -> datetime:
    return moment + timedelta(days=days)

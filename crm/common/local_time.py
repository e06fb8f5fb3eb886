"""How times are shown to staff: in the company's time zone (Beijing, UTC+8), to the minute.

Stored times are UTC; pages, PDFs and messages all format them here so they never disagree.
"""

from __future__ import annotations

import datetime as dt

BEIJING = dt.timezone(dt.timedelta(hours=8))


def local_text(value: dt.datetime | dt.date | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """"2026-11-25 17:31" for a datetime, "2026-11-25" for a date, "" for None."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=dt.timezone.utc)
        return value.astimezone(BEIJING).strftime(fmt)
    return value.isoformat()

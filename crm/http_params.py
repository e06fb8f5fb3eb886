"""Integer parameters bounded at the door (issue 14 finding 9).

Python integers have no limit, the database's do: a number beyond them used to reach the driver
and come back as a 500 (``OverflowError`` on SQLite, "out of range" on PostgreSQL). Every integer
a route reads from its path or query string is one of these types, so such a number is refused
before any handler runs: 422 ``validation.invalid`` naming the parameter in the query string,
404 ``not_found`` in the path (crm.http_errors) — a path names an object, and a number no row can
have names nothing, exactly like ``/abc`` in the same place.
"""

from __future__ import annotations

import re
from typing import Annotated

from litestar.params import Parameter

# Serial primary keys are PostgreSQL ``integer`` (32-bit); SQLite INTEGER and ``BigInt`` columns
# (the audit sequence) are 64-bit.
INT32_MAX = 2**31 - 1
INT64_MAX = 2**63 - 1
PAGE_MAX = 100_000

RecordId = Annotated[int, Parameter(ge=1, le=INT32_MAX)]
"""A table row's id in a path: ``/disposals/{batch_id:int}``."""

SequenceNumber = Annotated[int, Parameter(ge=0, le=INT64_MAX)]
"""A position in the audit chain (``audit_event.seq``, BigInt)."""

# ``SequenceNumber | None`` would drop the bounds at run time (Litestar validates the Annotated
# metadata only when it is outermost): optional parameters have their own types.
OptionalSequenceNumber = Annotated[int | None, Parameter(ge=0, le=INT64_MAX)]

PageNumber = Annotated[int, Parameter(ge=1, le=PAGE_MAX)]
"""``?page=`` of a list."""

Year = Annotated[int, Parameter(ge=1900, le=2200)]
"""A calendar year (archive years, catalogues)."""

OptionalYear = Annotated[int | None, Parameter(ge=1900, le=2200)]

ListLimit = Annotated[int, Parameter(ge=1, le=500)]
"""``?limit=``: at most the 500 rows a service answers in one page."""

_INTEGER = re.compile(r"-?[0-9]{1,20}")


def bounded(raw: str | None, *, low: int, high: int) -> int | None:
    """A page's lenient reading of an integer query parameter: None unless a number in [low, high].

    Pages treat a bad filter as no filter (they re-render the form); they must not pass a number
    the database cannot hold.
    """
    text = (raw or "").strip()
    if not _INTEGER.fullmatch(text):
        return None
    value = int(text)
    return value if low <= value <= high else None

"""Who a staff id is, kept in memory: lists, pages and PDFs name the person behind every row.

Rows of other packages refer to staff by id (drafted by, accepted by, uploaded by…). Joining the
staff table on every read would make those packages touch crm.staff's rows (docs/architecture.md)
and cost a join per list; instead they ask this directory for the ids on the page. A username is
never changed or reused, and names are set when the account is made, so an entry stays right;
entries are still read again after ``ttl_seconds`` so a name corrected in the database shows
within that time, like the branch directory.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Callable

from crm.staff.tables import Staff

DEFAULT_TTL_SECONDS = 300.0


@dataclass(frozen=True)
class StaffName:
    id: int
    username: str
    display_name: str


class StaffNames:
    def __init__(self, *, ttl_seconds: float = DEFAULT_TTL_SECONDS, monotonic: Callable[[], float] = time.monotonic) -> None:
        self._ttl = ttl_seconds
        self._monotonic = monotonic
        self._known: dict[int, tuple[StaffName, float]] = {}

    async def of(self, staff_ids: Iterable[int | None]) -> dict[int, StaffName]:
        """The people with these ids (None and unknown ids left out), at most one query for those not known."""
        now = self._monotonic()
        wanted = {i for i in staff_ids if i is not None}
        missing = sorted(i for i in wanted if i not in self._known or now - self._known[i][1] > self._ttl)
        if missing:
            rows = await Staff.select(Staff.id, Staff.username, Staff.display_name).where(Staff.id.is_in(missing))
            for r in rows:
                self._known[r["id"]] = (StaffName(id=r["id"], username=r["username"], display_name=r["display_name"]), now)
        return {i: self._known[i][0] for i in wanted if i in self._known}

    async def usernames(self, staff_ids: Iterable[int | None]) -> dict[int, str]:
        return {i: name.username for i, name in (await self.of(staff_ids)).items()}

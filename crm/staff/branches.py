"""Branches as reference data kept in memory: every customer view names its branch.

A branch is created by `crm init` and its fixtures and is never renamed by the application,
so a join on every read bought nothing but time. The directory reads the whole table once,
again when asked for a branch it does not know (another process may have added one) and
after `ttl_seconds`, so a name edited directly in the database shows within that time.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Callable

from crm.staff.tables import Branch

DEFAULT_TTL_SECONDS = 300.0


@dataclass(frozen=True)
class BranchRef:
    id: int
    code: str
    number: int
    name: str


class BranchDirectory:
    def __init__(self, *, ttl_seconds: float = DEFAULT_TTL_SECONDS, monotonic: Callable[[], float] = time.monotonic) -> None:
        self._ttl = ttl_seconds
        self._monotonic = monotonic
        self._by_id: dict[int, BranchRef] = {}
        self._by_code: dict[str, BranchRef] = {}
        self._loaded_at: float | None = None

    async def _reload(self) -> None:
        rows = await Branch.select(Branch.id, Branch.code, Branch.number, Branch.name)
        refs = [BranchRef(id=r["id"], code=r["code"], number=r["number"], name=r["name"]) for r in rows]
        self._by_id = {ref.id: ref for ref in refs}
        self._by_code = {ref.code: ref for ref in refs}
        self._loaded_at = self._monotonic()

    def _stale(self) -> bool:
        return self._loaded_at is None or self._monotonic() - self._loaded_at > self._ttl

    async def by_id(self, branch_id: int) -> BranchRef | None:
        return await self._find(lambda: self._by_id.get(branch_id))

    async def by_code(self, code: str) -> BranchRef | None:
        return await self._find(lambda: self._by_code.get(code))

    async def all(self) -> list[BranchRef]:
        """Every branch, in the order of their numbers (forms offer them as choices)."""
        if self._stale():
            await self._reload()
        return sorted(self._by_id.values(), key=lambda ref: ref.number)

    async def codes(self, branch_ids: Iterable[int | None]) -> dict[int, str]:
        """The code of each branch of a page of rows, at most one read for all of them ("" for an unknown id)."""
        wanted = {i for i in branch_ids if i is not None}
        if wanted and (self._stale() or not wanted <= self._by_id.keys()):
            await self._reload()
        return {i: self._by_id[i].code if i in self._by_id else "" for i in wanted}

    async def _find(self, look_up: Callable[[], BranchRef | None]) -> BranchRef | None:
        ref = None if self._stale() else look_up()
        if ref is None:
            await self._reload()
            ref = look_up()
        return ref

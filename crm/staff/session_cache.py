"""Recently verified sessions, kept for about a second per process.

Looking a session up costs a query on every API request. Remembering a verified session for
a second trades that for a bounded delay: a logout, password change or disablement made in
this process takes effect at once (the entries are dropped), one made through another worker
process within at most ``ttl`` seconds. Expiry (idle, absolute) is still decided on every
request from the remembered times.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from typing import Any, Callable


class SessionCache:
    def __init__(self, *, ttl: float, size: int = 10_000, monotonic: Callable[[], float] = time.monotonic) -> None:
        self.ttl = ttl
        self._size = size
        self._monotonic = monotonic
        self._rows: OrderedDict[str, tuple[float, dict[str, Any]]] = OrderedDict()

    def get(self, token_hash: str) -> dict[str, Any] | None:
        entry = self._rows.get(token_hash)
        if entry is None:
            return None
        stored_at, row = entry
        if self._monotonic() - stored_at > self.ttl:
            del self._rows[token_hash]
            return None
        return row

    def put(self, token_hash: str, row: dict[str, Any]) -> None:
        if self.ttl <= 0:
            return
        self._rows[token_hash] = (self._monotonic(), row)
        self._rows.move_to_end(token_hash)
        while len(self._rows) > self._size:
            self._rows.popitem(last=False)

    def forget(self, token_hash: str) -> None:
        self._rows.pop(token_hash, None)

    def forget_staff(self, staff_id: int) -> None:
        for key in [k for k, (_, row) in self._rows.items() if row["staff.id"] == staff_id]:
            del self._rows[key]

"""Account lockout after repeated failed logins (R-ST-03)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True)
class LockoutPolicy:
    max_failures: int = 5
    lock_for: timedelta = timedelta(minutes=15)


def register_failure(
    *, failed_count: int, now: datetime, policy: LockoutPolicy = LockoutPolicy()
) -> tuple[int, datetime | None]:
    """Return the new failure count and, when this failure triggers a lock, its end.

    The count restarts at zero on locking, so after the lock ends a guesser gets another
    full batch of attempts, not a single one that relocks at once.
    """
    count = failed_count + 1
    if count >= policy.max_failures:
        return 0, now + policy.lock_for
    return count, None


def is_locked(*, locked_until: datetime | None, now: datetime) -> bool:
    return locked_until is not None and now < locked_until

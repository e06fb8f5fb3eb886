"""Login-failure handling (R-ST-03, 等保 L3; ASVS 2.2.1): locks and a per-address throttle.

Failures are counted per account *and* source address, so that a stranger guessing from one
address locks only that address out of that account; the account locks for everyone only when
several addresses have been locked out of it at once. Separately, each address is slowed down
across all the names it tries, so spraying one password over many accounts gets nowhere.

Pure rules: the failures arrive as plain values, ``now`` is passed in.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Iterable, Sequence


@dataclass(frozen=True)
class LockoutPolicy:
    # Failures of one account from one address before that address is locked out of it.
    max_failures: int = 5
    lock_for: timedelta = timedelta(minutes=15)
    # Addresses locked out of one account at the same time before it locks for everyone.
    account_lock_addresses: int = 3
    # How far back failures still count towards a lock (a success from the address forgets them).
    failure_window: timedelta = timedelta(hours=24)
    # Failures one address may make across all names within the window before it must wait.
    throttle_free: int = 10
    throttle_window: timedelta = timedelta(hours=1)
    # The first wait; each further failure doubles it, up to throttle_max.
    throttle_base: timedelta = timedelta(seconds=1)
    throttle_max: timedelta = timedelta(minutes=15)

    @property
    def lookback(self) -> timedelta:
        """How old a failure may be and still matter to any rule here."""
        return max(self.failure_window, self.lock_for, self.throttle_window)


@dataclass(frozen=True)
class Failure:
    """One failed password check of an account, as the rules see it."""

    address: str
    at: datetime


def address_lock_end(*, failed_at: Iterable[datetime], now: datetime, policy: LockoutPolicy) -> datetime | None:
    """When the lock that one address's failures put on one account ends, if it is still on.

    Failures made during a lock do not count towards the next one, and counting starts afresh
    when a lock begins: after it ends a guesser gets another batch, not one try that relocks.
    """
    counted = 0
    locked_until: datetime | None = None
    for at in sorted(t for t in failed_at if now - t < policy.failure_window):
        if locked_until is not None and at < locked_until:
            continue
        counted += 1
        if counted >= policy.max_failures:
            locked_until, counted = at + policy.lock_for, 0
    return locked_until if locked_until is not None and now < locked_until else None


def account_lock_after_failure(
    *, failures: Sequence[Failure], now: datetime, policy: LockoutPolicy
) -> datetime | None:
    """The end of an account-wide lock that the latest failure (included in ``failures``) starts.

    None while fewer than ``account_lock_addresses`` addresses are locked out of the account.
    """
    by_address: dict[str, list[datetime]] = defaultdict(list)
    for failure in failures:
        by_address[failure.address].append(failure.at)
    locked_out = sum(
        1 for times in by_address.values() if address_lock_end(failed_at=times, now=now, policy=policy) is not None
    )
    return now + policy.lock_for if locked_out >= policy.account_lock_addresses else None


def throttle_wait(*, failed_at: Sequence[datetime], now: datetime, policy: LockoutPolicy) -> timedelta | None:
    """How long one address must still wait before its next login attempt, whatever the name.

    Only failures count (a refused, throttled attempt is not one), so the wait grows with
    each password actually tried: the first ``throttle_free`` are free, then 1 s, 2 s, 4 s …
    """
    recent = [t for t in failed_at if now - t < policy.throttle_window]
    excess = len(recent) - policy.throttle_free
    if excess < 0:
        return None
    # Capped before the power, so a long run of failures cannot overflow the timedelta.
    steps = min(excess, 40)
    delay = min(policy.throttle_base * (2**steps), policy.throttle_max)
    wait = max(recent) + delay - now
    return wait if wait > timedelta(0) else None


def is_locked(*, locked_until: datetime | None, now: datetime) -> bool:
    return locked_until is not None and now < locked_until

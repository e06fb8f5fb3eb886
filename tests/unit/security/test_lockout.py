"""R-ST-03: five failed logins lock the account for 15 minutes."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from crm.security.lockout import LockoutPolicy, is_locked, register_failure

NOW = datetime(2026, 3, 1, 9, 0, tzinfo=timezone.utc)


def _fail(times: int, *, policy: LockoutPolicy = LockoutPolicy()) -> tuple[int, datetime | None]:
    count, locked_until = 0, None
    for _ in range(times):
        count, locked_until = register_failure(failed_count=count, now=NOW, policy=policy)
    return count, locked_until


class TestLockout:
    def test_four_failures_do_not_lock(self) -> None:
        count, locked_until = _fail(4)

        assert count == 4
        assert locked_until is None

    def test_the_fifth_failure_locks_for_15_minutes_and_resets_the_count(self) -> None:
        count, locked_until = _fail(5)

        assert locked_until == NOW + timedelta(minutes=15)
        assert count == 0

    def test_is_locked_until_just_before_15_minutes(self) -> None:
        _, locked_until = _fail(5)

        assert is_locked(locked_until=locked_until, now=NOW) is True
        assert is_locked(locked_until=locked_until, now=NOW + timedelta(minutes=15, microseconds=-1)) is True

    def test_unlocks_after_15_minutes(self) -> None:
        _, locked_until = _fail(5)

        assert is_locked(locked_until=locked_until, now=NOW + timedelta(minutes=15)) is False

    def test_an_account_never_locked_is_not_locked(self) -> None:
        assert is_locked(locked_until=None, now=NOW) is False

    def test_the_next_lock_needs_five_more_failures(self) -> None:
        count, _ = _fail(5)

        count, locked_until = register_failure(failed_count=count, now=NOW, policy=LockoutPolicy())

        assert count == 1
        assert locked_until is None

    def test_honours_a_configured_policy(self) -> None:
        policy = LockoutPolicy(max_failures=3, lock_for=timedelta(hours=1))

        count, locked_until = _fail(3, policy=policy)

        assert count == 0
        assert locked_until == NOW + timedelta(hours=1)

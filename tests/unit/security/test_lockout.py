"""R-ST-03 login-failure handling and the ASVS 2.2.1 throttle, as pure rules (issue 14 finding 5)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from crm.security.lockout import (
    Failure,
    LockoutPolicy,
    account_lock_after_failure,
    address_lock_end,
    is_locked,
    throttle_wait,
)

NOW = datetime(2026, 3, 1, 9, 0, tzinfo=timezone.utc)
POLICY = LockoutPolicy()


def _minutes_ago(*minutes: float) -> list[datetime]:
    return [NOW - timedelta(minutes=m) for m in minutes]


class TestAddressLock:
    @pytest.mark.parametrize(
        ("failed_minutes_ago", "locked_until"),
        [
            ((), None),
            ((4, 3, 2, 1), None),  # four failures: not yet
            ((4, 3, 2, 1, 0), NOW + timedelta(minutes=15)),  # the fifth locks for 15 minutes
            ((14, 13, 12, 11, 10), NOW + timedelta(minutes=5)),  # counted from the fifth failure
            ((20, 19, 18, 17, 16), None),  # that lock is over
            ((20, 19, 18, 17, 16, 1), None),  # and counting began afresh: one new failure is not five
            ((28 * 60, 27 * 60, 26 * 60, 25 * 60, 1), None),  # four fell out of the 24-hour window
            ((10, 9, 8, 7, 6, 5, 4, 3, 2, 1), NOW + timedelta(minutes=9)),  # failures during a lock do not count
        ],
    )
    def test_five_failures_of_one_address_lock_it_out_for_fifteen_minutes(self, failed_minutes_ago, locked_until):
        result = address_lock_end(failed_at=_minutes_ago(*failed_minutes_ago), now=NOW, policy=POLICY)

        assert result == locked_until

    def test_the_numbers_come_from_the_policy(self):
        policy = LockoutPolicy(max_failures=3, lock_for=timedelta(hours=1))

        assert address_lock_end(failed_at=_minutes_ago(2, 1), now=NOW, policy=policy) is None
        assert address_lock_end(failed_at=_minutes_ago(2, 1, 0), now=NOW, policy=policy) == NOW + timedelta(hours=1)


class TestAccountLock:
    @staticmethod
    def _from(addresses: int, each: int) -> list[Failure]:
        return [Failure(address=f"10.0.0.{a}", at=NOW - timedelta(seconds=i)) for a in range(addresses) for i in range(each)]

    @pytest.mark.parametrize(
        ("addresses", "each", "locks"),
        [
            (1, 50, False),  # one address, however many failures, locks only itself out
            (2, 5, False),
            (3, 4, False),  # several addresses, none locked out yet
            (3, 5, True),  # three addresses locked out: the account locks for everyone
        ],
    )
    def test_the_account_locks_for_everyone_only_after_several_addresses(self, addresses, each, locks):
        result = account_lock_after_failure(failures=self._from(addresses, each), now=NOW, policy=POLICY)

        assert result == (NOW + timedelta(minutes=15) if locks else None)

    def test_addresses_whose_lock_ended_do_not_count(self):
        failures = [*self._from(2, 5), *[Failure(address="10.9.9.9", at=NOW - timedelta(minutes=30)) for _ in range(5)]]

        assert account_lock_after_failure(failures=failures, now=NOW, policy=POLICY) is None


class TestThrottle:
    @pytest.mark.parametrize(
        ("failures", "last_seconds_ago", "wait_seconds"),
        [
            (9, 0, None),  # within the free allowance
            (10, 0, 1),  # the first wait is a second
            (11, 0, 2),  # then it doubles
            (12, 1, 3),  # 4 s after the last failure, one of which has passed
            (14, 0, 16),
            (30, 0, 15 * 60),  # capped at throttle_max
            (11, 2, None),  # the wait is over
        ],
    )
    def test_one_address_waits_longer_after_each_failure_across_all_names(self, failures, last_seconds_ago, wait_seconds):
        last = NOW - timedelta(seconds=last_seconds_ago)
        failed_at = [last - timedelta(seconds=i) for i in range(failures)]

        result = throttle_wait(failed_at=failed_at, now=NOW, policy=POLICY)

        assert result == (None if wait_seconds is None else timedelta(seconds=wait_seconds))

    def test_failures_older_than_the_window_are_forgotten(self):
        failed_at = [NOW - timedelta(hours=1, seconds=i) for i in range(50)]

        assert throttle_wait(failed_at=failed_at, now=NOW, policy=POLICY) is None

    def test_a_very_long_run_of_failures_does_not_overflow(self):
        failed_at = [NOW - timedelta(seconds=1)] * 10_000

        assert throttle_wait(failed_at=failed_at, now=NOW, policy=POLICY) == timedelta(minutes=15, seconds=-1)


class TestIsLocked:
    @pytest.mark.parametrize(
        ("locked_until", "locked"),
        [(None, False), (NOW + timedelta(microseconds=1), True), (NOW, False), (NOW - timedelta(minutes=1), False)],
    )
    def test_a_lock_holds_until_its_end(self, locked_until, locked):
        assert is_locked(locked_until=locked_until, now=NOW) is locked

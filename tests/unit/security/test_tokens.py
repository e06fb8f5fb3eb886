"""R-ST-03: session tokens stored hashed; 30 minutes idle and 12 hours absolute expiry."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import string

import pytest

from crm.security.tokens import SessionPolicy, hash_token, new_session_token, session_expiry

CREATED = datetime(2026, 3, 1, 8, 0, tzinfo=timezone.utc)
URL_SAFE = set(string.ascii_letters + string.digits + "-_")


class TestSessionTokens:
    def test_are_long_random_and_url_safe(self) -> None:
        tokens = {new_session_token() for _ in range(100)}

        assert len(tokens) == 100
        assert all(len(token) >= 43 for token in tokens)
        assert all(set(token) <= URL_SAFE for token in tokens)

    def test_hash_is_stable_sha256_hex_and_not_the_token(self) -> None:
        token = new_session_token()

        hashed = hash_token(token=token)

        assert hashed == hash_token(token=token)
        assert len(hashed) == 64
        assert token not in hashed


class TestSessionExpiry:
    def test_defaults_are_30_minutes_idle_and_12_hours_absolute(self) -> None:
        policy = SessionPolicy()

        assert policy.idle == timedelta(minutes=30)
        assert policy.absolute == timedelta(hours=12)

    def test_is_valid_just_before_the_idle_limit(self) -> None:
        last_seen = CREATED + timedelta(hours=1)

        now = last_seen + timedelta(minutes=30, microseconds=-1)

        result = session_expiry(created_at=CREATED, last_seen_at=last_seen, now=now, policy=SessionPolicy())

        assert result is None

    def test_expires_idle_at_exactly_30_minutes(self) -> None:
        last_seen = CREATED + timedelta(hours=1)

        now = last_seen + timedelta(minutes=30)

        result = session_expiry(created_at=CREATED, last_seen_at=last_seen, now=now, policy=SessionPolicy())

        assert result == "idle"

    def test_is_valid_just_before_the_absolute_limit_when_active(self) -> None:
        now = CREATED + timedelta(hours=12, microseconds=-1)

        last_seen = now - timedelta(minutes=1)

        result = session_expiry(created_at=CREATED, last_seen_at=last_seen, now=now, policy=SessionPolicy())

        assert result is None

    def test_expires_absolutely_at_12_hours_even_when_active(self) -> None:
        now = CREATED + timedelta(hours=12)

        result = session_expiry(created_at=CREATED, last_seen_at=now, now=now, policy=SessionPolicy())

        assert result == "absolute"

    def test_reports_absolute_when_both_limits_have_passed(self) -> None:
        now = CREATED + timedelta(hours=13)

        result = session_expiry(created_at=CREATED, last_seen_at=CREATED, now=now, policy=SessionPolicy())

        assert result == "absolute"

    @pytest.mark.parametrize(("minutes", "expected"), [(4, None), (5, "idle")])
    def test_honours_a_configured_idle_limit(self, minutes: int, expected: str | None) -> None:
        policy = SessionPolicy(idle=timedelta(minutes=5))

        now = CREATED + timedelta(minutes=minutes)

        result = session_expiry(created_at=CREATED, last_seen_at=CREATED, now=now, policy=policy)

        assert result == expected

"""The per-person reveal limit as a rule: the window and the count (issue 14 finding 4, R-PM-02)."""

from __future__ import annotations

import datetime as dt

import pytest

from crm.accounts.reveal_rules import REVEAL_ACTIONS, RevealPolicy, RevealRateExceeded
from crm.errors import ConfigurationError, RateLimited
from crm.http_errors import status_for

NOW = dt.datetime(2026, 12, 7, 10, 0, tzinfo=dt.timezone.utc)


class TestRevealPolicy:
    def test_the_default_is_thirty_in_a_rolling_hour(self) -> None:
        """The issue's figure: "configurable, e.g. 30 an hour"."""

        policy = RevealPolicy()

        assert (policy.per_hour, policy.window_start(NOW)) == (30, NOW - dt.timedelta(hours=1))

    def test_up_to_the_limit_is_allowed_including_the_one_being_made(self) -> None:

        RevealPolicy(per_hour=3).check(revealed=3)

    def test_one_past_the_limit_is_refused_with_a_stable_code_and_a_bilingual_message(self) -> None:
        """Issue 14 finding 4: refused with access.reveal_rate."""

        with pytest.raises(RevealRateExceeded) as refused:
            RevealPolicy(per_hour=3).check(revealed=4)

        assert refused.value.code == "access.reveal_rate"
        zh, en = refused.value.message.split(" / ")
        assert "每小时最多 3 次" in zh and "at most 3 an hour" in en

    def test_the_refusal_is_a_429_not_a_denial(self) -> None:
        """The person may reveal, just not this often; a 403 would also be recorded as a permission denial."""

        refused = RevealRateExceeded("x")

        assert isinstance(refused, RateLimited) and status_for(refused) == 429

    @pytest.mark.parametrize("per_hour", [0, -1])
    def test_a_limit_below_one_is_a_configuration_error(self, per_hour: int) -> None:

        with pytest.raises(ConfigurationError, match="CRM_REVEAL_RATE_PER_HOUR"):
            RevealPolicy(per_hour=per_hour)

    def test_reveals_and_full_prints_are_the_acts_counted(self) -> None:
        """A masked sheet (customer.sheet) shows nothing in full and is not counted."""

        assert REVEAL_ACTIONS == ("customer.reveal", "customer.sheet_full")


class TestRevealRateSetting:
    def test_the_reveal_rate_comes_from_the_environment_with_a_default_of_thirty(self) -> None:
        """Issue 14 finding 4: the per-person limit is configurable."""
        from crm.settings import Settings

        default = Settings.from_env({"CRM_DATA_DIR": "/tmp/x"})
        set_ = Settings.from_env({"CRM_DATA_DIR": "/tmp/x", "CRM_REVEAL_RATE_PER_HOUR": "12"})

        assert (default.reveal_rate_per_hour, set_.reveal_rate_per_hour) == (30, 12)

"""R-ST-03 "(configurable)": every number of the login-failure policy is read from the environment."""

from __future__ import annotations

from datetime import timedelta

from crm.settings import Settings


def test_the_login_failure_numbers_are_read_from_the_environment():
    settings = Settings.from_env(
        {
            "CRM_DATA_DIR": "/tmp/crm-h2-settings",
            "CRM_LOCKOUT_FAILURES": "4",
            "CRM_LOCKOUT_MINUTES": "30",
            "CRM_LOCKOUT_ADDRESSES": "2",
            "CRM_LOCKOUT_WINDOW_HOURS": "6",
            "CRM_LOGIN_THROTTLE_FREE": "20",
            "CRM_LOGIN_THROTTLE_WINDOW_MINUTES": "30",
            "CRM_LOGIN_THROTTLE_MAX_SECONDS": "120",
        }
    )

    assert (settings.lockout_failures, settings.lockout_duration) == (4, timedelta(minutes=30))
    assert (settings.lockout_addresses, settings.lockout_window) == (2, timedelta(hours=6))
    assert (settings.login_throttle_free, settings.login_throttle_window, settings.login_throttle_max) == (
        20, timedelta(minutes=30), timedelta(seconds=120)
    )

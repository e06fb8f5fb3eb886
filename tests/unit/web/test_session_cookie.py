"""The page session cookie ends with the browser unless configured (issue 14 finding 8; SPEC §6 R-PM-04)."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

from litestar import Response

from crm.settings import Settings
from crm.web.session import set_session_cookie


def cookie_header(*, persistent: bool = False, secure: bool = False) -> str:
    settings = Settings.from_env({"CRM_DATA_DIR": "/tmp/crm-cookie-test"}).with_(
        persistent_session_cookie=persistent, secure_cookies=secure
    )
    ctx = SimpleNamespace(settings=settings, session_policy=SimpleNamespace(absolute=dt.timedelta(hours=12)))
    response = Response(content=b"")

    set_session_cookie(response, ctx=ctx, token="token-value")

    (cookie,) = response.cookies
    return cookie.to_header(header="").strip().lower()


class TestTheSessionCookie:
    def test_by_default_it_is_a_browser_session_cookie(self) -> None:
        header = cookie_header()

        assert "crm_session=token-value" in header
        assert "max-age" not in header and "expires" not in header
        assert "httponly" in header and "samesite=lax" in header
        assert "secure" not in header

    def test_a_persistent_cookie_lasts_as_long_as_the_session_may(self) -> None:
        header = cookie_header(persistent=True)

        assert f"max-age={12 * 3600}" in header

    def test_it_is_secure_when_configured(self) -> None:
        assert "secure" in cookie_header(secure=True)

    def test_the_setting_is_read_from_the_environment(self) -> None:
        env = {"CRM_DATA_DIR": "/tmp/crm-cookie-test"}

        assert Settings.from_env(env).persistent_session_cookie is False
        assert Settings.from_env({**env, "CRM_SESSION_COOKIE_PERSISTENT": "true"}).persistent_session_cookie is True

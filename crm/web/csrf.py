"""The pages' CSRF token, bound to the session it was issued to (issue 14 finding 6).

A logged-in page's token is a keyed hash of its session cookie: another person's token, or
one from before a logout, does not match this session, and a forger who cannot read the
HttpOnly session cookie cannot compute it. Before logging in there is no session, so the login
form gets a keyed hash of a random, signed ``crm_csrf`` cookie (a double-submit token); that
token opens ``/login`` only, never a session's forms.

The API is outside all this: it authenticates with bearer tokens only, never cookies.
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

from litestar.config.csrf import CSRFConfig
from litestar.datastructures import MutableScopeHeaders
from litestar.datastructures.cookie import Cookie
from litestar.enums import RequestEncodingType, ScopeType
from litestar.exceptions import PermissionDeniedException
from litestar.middleware.base import MiddlewareProtocol
from litestar.middleware.csrf import CSRF_SECRET_LENGTH, generate_csrf_token
from litestar.types import ASGIApp, Message, Receive, Scope, Send
from litestar.utils.scope.state import ScopeState

from crm.http_auth import SESSION_COOKIE
from crm.security.tokens import hash_token

FORM_FIELD = "_csrf_token"  # the name Litestar's ``csrf_input`` gives the hidden field
CSRF_FAILURE = "CSRF token verification failed"
LOGIN_PATH = "/login"


def _keyed(secret: str, purpose: bytes, value: str) -> str:
    return hmac.new(secret.encode(), purpose + b"\0" + value.encode(), hashlib.sha256).hexdigest()


def session_token(*, secret: str, session_cookie: str) -> str:
    """The token of every form shown within one session, and only that session."""
    # Through the stored hash: the token is a function of what identifies the session row.
    return _keyed(secret, b"session", hash_token(token=session_cookie))


def login_token(*, secret: str, login_cookie: str) -> str:
    return _keyed(secret, b"login", login_cookie)


def login_cookie_is_ours(*, secret: str, login_cookie: str) -> bool:
    """Signed with this secret: a cookie from before a keyring change, or planted, is not."""
    value, signature = login_cookie[:CSRF_SECRET_LENGTH], login_cookie[CSRF_SECRET_LENGTH:]
    expected = hmac.new(secret.encode(), value.encode(), hashlib.sha256).hexdigest()
    return len(value) == CSRF_SECRET_LENGTH and hmac.compare_digest(signature, expected)


def token_accepted(
    *, secret: str, sent: str, session_cookie: str | None, login_cookie: str | None, path: str
) -> bool:
    candidates = []
    if session_cookie:
        candidates.append(session_token(secret=secret, session_cookie=session_cookie))
    # The login form may have been shown before another tab logged in, so /login takes it either way.
    if login_cookie and (not session_cookie or path == LOGIN_PATH) and login_cookie_is_ours(
        secret=secret, login_cookie=login_cookie
    ):
        candidates.append(login_token(secret=secret, login_cookie=login_cookie))
    # Every candidate is compared, so the time does not tell which one matched.
    return any([hmac.compare_digest(sent, c) for c in candidates])


class SessionBoundCSRFMiddleware(MiddlewareProtocol):
    """Litestar's CSRF middleware in shape (same config, field, header and refusal), bound to the session."""

    def __init__(self, app: ASGIApp, config: CSRFConfig) -> None:
        self.app = app
        self.config = config

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP:
            await self.app(scope, receive, send)
            return
        request: Any = scope["litestar_app"].request_class(scope=scope, receive=receive)
        config = self.config
        session_cookie = request.cookies.get(SESSION_COOKIE) or None
        login_cookie = request.cookies.get(config.cookie_name) or None
        state = ScopeState.from_scope(scope)

        if request.method in config.safe_methods:
            new_cookie = None
            if session_cookie:
                state.csrf_token = session_token(secret=config.secret, session_cookie=session_cookie)
            else:
                # An existing cookie is kept even when stale: the refusal of its form resets it
                # (crm.web.errors), as Litestar's own middleware behaved.
                login_cookie = login_cookie or (new_cookie := generate_csrf_token(secret=config.secret))
                state.csrf_token = login_token(secret=config.secret, login_cookie=login_cookie)
            await self.app(scope, receive, self._setting_cookie(send, new_cookie) if new_cookie else send)
            return

        sent = request.headers.get(config.header_name)
        if not sent and request.content_type[0] in {RequestEncodingType.URL_ENCODED, RequestEncodingType.MULTI_PART}:
            sent = (await request.form()).get(FORM_FIELD)
        if isinstance(sent, str) and sent and token_accepted(
            secret=config.secret, sent=sent, session_cookie=session_cookie, login_cookie=login_cookie,
            path=scope["path"],
        ):
            state.csrf_token = sent
            await self.app(scope, receive, send)
            return
        raise PermissionDeniedException(CSRF_FAILURE)

    def _setting_cookie(self, send: Send, value: str) -> Send:
        config = self.config

        async def wrapped(message: Message) -> None:
            if message["type"] == "http.response.start":
                message.setdefault("headers", [])
                cookie = Cookie(
                    key=config.cookie_name, value=value, path=config.cookie_path, secure=config.cookie_secure,
                    httponly=config.cookie_httponly, samesite=config.cookie_samesite, domain=config.cookie_domain,
                )
                MutableScopeHeaders.from_message(message).add("set-cookie", cookie.to_header(header=""))
            await send(message)

        return wrapped

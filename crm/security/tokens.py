"""Staff session tokens and expiry (R-ST-03)."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta


def new_session_token() -> str:
    return secrets.token_urlsafe(32)


# Crockford's base32 without I, L, O, U: a code read aloud or copied from paper is not misread.
_ACTIVATION_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def new_activation_code() -> str:
    """Ten characters (50 bits): a new person's one-time code to set their own password (R-ST-06)."""
    return "".join(secrets.choice(_ACTIVATION_ALPHABET) for _ in range(10))


def hash_token(*, token: str) -> str:
    # Only the hash is stored, so a leaked sessions table cannot be replayed as cookies;
    # a plain SHA-256 suffices because the token already carries 256 random bits.
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class SessionPolicy:
    idle: timedelta = timedelta(minutes=30)
    absolute: timedelta = timedelta(hours=12)


def session_expiry(
    *,
    created_at: datetime,
    last_seen_at: datetime,
    now: datetime,
    policy: SessionPolicy = SessionPolicy(),
) -> str | None:
    """None while valid, else why it ended; a limit is reached at the boundary itself.

    "absolute" wins when both apply: an active user cannot keep a session past its lifetime.
    """
    if now - created_at >= policy.absolute:
        return "absolute"
    if now - last_seen_at >= policy.idle:
        return "idle"
    return None

"""Runtime configuration, read from the environment once and passed in explicitly."""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass, field, replace
from pathlib import Path

from crm.errors import ConfigurationError


def _env_int(env: dict[str, str], name: str, default: int) -> int:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ConfigurationError(f"{name} must be a whole number, got {raw!r}") from None


def _role_days(raw: str) -> dict[str, int]:
    """``market_manager=2,general_manager=5`` → {"market_manager": 2, "general_manager": 5}."""
    days: dict[str, int] = {}
    for part in filter(None, (p.strip() for p in raw.split(","))):
        role, sep, value = part.partition("=")
        if not sep or not value.strip().isdigit() or int(value) < 1:
            raise ConfigurationError(
                f"CRM_APPROVAL_OVERDUE_DAYS: expected role=days[,role=days…] with days ≥ 1, got {part!r}"
            )
        days[role.strip()] = int(value)
    return days


@dataclass(frozen=True)
class Settings:
    data_dir: Path
    database_url: str
    keyring_path: Path
    host: str = "127.0.0.1"
    port: int = 8000
    company_name: str = "城市燃气有限公司"
    secure_cookies: bool = False
    # The page session cookie ends with the browser unless this says to keep it for the session's life.
    persistent_session_cookie: bool = False
    session_idle: dt.timedelta = dt.timedelta(minutes=30)
    session_absolute: dt.timedelta = dt.timedelta(hours=12)
    # How long a verified session is reused without a lookup (see crm/staff/session_cache.py);
    # 0 looks every request up.
    session_cache_seconds: float = 1.0
    lockout_failures: int = 5
    lockout_duration: dt.timedelta = dt.timedelta(minutes=15)
    # See crm/security/lockout.py: addresses locked out of one account before it locks for
    # everyone, how long failures count, and the per-address throttle across all names.
    lockout_addresses: int = 3
    lockout_window: dt.timedelta = dt.timedelta(hours=24)
    login_throttle_free: int = 10
    login_throttle_window: dt.timedelta = dt.timedelta(hours=1)
    login_throttle_max: dt.timedelta = dt.timedelta(minutes=15)
    # Full sensitive values one person may see in a rolling hour (issue 14 finding 4; see
    # crm/accounts/reveal_rules.py); past it reveals and full prints are refused with access.reveal_rate.
    reveal_rate_per_hour: int = 30
    cjk_font_path: str | None = None
    # PostgreSQL connections kept open per process; 0 opens one per query (tests, one-off commands).
    db_pool_size: int = 10
    # Cheap argon2 parameters keep the test suite fast; never set in production.
    fast_password_hashing: bool = False
    # Days an approval step may wait before the inbox marks it overdue, per approving role;
    # roles not listed use approval_overdue_default_days.
    approval_overdue_days: dict[str, int] = field(default_factory=dict)
    approval_overdue_default_days: int = 3
    # DA/T 22-2015 archive numbers: the fonds (全宗号) and the category code for contracts (门类).
    archive_fonds: str = "Z001"
    archive_category: str = "HT"
    # Largest file accepted as an archive attachment.
    max_upload_bytes: int = 20 * 1024 * 1024
    extra: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> "Settings":
        env = dict(os.environ if environ is None else environ)
        data_dir = Path(env.get("CRM_DATA_DIR") or "var").resolve()
        database_url = env.get("CRM_DATABASE_URL") or f"sqlite:///{data_dir / 'crm.sqlite3'}"
        keyring_path = Path(env.get("CRM_KEYRING") or data_dir / "keyring.json").resolve()
        return cls(
            data_dir=data_dir,
            database_url=database_url,
            keyring_path=keyring_path,
            host=env.get("CRM_HOST") or "127.0.0.1",
            port=_env_int(env, "CRM_PORT", 8000),
            company_name=env.get("CRM_COMPANY_NAME") or "城市燃气有限公司",
            secure_cookies=(env.get("CRM_SECURE_COOKIES", "").lower() in {"1", "true", "yes"}),
            persistent_session_cookie=(env.get("CRM_SESSION_COOKIE_PERSISTENT", "").lower() in {"1", "true", "yes"}),
            session_idle=dt.timedelta(minutes=_env_int(env, "CRM_SESSION_IDLE_MINUTES", 30)),
            session_absolute=dt.timedelta(hours=_env_int(env, "CRM_SESSION_ABSOLUTE_HOURS", 12)),
            session_cache_seconds=_env_int(env, "CRM_SESSION_CACHE_MS", 1000) / 1000,
            lockout_failures=_env_int(env, "CRM_LOCKOUT_FAILURES", 5),
            lockout_duration=dt.timedelta(minutes=_env_int(env, "CRM_LOCKOUT_MINUTES", 15)),
            lockout_addresses=_env_int(env, "CRM_LOCKOUT_ADDRESSES", 3),
            lockout_window=dt.timedelta(hours=_env_int(env, "CRM_LOCKOUT_WINDOW_HOURS", 24)),
            login_throttle_free=_env_int(env, "CRM_LOGIN_THROTTLE_FREE", 10),
            login_throttle_window=dt.timedelta(minutes=_env_int(env, "CRM_LOGIN_THROTTLE_WINDOW_MINUTES", 60)),
            login_throttle_max=dt.timedelta(seconds=_env_int(env, "CRM_LOGIN_THROTTLE_MAX_SECONDS", 900)),
            reveal_rate_per_hour=_env_int(env, "CRM_REVEAL_RATE_PER_HOUR", 30),
            cjk_font_path=env.get("CRM_CJK_FONT") or None,
            db_pool_size=_env_int(env, "CRM_DB_POOL_SIZE", 10),
            approval_overdue_days=_role_days(env.get("CRM_APPROVAL_OVERDUE_DAYS", "")),
            approval_overdue_default_days=_env_int(env, "CRM_APPROVAL_OVERDUE_DEFAULT_DAYS", 3),
            archive_fonds=env.get("CRM_ARCHIVE_FONDS") or "Z001",
            archive_category=env.get("CRM_ARCHIVE_CATEGORY") or "HT",
            max_upload_bytes=_env_int(env, "CRM_MAX_UPLOAD_MB", 20) * 1024 * 1024,
        )

    def overdue_days(self, role: str) -> int:
        return self.approval_overdue_days.get(role, self.approval_overdue_default_days)

    def with_(self, **changes: object) -> "Settings":
        return replace(self, **changes)

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def files_dir(self) -> Path:
        return self.data_dir / "files"

    @property
    def archive_blob_dir(self) -> Path:
        # Under files/, so `crm backup` carries the (encrypted) archive files with the database.
        return self.files_dir / "archives"

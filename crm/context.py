"""What every use case needs from the running system, assembled once per process."""

from __future__ import annotations

import getpass
import os
from dataclasses import dataclass, field

from piccolo.engine.base import Engine

from crm import db
from crm.accounts.reveal_rules import RevealPolicy
from crm.clock import Clock, SystemClock
from crm.errors import ConfigurationError
from crm.security.keyring import Keyring, generate_keyring, load_keyring, save_keyring
from crm.security.lockout import LockoutPolicy
from crm.security.passwords import PasswordHasher
from crm.security.tokens import SessionPolicy
from crm.settings import Settings
from crm.staff.branches import BranchDirectory
from crm.staff.names import StaffNames
from crm.staff.session_cache import SessionCache


@dataclass
class AppContext:
    settings: Settings
    engine: Engine
    keyring: Keyring
    clock: Clock
    hasher: PasswordHasher
    session_policy: SessionPolicy
    lockout_policy: LockoutPolicy
    session_cache: SessionCache = field(default_factory=lambda: SessionCache(ttl=0))
    branches: BranchDirectory = field(default_factory=BranchDirectory)
    staff_names: StaffNames = field(default_factory=StaffNames)
    reveal_policy: RevealPolicy = field(default_factory=RevealPolicy)

    def now(self):
        return self.clock.now()


@dataclass(frozen=True)
class Origin:
    """Where a request came from, for the audit trail."""

    source_ip: str | None = None
    user_agent: str | None = None
    # A command's operating-system account (issue 14 finding 10): `--as` names whose authority
    # is used, this says who on the host used it. crm.audit.service.append keeps it in details.
    os_user: str | None = None


def operating_system_user() -> str:
    """The account this process runs as, by its real uid, and the sudo caller when there is one.

    Not getpass.getuser() alone: it reads $LOGNAME and $USER first, which whoever runs the
    command sets at will; the uid is the kernel's. SUDO_USER is as sudo reported it (`sudo -u
    crm crm export …` is how an operator reaches the service account's keyring).
    """
    try:
        import pwd

        name = pwd.getpwuid(os.getuid()).pw_name
    except (ImportError, KeyError):  # no passwd entry (a bare container uid), or not POSIX
        try:
            name = getpass.getuser()
        except (KeyError, OSError):
            name = f"uid:{os.getuid()}" if hasattr(os, "getuid") else "unknown"
    caller = os.environ.get("SUDO_USER")
    return f"{name} (sudo: {caller})" if caller and caller != name else name


# The commands' origin; a process runs as one account for its life, so it is read once, here.
CLI = Origin(source_ip="cli", os_user=operating_system_user())


def ensure_keyring(settings: Settings) -> Keyring:
    """Load the keyring, creating one on first initialisation only."""
    if settings.keyring_path.exists():
        return load_keyring(path=settings.keyring_path)
    keyring = generate_keyring()
    save_keyring(keyring=keyring, path=settings.keyring_path)
    return keyring


def build_context(settings: Settings, *, clock: Clock | None = None, keyring: Keyring | None = None) -> AppContext:
    engine = db.make_engine(settings.database_url)
    db.bind_tables(engine)
    if keyring is None:
        if not settings.keyring_path.exists():
            raise ConfigurationError(
                f"No keyring at {settings.keyring_path}: run `crm init` first, or set CRM_KEYRING "
                "to the keyring file kept outside the database backups."
            )
        keyring = load_keyring(path=settings.keyring_path)
    hasher = PasswordHasher.for_tests() if settings.fast_password_hashing else PasswordHasher()
    return AppContext(
        settings=settings,
        engine=engine,
        keyring=keyring,
        clock=clock or SystemClock(),
        hasher=hasher,
        session_policy=SessionPolicy(idle=settings.session_idle, absolute=settings.session_absolute),
        lockout_policy=LockoutPolicy(
            max_failures=settings.lockout_failures,
            lock_for=settings.lockout_duration,
            account_lock_addresses=settings.lockout_addresses,
            failure_window=settings.lockout_window,
            throttle_free=settings.login_throttle_free,
            throttle_window=settings.login_throttle_window,
            throttle_max=settings.login_throttle_max,
        ),
        session_cache=SessionCache(ttl=settings.session_cache_seconds),
        reveal_policy=RevealPolicy(per_hour=settings.reveal_rate_per_hour),
    )

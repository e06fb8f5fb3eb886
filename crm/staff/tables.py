"""Staff, branches and server-side sessions. Rows are retired by status, never deleted."""

from piccolo.columns import (
    Boolean,
    ForeignKey,
    Integer,
    OnDelete,
    Timestamptz,
    Varchar,
)
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table


class Branch(Table, tablename="branch"):
    code = Varchar(length=16, unique=True)
    # Two digits at the head of every account number opened here (R-AC-09).
    number = Integer(unique=True)
    name = Varchar(length=100)
    is_head_office = Boolean(default=False)
    created_at = Timestamptz(default=TimestamptzNow())


class Staff(Table, tablename="staff"):
    username = Varchar(length=64, unique=True)
    display_name = Varchar(length=100)
    role = Varchar(length=32)
    branch = ForeignKey(references=Branch, on_delete=OnDelete.restrict, null=False)
    all_branches = Boolean(default=False)
    password_hash = Varchar(length=255)
    must_change_password = Boolean(default=True)
    password_changed_at = Timestamptz(null=True, default=None)
    failed_logins = Integer(default=0)
    locked_until = Timestamptz(null=True, default=None)
    active = Boolean(default=True)
    disabled_at = Timestamptz(null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow())


class StaffSession(Table, tablename="staff_session"):
    # Only the SHA-256 of the bearer token or cookie is stored: a database leak yields no sessions.
    token_hash = Varchar(length=64, unique=True)
    staff = ForeignKey(references=Staff, on_delete=OnDelete.restrict, null=False, index=True)
    kind = Varchar(length=8)  # "api" or "web"
    created_at = Timestamptz()
    last_seen_at = Timestamptz()
    revoked_at = Timestamptz(null=True, default=None)
    source_ip = Varchar(length=64, null=True, default=None)

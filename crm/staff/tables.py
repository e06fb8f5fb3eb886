"""Staff, branches and server-side sessions. Rows are retired by status, never deleted."""

from piccolo.columns import (
    Boolean,
    ForeignKey,
    Integer,
    OnDelete,
    Text,
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


class StaffGrant(Table, tablename="staff_grant"):
    """A change of who may do what, waiting for a second person (R-ST-06).

    New staff, a role or branch-scope change, a contract type's creation or change: the
    requester's row waits here until someone else with ``staff.grant.approve`` decides it.
    ``payload`` is the requested change as JSON, applied as it was approved. A new person's
    one-time activation code is kept only as its SHA-256.
    """

    kind = Varchar(length=32)
    subject = Varchar(length=64, index=True)  # the username or contract type code concerned
    payload = Text()
    status = Varchar(length=16, default="pending", index=True)
    requested_by = ForeignKey(references=Staff, on_delete=OnDelete.restrict, null=False)
    requested_at = Timestamptz()
    decided_by = ForeignKey(references=Staff, on_delete=OnDelete.restrict, null=True, default=None)
    decided_at = Timestamptz(null=True, default=None)
    decision_note = Varchar(length=500, null=True, default=None)
    activation_hash = Varchar(length=64, null=True, default=None, unique=True)
    activation_expires_at = Timestamptz(null=True, default=None)
    activated_at = Timestamptz(null=True, default=None)


class LoginFailure(Table, tablename="login_failure"):
    """A failed password check, counted per name tried and per source address (R-ST-03).

    Unknown names are counted like real ones, so both get the same answer in the same time.
    The name is kept as a keyed hash (``blind_index``): a password typed into the name field
    by mistake must not lie here readable, and the per-name count needs only equality.
    Rows older than the lockout policy's look-back are deleted; they decide nothing.
    """

    username_key = Varchar(length=64, index=True)
    source_ip = Varchar(length=64, index=True)
    failed_at = Timestamptz(index=True)

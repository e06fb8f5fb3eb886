"""The append-only audit trail (R-PM-05)."""

from piccolo.columns import BigInt, Integer, Text, Timestamptz, Varchar
from piccolo.table import Table


class AuditEvent(Table, tablename="audit_event"):
    seq = BigInt(unique=True)
    occurred_at = Timestamptz()
    actor = Varchar(length=64, null=True, default=None, index=True)
    action = Varchar(length=64, index=True)
    target = Varchar(length=128, null=True, default=None)
    outcome = Varchar(length=16)
    source_ip = Varchar(length=64, null=True, default=None)
    details = Text(default="{}")
    prev_hash = Varchar(length=64)
    hash = Varchar(length=64)


class AuditHead(Table, tablename="audit_head"):
    """One row holding the chain's tip; locking it serialises appends across processes."""

    singleton = Integer(unique=True)
    last_seq = BigInt(default=0)
    last_hash = Varchar(length=64)

"""The append-only audit trail (R-PM-05)."""

from piccolo.columns import BigInt, Integer, Text, Timestamptz, Varchar
from piccolo.table import Table


class AuditEvent(Table, tablename="audit_event"):
    # Indexed on (actor, action, occurred_at) and (action, outcome, occurred_at) by migration
    # 2026-12-07T11:30 (Piccolo declares single columns only): limits and the auditor's counts
    # read recent events by them, and they serve every lookup by actor or by action, so the
    # single-column indexes those replaced are gone (each index costs every append).
    seq = BigInt(unique=True)
    occurred_at = Timestamptz()
    actor = Varchar(length=64, null=True, default=None)
    action = Varchar(length=64)
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

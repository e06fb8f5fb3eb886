"""The audit trail as CSV for the auditor (`crm export audit`; R-PM-05 "exportable for the auditor").

Only a person with ``audit.read`` may take it out, checked here as for the auditor's API; a
refusal is itself recorded, and so is every export, finished or broken off, with the period and
the number of rows. Every column of the chain is written, hashes included, so each link can
be checked from the file; cells go through the one CSV writer, because targets and details
hold whatever people typed (``crm.common.csv_writer.restore`` gives a quoted cell's stored text).

Days are Beijing days (crm.common.local_time), the ones the auditor sees on the pages:
``from_date`` and ``to_date`` both included. Rows stream in keyset pages over ``seq``.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from typing import Any, Callable, TextIO

from crm import db
from crm.audit import service as audit
from crm.audit.tables import AuditEvent
from crm.common.csv_writer import CsvWriter
from crm.common.local_time import BEIJING
from crm.context import AppContext, Origin
from crm.errors import InvalidInput, PermissionDenied
from crm.staff.access import Actor, require

__all__ = ["AUDIT_COLUMNS", "AuditExportReport", "AuditPeriodInvalid", "export_audit_events"]

log = logging.getLogger("crm.audit.export")

AUDIT_COLUMNS = (
    "seq", "occurred_at", "actor", "action", "target", "outcome", "source_ip", "details", "prev_hash", "hash",
)
AUDIT_TARGET = "export:audit"
DEFAULT_PAGE_SIZE = 1000


class AuditPeriodInvalid(InvalidInput):
    """The period ends before it starts: refused rather than answered with an empty file."""

    code = "audit_export.period_invalid"

    def __init__(self, message: str, *, field: str | None = "to", code: str | None = None) -> None:
        super().__init__(message, field=field, code=code)


@dataclass(frozen=True)
class AuditExportReport:
    rows: int
    from_date: dt.date | None
    to_date: dt.date | None
    audit_seq: int


async def export_audit_events(
    *,
    ctx: AppContext,
    actor: Actor,
    out: TextIO,
    origin: Origin,
    from_date: dt.date | None = None,
    to_date: dt.date | None = None,
    destination: str = "stream",
    page_size: int = DEFAULT_PAGE_SIZE,
    on_progress: Callable[[int], None] | None = None,
) -> AuditExportReport:
    """Write the events of the period, oldest first, to ``out`` (UTF-8, ``newline=""``)."""
    if page_size < 1:
        raise ValueError(f"page_size must be at least 1, got {page_size}")
    period = {"from": _iso(from_date), "to": _iso(to_date)}
    try:
        require(actor, "audit.read")
    except PermissionDenied as error:
        await audit.record_denial(
            ctx=ctx, username=actor.username, origin=origin, code=error.code, target=AUDIT_TARGET, details=period,
        )
        raise
    if from_date is not None and to_date is not None and to_date < from_date:
        raise AuditPeriodInvalid(
            f"结束日期 {to_date} 早于开始日期 {from_date} / The period ends ({to_date}) before it starts ({from_date})"
        )
    details: dict[str, Any] = {**period, "destination": destination}
    written = 0
    try:
        # Everything up to here is checks: a refusal leaves ``out`` untouched.
        writer = CsvWriter(out, header=AUDIT_COLUMNS)
        pages = db.keyset_pages(
            columns=[getattr(AuditEvent, name) for name in AUDIT_COLUMNS], key=AuditEvent.seq,
            conditions=_conditions(from_date, to_date), page_size=page_size,
        )
        async for rows in pages:
            for row in rows:
                writer.writerow(_csv_row(row))
                written += 1
            if on_progress is not None:
                on_progress(written)
        out.flush()
    except BaseException as error:
        # Rows may already have left down a pipe: an interrupted export is recorded too.
        try:
            await audit.append_alone(
                ctx=ctx, action="audit.export", actor=actor.username, origin=origin, outcome="failure",
                target=AUDIT_TARGET, details={**details, "rows": written, "error": type(error).__name__},
            )
        except Exception:
            log.exception("could not audit an interrupted audit-trail export")
        raise
    seq = await audit.append_alone(
        ctx=ctx, action="audit.export", actor=actor.username, origin=origin, target=AUDIT_TARGET,
        details={**details, "rows": written},
    )
    return AuditExportReport(rows=written, from_date=from_date, to_date=to_date, audit_seq=seq)


def _conditions(from_date: dt.date | None, to_date: dt.date | None) -> list[Any]:
    conditions = []
    if from_date is not None:
        conditions.append(AuditEvent.occurred_at >= _beijing_midnight(from_date))
    if to_date is not None:
        conditions.append(AuditEvent.occurred_at < _beijing_midnight(to_date + dt.timedelta(days=1)))
    return conditions


def _beijing_midnight(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), tzinfo=BEIJING).astimezone(dt.timezone.utc)


def _csv_row(row: dict[str, Any]) -> list[Any]:
    occurred_at = row["occurred_at"]
    if isinstance(occurred_at, dt.datetime):
        if occurred_at.tzinfo is None:
            occurred_at = occurred_at.replace(tzinfo=dt.timezone.utc)
        # UTC as stored and hashed: the value `crm audit verify` re-derives the link from.
        occurred_at = occurred_at.astimezone(dt.timezone.utc).isoformat()
    return [occurred_at if name == "occurred_at" else row[name] for name in AUDIT_COLUMNS]


def _iso(day: dt.date | None) -> str | None:
    return day.isoformat() if day is not None else None

"""Auditor's read API: /api/v1/audit-events."""

from __future__ import annotations

import datetime as dt
from typing import Any

import msgspec
from litestar import Controller, get

from crm.route_access import requires
from crm.audit import service
from crm.http_errors import NO_STORE
from crm.http_params import ListLimit, OptionalSequenceNumber, SequenceNumber
from crm.context import AppContext, Origin
from crm.staff.access import Actor


class AuditEventOut(msgspec.Struct, kw_only=True):
    seq: int
    occurred_at: dt.datetime
    actor: str | None
    action: str
    target: str | None
    outcome: str
    source_ip: str | None
    details: dict[str, Any]
    hash: str


class AuditEventPage(msgspec.Struct, kw_only=True):
    items: list[AuditEventOut]
    next_after_seq: int | None
    next_before_seq: int | None


class Problem(msgspec.Struct, kw_only=True):
    seq: int
    kind: str
    message: str


class VerifyReport(msgspec.Struct, kw_only=True):
    ok: bool
    checked: int
    problems: list[Problem]


class AuditController(Controller):
    path = "/api/v1/audit-events"
    # Personal data and tokens must not linger in browser or proxy caches.
    cache_control = NO_STORE
    tags = ["audit"]

    @get("/", opt=requires("audit.read"))
    async def list_events(
        self,
        ctx: AppContext,
        actor: Actor,
        action: str | None = None,
        username: str | None = None,
        after_seq: SequenceNumber = 0,
        before_seq: OptionalSequenceNumber = None,
        newest_first: bool = False,
        limit: ListLimit = 100,
    ) -> AuditEventPage:
        page = await service.list_events(
            ctx=ctx, actor=actor, action=action, username=username, after_seq=after_seq,
            before_seq=before_seq, newest_first=newest_first, limit=limit,
        )
        return AuditEventPage(
            items=[
                AuditEventOut(
                    seq=e["seq"],
                    occurred_at=e["occurred_at"],
                    actor=e["actor"],
                    action=e["action"],
                    target=e["target"],
                    outcome=e["outcome"],
                    source_ip=e["source_ip"],
                    details=msgspec.json.decode(e["details"]) if e["details"] else {},
                    hash=e["hash"],
                )
                for e in page.events
            ],
            next_after_seq=page.next_after_seq,
            next_before_seq=page.next_before_seq,
        )

    @get("/verify", opt=requires("audit.read"))
    async def verify(self, ctx: AppContext, actor: Actor, origin: Origin) -> VerifyReport:
        report = await service.verify(ctx=ctx, actor=actor, origin=origin)
        return VerifyReport(
            ok=report.ok,
            checked=report.checked,
            problems=[Problem(seq=p.seq, kind=p.kind, message=p.message) for p in report.problems],
        )

"""Appending to and reading the hash-chained audit trail (R-PM-05)."""

from __future__ import annotations

import datetime as dt
import json
import logging
from dataclasses import dataclass
from typing import Any, Mapping

from piccolo.query.functions.aggregate import Count

from crm import db
from crm.audit.tables import AuditEvent, AuditHead
from crm.context import AppContext, Origin
from crm.security.audit_chain import (
    GENESIS,
    AuditLink,
    ChainProblem,
    ChainReport,
    canonical_details,
    link_hash,
    verify_chain,
)
from crm.staff.access import Actor, require

log = logging.getLogger(__name__)

_BATCH = 2000


async def ensure_head() -> None:
    if not await AuditHead.exists().where(AuditHead.singleton == 1):
        await AuditHead.insert(AuditHead(singleton=1, last_seq=0, last_hash=GENESIS))


async def append(
    *,
    ctx: AppContext,
    action: str,
    actor: str | None,
    origin: Origin,
    outcome: str = "success",
    target: str | None = None,
    details: Mapping[str, Any] | None = None,
) -> int:
    """Append one event; must run inside the use case's unit of work so both commit together."""
    head = await db.locking(
        AuditHead.select(AuditHead.last_seq, AuditHead.last_hash).where(AuditHead.singleton == 1),
        ctx.engine,
    ).first()
    if head is None:
        raise RuntimeError("audit trail not initialised: run `crm init`")
    seq = head["last_seq"] + 1
    occurred_at = ctx.now().astimezone(dt.timezone.utc)
    details = dict(details or {})
    if origin.os_user:
        # In the hashed details, so who ran a command is as tamper-evident as what it did.
        details["os_user"] = origin.os_user
    text = canonical_details(details)
    digest = link_hash(
        keyring=ctx.keyring,
        seq=seq,
        occurred_at=occurred_at.isoformat(),
        actor=actor,
        action=action,
        target=target,
        outcome=outcome,
        source_ip=origin.source_ip,
        details=text,
        prev_hash=head["last_hash"],
    )
    await AuditEvent.insert(
        AuditEvent(
            seq=seq,
            occurred_at=occurred_at,
            actor=actor,
            action=action,
            target=target,
            outcome=outcome,
            source_ip=origin.source_ip,
            details=text,
            prev_hash=head["last_hash"],
            hash=digest,
        )
    )
    await AuditHead.update({AuditHead.last_seq: seq, AuditHead.last_hash: digest}).where(AuditHead.singleton == 1)
    return seq


async def append_alone(**kwargs: Any) -> int:
    """For events that must survive the refusal they record (failed login, denied access)."""
    ctx: AppContext = kwargs["ctx"]
    async with db.unit_of_work(ctx.engine):
        return await append(**kwargs)


async def record_denial(
    *, ctx: AppContext, username: str | None, origin: Origin, code: str, target: str,
    details: Mapping[str, Any] | None = None,
) -> None:
    """R-PM-05: a refusal is recorded, whichever page, endpoint or command refused.

    Best effort: the refusal itself must still reach the person refused, so a failure to
    record it is logged instead of raised.
    """
    try:
        await append_alone(
            ctx=ctx, action="permission.denied", actor=username, origin=origin, outcome="denied",
            target=target[:128], details={"code": code, **(details or {})},
        )
    except Exception:
        log.exception("could not audit a permission denial")


@dataclass(frozen=True)
class AuditPage:
    events: list[dict[str, Any]]
    # Where the next page starts: after this seq (oldest first) or before it (newest first).
    next_after_seq: int | None
    next_before_seq: int | None = None


async def list_events(
    *,
    ctx: AppContext,
    actor: Actor,
    action: str | None = None,
    actions: tuple[str, ...] | None = None,
    outcome: str | None = None,
    username: str | None = None,
    after_seq: int = 0,
    before_seq: int | None = None,
    newest_first: bool = False,
    limit: int = 100,
) -> AuditPage:
    """Oldest first from ``after_seq``, or newest first (below ``before_seq`` when given)."""
    require(actor, "audit.read")
    limit = max(1, min(limit, 500))
    query = AuditEvent.select().where(AuditEvent.seq > after_seq)
    if before_seq is not None:
        query = query.where(AuditEvent.seq < before_seq)
    if action:
        query = query.where(AuditEvent.action == action)
    if actions:
        query = query.where(AuditEvent.action.is_in(list(actions)))
    if outcome:
        query = query.where(AuditEvent.outcome == outcome)
    if username:
        query = query.where(AuditEvent.actor == username)
    descending = newest_first or before_seq is not None
    rows = await query.order_by(AuditEvent.seq, ascending=not descending).limit(limit + 1)
    more = len(rows) > limit
    rows = rows[:limit]
    last = rows[-1]["seq"] if more else None
    if descending:
        return AuditPage(events=rows, next_after_seq=None, next_before_seq=last)
    return AuditPage(events=rows, next_after_seq=last)


async def count_since(
    *, ctx: AppContext, actor: str | None, actions: tuple[str, ...], since: dt.datetime, outcome: str = "success"
) -> int:
    """How many ``actions`` events (of ``actor``, or anyone's for None) after ``since``.

    For limits kept by the trail itself (crm.accounts.reveal_rules) and the auditor's counts; the
    (actor, action, occurred_at) and (action, outcome, occurred_at) indexes make each a short range scan.
    It runs on every reveal, so the statement is built once (building it cost more than running it).
    """
    query = _count_query(actions=tuple(actions), outcome=outcome, by_actor=actor is not None)
    after = since.astimezone(dt.timezone.utc)
    row = await query.run(ctx.engine, *((actor, after) if actor is not None else (after,)))
    return row["n"] if row else 0


_COUNTS: dict[tuple[tuple[str, ...], str, bool], db.CachedSelect] = {}


def _count_query(*, actions: tuple[str, ...], outcome: str, by_actor: bool) -> db.CachedSelect:
    key = (actions, outcome, by_actor)
    if key not in _COUNTS:
        def build(*params: Any) -> Any:
            condition = (
                AuditEvent.action.is_in(list(actions)) & (AuditEvent.occurred_at > params[-1])
                & (AuditEvent.outcome == outcome)
            )
            if by_actor:
                condition = (AuditEvent.actor == params[0]) & condition
            return AuditEvent.select(Count(alias="n")).where(condition)

        _COUNTS[key] = db.CachedSelect(build, params=2 if by_actor else 1, first=True)
    return _COUNTS[key]


async def recorded(*, action: str, target: str | None = None, limit: int = 50) -> list[dict[str, Any]]:
    """The newest events of one action (and target), details decoded.

    For services whose own records live in the trail (fixity runs, departures): they check their
    own capability, the auditor's audit.read is not theirs to require.
    """
    query = AuditEvent.select(AuditEvent.seq, AuditEvent.occurred_at, AuditEvent.actor, AuditEvent.target,
                              AuditEvent.outcome, AuditEvent.details).where(AuditEvent.action == action)
    if target is not None:
        query = query.where(AuditEvent.target == target)
    rows = await query.order_by(AuditEvent.seq, ascending=False).limit(max(1, min(limit, 500)))
    return [{**row, "details": json.loads(row["details"] or "{}")} for row in rows]


def _as_link(row: Mapping[str, Any]) -> AuditLink:
    occurred_at = row["occurred_at"]
    if isinstance(occurred_at, dt.datetime):
        occurred_at = occurred_at.astimezone(dt.timezone.utc).isoformat()
    return AuditLink(
        seq=row["seq"],
        occurred_at=occurred_at,
        actor=row["actor"],
        action=row["action"],
        target=row["target"],
        outcome=row["outcome"],
        source_ip=row["source_ip"],
        details=row["details"],
        prev_hash=row["prev_hash"],
        hash=row["hash"],
    )


async def verify(*, ctx: AppContext, actor: Actor | None, origin: Origin) -> ChainReport:
    """Re-derive every link; also compare the tip, which catches rows cut off the end."""
    if actor is not None:
        require(actor, "audit.read")
    report = ChainReport(ok=True, checked=0, problems=[])
    last: AuditLink | None = None
    # Batches keep memory flat; each batch continues from the previous batch's last link.
    while True:
        rows = await AuditEvent.select().where(AuditEvent.seq > (last.seq if last else 0)).order_by(AuditEvent.seq).limit(_BATCH)
        if not rows:
            break
        links = [_as_link(row) for row in rows]
        part = verify_chain(
            keyring=ctx.keyring,
            links=links,
            expected_first_seq=last.seq + 1 if last else 1,
            expected_first_prev=last.hash if last else GENESIS,
        )
        report.checked += part.checked
        report.problems.extend(part.problems)
        report.ok = report.ok and part.ok
        last = links[-1]
    head = await AuditHead.select().where(AuditHead.singleton == 1).first()
    if head is not None and (
        head["last_seq"] != (last.seq if last else 0) or head["last_hash"] != (last.hash if last else GENESIS)
    ):
        report.problems.append(
            ChainProblem(
                seq=head["last_seq"],
                kind="truncated",
                message="审计链末端与记录不符：末尾记录被删除或篡改 / The chain tip does not match: trailing events were removed or altered",
            )
        )
        report.ok = False
    await append_alone(
        ctx=ctx,
        action="audit.verify",
        actor=actor.username if actor else None,
        origin=origin,
        outcome="success" if report.ok else "failure",
        details={"checked": report.checked, "problems": len(report.problems)},
    )
    return report

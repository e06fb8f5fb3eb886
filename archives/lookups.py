"""Lookups and borrowing (查(借)阅, R-AR-06): a request with a purpose and a period, decided by
the archivist (restricted records: then the general manager too); the approval is a grant that
expires. Reading under the grant is in archives.records, which logs every view and download.
"""

from __future__ import annotations

from typing import Any

from archives import access_rules, schemas
from archives.counters import next_value
from archives.records import load_record
from archives.tables import AccessRequest
from crm import db
from crm.common.labels import label
from crm.audit import service as audit
from crm.context import AppContext, Origin
from crm.errors import NotFound
from crm.staff.access import Actor, can, in_scope, require


class RequestNotFound(NotFound):
    code = "access.not_found"


_COLUMNS = (
    *AccessRequest.all_columns(),
    AccessRequest.record.archive_no,
    AccessRequest.record.branch,
)
# Who asked and who decided are staff ids here; their usernames come from ctx.staff_names.
_PEOPLE = ("requester", "archivist", "general_manager")


async def _schemas(ctx: AppContext, rows: list[dict[str, Any]]) -> list[schemas.AccessRequestOut]:
    """The rows as the API shows them, the people of all of them named in one call."""
    names = await ctx.staff_names.usernames(r[column] for r in rows for column in _PEOPLE)
    return [_to_schema(r, usernames=names) for r in rows]


def _to_schema(row: dict[str, Any], *, usernames: dict[int, str]) -> schemas.AccessRequestOut:
    state = _state(row)
    return schemas.AccessRequestOut(
        id=row["id"], request_no=row["request_no"], archive_no=row["record.archive_no"],
        requester=usernames.get(row["requester"]), purpose=row["purpose"], days=row["days"],
        restricted=row["restricted"],
        status=row["status"], status_label=label(access_rules.REQUEST_STATUS_LABELS.get(row["status"])),
        awaiting_role=access_rules.awaiting_role(state=state), requested_at=row["requested_at"],
        archivist=usernames.get(row["archivist"]), archivist_at=row["archivist_at"],
        general_manager=usernames.get(row["general_manager"]), general_manager_at=row["general_manager_at"],
        decision_reason=row["decision_reason"], valid_until=row["valid_until"],
    )


def _state(row: dict[str, Any]) -> access_rules.RequestState:
    return access_rules.RequestState(
        status=row["status"], restricted=row["restricted"], requester_id=row["requester"],
        archivist_id=row["archivist"], general_manager_id=row["general_manager"],
    )


async def request_lookup(
    *, ctx: AppContext, actor: Actor, archive_no: str, purpose: str | None, days: int, origin: Origin
) -> schemas.AccessRequestOut:
    require(actor, "archive.request")
    cleaned = access_rules.check_request(purpose=purpose, days=days)
    now = ctx.now()
    async with db.unit_of_work(ctx.engine):
        record = await load_record(ctx, actor, archive_no)
        seq = await next_value(f"lookup|{now.year}")
        request_no = f"CY-{now.year}-{seq:05d}"
        inserted = await AccessRequest.insert(AccessRequest(
            request_no=request_no, record=record["id"], requester=actor.staff_id, purpose=cleaned, days=days,
            restricted=record["restricted"], status="pending", requested_at=now,
        )).returning(AccessRequest.id)
        await audit.append(ctx=ctx, action="archive.lookup_request", actor=actor.username, origin=origin,
                           target=record["archive_no"], details={"request_no": request_no, "days": days,
                                                                 "purpose": cleaned})
    return await get_request(ctx=ctx, actor=actor, request_id=inserted[0]["id"])


async def _load(ctx: AppContext, actor: Actor, request_id: int, *, lock: bool = False) -> dict[str, Any]:
    query = AccessRequest.select(*_COLUMNS).where(AccessRequest.id == request_id)
    row = await (db.locking(query, ctx.engine, of=(AccessRequest,)) if lock else query).first()
    # The requester sees their own; deciders see those of their scope.
    visible = row is not None and (
        row["requester"] == actor.staff_id
        or (can(actor, "archive.access.decide") and in_scope(actor, row["record.branch"]))
    )
    if not visible:
        raise RequestNotFound(f"查阅申请 {request_id} 不存在 / Lookup request {request_id} not found", field="id")
    return row


async def get_request(*, ctx: AppContext, actor: Actor, request_id: int) -> schemas.AccessRequestOut:
    return (await _schemas(ctx, [await _load(ctx, actor, request_id)]))[0]


async def decide_request(
    *, ctx: AppContext, actor: Actor, request_id: int, decision: str, reason: str | None, origin: Origin
) -> schemas.AccessRequestOut:
    require(actor, "archive.access.decide")
    now = ctx.now()
    async with db.unit_of_work(ctx.engine):
        row = await _load(ctx, actor, request_id, lock=True)
        decided = access_rules.decide(state=_state(row), actor_id=actor.staff_id, actor_role=actor.role,
                                      decision=decision, reason=reason)
        state = decided.state
        changes: dict[Any, Any] = {AccessRequest.status: state.status}
        if state.archivist_id != row["archivist"]:
            changes.update({AccessRequest.archivist: actor.staff_id, AccessRequest.archivist_at: now})
        else:
            changes.update({AccessRequest.general_manager: actor.staff_id, AccessRequest.general_manager_at: now})
        if decision == "reject":
            changes[AccessRequest.decision_reason] = decided.reason
        if state.status == "approved":
            changes[AccessRequest.valid_until] = access_rules.grant_until(approved_at=now, days=row["days"])
        await AccessRequest.update(changes).where(AccessRequest.id == request_id)
        await audit.append(ctx=ctx, action="archive.lookup_decision", actor=actor.username, origin=origin,
                           target=row["record.archive_no"],
                           details={"request_no": row["request_no"], "decision": decision, "status": state.status,
                                    "reason": decided.reason})
    return await get_request(ctx=ctx, actor=actor, request_id=request_id)


async def list_requests(
    *, ctx: AppContext, actor: Actor, mine: bool = False, status: str | None = None
) -> list[schemas.AccessRequestOut]:
    """My requests (grants included), or for deciders those of their scope waiting for their role."""
    query = AccessRequest.select(*_COLUMNS)
    decider = can(actor, "archive.access.decide")
    if not decider:
        require(actor, "archive.request")
    if mine or not decider:
        query = query.where(AccessRequest.requester == actor.staff_id)
    elif not actor.all_branches:
        query = query.where(AccessRequest.record.branch == actor.branch_id)
    if status:
        query = query.where(AccessRequest.status == status)
    rows = await query.order_by(AccessRequest.id, ascending=False).limit(200)
    return await _schemas(ctx, rows)


def _waiting_for(actor: Actor):
    """Where a request waits for the reader: pending at their role's step, in their scope, not their own.

    The SQL form of access_rules.awaiting_role (the archivist's step until archivist_id is set,
    then the general manager's for restricted records); one's own requests are decided by
    others (access_rules.OwnRequest). None for roles no step waits for.
    """
    step = {
        "archivist": AccessRequest.archivist.is_null(),
        "general_manager": (AccessRequest.archivist.is_not_null() & (AccessRequest.restricted == True)  # noqa: E712
                            & AccessRequest.general_manager.is_null()),
    }.get(actor.role)
    if step is None or not can(actor, "archive.access.decide"):
        return None
    where = (AccessRequest.status == "pending") & step & (AccessRequest.requester != actor.staff_id)
    if not actor.all_branches:
        where = where & (AccessRequest.record.branch == actor.branch_id)
    return where


def waiting_count_query(*, actor: Actor):
    """The 查阅审批 badge: what waits for the reader (see _waiting_for), as a query for crm.db.counts."""
    where = _waiting_for(actor)
    return None if where is None else AccessRequest.count().where(where)


async def decision_queue(*, ctx: AppContext, actor: Actor) -> schemas.LookupQueue:
    """查阅审批: the requests waiting for the reader, oldest first, and the scope's newest others (100)."""
    require(actor, "archive.access.decide")
    where = _waiting_for(actor)
    others = AccessRequest.select(*_COLUMNS)
    if not actor.all_branches:
        others = others.where(AccessRequest.record.branch == actor.branch_id)
    async with db.read_only(ctx.engine):
        waiting = [] if where is None else await AccessRequest.select(*_COLUMNS).where(where).order_by(
            AccessRequest.id).limit(200)
        newest = await others.order_by(AccessRequest.id, ascending=False).limit(200)
    mine = {r["id"] for r in waiting}
    others = [r for r in newest if r["id"] not in mine][:100]
    shown = await _schemas(ctx, waiting + others)
    return schemas.LookupQueue(to_decide=shown[:len(waiting)], others=shown[len(waiting):])

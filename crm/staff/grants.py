"""Grants under a second approver (R-ST-06): a change of who may do what waits for another person.

A use case that changes authority (``crm.staff.admin`` for accounts, ``contracts.catalogue`` for
contract types) validates the request and files it here with ``file_request`` inside its own
unit of work; nothing changes yet. A holder of ``staff.grant.approve`` other than the requester
then approves it (the change is applied as requested, in the approving transaction) or rejects
it with a reason. The kinds register how they are applied and described (``register_kind``), so
contracts' kinds join without crm importing contracts.
"""

from __future__ import annotations

import datetime as dt
import importlib
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from crm import db
from crm.apps import GRANT_KIND_MODULES
from crm.audit import service as audit
from crm.common.labels import label
from crm.common.reasons import clean_reason
from crm.context import AppContext, Origin
from crm.errors import Conflict, NotFound, PermissionDenied
from crm.security.tokens import hash_token, new_activation_code
from crm.staff.access import Actor, can, require, require_any
from crm.staff.grant_rules import GRANT_STATUS_LABELS, ActivationPolicy, check_decider, check_pending
from crm.staff.tables import StaffGrant

__all__ = [
    "APPROVE",
    "GrantKind",
    "approve",
    "awaiting_activation",
    "file_request",
    "get_grant",
    "list_grants",
    "pending_count_query",
    "register_kind",
    "reissue_activation",
    "reject",
    "use_approval",
]

APPROVE = "staff.grant.approve"
PAGE_SIZE = 100


class GrantNotFound(NotFound):
    code = "grant.not_found"


class GrantPending(Conflict):
    code = "grant.pending_exists"


class AlreadyActivated(Conflict):
    code = "grant.already_activated"


@dataclass(frozen=True)
class GrantKind:
    """How one kind of grant is requested, shown and applied.

    ``apply(ctx=, payload=, now=)`` runs inside the approving unit of work and returns the
    staff id whose cached sessions must be re-read, if any. ``activates``: approval creates an
    account that its owner activates with a one-time code.
    """

    kind: str
    label: tuple[str, str]
    request_capabilities: tuple[str, ...]
    apply: Callable[..., Awaitable[int | None]]
    describe: Callable[[dict[str, Any]], tuple[str, str]]
    activates: bool = False


_KINDS: dict[str, GrantKind] = {}


def register_kind(kind: GrantKind) -> None:
    _KINDS[kind.kind] = kind


def _kind(name: str) -> GrantKind:
    if name not in _KINDS:
        # By module name, like the Piccolo apps: crm never imports contracts.
        for module in GRANT_KIND_MODULES:
            importlib.import_module(module)
    try:
        return _KINDS[name]
    except KeyError:
        raise RuntimeError(f"grant kind {name!r} is not registered") from None


async def file_request(
    *, ctx: AppContext, actor: Actor, kind: str, subject: str, payload: dict[str, Any], origin: Origin
) -> dict[str, Any]:
    """Inside the caller's unit of work: the request waits; one pending request per subject and kind."""
    spec = _kind(kind)
    require_any(actor, spec.request_capabilities)
    if await StaffGrant.exists().where(
        (StaffGrant.kind == kind) & (StaffGrant.subject == subject) & (StaffGrant.status == "pending")
    ):
        raise GrantPending(
            f"{subject} 已有待审批的申请 / A request for {subject} is already waiting for approval", field="subject"
        )
    now = ctx.now()
    inserted = await StaffGrant.insert(
        StaffGrant(
            kind=kind, subject=subject, payload=json.dumps(payload, ensure_ascii=False, sort_keys=True),
            status="pending", requested_by=actor.staff_id, requested_at=now,
        )
    ).returning(StaffGrant.id)
    grant_id = inserted[0]["id"]
    await audit.append(
        ctx=ctx, action="grant.request", actor=actor.username, origin=origin, target=subject,
        details={"grant": grant_id, "kind": kind, "payload": payload},
    )
    return await _view(ctx, await _row(grant_id))


async def pending_subject(*, kind: str, subject: str) -> bool:
    """Whether ``subject`` has a request of ``kind`` waiting (a new username is taken while it waits)."""
    return await StaffGrant.exists().where(
        (StaffGrant.kind == kind) & (StaffGrant.subject == subject) & (StaffGrant.status == "pending")
    )


def _deciders_view(actor: Actor):
    return (StaffGrant.status == "pending") & (StaffGrant.requested_by != actor.staff_id)


def pending_count_query(*, actor: Actor):
    """The approvals badge's share: requests waiting for this approver (never their own)."""
    if not can(actor, APPROVE):
        return None
    return StaffGrant.count().where(_deciders_view(actor))


async def _row(grant_id: int) -> dict[str, Any] | None:
    return await StaffGrant.select().where(StaffGrant.id == grant_id).first()


async def _view(ctx: AppContext, row: dict[str, Any], *, activation_code: str | None = None) -> dict[str, Any]:
    names = await ctx.staff_names.usernames([row["requested_by"], row["decided_by"]])
    payload = json.loads(row["payload"])
    spec = _kind(row["kind"])
    return {
        "id": row["id"],
        "kind": row["kind"],
        "kind_label": label(spec.label),
        "subject": row["subject"],
        "summary": label(spec.describe(payload)),
        "payload": payload,
        "status": row["status"],
        "status_label": label(GRANT_STATUS_LABELS[row["status"]]),
        "requested_by": names.get(row["requested_by"]),
        "requested_at": row["requested_at"],
        "decided_by": names.get(row["decided_by"]),
        "decided_at": row["decided_at"],
        "decision_note": row["decision_note"],
        "activation_code": activation_code,
        "activation_expires_at": row["activation_expires_at"],
        "activated_at": row["activated_at"],
    }


_READERS = (APPROVE, "staff.admin", "contract_type.admin")


async def list_grants(*, ctx: AppContext, actor: Actor, status: str | None = "pending") -> list[dict[str, Any]]:
    """Approvers see what waits for them; requesters (the sysadmin) follow their requests."""
    require_any(actor, _READERS)
    where = StaffGrant.id > 0
    if status is not None:
        where = where & (StaffGrant.status == status)
    if not can(actor, APPROVE):
        where = where & (StaffGrant.requested_by == actor.staff_id)
    rows = await StaffGrant.select().where(where).order_by(StaffGrant.id, ascending=status != "pending").limit(PAGE_SIZE)
    return [await _view(ctx, r) for r in rows]


async def get_grant(*, ctx: AppContext, actor: Actor, grant_id: int) -> dict[str, Any]:
    require_any(actor, _READERS)
    row = await _row(grant_id)
    if row is None or (not can(actor, APPROVE) and row["requested_by"] != actor.staff_id):
        raise GrantNotFound(f"授权申请 {grant_id} 不存在 / Grant request {grant_id} not found", field="grant")
    return await _view(ctx, row)


async def _locked_pending(ctx: AppContext, actor: Actor, grant_id: int) -> dict[str, Any]:
    row = await db.locking(StaffGrant.select().where(StaffGrant.id == grant_id), ctx.engine).first()
    if row is None:
        raise GrantNotFound(f"授权申请 {grant_id} 不存在 / Grant request {grant_id} not found", field="grant")
    check_pending(status=row["status"])
    check_decider(requested_by=row["requested_by"], decider=actor.staff_id)
    return row


async def approve(
    *, ctx: AppContext, actor: Actor, grant_id: int, note: str | None = None, origin: Origin,
    activation: ActivationPolicy = ActivationPolicy(),
) -> dict[str, Any]:
    """Apply the change as requested. For a new account, the one-time activation code is in the
    answer, once: the approver hands it to the new person, and only its hash is kept."""
    require(actor, APPROVE)
    remark = clean_reason(value=note, purpose="approval_decision", required=False, field="note")
    now = ctx.now()
    code: str | None = None
    async with db.unit_of_work(ctx.engine):
        row = await _locked_pending(ctx, actor, grant_id)
        spec = _kind(row["kind"])
        payload = json.loads(row["payload"])
        touched = await spec.apply(ctx=ctx, payload=payload, now=now)
        changes: dict[Any, Any] = {
            StaffGrant.status: "approved", StaffGrant.decided_by: actor.staff_id, StaffGrant.decided_at: now,
            StaffGrant.decision_note: remark,
        }
        if spec.activates:
            code = new_activation_code()
            changes[StaffGrant.activation_hash] = hash_token(token=code)
            changes[StaffGrant.activation_expires_at] = activation.expires_at(approved_at=now)
        await StaffGrant.update(changes).where(StaffGrant.id == grant_id)
        await audit.append(
            ctx=ctx, action="grant.approve", actor=actor.username, origin=origin, target=row["subject"],
            details={"grant": grant_id, "kind": row["kind"], "payload": payload, "note": remark},
        )
        updated = await _row(grant_id)
    if touched is not None:
        ctx.session_cache.forget_staff(touched)
    return await _view(ctx, updated, activation_code=code)


async def awaiting_activation(*, ctx: AppContext, actor: Actor) -> list[dict[str, Any]]:
    """Approved new accounts whose owner has not activated them yet (a lost or expired code is reissued)."""
    require(actor, APPROVE)
    kinds = [k.kind for k in _KINDS.values() if k.activates]
    rows = await StaffGrant.select().where(
        (StaffGrant.status == "approved") & StaffGrant.kind.is_in(kinds) & StaffGrant.activated_at.is_null()
    ).order_by(StaffGrant.id).limit(PAGE_SIZE)
    return [await _view(ctx, r) for r in rows]


async def reissue_activation(
    *, ctx: AppContext, actor: Actor, grant_id: int, origin: Origin, activation: ActivationPolicy = ActivationPolicy(),
) -> dict[str, Any]:
    """A new code for an approved account not activated yet; the old one stops working."""
    require(actor, APPROVE)
    now = ctx.now()
    code = new_activation_code()
    async with db.unit_of_work(ctx.engine):
        row = await db.locking(StaffGrant.select().where(StaffGrant.id == grant_id), ctx.engine).first()
        if row is None or row["status"] != "approved" or not _kind(row["kind"]).activates:
            raise GrantNotFound(f"授权申请 {grant_id} 不存在 / Grant request {grant_id} not found", field="grant")
        if row["activated_at"] is not None:
            raise AlreadyActivated("该账号已激活 / The account is already activated", field="grant")
        check_decider(requested_by=row["requested_by"], decider=actor.staff_id)
        await StaffGrant.update(
            {StaffGrant.activation_hash: hash_token(token=code),
             StaffGrant.activation_expires_at: activation.expires_at(approved_at=now)}
        ).where(StaffGrant.id == grant_id)
        await audit.append(
            ctx=ctx, action="grant.reissue_code", actor=actor.username, origin=origin, target=row["subject"],
            details={"grant": grant_id},
        )
        updated = await _row(grant_id)
    return await _view(ctx, updated, activation_code=code)


class ApprovalRequired(PermissionDenied):
    code = "grant.approval_required"


class ApprovalUsed(Conflict):
    code = "grant.approval_used"


class ApprovalExpired(PermissionDenied):
    code = "grant.approval_expired"


async def use_approval(*, ctx: AppContext, actor: Actor, kind: str, grant_id: int | None, valid_for: dt.timedelta) -> dict[str, Any]:
    """Inside the caller's unit of work: spend a one-time permission the requester was granted.

    Only its requester may use it, once, within ``valid_for`` of the approval; the payload it was
    approved with is returned, so the caller does what was approved and nothing else.
    """
    row = None
    if grant_id is not None:
        row = await db.locking(StaffGrant.select().where(StaffGrant.id == grant_id), ctx.engine).first()
    if row is None or row["kind"] != kind or row["requested_by"] != actor.staff_id:
        raise ApprovalRequired(
            f"须先申请并经他人批准（授权申请 {grant_id}）/ Needs an approved request first (grant {grant_id})",
            field="approval",
        )
    if row["status"] == "used":
        raise ApprovalUsed("该批准已使用过 / This approval has already been used", field="approval")
    if row["status"] != "approved":
        raise ApprovalRequired(
            f"授权申请 {grant_id} 尚未批准 / Grant {grant_id} is not approved", field="approval"
        )
    if ctx.now() >= row["decided_at"] + valid_for:
        raise ApprovalExpired("该批准已过期，请重新申请 / The approval has expired: file a new request", field="approval")
    await StaffGrant.update({StaffGrant.status: "used"}).where(StaffGrant.id == grant_id)
    return json.loads(row["payload"])


async def reject(*, ctx: AppContext, actor: Actor, grant_id: int, reason: str, origin: Origin) -> dict[str, Any]:
    require(actor, APPROVE)
    reason = clean_reason(value=reason, purpose="approval_decision")
    now = ctx.now()
    async with db.unit_of_work(ctx.engine):
        row = await _locked_pending(ctx, actor, grant_id)
        await StaffGrant.update(
            {StaffGrant.status: "rejected", StaffGrant.decided_by: actor.staff_id, StaffGrant.decided_at: now,
             StaffGrant.decision_note: reason}
        ).where(StaffGrant.id == grant_id)
        await audit.append(
            ctx=ctx, action="grant.reject", actor=actor.username, origin=origin, target=row["subject"],
            details={"grant": grant_id, "kind": row["kind"], "reason": reason},
        )
        updated = await _row(grant_id)
    return await _view(ctx, updated)

"""Departure handover (离职交接, R-AR-07; R-ST-05).

When someone leaves, their open work is listed, handed to a successor of the same role, and
their account is disabled — in one transaction, so nothing is left without an owner:
- customers they are responsible for (opened, not closed) pass to the successor;
- their contracts still in progress pass to the successor, who also becomes the drafter the
  approval steps keep away from deciding them (R-CT-10);
- approval steps waiting for their role are listed: any holder of the role decides them;
- their lookup grants end: a borrowed archive is personal and goes back to the archive room.
The lists are kept in the audit event, from which the handover list PDF is printed.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from archives.tables import AccessRequest
from contracts import reassignment
from contracts.lifecycle import STATUS_LABELS as CONTRACT_STATUS_LABELS
from crm import db
from crm.accounts import directory as customers
from crm.accounts.lifecycle import STATUS_LABELS as CUSTOMER_STATUS_LABELS
from crm.audit import service as audit
from crm.context import AppContext, Origin
from crm.errors import Conflict, InvalidInput, NotFound
from crm.staff.access import Actor, require
from crm.staff.admin import deactivate
from crm.staff import directory as staff_directory
from crm.staff.roles import ROLE_LABELS
from crm.common.local_time import local_text as _local
from reports.departure_list import (
    BorrowedArchiveLine,
    DepartureContractLine,
    DepartureCustomerLine,
    DepartureList,
    PendingApprovalLine,
    render_departure_list,
)

class StaffNotFound(NotFound):
    code = "staff.not_found"


class SuccessorInvalid(InvalidInput):
    code = "departure.invalid_successor"


class AlreadyLeft(Conflict):
    code = "departure.already_disabled"


async def _person(username: str, *, field: str) -> dict[str, Any]:
    row = await staff_directory.staff_by_username(username=(username or "").strip())
    if row is None:
        raise StaffNotFound(f"员工 {username} 不存在 / Staff {username} not found", field=field)
    return row


async def _open_work(leaving: dict[str, Any], now: dt.datetime) -> dict[str, list[dict[str, Any]]]:
    steps = await reassignment.pending_steps_for_role(
        role=leaving["role"], branch_id=None if leaving["all_branches"] else leaving["branch"])
    grants = await AccessRequest.select(
        AccessRequest.id, AccessRequest.request_no, AccessRequest.valid_until, AccessRequest.record.archive_no).where(
        (AccessRequest.requester == leaving["id"]) & (AccessRequest.status == "approved")
        & (AccessRequest.valid_until > now)).order_by(AccessRequest.id)
    return {"customers": await customers.open_customers_of(staff_id=leaving["id"]),
            "contracts": await reassignment.open_contracts_drafted_by(staff_id=leaving["id"]),
            "approvals": steps, "borrowed": grants}


def _summary(work: dict[str, list[dict[str, Any]]]) -> dict[str, list[dict[str, str]]]:
    """The lists as plain text values, for the audit event and the PDF."""
    return {
        "customers": [{"account_no": c["account_no"], "name": c["name"], "status": c["status"]} for c in work["customers"]],
        "contracts": [{"contract_no": c["contract_no"], "status": c["status"], "customer": c["customer_name"]}
                      for c in work["contracts"]],
        "approvals": [{"contract_no": s["contract_no"], "step": str(s["seq"]), "role": s["role"],
                       "since": s["pending_since"].isoformat() if s["pending_since"] else ""} for s in work["approvals"]],
        "borrowed": [{"archive_no": g["record.archive_no"], "request_no": g["request_no"],
                      "valid_until": g["valid_until"].isoformat()} for g in work["borrowed"]],
    }


async def plan_departure(*, ctx: AppContext, actor: Actor, username: str) -> dict[str, Any]:
    """What a departure would hand over, without doing it."""
    require(actor, "staff.departure")
    leaving = await _person(username, field="username")
    return {"username": leaving["username"], **_summary(await _open_work(leaving, ctx.now()))}


async def _last_departure(username: str) -> dict[str, Any] | None:
    """The departure event of a person (the newest, should an account have been re-enabled and left again)."""
    events = await audit.recorded(action="staff.departure", target=username, limit=1)
    return events[0] if events else None


async def departure_overview(*, ctx: AppContext, actor: Actor) -> dict[str, Any]:
    """离职交接 start page: everyone on the staff, in work first, and the handovers already done."""
    require(actor, "staff.departure")
    staff = await staff_directory.staff_overview()
    done = [{"username": e["target"], "successor": e["details"]["successor"], "by": e["actor"],
             "at": e["occurred_at"]} for e in await audit.recorded(action="staff.departure", limit=50)]
    return {"staff": staff, "done": done}


def _shown(summary: dict[str, list[dict[str, str]]]) -> dict[str, list[dict[str, str]]]:
    """The summary with its times in Beijing time, as a page shows them."""
    return {**summary,
            "approvals": [{**a, "since": _from_iso(a["since"])} for a in summary["approvals"]],
            "borrowed": [{**b, "valid_until": _from_iso(b["valid_until"])} for b in summary["borrowed"]]}


async def prepare_departure(*, ctx: AppContext, actor: Actor, username: str) -> dict[str, Any]:
    """One person's departure page: who they are, what they would hand over, to whom it may go, what was done."""
    require(actor, "staff.departure")
    leaving = await _person(username, field="username")
    successors = await staff_directory.active_colleagues(role=leaving["role"], excluding_staff_id=leaving["id"])
    event = await _last_departure(leaving["username"])
    handed_over = None
    if event is not None:
        handed_over = {"successor": event["details"]["successor"], "by": event["actor"], "at": event["occurred_at"]}
    return {
        "person": {"username": leaving["username"], "display_name": leaving["display_name"], "role": leaving["role"],
                   "active": leaving["active"], "branch": leaving["branch.code"]},
        "plan": _shown(_summary(await _open_work(leaving, ctx.now()))),
        "successors": successors,
        "handed_over": handed_over,
        "own_account": leaving["id"] == actor.staff_id,
    }


async def depart(*, ctx: AppContext, actor: Actor, username: str, successor: str, origin: Origin) -> dict[str, Any]:
    require(actor, "staff.departure")
    if not (successor or "").strip():
        raise SuccessorInvalid("请选择接收人 / Choose the successor", field="successor")
    now = ctx.now()
    async with db.unit_of_work(ctx.engine):
        leaving = await _person(username, field="username")
        heir = await _person(successor, field="successor")
        if not leaving["active"]:
            raise AlreadyLeft(f"{username} 的账号已停用 / {username} has already been disabled", field="username")
        if leaving["id"] == actor.staff_id:
            raise SuccessorInvalid("不能为本人办理离职交接 / You cannot hand over your own work", field="username")
        if heir["id"] == leaving["id"] or not heir["active"] or heir["role"] != leaving["role"]:
            raise SuccessorInvalid(
                "接收人须为在职、同一岗位的另一名员工 / The successor must be another active colleague in the same role",
                field="successor",
            )
        work = await _open_work(leaving, now)
        summary = _summary(work)
        # The same rules that listed the work (in this transaction) decide what moves.
        await customers.reassign_customers(from_staff_id=leaving["id"], to_staff_id=heir["id"])
        await reassignment.reassign_drafter(from_staff_id=leaving["id"], to_staff_id=heir["id"])
        await AccessRequest.update({AccessRequest.valid_until: now}).where(
            AccessRequest.id.is_in([g["id"] for g in work["borrowed"]] or [0]))
        await deactivate(staff_id=leaving["id"], now=now)
        await audit.append(ctx=ctx, action="staff.departure", actor=actor.username, origin=origin,
                           target=leaving["username"], details={"successor": heir["username"], **summary})
    ctx.session_cache.forget_staff(leaving["id"])
    return {"username": leaving["username"], "successor": heir["username"], **summary}


def _from_iso(text: str) -> str:
    return _local(dt.datetime.fromisoformat(text)) if text else ""


async def departure_list_pdf(*, ctx: AppContext, actor: Actor, username: str) -> bytes:
    """交接清单, printed from the departure's audit event (the durable record of what was handed over)."""
    require(actor, "staff.departure")
    leaving = await _person(username, field="username")
    event = await _last_departure(leaving["username"])
    if event is None:
        raise NotFound(f"{username} 没有离职交接记录 / No departure handover for {username}", field="username",
                       code="departure.not_found")
    details = event["details"]
    heir = await _person(details["successor"], field="successor")
    role = ROLE_LABELS.get(leaving["role"], (leaving["role"], ""))[0]
    document = DepartureList(
        company_name=ctx.settings.company_name, handover_no=f"JJ-{event['seq']}",
        leaving_person=f"{leaving['display_name']}（{leaving['username']}） {role}",
        successor=f"{heir['display_name']}（{heir['username']}）", supervisor=event["actor"] or "",
        handover_date=_local(event["occurred_at"], "%Y-%m-%d"),
        printed_by=f"{actor.display_name}（{actor.username}）", printed_at=_local(ctx.now()),
        customers=tuple(DepartureCustomerLine(account_no=c["account_no"], name=c["name"],
                                              status_label=CUSTOMER_STATUS_LABELS.get(c["status"], (c["status"],))[0])
                        for c in details["customers"]),
        contracts=tuple(DepartureContractLine(contract_no=c["contract_no"], customer_name=c["customer"],
                                              status_label=CONTRACT_STATUS_LABELS.get(c["status"], (c["status"],))[0])
                        for c in details["contracts"]),
        approvals=tuple(PendingApprovalLine(subject=f"合同 {a['contract_no']}", step_label=f"第 {a['step']} 步",
                                            submitted_at=_from_iso(a["since"])) for a in details["approvals"]),
        borrowed=tuple(BorrowedArchiveLine(archive_no=b["archive_no"], request_no=b["request_no"],
                                           valid_until=_from_iso(b["valid_until"])) for b in details["borrowed"]),
        note="查(借)阅授权已于交接时收回 / Lookup grants ended at the handover",
    )
    return render_departure_list(departure_list=document, font_path=ctx.settings.cjk_font_path)

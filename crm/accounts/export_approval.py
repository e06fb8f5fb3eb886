"""A full customer export only after another person approves it (R-PM-02; issue 14 finding 4).

Every ID number, phone and address of a branch (or of the company) in one file is the most
valuable thing to leak, so the person who needs it files a request with the reason and the
scope (`crm export request-full`), the general manager approves it in the approval inbox like
any grant (crm.staff.grants; never the requester), and the requester then runs the export once,
within ``VALID_FOR`` of the approval, with exactly the approved scope (`crm export customers
--full --approval N`). The reason audited with the export is the one that was approved.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from crm import db
from crm.common.reasons import clean_reason
from crm.context import AppContext, Origin
from crm.staff import grants
from crm.staff.access import Actor, require, require_reveal

__all__ = ["FULL_EXPORT", "VALID_FOR", "request_full_export"]

FULL_EXPORT = "customer.full_export"
# Long enough to run it the same working day, short enough that an approval does not lie around.
VALID_FOR = dt.timedelta(hours=24)

# The fields a full export opens: every one must be revealable by the requester.
FULL_FIELDS = ("id_number", "phone", "contact_phone", "address_detail")


def check_may_export_full(actor: Actor) -> None:
    require(actor, "customer.read")
    for field in FULL_FIELDS:
        require_reveal(actor=actor, field=field)


async def request_full_export(
    *, ctx: AppContext, actor: Actor, reason: str, branch: str | None, status: str | None, origin: Origin
) -> dict[str, Any]:
    """File the request; the scope is checked now so the approver decides on what will run."""
    check_may_export_full(actor)
    reason = clean_reason(value=reason, purpose="full_export")
    # The scope's own checks (branch known and in the requester's scope, status known) are the
    # export's: importing them here would make the two disagree the day one changes.
    from crm.accounts.export import check_scope

    scope = await check_scope(ctx=ctx, actor=actor, branch=branch, status=status)
    async with db.unit_of_work(ctx.engine):
        return await grants.file_request(
            ctx=ctx, actor=actor, kind=FULL_EXPORT, subject=actor.username, origin=origin,
            payload={"username": actor.username, "reason": reason, "branch": scope.branch, "status": scope.status},
        )


async def _nothing_to_apply(*, ctx: AppContext, payload: dict[str, Any], now: dt.datetime) -> None:
    # The approval is a one-time permission: the export spends it (grants.use_approval).
    return None


def _describe(p: dict[str, Any]) -> tuple[str, str]:
    scope_zh = f"网点 {p['branch']}" if p.get("branch") else "本人可见的全部网点"
    scope_en = f"branch {p['branch']}" if p.get("branch") else "every branch the requester sees"
    status = f"，状态 {p['status']}" if p.get("status") else ""
    status_en = f", status {p['status']}" if p.get("status") else ""
    return (f"{p['username']} 申请完整导出用户信息（{scope_zh}{status}），事由：{p['reason']}",
            f"{p['username']} asks for a full customer export ({scope_en}{status_en}); reason: {p['reason']}")


grants.register_kind(grants.GrantKind(
    kind=FULL_EXPORT, label=("完整导出用户信息", "Full customer export"), request_capabilities=("customer.reveal",),
    apply=_nothing_to_apply, describe=_describe,
))

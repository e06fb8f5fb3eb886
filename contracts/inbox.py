"""The approval inbox (审批待办): steps waiting for the actor's role in their scope, oldest first.

A step counts as overdue once it has waited longer than its role's configured number of days
(Settings.approval_overdue_days). Contracts the actor drafted are left out: they may not
decide them (R-CT-10), so they are not waiting for them.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from contracts import schemas
from contracts.approval import REASON_LABELS
from contracts.tables import ApprovalStep
from crm import db
from crm.accounts import directory as customers
from crm.common.labels import label
from crm.context import AppContext
from crm.staff.access import Actor, can

PAGE_SIZE = 50


def _mine(actor: Actor):
    where = (
        (ApprovalStep.role == actor.role)
        & (ApprovalStep.status == "pending")
        & (ApprovalStep.drafter != actor.staff_id)
    )
    if not actor.all_branches:
        where = where & (ApprovalStep.branch == actor.branch_id)
    return where


def _cutoff(ctx: AppContext, role: str, now: dt.datetime) -> dt.datetime:
    return now - dt.timedelta(days=ctx.settings.overdue_days(role))


def waiting_count_query(*, actor: Actor):
    """The navigation badge's count, as a query the page runs with the other badges (crm.db.counts).

    None for roles that decide nothing: nothing waits for them.
    """
    if not can(actor, "contract.decide"):
        return None
    return ApprovalStep.count().where(_mine(actor))


async def waiting_count(*, ctx: AppContext, actor: Actor) -> int:
    """The badge's count on its own; 0 for roles that decide nothing."""
    query = waiting_count_query(actor=actor)
    return 0 if query is None else await query


def _item(
    row: dict[str, Any], *, customer: dict[str, Any], branch: str | None, drafted_by: str | None,
    cutoff: dt.datetime, now: dt.datetime, allowed_days: int,
) -> schemas.InboxItem:
    reasons = [r for r in (row["reasons"] or "").split(",") if r]
    since = row["pending_since"]
    waited = max(0, (now - since).days)
    return schemas.InboxItem(
        contract_no=row["contract.contract_no"],
        type=row["contract.contract_type.code"],
        type_label=row["contract.contract_type.name_zh"],
        account_no=customer.get("account_no"),
        customer_name=customer.get("name"),
        branch=branch,
        amount_fen=row["contract.amount_fen"],
        step=row["seq"],
        role=row["role"],
        reasons=reasons,
        reason_labels=[label(REASON_LABELS.get(r)) for r in reasons],
        drafted_by=drafted_by,
        pending_since=since,
        overdue=since < cutoff,
        waiting_days=waited,
        allowed_days=allowed_days,
        overdue_days=max(1, waited - allowed_days) if since < cutoff else 0,
    )


async def inbox(*, ctx: AppContext, actor: Actor, page: int = 1) -> schemas.Inbox:
    if not can(actor, "contract.decide"):
        return schemas.Inbox(items=[], total=0, overdue=0)
    now = ctx.now()
    cutoff = _cutoff(ctx, actor.role, now)
    where = _mine(actor)
    async with db.read_only(ctx.engine):
        # Only contracts' own tables here, so the (role, status, pending_since) index serves the
        # page; the customer (one query for the page), branch and drafter are read by id after.
        rows = await ApprovalStep.select(
            ApprovalStep.seq, ApprovalStep.role, ApprovalStep.reasons, ApprovalStep.pending_since, ApprovalStep.branch,
            ApprovalStep.contract.contract_no, ApprovalStep.contract.contract_type.code,
            ApprovalStep.contract.contract_type.name_zh, ApprovalStep.contract.customer,
            ApprovalStep.contract.amount_fen, ApprovalStep.contract.drafted_by,
        ).where(where).order_by(ApprovalStep.pending_since).order_by(ApprovalStep.id).limit(PAGE_SIZE).offset(
            (max(1, page) - 1) * PAGE_SIZE)
        total = await ApprovalStep.count().where(where)
        overdue = await ApprovalStep.count().where(where & (ApprovalStep.pending_since < cutoff))
        people = await customers.customers_by_id(customer_ids=[r["contract.customer"] for r in rows])
        drafters = await ctx.staff_names.usernames(r["contract.drafted_by"] for r in rows)
    codes = await ctx.branches.codes(r["branch"] for r in rows)
    allowed = ctx.settings.overdue_days(actor.role)
    return schemas.Inbox(
        items=[_item(r, customer=people.get(r["contract.customer"], {}), branch=codes.get(r["branch"]),
                     drafted_by=drafters.get(r["contract.drafted_by"]), cutoff=cutoff, now=now, allowed_days=allowed)
               for r in rows],
        total=total, overdue=overdue,
    )

"""Exporting the customer list as CSV (`crm export customers`; R-PM-01..03, R-PM-05).

Masked by default, exactly as the API shows customers. Full values only for an actor whose
role may reveal every sensitive field, once, as another person approved it
(crm.accounts.export_approval: the approved scope and reason); either way one audit event
records who took which customers out, because a bulk list is the most valuable thing to leak.

Rows are streamed in keyset pages over ``Customer.id`` so memory stays flat for a million
customers; nothing is written until every check has passed, so a refusal leaves the output
untouched.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from typing import Any, Callable, TextIO

from crm.accounts.lifecycle import STATUSES
from crm.accounts.sealed_fields import SENSITIVE, open_value
from crm.accounts.tables import Customer
from crm.audit import service as audit
from crm.common.csv_writer import CsvWriter
from crm.common.reasons import clean_reason
from crm.context import AppContext, Origin
from crm.errors import InvalidInput, PermissionDenied
from crm import db
from crm.accounts.export_approval import FULL_EXPORT, VALID_FOR, check_may_export_full
from crm.staff import grants
from crm.staff.access import Actor, in_scope, require

__all__ = [
    "COLUMNS",
    "DEFAULT_PAGE_SIZE",
    "BranchOutOfScope",
    "ExportReport",
    "UnknownExportBranch",
    "UnknownExportStatus",
    "export_customers",
]

log = logging.getLogger("crm.export")

# The importer accepts the same names (and ignores account_no, status, opened_at), so a full
# export of one database loads into another. Order and spelling are a contract.
COLUMNS = (
    "account_no",
    "category",
    "name",
    "id_type",
    "id_number",
    "phone",
    "contact_name",
    "contact_phone",
    "province",
    "city",
    "district",
    "street",
    "detail",
    "branch",
    "delivery_notice_no",
    "acceptance_drawing_no",
    "status",
    "opened_at",
)

# CSV column -> (field name the access rules know, sealed column, masked column). The sealed
# column comes from the service's own table so a rename there cannot silently desynchronise.
_SENSITIVE_COLUMNS = {
    "id_number": ("id_number", SENSITIVE["id_number"][0], "id_number_masked"),
    "phone": ("phone", SENSITIVE["phone"][0], "phone_masked"),
    "contact_phone": ("contact_phone", SENSITIVE["contact_phone"][0], "contact_phone_masked"),
    "detail": ("address_detail", SENSITIVE["address_detail"][0], "detail_masked"),
}
_PLAIN_COLUMNS = (
    "account_no", "category", "name", "id_type", "contact_name", "province", "city", "district",
    "street", "delivery_notice_no", "acceptance_drawing_no", "status", "opened_at",
)

DEFAULT_PAGE_SIZE = 1000
AUDIT_TARGET = "export:customers"


class UnknownExportBranch(InvalidInput):
    code = "export.unknown_branch"

    def __init__(self, message: str, *, field: str | None = "branch", code: str | None = None) -> None:
        super().__init__(message, field=field, code=code)


class BranchOutOfScope(PermissionDenied):
    """A clerk asked for another branch's customers (R-PM-03): refused, not silently emptied."""

    code = "export.branch_out_of_scope"


class UnknownExportStatus(InvalidInput):
    code = "export.unknown_status"

    def __init__(self, message: str, *, field: str | None = "status", code: str | None = None) -> None:
        super().__init__(message, field=field, code=code)


class ScopeNotApproved(InvalidInput):
    """A full export runs with the approved scope and reason, not with new ones."""

    code = "export.scope_not_approved"


@dataclass(frozen=True)
class ExportReport:
    rows: int
    full: bool
    branch: str | None
    status: str | None
    audit_seq: int


@dataclass(frozen=True)
class _Plan:
    """What an authorised export reads: the checks' result, so no query is built before them."""

    full: bool
    reason: str | None
    branch: str | None
    status: str | None
    conditions: tuple[Any, ...]
    approval: int | None = None


async def export_customers(
    *,
    ctx: AppContext,
    actor: Actor,
    out: TextIO,
    origin: Origin,
    full: bool = False,
    reason: str | None = None,
    approval: int | None = None,
    branch: str | None = None,
    status: str | None = None,
    destination: str = "stream",
    page_size: int = DEFAULT_PAGE_SIZE,
    on_progress: Callable[[int, int], None] | None = None,
) -> ExportReport:
    """Write the customers ``actor`` may see to ``out`` as CSV; one audit event either way.

    ``out`` must be a text stream that encodes UTF-8 and was opened with ``newline=""``; the
    BOM, quoting and formula neutralising are crm.common.csv_writer's. ``on_progress`` gets
    (rows written, rows expected) after each page.
    """
    if page_size < 1:
        raise ValueError(f"page_size must be at least 1, got {page_size}")
    try:
        plan = await _authorise(ctx=ctx, actor=actor, full=full, reason=reason, approval=approval, branch=branch,
                                status=status)
    except PermissionDenied as error:
        await audit.record_denial(
            ctx=ctx, username=actor.username, origin=origin, code=error.code, target=AUDIT_TARGET,
            details={"full": full, "branch": branch, "status": status},
        )
        raise

    written = 0
    details: dict[str, Any] = {
        "mode": "full" if plan.full else "masked",
        "branch": plan.branch,
        "status": plan.status,
        "scope": "all" if actor.all_branches else actor.branch_code,
        "destination": destination,
    }
    if plan.reason:
        details["reason"] = plan.reason
    if plan.approval is not None:
        details["approval"] = plan.approval
    action = "customer.export_full" if plan.full else "customer.export"
    try:
        count = Customer.count()
        for condition in plan.conditions:
            count = count.where(condition)
        expected = await count
        writer = CsvWriter(out, header=COLUMNS)
        async for rows in _pages(plan, page_size=page_size):
            # From memory: a page names a handful of branches, and joining them would cost every row.
            branch_codes = await ctx.branches.codes(r["branch"] for r in rows)
            for row in rows:
                writer.writerow(_csv_row(ctx, row, full=plan.full, branch_codes=branch_codes))
                # Counted row by row: an interrupted export's audit event says how far it got.
                written += 1
            if on_progress is not None:
                on_progress(written, max(expected, written))
        out.flush()
    except BaseException as error:
        # Rows may already be out (stdout, a pipe): an interrupted export is recorded too.
        try:
            await audit.append_alone(
                ctx=ctx, action=action, actor=actor.username, origin=origin, outcome="failure",
                target=AUDIT_TARGET, details={**details, "rows": written, "error": type(error).__name__},
            )
        except Exception:
            log.exception("could not audit an interrupted customer export")
        raise
    seq = await audit.append_alone(
        ctx=ctx, action=action, actor=actor.username, origin=origin, target=AUDIT_TARGET,
        details={**details, "rows": written},
    )
    return ExportReport(rows=written, full=plan.full, branch=plan.branch, status=plan.status, audit_seq=seq)


async def _authorise(
    *, ctx: AppContext, actor: Actor, full: bool, reason: str | None, approval: int | None, branch: str | None,
    status: str | None,
) -> _Plan:
    # The same service-layer checks as reading and revealing one customer, in the same order.
    require(actor, "customer.read")
    if not full:
        # A masked export may say why, within the bounds of any reason.
        reason = clean_reason(value=reason, purpose="full_export", required=False)
        scope = await check_scope(ctx=ctx, actor=actor, branch=branch, status=status)
        return _Plan(full=False, reason=reason, branch=scope.branch, status=scope.status, conditions=_conditions(actor, scope))
    check_may_export_full(actor)
    if reason:
        raise ScopeNotApproved("完整导出的事由以批准的申请为准，无需再填 / A full export's reason is the approved "
                               "request's: leave --reason out", field="reason")
    # Full values only as approved by another person, once (crm.accounts.export_approval): the
    # approved scope and reason, spent in this transaction so two runs cannot share it.
    async with db.unit_of_work(ctx.engine):
        approved = await grants.use_approval(ctx=ctx, actor=actor, kind=FULL_EXPORT, grant_id=approval, valid_for=VALID_FOR)
        # Refused here, the approval is not spent: the transaction rolls back.
        for name, asked in (("branch", branch), ("status", status)):
            if (asked or "").strip() and (asked or "").strip() != (approved[name] or ""):
                raise ScopeNotApproved(
                    f"批准的范围是 {name}={approved[name] or '全部'} / The approved scope is {name}={approved[name] or 'all'}",
                    field=name,
                )
        scope = await check_scope(ctx=ctx, actor=actor, branch=approved["branch"], status=approved["status"])
    return _Plan(full=True, reason=approved["reason"], branch=scope.branch, status=scope.status,
                 conditions=_conditions(actor, scope), approval=approval)


@dataclass(frozen=True)
class ExportScope:
    branch: str | None
    branch_id: int | None
    status: str | None


async def check_scope(*, ctx: AppContext, actor: Actor, branch: str | None, status: str | None) -> ExportScope:
    """The branch (in the actor's scope) and status an export is limited to, checked; None for all."""
    code = (branch or "").strip() or None
    ref = None
    if code is not None:
        ref = await ctx.branches.by_code(code)
        if ref is None:
            raise UnknownExportBranch(f"营业网点 {code} 不存在 / Unknown branch {code}")
        if not in_scope(actor, ref.id):
            raise BranchOutOfScope(
                f"只能导出本人所属营业网点（{actor.branch_code}）的用户 / "
                f"You may export only your own branch's customers ({actor.branch_code}), not {code}",
                field="branch",
            )
    wanted = (status or "").strip() or None
    if wanted is not None and wanted not in STATUSES:
        raise UnknownExportStatus(f"未知状态 {wanted} / Unknown status {wanted}: one of {', '.join(STATUSES)}")
    return ExportScope(branch=code, branch_id=ref.id if ref else None, status=wanted)


def _conditions(actor: Actor, scope: ExportScope) -> tuple[Any, ...]:
    conditions: list[Any] = []
    if not actor.all_branches:
        conditions.append(Customer.branch == actor.branch_id)
    if scope.branch_id is not None:
        conditions.append(Customer.branch == scope.branch_id)
    if scope.status is not None:
        conditions.append(Customer.status == scope.status)
    return tuple(conditions)


async def _pages(plan: _Plan, *, page_size: int):
    """Keyset pages (id > last ORDER BY id LIMIT n): each query costs the same however deep."""
    # A masked export never even fetches the sealed values.
    kind = 1 if plan.full else 2
    columns = [Customer.id, Customer.branch]
    columns += [getattr(Customer, name) for name in _PLAIN_COLUMNS]
    columns += [getattr(Customer, spec[kind]) for spec in _SENSITIVE_COLUMNS.values()]
    async for rows in db.keyset_pages(columns=columns, key=Customer.id, conditions=plan.conditions, page_size=page_size):
        yield rows


def _csv_row(ctx: AppContext, row: dict[str, Any], *, full: bool, branch_codes: dict[int, str]) -> list[str]:
    values: dict[str, str] = {name: _text(row[name]) for name in _PLAIN_COLUMNS}
    values["opened_at"] = _timestamp(row["opened_at"])
    values["branch"] = branch_codes[row["branch"]]
    for column, (_field, sealed, masked) in _SENSITIVE_COLUMNS.items():
        if full:
            token = row[sealed]
            values[column] = open_value(ctx, column=sealed, account_no=row["account_no"], token=token) or ""
        else:
            values[column] = _text(row[masked])
    return [values[name] for name in COLUMNS]


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def _timestamp(value: Any) -> str:
    # ISO 8601 in UTC with its offset: unambiguous for a machine, whatever the reader's zone.
    if isinstance(value, dt.datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=dt.timezone.utc)
        return value.astimezone(dt.timezone.utc).isoformat()
    return _text(value)

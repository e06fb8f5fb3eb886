"""A departing drafter's contracts (离职交接, R-ST-05): what they leave open, and handing it on.

`archives.departure` runs the departure; the contract rows and the rule of which contracts
are still in progress stay here (ARCHITECTURE.md: each package owns its rows). Reads return
plain dicts without permission checks (the departure use case checks); the write runs inside
the caller's unit of work.
"""

from __future__ import annotations

from typing import Any

from contracts import lifecycle
from contracts.tables import ApprovalStep, Contract
from crm import db
from crm.accounts import directory as customers


def _in_progress_of(staff_id: int) -> Any:
    return (Contract.drafted_by == staff_id) & Contract.status.is_in(list(lifecycle.IN_PROGRESS_STATUSES))


async def open_contracts_drafted_by(*, staff_id: int) -> list[dict[str, Any]]:
    """id, contract_no, status and customer_name of each contract still in progress, oldest first."""
    rows = await Contract.select(Contract.id, Contract.contract_no, Contract.status, Contract.customer).where(
        _in_progress_of(staff_id)).order_by(Contract.id)
    people = await customers.customers_by_id(customer_ids=[r["customer"] for r in rows])
    return [{"id": r["id"], "contract_no": r["contract_no"], "status": r["status"],
             "customer_name": people[r["customer"]]["name"]} for r in rows]


async def pending_steps_for_role(*, role: str, branch_id: int | None) -> list[dict[str, Any]]:
    """Approval steps waiting for a holder of ``role`` (in one branch, or all when None), longest waiting first.

    seq, role, pending_since and the contract's contract_no.
    """
    query = ApprovalStep.select(
        ApprovalStep.seq, ApprovalStep.role, ApprovalStep.pending_since, ApprovalStep.contract.contract_no,
    ).where((ApprovalStep.role == role) & (ApprovalStep.status == "pending"))
    if branch_id is not None:
        query = query.where(ApprovalStep.branch == branch_id)
    rows = await query.order_by(ApprovalStep.pending_since)
    return [{"seq": r["seq"], "role": r["role"], "pending_since": r["pending_since"],
             "contract_no": r["contract.contract_no"]} for r in rows]


async def reassign_drafter(*, from_staff_id: int, to_staff_id: int) -> list[int]:
    """The contracts ``open_contracts_drafted_by`` lists pass to the successor; their ids.

    The successor also becomes the drafter on their undecided approval steps, so R-CT-10 keeps
    them from deciding those; decided steps keep who drafted at the time. Conditional UPDATEs:
    a contract finished meanwhile stays with its drafter.
    """
    async with db.unit_of_work(Contract._meta.db):
        moved = await Contract.update({Contract.drafted_by: to_staff_id}).where(
            _in_progress_of(from_staff_id)).returning(Contract.id)
        ids = sorted(r["id"] for r in moved)
        if ids:
            await ApprovalStep.update({ApprovalStep.drafter: to_staff_id}).where(
                ApprovalStep.contract.is_in(ids) & ApprovalStep.status.is_in(list(lifecycle.UNDECIDED_STEP_STATUSES)))
    return ids

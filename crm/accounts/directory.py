"""Customers as other packages read them, and the customer rows a departure changes.

The one place outside `crm.accounts` goes for customers besides the use cases of
`crm.accounts.service` (ARCHITECTURE.md: each package owns its rows): contracts and archives
never query the customer tables themselves. Reads return plain dicts and check no
permissions (the calling use case does); writes run inside the caller's unit of work.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from crm import db
from crm.accounts.tables import Customer

_SUMMARY = (Customer.id, Customer.account_no, Customer.name, Customer.category, Customer.status, Customer.branch)


async def customer_id_by_account_no(*, account_no: str) -> int | None:
    row = await Customer.select(Customer.id).where(Customer.account_no == account_no).first()
    return row["id"] if row else None


async def customers_by_id(*, customer_ids: Iterable[int]) -> dict[int, dict[str, Any]]:
    """id, account_no, name, category, status and branch (its id) of each customer, in one query."""
    ids = sorted(set(customer_ids))
    if not ids:
        return {}
    return {r["id"]: r for r in await Customer.select(*_SUMMARY).where(Customer.id.is_in(ids))}


async def active_account_nos(*, category: str, branch_id: int, limit: int) -> list[str]:
    """The first ``limit`` active customers of a category in a branch, oldest first (demo data picks from these)."""
    rows = await Customer.select(Customer.account_no).where(
        (Customer.category == category) & (Customer.branch == branch_id) & (Customer.status == "active")
    ).order_by(Customer.id).limit(limit)
    return [r["account_no"] for r in rows]


async def open_customers_of(*, staff_id: int) -> list[dict[str, Any]]:
    """Customers this person opened and is responsible for: every one not closed, oldest first."""
    return await Customer.select(Customer.id, Customer.account_no, Customer.name, Customer.status).where(
        (Customer.created_by == staff_id) & (Customer.status != "closed")).order_by(Customer.id)


async def reassign_customers(*, from_staff_id: int, to_staff_id: int) -> list[int]:
    """离职交接 (R-ST-05): the customers ``open_customers_of`` lists pass to the successor; their ids.

    One conditional UPDATE: a customer closed or handed on meanwhile is left alone.
    """
    async with db.unit_of_work(Customer._meta.db):
        rows = await Customer.update({Customer.created_by: to_staff_id}).where(
            (Customer.created_by == from_staff_id) & (Customer.status != "closed")).returning(Customer.id)
    return sorted(r["id"] for r in rows)

"""What contract rows name in other packages — customer, branch, people — read from their owners by id.

Contract rows keep foreign-key ids. Joining crm.accounts' and crm.staff's tables to show them
would make contracts read rows those packages own (docs/architecture.md), so a page collects
the ids of all its rows and asks once: one customer query per page through
crm.accounts.directory, people and branches from memory (``ctx.staff_names``, ``ctx.branches``).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from crm.accounts import directory as customers
from crm.context import AppContext


async def staff_names(*, ctx: AppContext, staff_ids: Iterable[int | None]) -> dict[int, tuple[str, str]]:
    """(username, display name) of each person; None ids are left out."""
    return {i: (name.username, name.display_name) for i, name in (await ctx.staff_names.of(staff_ids)).items()}


async def with_parties(*, ctx: AppContext, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The contract rows, each given its customer's account_no, name and category and its branch's code.

    Under the keys a join gave them (``customer.account_no``, ``customer.name``,
    ``customer.category``, ``branch.code``), which `contracts.loading.load_for_scope` and
    `contracts.archiving.contracts_by_id` promise their callers. One customer query for all rows.
    """
    if not rows:
        return rows
    people = await customers.customers_by_id(customer_ids=[r["customer"] for r in rows])
    codes = await ctx.branches.codes([r["branch"] for r in rows])
    for row in rows:
        person = people.get(row["customer"], {})
        row["customer.account_no"] = person.get("account_no")
        row["customer.name"] = person.get("name")
        row["customer.category"] = person.get("category")
        row["branch.code"] = codes.get(row["branch"])
    return rows

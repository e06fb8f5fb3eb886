"""Customers as other packages read them, and the customer rows a departure changes.

The one place outside `crm.accounts` goes for customers besides the use cases of
`crm.accounts.service` (ARCHITECTURE.md: each package owns its rows): contracts and archives
never query the customer tables themselves. Reads return plain dicts and check no
permissions (the calling use case does); writes run inside the caller's unit of work.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from piccolo.query.methods.select import Select

from crm import db
from crm.accounts.tables import Customer, Meter
from crm.errors import NotFound
from crm.staff.access import Actor, in_scope

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


class MeterNotFound(NotFound):
    code = "meter.not_found"


async def meter_for_reading(*, serial: str, actor: Actor, lock: bool = True) -> dict[str, Any]:
    """The meter a reading is for, with ``lock`` locked until the caller's unit of work ends (R-BL-02).

    id, serial, customer_id, account_no, customer_status, branch_id, initial_milli and
    installed_date. Another branch's meter answers exactly like a missing one (R-PM-03). The
    row lock serialises readings of one meter: two readings entered at once would otherwise
    both be checked against the same last reading.
    """
    query = Meter.select(
        Meter.id, Meter.serial, Meter.customer, Meter.customer.account_no, Meter.customer.status,
        Meter.customer.branch, Meter.initial_reading_l, Meter.installed_date, Meter.created_at,
    ).where(Meter.serial == (serial or "").strip())
    rows = await (db.locking(query, Meter._meta.db, of=(Meter,)) if lock else query)
    row = rows[0] if rows else None
    if row is None or not in_scope(actor, row["customer.branch"]):
        raise MeterNotFound(f"表具 {serial} 不存在 / Meter {serial} not found", field="serial")
    return {
        "id": row["id"], "serial": row["serial"], "customer_id": row["customer"],
        "account_no": row["customer.account_no"], "customer_status": row["customer.status"],
        "branch_id": row["customer.branch"], "initial_milli": row["initial_reading_l"],
        # A meter registered without an installation date opened on the day it was registered.
        "installed_date": row["installed_date"] or row["created_at"].date(),
    }


async def meters_by_id(*, meter_ids: Iterable[int]) -> dict[int, dict[str, Any]]:
    """serial and account_no of each meter, in one query (no permissions: the caller checked them)."""
    ids = sorted(set(meter_ids))
    if not ids:
        return {}
    rows = await Meter.select(Meter.id, Meter.serial, Meter.customer.account_no).where(Meter.id.is_in(ids))
    return {r["id"]: {"serial": r["serial"], "account_no": r["customer.account_no"]} for r in rows}


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


def _after_prefix(prefix: str) -> str | None:
    """The smallest digit string after every one that starts with ``prefix`` ("119" -> "12"); None for all nines."""
    kept = prefix.rstrip("9")
    return kept[:-1] + str(int(kept[-1]) + 1) if kept else None


def account_prefix_ids(*, prefix: str) -> Select | None:
    """The ids of customers whose account number starts with ``prefix``, as a sub-select.

    A sibling package filters its rows by it (``Contract.customer.is_in(query)``) in one
    statement, however many customers match, while the query over crm.accounts' table stays
    written here. None when no account number can start so: an account number is ASCII digits
    only (crm.accounts.account_numbers), so any other text, the empty prefix included, starts
    none. A digit prefix is a range of the unique account-number index, served on both engines:
    LIKE would fold case and skip the index on SQLite and need a pattern index on PostgreSQL
    (see ``service._name_prefix``). Digits sort alike under every collation, so the range holds
    exactly the numbers with that prefix.
    """
    if not (prefix.isascii() and prefix.isdigit()):
        return None
    query = Customer.select(Customer.id).where(Customer.account_no >= prefix)
    after = _after_prefix(prefix)
    if after is not None:
        query = query.where(Customer.account_no < after)
    return query

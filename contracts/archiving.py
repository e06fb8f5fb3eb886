"""Contracts as the archive reads them, and the one change it makes to them: `archived`.

`archives` never queries the contract tables itself (ARCHITECTURE.md: each package owns its
rows); it comes here, and the lifecycle rule of which contracts may be archived stays with
contracts. Reads take ids or numbers and return plain dicts, batched (one query per call, not
per contract), without permission checks: the calling use case has made them. The write runs
inside the caller's unit of work, so the archive record and the status commit together.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any

from contracts import lifecycle
from contracts.loading import CONTRACT_COLUMNS
from contracts.parties import with_parties
from contracts.tables import Contract
from crm import db
from crm.accounts import directory as customers
from crm.context import AppContext


async def contracts_by_id(*, ctx: AppContext, contract_ids: Sequence[int]) -> list[dict[str, Any]]:
    """Full rows (as `contracts.loading.load_for_scope` returns them), in the order asked."""
    if not contract_ids:
        return []
    rows = await Contract.select(*CONTRACT_COLUMNS).where(Contract.id.is_in(list(contract_ids)))
    by_id = {r["id"]: r for r in await with_parties(ctx=ctx, rows=rows)}
    return [by_id[i] for i in contract_ids if i in by_id]


async def contract_labels(*, contract_ids: Iterable[int]) -> dict[int, dict[str, Any]]:
    """What an archive record shows of its contract: contract_no, type (code), account_no, customer_name.

    Two queries whatever the number of contracts (the contracts, then their customers).
    """
    ids = sorted(set(contract_ids))
    if not ids:
        return {}
    rows = await Contract.select(Contract.id, Contract.contract_no, Contract.contract_type.code, Contract.customer).where(
        Contract.id.is_in(ids))
    people = await customers.customers_by_id(customer_ids=[r["customer"] for r in rows])
    return {r["id"]: {"contract_no": r["contract_no"], "type": r["contract_type.code"],
                      "account_no": people[r["customer"]]["account_no"], "customer_name": people[r["customer"]]["name"]}
            for r in rows}


async def contract_ids_by_number(*, contract_nos: Iterable[str]) -> dict[str, int]:
    numbers = sorted(set(contract_nos))
    if not numbers:
        return {}
    rows = await Contract.select(Contract.id, Contract.contract_no).where(Contract.contract_no.is_in(numbers))
    return {r["contract_no"]: r["id"] for r in rows}


async def contract_ids_of_customers(*, customer_ids: Iterable[int]) -> list[int]:
    ids = sorted(set(customer_ids))
    if not ids:
        return []
    return [r["id"] for r in await Contract.select(Contract.id).where(Contract.customer.is_in(ids))]


async def finished_contracts(*, branch_id: int) -> list[dict[str, Any]]:
    """The branch's contracts that may go to the archive, oldest first: contract_no and type (code)."""
    rows = await Contract.select(Contract.contract_no, Contract.contract_type.code).where(
        Contract.status.is_in(list(lifecycle.ARCHIVABLE_STATUSES)) & (Contract.branch == branch_id)
    ).order_by(Contract.id)
    return [{"contract_no": r["contract_no"], "type": r["contract_type.code"]} for r in rows]


async def mark_archived(*, contract_ids: Sequence[int], now: dt.datetime) -> None:
    """Move these contracts to `archived` (accepted by the archive), all of them or none.

    One conditional UPDATE: a contract that is not finished — or has moved on since the caller
    read it, or is archived already — is not touched, and then nothing is: NotArchivable rolls
    the caller's unit of work back.
    """
    wanted = set(contract_ids)
    if not wanted:
        return
    async with db.unit_of_work(Contract._meta.db):
        done = await Contract.update({
            Contract.status: "archived", Contract.version: Contract.version + 1, Contract.updated_at: now,
        }).where(Contract.id.is_in(sorted(wanted)) & Contract.status.is_in(list(lifecycle.ARCHIVABLE_STATUSES))).returning(
            Contract.id)
        refused = wanted - {r["id"] for r in done}
        if refused:
            rows = await Contract.select(Contract.contract_no, Contract.status).where(Contract.id.is_in(sorted(refused)))
            listing = ", ".join(f"{r['contract_no']} ({r['status']})" for r in rows)
            raise lifecycle.NotArchivable(
                f"只有履行完毕或已终止的合同才能归档：{listing} / Only fulfilled or terminated contracts can be archived: "
                f"{listing}",
                field="contract_nos",
            )

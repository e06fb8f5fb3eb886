"""Finding a contract the acting staff member may see (R-PM-03), for every contracts module."""

from __future__ import annotations

from typing import Any

from contracts.parties import with_parties
from contracts.tables import Contract
from crm import db
from crm.context import AppContext
from crm.errors import NotFound
from crm.staff.access import Actor, in_scope


class ContractNotFound(NotFound):
    code = "contract.not_found"


# Contracts' own tables only: the customer and branch rows belong to crm.accounts and crm.staff,
# so parties.with_parties adds what a contract shows of them, by id.
CONTRACT_COLUMNS = (
    *Contract.all_columns(),
    Contract.contract_type.code,
    Contract.contract_type.name_zh,
    Contract.contract_type.name_en,
)


async def load_for_scope(*, ctx: AppContext, actor: Actor, contract_no: str, lock: bool = False) -> dict[str, Any]:
    """The contract, locked for update when asked; another branch's is indistinguishable from none.

    With its customer's account_no, name and category and its branch's code (parties.with_parties).
    """
    query = Contract.select(*CONTRACT_COLUMNS).where(Contract.contract_no == (contract_no or "").strip())
    row = await (db.locking(query, ctx.engine, of=(Contract,)) if lock else query).first()
    if row is None or not in_scope(actor, row["branch"]):
        raise ContractNotFound(f"合同 {contract_no} 不存在 / Contract {contract_no} not found", field="contract_no")
    return (await with_parties(ctx=ctx, rows=[row]))[0]

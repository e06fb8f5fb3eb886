"""Contract pages read customers, branches and people by id from their owners (docs/architecture.md).

The contract list's search by the start of an account number finds the same contracts a join
on the customer table found, and the inbox and the list cost the same statements however many
rows they show: one customer query per page, people and branches from memory.
"""

from __future__ import annotations

from contracts import inbox, service
from contracts.tables import Contract
from crm.seed import actor_for
from tests.integration.contracts.conftest import installation
from tests.statements import counting_statements


async def _draft(client, headers, account_no: str) -> str:
    response = await client.post("/api/v1/contracts", json=installation(account_no), headers=headers)
    assert response.status_code == 201, response.text
    return response.json()["contract_no"]


async def _as_the_join_found_them(actor, *, query: str | None = None, account_no: str | None = None) -> list[str]:
    """The list's filter as it was written before, through the customer table, newest first."""
    select = Contract.select(Contract.contract_no)
    if not actor.all_branches:
        select = select.where(Contract.branch == actor.branch_id)
    if account_no:
        select = select.where(Contract.customer.account_no == account_no)
    if query:
        select = select.where(Contract.contract_no.like(f"{query}%") | Contract.customer.account_no.like(f"{query}%"))
    return [r["contract_no"] for r in await select.order_by(Contract.id, ascending=False)]


class TestSearchByAccountNumber:
    async def test_a_prefix_of_the_account_number_lists_the_same_contracts_as_the_join(
        self, client, as_role, open_customer, price_standard, ctx
    ):
        await price_standard()
        east, west = await as_role("frontdesk"), await as_role("frontdesk2")
        # Eleven customers in DC (sequences 1–11 cross 9 → 10), one of them without a contract and
        # one with two; two in XC.
        dc = [await open_customer("residential") for _ in range(11)]
        xc = [await open_customer("residential", by="frontdesk2") for _ in range(2)]
        for account_no in [*dc[:10], dc[3]]:
            await _draft(client, east, account_no)
        for account_no in xc:
            await _draft(client, west, account_no)
        prefixes = sorted({no[:k] for no in dc + xc for k in range(1, 12)} | {
            "110000000", "110000001", "1100000009", "119", "9", "HT", "HT-XC", "HT-DC-2026-0001"})

        for username in ("market", "frontdesk", "frontdesk2"):
            actor = await actor_for(username=username)
            for prefix in prefixes:
                page = await service.list_contracts(ctx=ctx, actor=actor, query=prefix)

                expected = await _as_the_join_found_them(actor, query=prefix)
                assert ([c.contract_no for c in page.items], page.total) == (expected, len(expected)), (username, prefix)
            for account_no in [*dc, *xc, "11000000000"]:
                page = await service.list_contracts(ctx=ctx, actor=actor, account_no=account_no)

                expected = await _as_the_join_found_them(actor, account_no=account_no)
                assert [c.contract_no for c in page.items] == expected, (username, account_no)

        everything = await service.list_contracts(ctx=ctx, actor=await actor_for(username="market"), query="11")
        assert everything.total == 11 and {c.account_no for c in everything.items} == set(dc[:10])
        two = await service.list_contracts(ctx=ctx, actor=await actor_for(username="market"), query=dc[3])
        assert [(c.account_no, c.branch, c.drafted_by) for c in two.items] == [(dc[3], "DC", "frontdesk")] * 2


class TestStatementsPerPage:
    async def test_the_inbox_costs_the_same_statements_for_one_row_as_for_many(
        self, client, as_role, open_customer, price_standard, ctx
    ):
        await price_standard()
        east, west = await as_role("frontdesk"), await as_role("frontdesk2")
        market = await actor_for(username="market")

        async def submitted(headers, by: str) -> None:
            no = await _draft(client, headers, await open_customer("commercial", by=by))
            assert (await client.post(f"/api/v1/contracts/{no}/submit", headers=headers)).status_code == 200

        async def measured() -> tuple[list[str], int]:
            await inbox.inbox(ctx=ctx, actor=market)  # people and branches are in memory from here on
            with counting_statements(ctx.engine) as statements:
                page = await inbox.inbox(ctx=ctx, actor=market)
            return statements, len(page.items)

        await submitted(east, "frontdesk")
        one, one_row = await measured()
        for headers, by in ((east, "frontdesk"), (west, "frontdesk2"), (west, "frontdesk2"), (east, "frontdesk")):
            await submitted(headers, by)
        many, rows = await measured()

        assert (one_row, rows) == (1, 5)
        assert len(many) == len(one), (one, many)
        assert sum('FROM "customer"' in s for s in many) == 1, many  # the page's customers, in one query

    async def test_the_contract_list_costs_the_same_statements_for_one_row_as_for_many(
        self, client, as_role, open_customer, price_standard, ctx
    ):
        await price_standard()
        east, west = await as_role("frontdesk"), await as_role("frontdesk2")
        market = await actor_for(username="market")

        async def measured(**filters) -> tuple[list[str], int]:
            await service.list_contracts(ctx=ctx, actor=market, **filters)
            with counting_statements(ctx.engine) as statements:
                page = await service.list_contracts(ctx=ctx, actor=market, **filters)
            return statements, len(page.items)

        await _draft(client, east, await open_customer("residential"))
        one = await measured()
        searched_one = await measured(query="1")
        for headers, by in ((west, "frontdesk2"), (east, "frontdesk"), (west, "frontdesk2")):
            await _draft(client, headers, await open_customer("residential", by=by))
        many = await measured()
        searched_many = await measured(query="1")

        assert (one[1], many[1], searched_one[1], searched_many[1]) == (1, 4, 1, 4)
        assert len(many[0]) == len(one[0]) and len(searched_many[0]) == len(searched_one[0]), (one, many)
        assert sum('FROM "customer"' in s for s in many[0]) == 1, many

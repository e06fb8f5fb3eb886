"""crm.accounts.directory.account_prefix_ids: the contract search's account-number prefix, as a sub-select."""

from __future__ import annotations

import io

from crm.accounts import directory
from crm.accounts.importing import import_customers
from crm.accounts.tables import Customer
from crm.context import CLI
from crm.seed import actor_for
from tests.bench.data import import_rows
from tests.integration.test_import import csv_bytes
from tests.statements import counting_statements


async def _imported(ctx, count: int, *, branch: str, by: str, start: int = 0) -> None:
    await import_customers(ctx=ctx, actor=await actor_for(username=by),
                           source=io.BytesIO(csv_bytes(list(import_rows(count, branch=branch, start=start)))),
                           source_name="t.csv", origin=CLI)


async def _ids(prefix: str) -> list[int] | None:
    query = directory.account_prefix_ids(prefix=prefix)
    return None if query is None else sorted(r["id"] for r in await query)


async def _by_account_no() -> list[tuple[str, int]]:
    return sorted((r["account_no"], r["id"]) for r in await Customer.select(Customer.account_no, Customer.id))


async def test_a_prefix_finds_exactly_the_numbers_that_start_with_it_in_account_order(ctx):
    # Sequences 1–23 in DC (11…) cross the 9 → 10 and 19 → 20 boundaries; XC (12…) follows 11….
    await _imported(ctx, 23, branch="DC", by="frontdesk")
    await _imported(ctx, 3, branch="XC", by="frontdesk2", start=100)
    everyone = await _by_account_no()
    numbers = [no for no, _ in everyone]
    prefixes = {no[:k] for no in numbers for k in range(1, 12)} | {
        "110000000", "1100000001", "1100000009", "1100000019", "119", "129", "99", "9", "0"}

    found = {p: await _ids(p) for p in sorted(prefixes)}

    for prefix, ids in found.items():
        assert ids == sorted(i for no, i in everyone if no.startswith(prefix)), prefix
    assert found["1100000009"] and found["1100000019"]  # the boundary cases are not vacuous
    assert len(found["11"]) == 23 and len(found["1"]) == 26 and found["9"] == []


async def test_text_that_no_account_number_starts_with_has_no_query(ctx):
    await _imported(ctx, 3, branch="DC", by="frontdesk")

    answers = [directory.account_prefix_ids(prefix=text) for text in ("", "HT-DC", "1_", "1%", "1*", "１１", "11 ", "abc")]

    assert answers == [None] * 8


async def test_the_account_number_index_serves_the_prefix(ctx):
    """A range of the unique account-number index on both engines, not a scan of every customer."""
    await _imported(ctx, 5, branch="DC", by="frontdesk")
    with counting_statements(ctx.engine) as statements:
        await directory.account_prefix_ids(prefix="1100000001")
    [sql] = statements

    if ctx.engine.engine_type == "sqlite":
        plan = " ".join(str(r["detail"]) for r in await Customer.raw(f"EXPLAIN QUERY PLAN {sql}"))
        assert "INDEX" in plan and "account_no" in plan, plan
    else:
        # Five rows make a sequential scan cheapest; forbidding it shows the index can answer.
        async with ctx.engine.transaction():
            await Customer.raw("SET LOCAL enable_seqscan = off")
            plan = " ".join(r["QUERY PLAN"] for r in await Customer.raw(f"EXPLAIN {sql}"))
        assert "Index" in plan and "account_no" in plan, plan

"""Customer search at scale: keyset pages, capped counts, literal name prefixes (R-AC-01, R-PM-03)."""

from __future__ import annotations

import io

from crm.accounts import service
from crm.accounts.importing import import_customers
from crm.context import CLI
from crm.seed import actor_for
from tests.bench.data import import_rows
from tests.integration.test_import import csv_bytes


async def _customers(ctx, count: int, *, names=None) -> None:
    rows = list(import_rows(count, branch="DC"))
    for i, name in enumerate(names or []):
        rows[i][1] = name
    await import_customers(ctx=ctx, actor=await actor_for(username="frontdesk"), source=io.BytesIO(csv_bytes(rows)),
                           source_name="t.csv", origin=CLI)


async def test_keyset_pages_walk_the_whole_list_in_order_without_gaps(ctx):
    await _customers(ctx, 45)
    actor = await actor_for(username="frontdesk")

    seen, after = [], None
    while True:
        page = await service.search_customers(ctx=ctx, actor=actor, after=after)
        seen += [c.account_no for c in page.items]
        if page.next_after is None:
            break
        after = page.next_after

    assert len(seen) == 45 and seen == sorted(seen) and len(set(seen)) == 45
    numbered = await service.search_customers(ctx=ctx, actor=actor, page=2)
    assert [c.account_no for c in numbered.items] == seen[20:40]


async def test_the_count_stops_at_the_cap_and_says_so(ctx, monkeypatch):
    await _customers(ctx, 30)
    monkeypatch.setattr(service, "COUNT_CAP", 25)

    page = await service.search_customers(ctx=ctx, actor=await actor_for(username="frontdesk"))

    assert (page.total, page.total_capped) == (25, True)


async def test_name_prefix_is_literal_and_case_sensitive_wildcards_are_not_wildcards(ctx):
    await _customers(ctx, 5, names=["张三", "张_四", "张%五", "张*六", "李四"])
    actor = await actor_for(username="frontdesk")

    async def names(query):
        page = await service.search_customers(ctx=ctx, actor=actor, query=query)
        return sorted(c.name for c in page.items)

    assert await names("张") == sorted(["张三", "张_四", "张%五", "张*六"])
    assert await names("张_") == ["张_四"]
    assert await names("张%") == ["张%五"]
    assert await names("张*") == ["张*六"]
    assert await names("李") == ["李四"]


async def test_the_api_takes_the_cursor(ctx):
    from litestar.testing import AsyncTestClient

    from crm.app import create_app
    from tests.conftest import DEMO_PASSWORD

    await _customers(ctx, 25)
    async with AsyncTestClient(app=create_app(ctx=ctx)) as client:
        login = await client.post("/api/v1/auth/login", json={"username": "frontdesk", "password": DEMO_PASSWORD})
        headers = {"Authorization": f"Bearer {login.json()['token']}"}
        first = (await client.get("/api/v1/customers", headers=headers)).json()
        second = (await client.get(f"/api/v1/customers?after={first['next_after']}", headers=headers)).json()
        searched = (await client.post("/api/v1/customers/search", json={"after": first["next_after"]}, headers=headers)).json()

    assert len(first["items"]) == 20 and first["total"] == 25 and first["total_capped"] is False
    assert len(second["items"]) == 5 and second["next_after"] is None and second["page"] == 0
    assert searched["items"] == second["items"]

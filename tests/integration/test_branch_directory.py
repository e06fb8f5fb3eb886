"""crm.staff.branches.BranchDirectory: branch reference data held in memory, never stale for long."""

from __future__ import annotations

from crm.staff.branches import BranchDirectory
from crm.staff.tables import Branch


async def test_a_branch_added_by_another_process_is_found_on_first_ask(ctx):
    now = [0.0]
    directory = BranchDirectory(ttl_seconds=300, monotonic=lambda: now[0])
    assert (await directory.by_code("DC")).name == "东城营业厅"

    await Branch.insert(Branch(code="FT", number=13, name="丰台营业厅"))

    added = await directory.by_code("FT")
    assert added is not None and added.number == 13
    assert (await directory.by_id(added.id)).code == "FT"


async def test_a_name_changed_in_the_database_shows_after_the_ttl(ctx):
    now = [0.0]
    directory = BranchDirectory(ttl_seconds=300, monotonic=lambda: now[0])
    before = await directory.by_code("DC")
    await Branch.update({Branch.name: "东城客户服务中心"}).where(Branch.code == "DC")

    now[0] = 299.0
    assert (await directory.by_code("DC")).name == before.name
    now[0] = 301.0
    assert (await directory.by_code("DC")).name == "东城客户服务中心"


async def test_an_unknown_branch_is_none(ctx):
    assert await BranchDirectory().by_code("NOPE") is None

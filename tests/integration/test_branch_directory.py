"""crm.staff.branches.BranchDirectory: branch reference data held in memory, never stale for long."""

from __future__ import annotations

from crm.staff.branches import BranchDirectory
from crm.staff.tables import Branch
from tests.statements import counting_statements


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


async def test_the_codes_of_a_page_cost_one_read_and_then_none(ctx):
    directory = BranchDirectory()
    ids = {r["code"]: r["id"] for r in await Branch.select(Branch.id, Branch.code).where(Branch.code.is_in(["DC", "XC"]))}

    with counting_statements(ctx.engine) as first:
        codes = await directory.codes([ids["DC"], ids["XC"], ids["DC"], None])
    with counting_statements(ctx.engine) as again:
        known = await directory.codes([ids["XC"]])
        nothing = await directory.codes([])

    assert codes == {ids["DC"]: "DC", ids["XC"]: "XC"}
    assert (known, nothing) == ({ids["XC"]: "XC"}, {})
    assert (len(first), len(again)) == (1, 0)


async def test_a_branch_added_since_the_last_read_is_coded_after_one_more_read(ctx):
    directory = BranchDirectory()
    await directory.codes([(await directory.by_code("DC")).id])
    added = (await Branch.insert(Branch(code="FT", number=13, name="丰台营业厅")).returning(Branch.id))[0]["id"]

    with counting_statements(ctx.engine) as statements:
        codes = await directory.codes([added, 987_654])

    assert codes == {added: "FT", 987_654: ""}
    assert len(statements) == 1

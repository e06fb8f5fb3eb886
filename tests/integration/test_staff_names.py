"""crm.staff.names.StaffNames: who a staff id is, read once and batched, never stale for long."""

from __future__ import annotations

from crm.staff.names import StaffNames
from crm.staff.tables import Staff
from tests.statements import counting_statements


async def _ids(*usernames: str) -> dict[str, int]:
    rows = await Staff.select(Staff.id, Staff.username).where(Staff.username.is_in(list(usernames)))
    return {r["username"]: r["id"] for r in rows}


async def test_the_people_of_a_page_cost_one_query_and_then_none(ctx):
    ids = await _ids("frontdesk", "archivist", "gm")
    names = StaffNames()

    with counting_statements(ctx.engine) as first:
        found = await names.of([*ids.values(), None, ids["gm"]])
    with counting_statements(ctx.engine) as again:
        usernames = await names.usernames(ids.values())

    assert {n.username for n in found.values()} == {"frontdesk", "archivist", "gm"}
    assert found[ids["archivist"]].display_name
    assert usernames == {i: u for u, i in ids.items()}
    assert (len(first), len(again)) == (1, 0)


async def test_an_unknown_id_is_left_out(ctx):
    assert await StaffNames().of([987_654]) == {}


async def test_a_name_corrected_in_the_database_shows_after_the_ttl(ctx):
    now = [0.0]
    names = StaffNames(ttl_seconds=300, monotonic=lambda: now[0])
    gm = (await _ids("gm"))["gm"]
    before = (await names.of([gm]))[gm].display_name
    await Staff.update({Staff.display_name: "陈志明（更正）"}).where(Staff.id == gm)

    now[0] = 299.0
    assert (await names.of([gm]))[gm].display_name == before
    now[0] = 301.0
    assert (await names.of([gm]))[gm].display_name == "陈志明（更正）"

"""The demo's archive room (archives.fixtures): every record made through the use cases, so it holds up."""

from __future__ import annotations

import pytest

from archives import fixity, handover, lookups, records
from crm import seed
from crm.audit import service as audit
from crm.context import CLI
from crm.seed import actor_for as actor_named
from tests.conftest import FIXTURES


# SQLite only: the demo is what `make demo` loads into SQLite; the CLI's demo test
# (tests/integration/test_cli.py) runs the same loaders on PostgreSQL too.
@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_the_demo_gives_the_archivist_something_in_every_list(ctx):
    """R-AR-01..06: filed records, a batch to receive, a lookup to decide, a record due for appraisal."""
    await seed.load_demo_customers(ctx, FIXTURES / "demo")
    counts = await seed.load_package_demos(ctx, FIXTURES / "demo")
    again = await seed.load_package_demos(ctx, FIXTURES / "demo")
    archivist, desk = await actor_named(username="archivist"), await actor_named(username="frontdesk")

    filed = await records.search_archives(ctx=ctx, actor=archivist)
    waiting = await handover.list_handovers(ctx=ctx, actor=archivist, status="submitted")
    to_decide = [r for r in await lookups.list_requests(ctx=ctx, actor=archivist) if r.status == "pending"]
    due = await records.due_for_disposal(ctx=ctx, actor=archivist)
    lent = [r for r in await lookups.list_requests(ctx=ctx, actor=desk, mine=True) if r.status == "approved"]
    checked = await fixity.run_fixity_check(ctx=ctx, actor=archivist, origin=CLI)
    chain = await audit.verify(ctx=ctx, actor=None, origin=CLI)

    assert counts["archive records"] == 3 and again["archive records"] == 0
    assert sorted(a.archive_no for a in filed.items)[0] == "Z001-HT·2015-D10-DC-0001"
    assert [a.archive_no for a in due] == ["Z001-HT·2015-D10-DC-0001"]
    assert len(waiting) == 1 and waiting[0].contracts == 1
    assert len(to_decide) == 1 and to_decide[0].requester == "finance"
    assert len(lent) == 1
    shown = await records.get_archive(ctx=ctx, actor=desk, archive_no=lent[0].archive_no, origin=CLI)
    assert {f.kind for f in shown.files} == {"contract", "drawing", "budget", "notice"}
    assert checked.checked == 1 + 3 * 4 and checked.problems == []  # the alarm contract; three installations
    assert chain.ok, chain

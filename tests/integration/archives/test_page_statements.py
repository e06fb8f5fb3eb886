"""What the busiest pages cost in SQL statements (issue 13, "use cases out of the pages").

The navigation badges of every page answer in one statement whatever waits, each count
right (one's own requests and drafts left out); the handover desk and the disposal overview
answer in a fixed number of statements however many contracts and batches there are.
"""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest

from archives import disposal, handover, lookups
from archives.materials import missing_materials
from archives.tables import AccessRequest, ArchiveRecord, DisposalBatch, HandoverBatch
from contracts.tables import ApprovalStep, Contract
from crm.context import Origin
from crm.seed import actor_for
from crm.staff.tables import Staff
from crm.web.render import _page_navigation
from tests.integration.archives.test_disposal_pages import _badge, _due_records, _proposed
from tests.integration.archives.test_archive_pages import archived
from tests.integration.test_pages import page_login
from tests.statements import counting_statements

# Which links carry a badge for whom, and the page every role may open (archive search).
BADGES = {
    "gm": ("/approvals", "/lookups", "/disposals"),
    "archivist": ("/handovers", "/lookups", "/disposals"),
    "frontdesk": (),
}
ANY_PAGE = "/archives"


async def _staff_id(username: str) -> int:
    return (await Staff.select(Staff.id).where(Staff.username == username).first())["id"]


class _Waiting:
    """Rows waiting for the general manager and the archivist, n of each kind, plus decoys."""

    def __init__(self, ctx, archive_no: str) -> None:
        self.ctx = ctx
        self.archive_no = archive_no
        self.filled = 0

    async def fill_to(self, n: int) -> None:
        record = await ArchiveRecord.select(ArchiveRecord.id, ArchiveRecord.contract).where(
            ArchiveRecord.archive_no == self.archive_no).first()
        contract = await Contract.select(Contract.branch).where(Contract.id == record["contract"]).first()
        desk, gm, archivist = [await _staff_id(u) for u in ("frontdesk", "gm", "archivist")]
        now = self.ctx.now()
        steps, batches, requests, disposals = [], [], [], []
        for i in range(self.filled, n):
            steps.append(ApprovalStep(contract=record["contract"], approval_round=1, seq=100 + i,
                                      role="general_manager", status="pending", reasons="test",
                                      branch=contract["branch"], drafter=desk, pending_since=now))
            batches.append(HandoverBatch(batch_no=f"T-{i}", branch=contract["branch"], status="submitted",
                                         submitted_by=desk, submitted_at=now))
            # One waiting at the archivist's step, one restricted one waiting at the general manager's.
            requests.append(AccessRequest(request_no=f"T-A-{i}", record=record["id"], requester=desk,
                                          purpose="合同纠纷取证", days=3, restricted=False, status="pending",
                                          requested_at=now))
            requests.append(AccessRequest(request_no=f"T-G-{i}", record=record["id"], requester=desk,
                                          purpose="合同纠纷取证", days=3, restricted=True, status="pending",
                                          requested_at=now, archivist=archivist, archivist_at=now))
            disposals.append(DisposalBatch(batch_no=f"T-P-{i}", status="proposed", reason="保管期满",
                                           proposed_by=archivist, proposed_at=now))
            disposals.append(DisposalBatch(batch_no=f"T-X-{i}", status="approved", reason="保管期满",
                                           proposed_by=archivist, proposed_at=now, decided_by=gm, decided_at=now))
        if self.filled == 0:
            # Decoys: the general manager's own draft, the readers' own requests, a decided one.
            steps.append(ApprovalStep(contract=record["contract"], approval_round=1, seq=99, role="general_manager",
                                      status="pending", reasons="test", branch=contract["branch"], drafter=gm,
                                      pending_since=now))
            steps.append(ApprovalStep(contract=record["contract"], approval_round=1, seq=98, role="general_manager",
                                      status="waiting", reasons="test", branch=contract["branch"], drafter=desk))
            requests.append(AccessRequest(request_no="T-OWN-A", record=record["id"], requester=archivist,
                                          purpose="自查", days=3, restricted=False, status="pending",
                                          requested_at=now))
            requests.append(AccessRequest(request_no="T-OWN-G", record=record["id"], requester=gm, purpose="自查",
                                          days=3, restricted=True, status="pending", requested_at=now,
                                          archivist=archivist, archivist_at=now))
            requests.append(AccessRequest(request_no="T-DONE", record=record["id"], requester=desk, purpose="已批",
                                          days=3, restricted=False, status="approved", requested_at=now,
                                          archivist=archivist, archivist_at=now))
            disposals.append(DisposalBatch(batch_no="T-R", status="rejected", reason="保管期满",
                                           proposed_by=archivist, proposed_at=now))
        for table, rows in ((ApprovalStep, steps), (HandoverBatch, batches), (AccessRequest, requests),
                            (DisposalBatch, disposals)):
            if rows:
                await table.insert(*rows)
        self.filled = n


@pytest.fixture
async def waiting(client, as_role, finished_contract, with_materials, ctx) -> _Waiting:
    return _Waiting(ctx, await archived(client, as_role, finished_contract, with_materials))


class TestNavigationBadges:
    @pytest.mark.parametrize("username", ["gm", "archivist", "frontdesk"])
    async def test_every_badge_of_a_page_is_one_statement_whatever_waits(self, client, ctx, waiting, username):
        """Page renders with navigation badges answer in two queries at most (issue 13, benchmarks)."""
        actor = await actor_for(username=username)
        request = SimpleNamespace(app=client.app)
        await page_login(client, username)
        await client.get(ANY_PAGE)  # the session and branch caches are warm from here on
        measured = {}
        for n in (1, 30):
            await waiting.fill_to(n)
            with counting_statements(ctx.engine) as navigation:
                items = await _page_navigation(request, actor, ANY_PAGE)
            with counting_statements(ctx.engine) as page_statements:
                page = await client.get(ANY_PAGE)
            measured[n] = (navigation, len(page_statements), {i.href: i.badge for i in items if i.badge},
                           {href: _badge(page.text, href) for href in BADGES[username]})

        for n, (navigation, _, counts, shown) in measured.items():
            # One for everyone: the front desk's is the witness badge (issue 14 finding 7), nothing waiting here.
            assert len(navigation) == 1, navigation
            assert counts == {href: n for href in BADGES[username]}
            assert shown == {href: str(n) for href in BADGES[username]}
        assert measured[1][1] == measured[30][1]  # the whole page costs the same however much waits

    async def test_the_lookup_badge_counts_what_the_decision_page_lists(self, client, ctx, waiting):
        """The 'waiting for my role, not my own request' rule is one, for the badge and the page."""
        await waiting.fill_to(3)

        for username in ("archivist", "gm"):
            actor = await actor_for(username=username)
            queue = await lookups.decision_queue(ctx=ctx, actor=actor)
            items = await _page_navigation(SimpleNamespace(app=client.app), actor, "/lookups")

            assert [r.request_no for r in queue.to_decide] == [f"T-{'A' if username == 'archivist' else 'G'}-{i}"
                                                                for i in range(3)]
            assert all(r.awaiting_role == actor.role and r.requester != username for r in queue.to_decide)
            assert not {r.id for r in queue.to_decide} & {r.id for r in queue.others}
            assert any(r.request_no == f"T-OWN-{'A' if username == 'archivist' else 'G'}" for r in queue.others)
            assert next(i.badge for i in items if i.href == "/lookups") == len(queue.to_decide)


class TestHandoverDesk:
    async def test_the_candidates_cost_the_same_however_many_contracts_and_batches(
        self, client, as_role, finished_contract, with_materials, ctx
    ):
        """R-AR-01/02: what each finished contract lacks, without one query per contract or batch."""
        desk = await actor_for(username="frontdesk")
        complete = await finished_contract()
        await with_materials(complete)
        bare = await finished_contract()
        with counting_statements(ctx.engine) as few:
            await handover.handover_desk(ctx=ctx, actor=desk)
        held, also_bare, returned = [await finished_contract() for _ in range(3)]
        for no in (held, returned):
            await with_materials(no)
        headers = await as_role("frontdesk")
        await client.post("/api/v1/archive-handovers", headers=headers, json={"contract_nos": [held]})
        sent_back = (await client.post("/api/v1/archive-handovers", headers=headers,
                                       json={"contract_nos": [returned]})).json()["id"]
        refused = await client.post(f"/api/v1/archive-handovers/{sent_back}/return",
                                    headers=await as_role("archivist"), json={"reason": "竣工图不清晰"})
        assert refused.status_code == 200, refused.text

        with counting_statements(ctx.engine) as many:
            result = await handover.handover_desk(ctx=ctx, actor=desk)

        assert len(many) == len(few), (few, many)
        rows = {c.contract.contract_no: c for c in result.candidates}
        assert list(rows) == sorted([complete, bare, also_bare, returned])  # the held one is in an open batch
        everything = list(missing_materials(contract_type=rows[bare].contract.type, kinds_present=set()))
        assert (rows[complete].missing_materials, rows[complete].files) == ([], 4)
        assert (rows[bare].missing_materials, rows[bare].files) == (everything, 0)
        assert [(b.status, b.return_reason) for b in result.batches] == [("returned", "竣工图不清晰"),
                                                                          ("submitted", None)]


class TestDisposalOverview:
    async def test_the_overview_costs_the_same_however_many_batches(
        self, client, as_role, finished_contract, upload, clock, ctx
    ):
        """R-AR-05: the due list shows the open batch holding each record, without one query per batch."""
        first, second, free = await _due_records(client, as_role, finished_contract, upload, clock, count=3)
        archivist = await actor_for(username="archivist")
        one = await _proposed(ctx, [first])
        with counting_statements(ctx.engine) as few:
            await disposal.disposal_overview(ctx=ctx, actor=archivist)
        two = await _proposed(ctx, [second])
        await disposal.decide(ctx=ctx, actor=await actor_for(username="gm"), batch_id=one, decision="approve",
                              reason=None, origin=Origin())
        staff = await _staff_id("archivist")
        await DisposalBatch.insert(*(DisposalBatch(batch_no=f"T-{i}", status="rejected", reason="保管期满",
                                                   proposed_by=staff, proposed_at=ctx.now()) for i in range(20)))

        with counting_statements(ctx.engine) as many:
            overview = await disposal.disposal_overview(ctx=ctx, actor=archivist)

        assert len(many) == len(few), (few, many)
        held = {d.record.archive_no: d.held_in for d in overview.due}
        numbers = {b.id: b.batch_no for b in overview.batches}
        assert held == {first: numbers[one], second: numbers[two], free: None}
        assert [b.id for b in overview.waiting] == [one]  # approved: the archivist carries it out
        assert {b.id: b.records for b in overview.batches if b.id in (one, two)} == {one: 1, two: 1}
        assert all(d.due_date == dt.date(2037, 1, 1) for d in overview.due)

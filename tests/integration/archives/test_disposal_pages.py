"""The disposal pages over the disposal services (SPEC §5; R-AR-05, R-PM-01).

The pages share the API's services, so these tests check what the page layer adds: the due
list with its proposal form, the general manager's approval form, the witnesses' naming form and
their own confirmations, the execution form and the irreversibility warning, inline refusals that change nothing, the register
download, the badges and the 403 for roles without the capability. Also the list endpoint
GET /api/v1/disposals that the pages' list service backs.
"""

from __future__ import annotations

import re
from urllib.parse import quote

from archives import disposal as disposals
from archives.storage import blob_store
from archives.tables import ArchiveFile, ArchiveRecord, DisposalBatch
from crm.context import Origin
from crm.seed import actor_for
from tests.integration.archives.test_archive_pages import section_table
from tests.integration.archives.witnesses import witnessed
from tests.integration.archives.test_lookups_and_disposal import ALARM, _archived
from tests.integration.contracts.test_contract_pages import nav_of
from tests.integration.test_pages import page_login, submit, text_of

# A D10 record of 2026 falls due on 2037-01-01 (archives.retention).
ELEVEN_YEARS = 365 * 11


async def _due_records(client, as_role, finished_contract, upload, clock, count: int = 1) -> list[str]:
    numbers = [await _archived(client, as_role, finished_contract, upload, **ALARM) for _ in range(count)]
    clock.advance(days=ELEVEN_YEARS)
    return numbers


async def _proposed(ctx, archive_nos: list[str]) -> int:
    batch = await disposals.propose(ctx=ctx, actor=await actor_for(username="archivist"), archive_nos=archive_nos,
                                    reason="保管期满，经鉴定无保存价值", origin=Origin())
    return batch.id


async def _status(batch_id: int) -> str:
    return (await DisposalBatch.select(DisposalBatch.status).where(DisposalBatch.id == batch_id).first())["status"]


def _badge(page_html: str, href: str) -> str | None:
    link = re.search(rf'<a href="{href}"[^>]*>(.*?)</a>', nav_of(page_html), re.S)
    assert link, f"no nav link {href}"
    badge = re.search(r'class="nav-badge"[^>]*>(\d+)<', link.group(1))
    return badge.group(1) if badge else None


class TestDisposalJourney:
    async def test_the_archivist_proposes_the_gm_approves_and_two_witnesses_see_it_destroyed(
        self, client, as_role, finished_contract, upload, clock, ctx
    ):
        """R-AR-05: proposed from the due list → approved by the general manager → destroyed before two witnesses."""
        archive_no, other_no = await _due_records(client, as_role, finished_contract, upload, clock, count=2)
        await page_login(client, "archivist")

        due_page = await client.get("/disposals")
        nothing_ticked = await submit(client, "/disposals", {"reason": "保管期满，经鉴定无保存价值"})
        no_reason = await submit(client, "/disposals", {"archive_nos": [archive_no], "reason": ""})
        proposed = await submit(client, "/disposals", {"archive_nos": [archive_no], "reason": "保管期满，经鉴定无保存价值"})

        due = section_table(due_page.text, "due-records")
        assert f'href="/archives/{quote(archive_no, safe="")}"' in due and "10年" in text_of(due)
        assert "2037-01-01" in text_of(due)
        assert nothing_ticked.status_code == 422 and 'id="dp-archive_nos-error"' in nothing_ticked.text
        assert no_reason.status_code == 422 and 'id="dp-reason-error"' in no_reason.text
        assert f'value="{archive_no}" id="dp-1" checked' in no_reason.text  # the form keeps the ticks
        assert proposed.status_code == 303, text_of(proposed.text)
        batch = await DisposalBatch.select(DisposalBatch.id, DisposalBatch.batch_no).first()
        page = f"/disposals/{batch['id']}"
        assert await DisposalBatch.count() == 1
        assert proposed.headers["location"] == f"/disposals/{batch['id']}?done=disposal_proposed"
        listed = await client.get("/disposals")
        held = re.search(rf'<tr data-archive="{re.escape(archive_no)}".*?</tr>', listed.text, re.S).group(0)
        assert 'type="checkbox"' not in held and batch["batch_no"] in text_of(held)
        assert f'value="{other_no}"' in listed.text  # still free to propose
        assert "待审批" in text_of(section_table(listed.text, "disposal-batches"))
        assert 'id="decision-form"' not in (await client.get(f"/disposals/{batch['id']}")).text

        await page_login(client, "gm")
        inbox = await client.get("/disposals")
        silent_reject = await submit(client, f"{page}/decision", {"decision": "reject", "reason": ""}, form_page=page)
        approved = await submit(client, f"{page}/decision", {"decision": "approve", "reason": ""}, form_page=page)

        assert "销毁审批" in text_of(nav_of(inbox.text)) and "销毁鉴定" not in text_of(nav_of(inbox.text))
        assert _badge(inbox.text, "/disposals") == "1"
        assert batch["batch_no"] in text_of(section_table(inbox.text, "waiting-disposals"))
        assert 'id="due-records"' not in inbox.text  # proposing is the archivist's
        assert silent_reject.status_code == 422 and 'id="dd-reason-error"' in silent_reject.text
        assert "驳回须说明原因" in text_of(silent_reject.text)
        assert approved.headers["location"] == f"/disposals/{batch['id']}?done=disposal_approved"
        assert await _status(batch["id"]) == "approved"
        assert _badge((await client.get("/disposals")).text, "/disposals") is None

        await page_login(client, "archivist")
        batch_page = await client.get(f"/disposals/{batch['id']}")
        one_witness = await submit(client, f"{page}/witnesses", {"witnesses": ["finance", "", ""]}, form_page=page)
        stranger = await submit(client, f"{page}/witnesses", {"witnesses": ["finance", "nobody", ""]}, form_page=page)
        named = await submit(client, f"{page}/witnesses", {"witnesses": ["finance", "frontdesk", ""]}, form_page=page)
        unconfirmed = await submit(client, f"{page}/execute", {}, form_page=page)
        for witness in ("finance", "frontdesk"):
            await page_login(client, witness)
            assert (await submit(client, f"{page}/witness", {}, form_page=page)).status_code == 303
        await page_login(client, "archivist")
        live = await ArchiveFile.select(ArchiveFile.file_id).where(ArchiveFile.wrapped_key.is_not_null())
        untouched = await ArchiveRecord.select(ArchiveRecord.status).where(
            ArchiveRecord.archive_no == archive_no).first()
        executed = await submit(client, f"{page}/execute", {}, form_page=page)
        done = await client.get(executed.headers["location"])

        assert _badge(batch_page.text, "/disposals") == "1"
        assert "不可撤销" in text_of(batch_page.text) and 'id="destroy-warning"' in batch_page.text
        assert batch_page.text.count('name="witnesses"') == 3
        assert one_witness.status_code == 422 and 'id="dx-witnesses-error"' in one_witness.text
        assert "至少 2 名不同的监销人" in text_of(one_witness.text)
        assert 'value="finance"' in one_witness.text  # the form keeps the names typed
        assert stranger.status_code == 422 and "nobody 不是在职员工" in text_of(stranger.text)
        assert named.headers["location"] == f"/disposals/{batch['id']}?done=disposal_witnesses_named"
        assert unconfirmed.status_code == 409 and 'id="execute-error"' in unconfirmed.text
        assert "尚未本人确认" in text_of(unconfirmed.text)
        assert len(live) == 8 and untouched["status"] == "filed"  # the refusals destroyed nothing
        assert executed.headers["location"] == f"/disposals/{batch['id']}?done=disposal_executed"
        assert "已在监销人见证下销毁" in text_of(done.text) and 'id="execute-form"' not in done.text
        assert "finance、frontdesk" in text_of(done.text)
        assert "已销毁" in text_of(section_table(done.text, "disposal-records"))
        assert f'href="/disposals/{batch["id"]}/register.pdf"' in done.text
        destroyed = [f["file_id"] for f in await ArchiveFile.select(ArchiveFile.file_id).where(
            ArchiveFile.wrapped_key.is_null())]
        assert len(destroyed) == 4 and not any(blob_store(ctx).exists(f) for f in destroyed)

    async def test_the_register_pdf_downloads_with_the_batch_number(
        self, client, as_role, finished_contract, upload, clock, ctx
    ):
        """R-AR-05: 销毁清册, the permanent record of what was destroyed and before whom."""
        from tests.unit.reports.pdf_helpers import extract_pages, squash

        (archive_no,) = await _due_records(client, as_role, finished_contract, upload, clock)
        batch_id = await _proposed(ctx, [archive_no])
        await disposals.decide(ctx=ctx, actor=await actor_for(username="gm"), batch_id=batch_id, decision="approve",
                               reason=None, origin=Origin())
        await witnessed(ctx, batch_id=batch_id, witnesses=["finance", "frontdesk"])
        batch = await disposals.execute(ctx=ctx, actor=await actor_for(username="archivist"), batch_id=batch_id,
                                        origin=Origin())
        await page_login(client, "archivist")

        register = await client.get(f"/disposals/{batch_id}/register.pdf")

        assert register.status_code == 200 and register.headers["content-type"] == "application/pdf"
        disposition = register.headers["content-disposition"]
        name = f"destruction-{batch.batch_no}.pdf"
        assert disposition == f"attachment; filename=\"{name}\"; filename*=UTF-8''{name}"
        text = squash("".join(extract_pages(register.content)))
        assert batch.batch_no in text and squash(archive_no) in text

    async def test_a_rejected_batch_shows_its_reason_and_frees_its_records(
        self, client, as_role, finished_contract, upload, clock, ctx
    ):
        (archive_no,) = await _due_records(client, as_role, finished_contract, upload, clock)
        batch_id = await _proposed(ctx, [archive_no])
        page = f"/disposals/{batch_id}"
        await page_login(client, "gm")

        rejected = await submit(client, f"{page}/decision", {"decision": "reject", "reason": "涉及未结诉讼，暂缓销毁"},
                                form_page=page)
        await page_login(client, "archivist")
        batch_page = await client.get(page)
        due_page = await client.get("/disposals")

        assert rejected.headers["location"] == f"/disposals/{batch_id}?done=disposal_rejected"
        assert "涉及未结诉讼，暂缓销毁" in text_of(batch_page.text) and "已驳回" in text_of(batch_page.text)
        assert 'id="execute-form"' not in batch_page.text
        assert f'value="{archive_no}"' in section_table(due_page.text, "due-records")


class TestDisposalPermissions:
    async def test_staff_without_the_disposal_capability_get_403(
        self, client, as_role, finished_contract, upload, clock, ctx
    ):
        """R-PM-01: the front desk neither sees nor proposes; the archivist cannot approve; the GM cannot propose.

        The front desk's /disposals is their witness inbox (issue 14 finding 7): it lists no batch, and a
        batch not naming them is not found."""
        (archive_no,) = await _due_records(client, as_role, finished_contract, upload, clock)
        batch_id = await _proposed(ctx, [archive_no])
        await page_login(client, "frontdesk")

        listing = await client.get("/disposals")
        batch_page = await client.get(f"/disposals/{batch_id}")
        register = await client.get(f"/disposals/{batch_id}/register.pdf")
        desk_proposal = await submit(client, "/disposals", {"archive_nos": [archive_no], "reason": "保管期满"},
                                     form_page="/handover")
        desk_nav = text_of(nav_of((await client.get("/handover")).text))
        await page_login(client, "archivist")
        self_approval = await submit(client, f"/disposals/{batch_id}/decision", {"decision": "approve", "reason": ""},
                                     form_page=f"/disposals/{batch_id}")
        await page_login(client, "gm")
        gm_proposal = await submit(client, "/disposals", {"archive_nos": [archive_no], "reason": "保管期满"})

        assert (listing.status_code, batch_page.status_code, register.status_code) == (200, 404, 404)
        assert 'id="disposal-batches"' not in listing.text and 'id="due-records"' not in listing.text
        assert desk_proposal.status_code == 403 and "销毁" not in desk_nav
        assert self_approval.status_code == 403 and await _status(batch_id) == "proposed"
        assert gm_proposal.status_code == 403 and await DisposalBatch.count() == 1

    async def test_an_unknown_batch_is_the_404_page(self, client):
        await page_login(client, "archivist")

        missing = await client.get("/disposals/999")
        overflow = await client.get(f"/disposals/{2**40}")

        assert missing.status_code == 404 and overflow.status_code == 404


class TestDisposalListApi:
    async def test_the_batches_are_listed_newest_first_and_by_status(
        self, client, as_role, login, finished_contract, upload, clock, ctx
    ):
        """R-AR-05: GET /api/v1/disposals for the archivist and the general manager, not the front desk."""
        first_no, second_no = await _due_records(client, as_role, finished_contract, upload, clock, count=2)
        first = await _proposed(ctx, [first_no])
        second = await _proposed(ctx, [second_no])
        await disposals.decide(ctx=ctx, actor=await actor_for(username="gm"), batch_id=first, decision="approve", reason=None,
                               origin=Origin())
        # Sessions from before the eleven years have long timed out: log in again.
        headers = {name: await login(name) for name in ("archivist", "gm", "frontdesk")}

        every = await client.get("/api/v1/disposals", headers=headers["archivist"])
        waiting = await client.get("/api/v1/disposals?status=proposed", headers=headers["gm"])
        unknown = await client.get("/api/v1/disposals?status=shredded", headers=headers["archivist"])
        desk = await client.get("/api/v1/disposals", headers=headers["frontdesk"])

        assert every.status_code == 200, every.text
        assert [(b["id"], b["status"], b["records"]) for b in every.json()] == [(second, "proposed", 1),
                                                                                (first, "approved", 1)]
        assert every.json()[1]["status_label"] == "已批准" and every.json()[1]["decided_at"] is not None
        assert [b["id"] for b in waiting.json()] == [second]
        assert unknown.status_code == 422 and unknown.json()["code"] == "disposal.unknown_status"
        assert desk.status_code == 403


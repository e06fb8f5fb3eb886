"""Lookups under time-limited grants (R-AR-06) and disposal with two witnesses (R-AR-05)."""

from __future__ import annotations

from urllib.parse import quote

import pytest

from archives import disposal as disposals
from archives import records
from archives.access_rules import GrantExpired
from archives.storage import blob_store
from archives.tables import AccessLog, AccessRequest, ArchiveFile, ArchiveRecord, DisposalBatch
from crm.audit import service as audit
from crm.context import Origin
from crm.errors import Conflict, InvalidInput
from crm.seed import actor_for
from tests.integration.archives.conftest import PDF
from tests.integration.archives.witnesses import witnessed

ALARM = {"type": "alarm_installation", "price_items": [{"code": "BJ-01", "quantity": 1}]}


async def _archived(client, as_role, finished_contract, upload, **overrides) -> str:
    """One contract through handover and acceptance; returns its archive number."""
    no = await finished_contract(**overrides)
    for kind, name in (("contract", "合同文本.pdf"), ("drawing", "竣工图.pdf"), ("budget", "预算.pdf"), ("notice", "通知单.pdf")):
        response = await upload(no, kind, name, PDF)
        assert response.status_code == 201, response.text
    batch = await client.post("/api/v1/archive-handovers", headers=await as_role("frontdesk"), json={"contract_nos": [no]})
    assert batch.status_code == 201, batch.text
    accepted = await client.post(f"/api/v1/archive-handovers/{batch.json()['id']}/accept",
                                 headers=await as_role("archivist"))
    return accepted.json()["contracts"][0]["archive_no"]


class TestLookups:
    async def test_an_approved_request_grants_reading_until_it_expires(
        self, client, as_role, finished_contract, upload, clock, ctx
    ):
        """R-AR-06: purpose and period, the archivist approves, every view is logged, the grant expires."""
        archive_no = await _archived(client, as_role, finished_contract, upload)
        desk = await as_role("frontdesk")
        path = f"/api/v1/archives/{quote(archive_no)}"

        before = await client.get(path, headers=desk)
        asked = await client.post("/api/v1/archive-access-requests", headers=desk,
                                  json={"archive_no": archive_no, "purpose": "核对安装费用结算", "days": 3})
        own = await client.post(f"/api/v1/archive-access-requests/{asked.json()['id']}/decisions", headers=desk,
                                json={"decision": "approve"})
        granted = await client.post(f"/api/v1/archive-access-requests/{asked.json()['id']}/decisions",
                                    headers=await as_role("archivist"), json={"decision": "approve"})
        during = await client.get(path, headers=desk)

        assert before.status_code == 403 and before.json()["code"] == "access.no_grant"
        assert asked.status_code == 201, asked.text
        assert own.status_code == 403
        assert granted.json()["status"] == "approved" and granted.json()["valid_until"]
        assert during.status_code == 200, during.text
        assert await AccessLog.count() >= 1
        # Three days on, the session has ended too: the service is asked directly.
        clock.advance(days=3)
        with pytest.raises(GrantExpired):
            await records.get_archive(ctx=ctx, actor=await actor_for(username="frontdesk"), archive_no=archive_no,
                                      origin=Origin())

    async def test_a_restricted_record_needs_the_general_manager_too(self, client, as_role, finished_contract, upload):
        """R-AR-06: take-or-pay records are restricted."""
        archive_no = await _archived(client, as_role, finished_contract, upload)
        await ArchiveRecord.update({ArchiveRecord.restricted: True}).where(ArchiveRecord.archive_no == archive_no)
        desk = await as_role("frontdesk")
        asked = (await client.post("/api/v1/archive-access-requests", headers=desk,
                                   json={"archive_no": archive_no, "purpose": "合同纠纷取证", "days": 2})).json()
        decisions = f"/api/v1/archive-access-requests/{asked['id']}/decisions"

        early = await client.post(decisions, headers=await as_role("gm"), json={"decision": "approve"})
        first = await client.post(decisions, headers=await as_role("archivist"), json={"decision": "approve"})
        still = await client.get(f"/api/v1/archives/{quote(archive_no)}", headers=desk)
        second = await client.post(decisions, headers=await as_role("gm"), json={"decision": "approve"})
        now = await client.get(f"/api/v1/archives/{quote(archive_no)}", headers=desk)

        assert early.status_code == 409 and early.json()["code"] == "access.out_of_order"
        assert first.json()["status"] == "pending" and first.json()["awaiting_role"] == "general_manager"
        assert still.status_code == 403
        assert second.json()["status"] == "approved"
        assert now.status_code == 200

    async def test_a_rejection_stores_and_audits_its_reason_as_cleaned(self, client, as_role, finished_contract, upload):
        """R-AR-06: the register, the answer and the audit trail say the same why, without the stray blanks."""
        archive_no = await _archived(client, as_role, finished_contract, upload)
        asked = (await client.post("/api/v1/archive-access-requests", headers=await as_role("frontdesk"),
                                   json={"archive_no": archive_no, "purpose": "核对安装费用结算", "days": 3})).json()

        rejected = await client.post(f"/api/v1/archive-access-requests/{asked['id']}/decisions",
                                     headers=await as_role("archivist"),
                                     json={"decision": "reject", "reason": "  用途与档案无关 \n"})

        assert rejected.status_code == 200, rejected.text
        assert rejected.json()["decision_reason"] == "用途与档案无关"
        stored = await AccessRequest.select(AccessRequest.decision_reason).where(AccessRequest.id == asked["id"]).first()
        assert stored["decision_reason"] == "用途与档案无关"
        event = (await audit.recorded(action="archive.lookup_decision", target=archive_no))[0]
        assert event["details"]["reason"] == "用途与档案无关"


class TestDisposal:
    async def test_a_permanent_or_not_yet_due_record_cannot_be_proposed(self, client, as_role, finished_contract, upload):
        """R-AR-05: a D30 record of 2026 is due in 2057."""
        archive_no = await _archived(client, as_role, finished_contract, upload)

        response = await client.post("/api/v1/disposals", headers=await as_role("archivist"),
                                     json={"archive_nos": [archive_no], "reason": "到期鉴定"})

        assert response.status_code == 409 and response.json()["code"] == "disposal.not_due"

    async def test_a_due_record_is_destroyed_only_after_approval_with_two_witnesses(
        self, client, as_role, finished_contract, upload, clock, ctx
    ):
        """R-AR-05: proposed → approved by the general manager → two witnesses named who confirm themselves →
        executed; files gone, register kept."""
        archive_no = await _archived(client, as_role, finished_contract, upload, **ALARM)
        assert "-D10-" in archive_no
        clock.advance(days=365 * 11)  # a D10 record of 2026 is due on 2037-01-01
        archivist, gm = await actor_for(username="archivist"), await actor_for(username="gm")
        proposed = await disposals.propose(ctx=ctx, actor=archivist, archive_nos=[archive_no], reason="保管期满，经鉴定无保存价值",
                                           origin=Origin())

        with pytest.raises(Conflict) as early:
            await disposals.execute(ctx=ctx, actor=archivist, batch_id=proposed.id, origin=Origin())
        await disposals.decide(ctx=ctx, actor=gm, batch_id=proposed.id, decision="approve", reason=None, origin=Origin())
        with pytest.raises(InvalidInput) as alone:
            await disposals.name_witnesses(ctx=ctx, actor=archivist, batch_id=proposed.id, witnesses=["frontdesk"],
                                           origin=Origin())
        await witnessed(ctx, batch_id=proposed.id, witnesses=["frontdesk", "finance"])
        files = await ArchiveFile.select(ArchiveFile.file_id).where(ArchiveFile.wrapped_key.is_not_null())
        done = await disposals.execute(ctx=ctx, actor=archivist, batch_id=proposed.id, origin=Origin())

        assert early.value.code == "disposal.not_approved"
        assert alone.value.code == "disposal.witnesses_required"
        assert done.status == "executed" and done.witnesses == ["frontdesk", "finance"]
        assert [r.status for r in done.records] == ["destroyed"]
        assert await ArchiveFile.count().where(ArchiveFile.wrapped_key.is_not_null()) == 0
        assert not any(blob_store(ctx).exists(f["file_id"]) for f in files)
        assert await ArchiveRecord.count() == 1  # the record stays, marked destroyed

    async def test_a_rejection_stores_and_audits_its_reason_as_cleaned(
        self, client, as_role, finished_contract, upload, clock, ctx
    ):
        """R-AR-05: the batch and the audit event keep the general manager's reason, cleaned once."""
        archive_no = await _archived(client, as_role, finished_contract, upload, **ALARM)
        clock.advance(days=365 * 11)
        archivist, gm = await actor_for(username="archivist"), await actor_for(username="gm")
        proposed = await disposals.propose(ctx=ctx, actor=archivist, archive_nos=[archive_no], reason="保管期满，经鉴定无保存价值",
                                           origin=Origin())

        rejected = await disposals.decide(ctx=ctx, actor=gm, batch_id=proposed.id, decision="reject",
                                          reason="\t 仍在诉讼中，暂缓销毁  ", origin=Origin())

        assert (rejected.status, rejected.decision_reason, rejected.decided_by) == ("rejected", "仍在诉讼中，暂缓销毁", "gm")
        stored = await DisposalBatch.select(DisposalBatch.decision_reason).where(DisposalBatch.id == proposed.id).first()
        assert stored["decision_reason"] == "仍在诉讼中，暂缓销毁"
        event = (await audit.recorded(action="archive.disposal_decision", target=proposed.batch_no))[0]
        assert event["details"] == {"decision": "reject", "status": "rejected", "reason": "仍在诉讼中，暂缓销毁"}


class TestRecords:
    async def test_pdfs_of_the_handover_the_record_the_catalogue_and_the_register(
        self, client, as_role, finished_contract, upload, clock, ctx
    ):
        """§9 records: 移交清单, 档案记录 (watermarked for a grant holder, R-AR-06), 案卷目录, 销毁清册."""
        from tests.unit.reports.pdf_helpers import extract_pages, squash

        archive_no = await _archived(client, as_role, finished_contract, upload, **ALARM)
        archivist, desk = await as_role("archivist"), await as_role("frontdesk")
        batch = (await client.get("/api/v1/archive-handovers", headers=archivist)).json()[0]
        asked = (await client.post("/api/v1/archive-access-requests", headers=desk,
                                   json={"archive_no": archive_no, "purpose": "核对报警器安装资料", "days": 1})).json()
        await client.post(f"/api/v1/archive-access-requests/{asked['id']}/decisions", headers=archivist,
                          json={"decision": "approve"})

        handover_pdf = await client.get(f"/api/v1/archive-handovers/{batch['id']}/list.pdf", headers=archivist)
        own_copy = await client.get(f"/api/v1/archives/{quote(archive_no)}/record.pdf", headers=archivist)
        lookup_copy = await client.get(f"/api/v1/archives/{quote(archive_no)}/record.pdf", headers=desk)
        catalogue = await client.get("/api/v1/archives/catalogue.pdf?year=2026", headers=archivist)

        def text(response) -> str:
            assert response.status_code == 200, response.text
            return squash("".join(extract_pages(response.content)))

        assert squash(archive_no) in text(handover_pdf) and batch["batch_no"] in text(handover_pdf)
        assert squash(archive_no) in text(own_copy) and "仅供查阅" not in text(own_copy)
        assert "仅供查阅" in text(lookup_copy) and "frontdesk" in text(lookup_copy)
        assert squash(archive_no) in text(catalogue)
        assert await AccessLog.count().where(AccessLog.action == "record_pdf") == 2

        clock.advance(days=365 * 11)
        archivist_actor, gm = await actor_for(username="archivist"), await actor_for(username="gm")
        batch_d = await disposals.propose(ctx=ctx, actor=archivist_actor, archive_nos=[archive_no], reason="保管期满",
                                          origin=Origin())
        await disposals.decide(ctx=ctx, actor=gm, batch_id=batch_d.id, decision="approve", reason=None, origin=Origin())
        await witnessed(ctx, batch_id=batch_d.id, witnesses=["finance", "frontdesk"])
        await disposals.execute(ctx=ctx, actor=archivist_actor, batch_id=batch_d.id, origin=Origin())
        from archives import documents

        number, register = await documents.destruction_register_pdf(ctx=ctx, actor=archivist_actor, batch_id=batch_d.id)
        register_text = squash("".join(extract_pages(register)))
        assert number in register_text and squash(archive_no) in register_text
        hashes = [f["sha256"] for f in await ArchiveFile.select(ArchiveFile.sha256)]
        assert all(h[:16] in register_text for h in hashes)


class TestLookupRegister:
    async def test_the_register_lists_requests_and_every_logged_access(self, client, as_role, finished_contract, upload):
        """R-AR-06: a lookup register PDF."""
        from tests.unit.reports.pdf_helpers import extract_pages, squash

        archive_no = await _archived(client, as_role, finished_contract, upload)
        desk, archivist = await as_role("frontdesk"), await as_role("archivist")
        asked = (await client.post("/api/v1/archive-access-requests", headers=desk,
                                   json={"archive_no": archive_no, "purpose": "核对燃气表安装信息", "days": 2})).json()
        await client.post(f"/api/v1/archive-access-requests/{asked['id']}/decisions", headers=archivist,
                          json={"decision": "approve"})
        await client.get(f"/api/v1/archives/{quote(archive_no)}", headers=desk)

        register = await client.get("/api/v1/archive-access-requests/register.pdf?from=2026-11-01&to=2026-11-30",
                                    headers=archivist)
        backwards = await client.get("/api/v1/archive-access-requests/register.pdf?from=2026-11-30&to=2026-11-01",
                                     headers=archivist)

        assert register.status_code == 200, register.text
        text = squash("".join(extract_pages(register.content)))
        assert asked["request_no"] in text and "核对燃气表安装信息" in text and squash(archive_no) in text
        assert backwards.status_code == 422 and backwards.json()["code"] == "lookup_register.invalid_period"


class TestDueListAndAddenda:
    async def test_the_due_list_and_an_addendum_beside_the_fixed_record(
        self, client, as_role, finished_contract, upload, clock, ctx
    ):
        """R-AR-05 due-for-disposal list; R-AR-04 corrections are addenda, the record itself unchanged."""
        ten_year = await _archived(client, as_role, finished_contract, upload, **ALARM)
        thirty_year = await _archived(client, as_role, finished_contract, upload)
        archivist = await as_role("archivist")

        now_due = await client.get("/api/v1/archives/due-for-disposal", headers=archivist)
        added = await client.post(f"/api/v1/archives/{quote(thirty_year)}/addenda", headers=archivist,
                                  json={"text": "更正：用户联系电话已变更，见客户档案"})
        clock.advance(days=365 * 11)
        later = await records.due_for_disposal(ctx=ctx, actor=await actor_for(username="archivist"))

        assert now_due.json() == []
        assert added.status_code == 201, added.text
        assert [a["text"] for a in added.json()["addenda"]] == ["更正：用户联系电话已变更，见客户档案"]
        assert [a.archive_no for a in later] == [ten_year]

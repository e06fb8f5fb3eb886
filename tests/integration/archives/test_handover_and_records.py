"""Archiving contracts through the API: materials, handover, archive numbers, reading, fixity (R-AR-01..04, R-AR-06)."""

from __future__ import annotations

import asyncio
import dataclasses
from urllib.parse import quote

from archives import handover as handovers
from archives.storage import blob_store
from archives.tables import ArchiveFile, ArchiveRecord, HandoverBatch
from contracts.tables import Contract
from crm.context import Origin
from crm.seed import actor_for
from crm.staff.tables import Branch, Staff
from tests.integration.archives.conftest import PDF, PNG


async def _handed_over(client, as_role, finished_contract, with_materials, count: int = 1) -> tuple[int, list[str]]:
    numbers = []
    for _ in range(count):
        no = await finished_contract()
        await with_materials(no)
        numbers.append(no)
    response = await client.post("/api/v1/archive-handovers", headers=await as_role("frontdesk"),
                                  json={"contract_nos": numbers, "note": "第一批"})
    assert response.status_code == 201, response.text
    return response.json()["id"], numbers


class TestMaterials:
    async def test_files_are_stored_encrypted_with_their_hash(self, client, as_role, finished_contract, upload, ctx):
        """R-AR-01 materials; R-PM-04: the blob on disk is ciphertext, the row holds the plaintext's SHA-256."""
        no = await finished_contract()

        response = await upload(no, "contract", "合同文本.pdf", PDF)
        listed = await client.get(f"/api/v1/contracts/{no}/attachments", headers=await as_role("frontdesk"))
        fetched = await client.get(f"/api/v1/contracts/{no}/attachments/{response.json()['file_id']}",
                                   headers=await as_role("frontdesk"))

        assert response.status_code == 201, response.text
        body = response.json()
        assert body["media_type"] == "application/pdf" and body["size"] == len(PDF)
        stored = blob_store(ctx).get(body["file_id"])
        assert PDF not in stored and b"%PDF" not in stored
        assert [f["file_id"] for f in listed.json()] == [body["file_id"]]
        assert fetched.content == PDF

    async def test_a_lying_extension_and_an_oversized_file_are_refused(self, client, finished_contract, upload, ctx):
        no = await finished_contract()
        ctx.settings = dataclasses.replace(ctx.settings, max_upload_bytes=1024)

        lying = await upload(no, "drawing", "竣工图.pdf", PNG)
        large = await upload(no, "contract", "合同.pdf", PDF + b"0" * 2048)
        unknown = await upload(no, "photo-album", "合同.pdf", PDF)

        assert lying.status_code == 422 and lying.json()["code"] == "attachment.type_mismatch"
        assert large.status_code == 422 and large.json()["code"] == "attachment.too_large"
        assert unknown.status_code == 422 and unknown.json()["code"] == "attachment.unknown_kind"
        assert await ArchiveFile.count() == 0
        assert list(blob_store(ctx).keys()) == []


class TestHandover:
    async def test_an_active_contract_cannot_be_handed_over(self, client, as_role, finished_contract, with_materials):
        """R-AR-01: only fulfilled or terminated contracts are archived."""
        no = await finished_contract(fulfil=False)
        await with_materials(no)

        response = await client.post("/api/v1/archive-handovers", headers=await as_role("frontdesk"),
                                     json={"contract_nos": [no]})

        assert response.status_code == 409
        assert response.json()["code"] == "handover.contract_not_finished"
        assert await HandoverBatch.count() == 0

    async def test_a_missing_required_material_is_refused(self, client, as_role, finished_contract, upload):
        """R-AR-02: completeness per contract type."""
        no = await finished_contract()
        await upload(no, "contract", "合同文本.pdf", PDF)

        response = await client.post("/api/v1/archive-handovers", headers=await as_role("frontdesk"),
                                     json={"contract_nos": [no]})

        assert response.status_code == 422
        assert response.json()["code"] == "handover.missing_material"
        assert set(response.json()["missing"][no]) == {"drawing", "budget", "notice"}
        assert await HandoverBatch.count() == 0

    async def test_acceptance_numbers_every_contract_and_archives_it(self, client, as_role, finished_contract, with_materials):
        """R-AR-02, R-AR-03: Z001-HT·<year>-D30-DC-0001, gap-free; a second acceptance is refused."""
        batch_id, numbers = await _handed_over(client, as_role, finished_contract, with_materials, count=2)
        archivist = await as_role("archivist")

        accepted = await client.post(f"/api/v1/archive-handovers/{batch_id}/accept", headers=archivist)
        again = await client.post(f"/api/v1/archive-handovers/{batch_id}/accept", headers=archivist)

        assert accepted.status_code == 200, accepted.text
        archive_nos = [c["archive_no"] for c in accepted.json()["contracts"]]
        assert archive_nos == ["Z001-HT·2026-D30-DC-0001", "Z001-HT·2026-D30-DC-0002"]
        assert again.status_code == 409 and again.json()["code"] == "handover.already_decided"
        statuses = {r["status"] for r in await Contract.select(Contract.status).where(Contract.contract_no.is_in(numbers))}
        assert statuses == {"archived"}

    async def test_a_returned_batch_frees_its_contracts(self, client, as_role, finished_contract, with_materials):
        batch_id, numbers = await _handed_over(client, as_role, finished_contract, with_materials)
        archivist = await as_role("archivist")

        silent = await client.post(f"/api/v1/archive-handovers/{batch_id}/return", headers=archivist, json={})
        returned = await client.post(f"/api/v1/archive-handovers/{batch_id}/return", headers=archivist,
                                     json={"reason": "竣工图不清晰，请重新扫描"})
        again = await client.post("/api/v1/archive-handovers", headers=await as_role("frontdesk"),
                                  json={"contract_nos": numbers})

        assert silent.status_code == 422 and silent.json()["code"] == "handover.reason_required"
        assert returned.json()["status"] == "returned"
        assert returned.json()["return_reason"] == "竣工图不清晰，请重新扫描"
        assert again.status_code == 201

    async def test_two_archivists_accepting_at_once_get_distinct_gap_free_numbers(
        self, client, as_role, finished_contract, with_materials, ctx
    ):
        """R-AR-03: safe under concurrent acceptance, on SQLite and PostgreSQL."""
        first, _ = await _handed_over(client, as_role, finished_contract, with_materials)
        second, _ = await _handed_over(client, as_role, finished_contract, with_materials)
        head_office = await Branch.select(Branch.id).where(Branch.code == "HQ").first()
        await Staff.insert(Staff(username="archivist2", display_name="郑洁", role="archivist", branch=head_office["id"],
                                 all_branches=True, password_hash="unused", must_change_password=False))
        one, two = await actor_for(username="archivist"), await actor_for(username="archivist2")

        await asyncio.gather(
            handovers.accept_handover(ctx=ctx, actor=one, batch_id=first, origin=Origin()),
            handovers.accept_handover(ctx=ctx, actor=two, batch_id=second, origin=Origin()),
        )

        items = sorted(r["item"] for r in await ArchiveRecord.select(ArchiveRecord.item))
        assert items == [1, 2]


class TestReadingRecords:
    async def test_the_archive_room_reads_a_record_by_either_spelling_of_its_number(
        self, client, as_role, finished_contract, with_materials
    ):
        """Archive numbers contain "·": URLs percent-encode it and both forms resolve; every view is logged."""
        batch_id, _ = await _handed_over(client, as_role, finished_contract, with_materials)
        archivist = await as_role("archivist")
        accepted = (await client.post(f"/api/v1/archive-handovers/{batch_id}/accept", headers=archivist)).json()
        archive_no = accepted["contracts"][0]["archive_no"]

        encoded = await client.get(f"/api/v1/archives/{quote(archive_no)}", headers=archivist)
        typed = await client.get(f"/api/v1/archives/{archive_no.replace('·', '.')}", headers=archivist)
        found = await client.get("/api/v1/archives?year=2026", headers=archivist)

        assert encoded.status_code == 200, encoded.text
        assert encoded.json()["archive_no"] == archive_no
        assert typed.json()["archive_no"] == archive_no
        assert [a["archive_no"] for a in found.json()["items"]] == [archive_no]
        assert len(encoded.json()["files"]) == 4

    async def test_others_need_a_grant_and_archived_materials_are_fixed(
        self, client, as_role, finished_contract, with_materials, upload
    ):
        """R-AR-04 immutable once accepted; R-AR-06 reading needs a lookup grant."""
        batch_id, numbers = await _handed_over(client, as_role, finished_contract, with_materials)
        accepted = (await client.post(f"/api/v1/archive-handovers/{batch_id}/accept",
                                      headers=await as_role("archivist"))).json()
        archive_no = accepted["contracts"][0]["archive_no"]

        desk = await client.get(f"/api/v1/archives/{quote(archive_no)}", headers=await as_role("frontdesk"))
        late = await upload(numbers[0], "letter", "补充说明.pdf", PDF)

        assert desk.status_code == 403 and desk.json()["code"] == "access.no_grant"
        assert late.status_code == 409 and late.json()["code"] == "archive.immutable"


class TestFixity:
    async def test_a_changed_and_a_missing_file_are_reported(self, client, as_role, finished_contract, with_materials, ctx):
        """R-AR-04: the fixity check re-hashes every file and names what changed or vanished."""
        batch_id, _ = await _handed_over(client, as_role, finished_contract, with_materials)
        await client.post(f"/api/v1/archive-handovers/{batch_id}/accept", headers=await as_role("archivist"))
        files = await ArchiveFile.select(ArchiveFile.file_id, ArchiveFile.kind).order_by(ArchiveFile.id)
        store = blob_store(ctx)
        damaged = bytearray(store.get(files[0]["file_id"]))
        damaged[-1] ^= 0x01
        store.put(files[0]["file_id"], bytes(damaged))
        store.delete(files[1]["file_id"])

        report = await client.post("/api/v1/archives/fixity-check", headers=await as_role("archivist"))

        assert report.status_code == 200, report.text
        body = report.json()
        assert body["checked"] == 4 and body["ok"] == 2
        assert {(p["file_id"], p["problem"]) for p in body["problems"]} == {
            (files[0]["file_id"], "unreadable"), (files[1]["file_id"], "missing")}


class TestKeyRotation:
    async def test_rotation_rewraps_file_keys_and_the_files_still_open(self, client, as_role, finished_contract, upload, ctx):
        """R-PM-04: `crm keys rotate` covers the per-file keys; the blobs stay as they are."""
        from crm.rotation import reseal_all
        from crm.security.keyring import with_new_data_key

        no = await finished_contract()
        file_id = (await upload(no, "contract", "合同文本.pdf", PDF)).json()["file_id"]
        blob_before = blob_store(ctx).get(file_id)
        ctx.keyring = with_new_data_key(keyring=ctx.keyring)

        await reseal_all(ctx, batch=10, on_progress=lambda n: None)

        row = await ArchiveFile.select(ArchiveFile.wrapped_key).where(ArchiveFile.file_id == file_id).first()
        assert row["wrapped_key"].startswith(f"{ctx.keyring.current_key_id}$")
        assert blob_store(ctx).get(file_id) == blob_before
        fetched = await client.get(f"/api/v1/contracts/{no}/attachments/{file_id}", headers=await as_role("frontdesk"))
        assert fetched.content == PDF


class TestSearch:
    async def test_archives_are_found_by_the_customers_id_number_without_it_in_a_url(
        self, client, as_role, finished_contract, with_materials
    ):
        """R-AR search by customer ID number through the blind index (R-PM-04); scope applies."""
        batch_id, numbers = await _handed_over(client, as_role, finished_contract, with_materials)
        archivist = await as_role("archivist")
        accepted = (await client.post(f"/api/v1/archive-handovers/{batch_id}/accept", headers=archivist)).json()
        account_no = accepted["contracts"][0]["account_no"]
        revealed = await client.post(f"/api/v1/customers/{account_no}/reveal", headers=await as_role("frontdesk"),
                                     json={"field": "id_number", "reason": "核对档案"})
        id_number = revealed.json()["value"]

        found = await client.post("/api/v1/archives/search", headers=archivist, json={"id_number": id_number.lower()})
        other_branch = await client.post("/api/v1/archives/search", headers=await as_role("frontdesk2"),
                                         json={"id_number": id_number})
        nobody = await client.post("/api/v1/archives/search", headers=archivist, json={"id_number": "11010519491231002X"})

        assert [a["archive_no"] for a in found.json()["items"]] == [accepted["contracts"][0]["archive_no"]]
        assert other_branch.json()["items"] == []
        assert nobody.json()["items"] == []


class TestTextSearch:
    async def test_the_start_of_an_archive_number_or_of_the_customers_name_finds_it(
        self, client, as_role, finished_contract, with_materials
    ):
        """Both served by an index (the benchmark j at a million records); wildcards are taken literally."""
        batch_id, _ = await _handed_over(client, as_role, finished_contract, with_materials)
        archivist = await as_role("archivist")
        accepted = (await client.post(f"/api/v1/archive-handovers/{batch_id}/accept", headers=archivist)).json()
        archive_no = accepted["contracts"][0]["archive_no"]
        name = accepted["contracts"][0]["customer_name"]

        by_number = await client.get("/api/v1/archives", params={"query": archive_no[:9]}, headers=archivist)
        by_name = await client.get("/api/v1/archives", params={"query": name[:3]}, headers=archivist)
        wildcard = await client.get("/api/v1/archives", params={"query": "Z0%"}, headers=archivist)
        middle = await client.get("/api/v1/archives", params={"query": name[1:]}, headers=archivist)

        assert [a["archive_no"] for a in by_number.json()["items"]] == [archive_no]
        assert [a["archive_no"] for a in by_name.json()["items"]] == [archive_no]
        assert wildcard.json()["items"] == []
        assert middle.json()["items"] == []

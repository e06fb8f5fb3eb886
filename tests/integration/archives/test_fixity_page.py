"""The fixity page over the fixity service (SPEC §5; R-AR-04, R-PM-01, R-PM-05).

What the page adds to POST /api/v1/archives/fixity-check: the run from a button, the report
with each damaged file named in Chinese (已被改动 / 缺失 / 无法读取) and linked to its archive,
and the history of past runs read back from the audit trail.
"""

from __future__ import annotations

import re
from urllib.parse import quote

from archives.file_crypto import open_file, seal_file
from archives.storage import blob_store
from archives.tables import ArchiveFile
from crm.audit.tables import AuditEvent
from tests.integration.archives.test_archive_pages import archived, section_table
from tests.integration.contracts.test_contract_pages import nav_of
from tests.integration.test_pages import page_login, submit, text_of


def _row(page_html: str, file_id: str) -> str:
    match = re.search(rf'<tr data-file="{file_id}".*?</tr>', page_html, re.S)
    assert match, f"no report row for {file_id}"
    return text_of(match.group(0))


async def _damage(ctx) -> list[dict]:
    """Three of the four files damaged three ways; the files, in upload order."""
    files = await ArchiveFile.select(
        ArchiveFile.id, ArchiveFile.file_id, ArchiveFile.filename, ArchiveFile.wrapped_key, ArchiveFile.sha256,
    ).order_by(ArchiveFile.id)
    store = blob_store(ctx)
    # One byte of the content flipped by someone holding the keys: the file still opens, but
    # its SHA-256 is no longer the one recorded at upload.
    changed = files[0]
    content = bytearray(open_file(keyring=ctx.keyring, wrapped_key=changed["wrapped_key"],
                                  ciphertext=store.get(changed["file_id"]), file_id=changed["file_id"],
                                  expected_sha256=changed["sha256"]))
    content[-1] ^= 0x01
    resealed = seal_file(keyring=ctx.keyring, plaintext=bytes(content), file_id=changed["file_id"])
    store.put(changed["file_id"], resealed.ciphertext)
    await ArchiveFile.update({ArchiveFile.wrapped_key: resealed.wrapped_key}).where(ArchiveFile.id == changed["id"])
    # One byte of the stored ciphertext flipped: AES-GCM refuses to open it at all.
    blob = bytearray(store.get(files[1]["file_id"]))
    blob[-1] ^= 0x01
    store.put(files[1]["file_id"], bytes(blob))
    store.delete(files[2]["file_id"])
    return files


class TestFixityPage:
    async def test_the_archivist_runs_a_check_and_each_damaged_file_is_named(
        self, client, as_role, finished_contract, with_materials, ctx
    ):
        """R-AR-04: a change, a corrupted blob and a lost file each show with their archive number."""
        archive_no = await archived(client, as_role, finished_contract, with_materials)
        await page_login(client, "archivist")
        before = await client.get("/fixity")
        clean = await submit(client, "/fixity", {})
        files = await _damage(ctx)

        damaged = await submit(client, "/fixity", {})
        later = await client.get("/fixity")

        assert "完整性检查" in text_of(nav_of(before.text)) and "尚无检查记录" in text_of(before.text)
        assert clean.status_code == 200 and "共检查 4 份文件：4 份完好，0 份有问题。" in text_of(clean.text)
        assert 'id="fixity-problems"' not in clean.text
        assert damaged.status_code == 200
        assert "共检查 4 份文件：1 份完好，3 份有问题。" in text_of(damaged.text)
        assert "已被改动" in _row(damaged.text, files[0]["file_id"])
        assert "无法读取" in _row(damaged.text, files[1]["file_id"])
        assert "缺失" in _row(damaged.text, files[2]["file_id"])
        assert files[3]["file_id"] not in damaged.text
        first = _row(damaged.text, files[0]["file_id"])
        assert archive_no in first and files[0]["filename"] in first
        assert f'href="/archives/{quote(archive_no, safe="")}"' in section_table(damaged.text, "fixity-problems")
        history = section_table(later.text, "fixity-history")
        runs = [text_of(r) for r in re.findall(r"<tr data-seq=.*?</tr>", history, re.S)]
        assert len(runs) == 2
        assert "archivist" in runs[0] and " 4 3 " in runs[0] and "发现问题" in runs[0]  # newest first
        assert " 4 0 " in runs[1] and "全部完好" in runs[1]

    async def test_the_history_is_also_served_by_the_api(self, client, as_role, finished_contract, with_materials):
        await archived(client, as_role, finished_contract, with_materials)
        archivist = await as_role("archivist")
        await client.post("/api/v1/archives/fixity-check", headers=archivist)

        history = await client.get("/api/v1/archives/fixity-checks", headers=archivist)
        desk = await client.get("/api/v1/archives/fixity-checks", headers=await as_role("frontdesk"))

        assert history.status_code == 200, history.text
        assert [(r["run_by"], r["checked"], r["problems"], r["outcome"]) for r in history.json()] == [
            ("archivist", 4, 0, "success")]
        assert desk.status_code == 403


class TestFixityPermissions:
    async def test_staff_without_the_fixity_capability_get_403(self, client):
        """R-PM-01: only the archive room checks the files; a refused run leaves no fixity record."""
        for username in ("frontdesk", "gm"):
            await page_login(client, username)

            page = await client.get("/fixity")
            run = await submit(client, "/fixity", {}, form_page="/archives")
            nav = text_of(nav_of((await client.get("/archives")).text))

            assert (page.status_code, run.status_code) == (403, 403), username
            assert "完整性检查" not in nav
        assert await AuditEvent.count().where(AuditEvent.action == "archive.fixity") == 0

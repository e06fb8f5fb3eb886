"""The archive pages over the archive services (SPEC §5; R-AR-01..03, R-AR-06, R-PM-01, R-PM-03).

The pages share the API's services, so these tests check what the page layer adds: the
materials section of the contract page with its multipart upload and inline refusals, the
handover form, the archivist's batch page, the archive page or its lookup request form, the
decision page, the 404 for another branch and the navigation per role.
"""

from __future__ import annotations

import re
from urllib.parse import quote

from archives.tables import AccessRequest, ArchiveFile, HandoverBatch
from contracts.tables import Contract
from tests.integration.archives.conftest import PDF, PNG
from tests.integration.contracts.test_contract_pages import nav_of
from tests.integration.test_pages import csrf_token, page_login, submit, text_of
from tests.unit.reports.pdf_helpers import extract_pages, squash


async def upload_form(client, contract_no: str, kind: str, filename: str, data: bytes):
    """The contract page's upload form, multipart, with the token from the page."""
    page = await client.get(f"/contracts/{contract_no}")
    return await client.post(
        f"/contracts/{contract_no}/materials", data={"kind": kind, "_csrf_token": csrf_token(page.text)},
        files={"file": (filename, data, "application/octet-stream")}, follow_redirects=False,
    )


def section(page_html: str, element_id: str) -> str:
    match = re.search(rf'<section class="card[^"]*" id="{element_id}".*?</section>', page_html, re.S)
    assert match, f"no section #{element_id}"
    return match.group(0)


async def archived(client, as_role, finished_contract, with_materials) -> str:
    """One contract handed over and accepted through the API; its archive number."""
    no = await finished_contract()
    await with_materials(no)
    batch = await client.post("/api/v1/archive-handovers", headers=await as_role("frontdesk"),
                              json={"contract_nos": [no]})
    assert batch.status_code == 201, batch.text
    accepted = await client.post(f"/api/v1/archive-handovers/{batch.json()['id']}/accept",
                                 headers=await as_role("archivist"))
    assert accepted.status_code == 200, accepted.text
    return accepted.json()["contracts"][0]["archive_no"]


class TestMaterials:
    async def test_the_front_desk_uploads_from_the_contract_page_and_downloads_it_back(self, client, finished_contract):
        """R-AR-01: the materials section lists what is there and what the archive still needs."""
        no = await finished_contract()
        await page_login(client, "frontdesk")

        before = await client.get(f"/contracts/{no}")
        uploaded = await upload_form(client, no, "contract", "合同文本.pdf", PDF)
        page = await client.get(f"/contracts/{no}")

        materials = section(before.text, "materials")
        assert 'enctype="multipart/form-data"' in materials and 'name="_csrf_token"' in materials
        assert "合同文本、图表、预算、通知单" in text_of(materials)
        assert uploaded.status_code == 303, text_of(uploaded.text)
        assert uploaded.headers["location"] == f"/contracts/{no}?done=material_uploaded#materials"
        listed = section(page.text, "materials")
        assert "合同文本.pdf" in text_of(listed) and "frontdesk" in text_of(listed)
        assert "图表、预算、通知单" in text_of(listed)
        file_id = (await ArchiveFile.select(ArchiveFile.file_id).order_by(ArchiveFile.id).first())["file_id"]
        assert f'href="/contracts/{no}/materials/{file_id}"' in listed
        download = await client.get(f"/contracts/{no}/materials/{file_id}")
        assert download.status_code == 200 and download.content == PDF
        assert download.headers["content-disposition"] == (
            f"attachment; filename=\"____.pdf\"; filename*=UTF-8''{quote('合同文本.pdf')}"
        )

    async def test_a_lying_extension_and_an_unknown_kind_are_refused_next_to_their_fields(
        self, client, finished_contract
    ):
        no = await finished_contract()
        await page_login(client, "frontdesk")

        lying = await upload_form(client, no, "drawing", "竣工图.pdf", PNG)
        unknown = await upload_form(client, no, "photo-album", "合同.pdf", PDF)

        assert lying.status_code == 422
        error = re.search(r'<p class="field-error" id="mt-file-error">([^<]+)</p>', lying.text)
        assert error and "与扩展名 .pdf 不符" in error.group(1)
        assert '<option value="drawing" selected>' in lying.text  # the form keeps the kind chosen
        assert unknown.status_code == 422 and 'id="mt-kind-error"' in unknown.text
        assert await ArchiveFile.count() == 0

    async def test_roles_without_upload_and_archived_contracts_get_no_form(
        self, client, as_role, finished_contract, with_materials
    ):
        no = await finished_contract()
        await page_login(client, "finance")
        finance = await client.get(f"/contracts/{no}")
        archive_no = await archived(client, as_role, finished_contract, with_materials)
        archived_no = (await Contract.select(Contract.contract_no).where(Contract.status == "archived").first())[
            "contract_no"]
        await page_login(client, "frontdesk")

        desk = await client.get(f"/contracts/{archived_no}")
        refused = await upload_form(client, archived_no, "other", "补充.pdf", PDF)

        assert 'id="materials-form"' not in finance.text and 'id="materials"' in finance.text
        assert 'id="materials-form"' not in desk.text
        assert f'href="/archives/{quote(archive_no, safe="")}"' in section(desk.text, "materials")
        assert refused.status_code == 409 and "合同已归档" in text_of(refused.text)


class TestHandover:
    async def test_the_front_desk_hands_over_and_the_archivist_accepts_from_the_pages(
        self, client, finished_contract, with_materials
    ):
        """R-AR-02, R-AR-03: incomplete contracts are refused per contract; acceptance shows the archive number."""
        complete = await finished_contract()
        await with_materials(complete)
        incomplete = await finished_contract()
        await page_login(client, "frontdesk")

        page = await client.get("/handover")
        refused = await submit(client, "/handover", {"contract_nos": [complete, incomplete]})
        handed = await submit(client, "/handover", {"contract_nos": [complete], "note": "第一批"})

        rows = {no: text_of(re.search(rf'<tr data-contract="{no}".*?</tr>', page.text, re.S).group(0))
                for no in (complete, incomplete)}
        assert "齐全（4 份）" in rows[complete] and "缺： 合同文本、图表、预算、通知单" in rows[incomplete]
        assert refused.status_code == 422 and "归档材料不全" in text_of(refused.text)
        assert handed.status_code == 303, text_of(handed.text)
        assert await HandoverBatch.count() == 1
        batch_id = (await HandoverBatch.select(HandoverBatch.id).first())["id"]
        assert handed.headers["location"] == f"/handovers/{batch_id}?done=handover_submitted"
        listed = await client.get("/handover")
        assert complete not in re.search(r'<table class="table" id="candidates".*?</table>', listed.text, re.S).group(0)
        assert "待接收" in text_of(re.search(r'<table[^>]*id="batches".*?</table>', listed.text, re.S).group(0))

        await page_login(client, "archivist")
        waiting = await client.get("/handovers")
        no_reason = await submit(client, f"/handovers/{batch_id}/return", {"reason": ""},
                                 form_page=f"/handovers/{batch_id}")
        accepted = await submit(client, f"/handovers/{batch_id}/accept", {}, form_page=f"/handovers/{batch_id}")
        batch_page = await client.get(f"/handovers/{batch_id}")

        assert 'id="waiting-batches"' in waiting.text and f'href="/handovers/{batch_id}"' in waiting.text
        assert nav_of(waiting.text).count('class="nav-badge"') == 1
        assert no_reason.status_code == 422 and 'id="rt-reason-error"' in no_reason.text
        assert accepted.headers["location"] == f"/handovers/{batch_id}?done=handover_accepted"
        number = re.search(r"Z001-HT·\d{4}-D30-DC-0001", text_of(batch_page.text)).group(0)
        assert f'href="/archives/{quote(number, safe="")}"' in batch_page.text
        assert 'id="accept"' not in batch_page.text
        assert "已接收" in text_of(batch_page.text)

    async def test_a_returned_batch_shows_its_reason_to_the_front_desk(self, client, as_role, finished_contract, with_materials):
        no = await finished_contract()
        await with_materials(no)
        batch = await client.post("/api/v1/archive-handovers", headers=await as_role("frontdesk"),
                                  json={"contract_nos": [no]})
        await page_login(client, "archivist")

        returned = await submit(client, f"/handovers/{batch.json()['id']}/return", {"reason": "竣工图不清晰"},
                                form_page=f"/handovers/{batch.json()['id']}")
        await page_login(client, "frontdesk")
        page = await client.get("/handover")

        assert returned.status_code == 303
        batches = text_of(re.search(r'<table[^>]*id="batches".*?</table>', page.text, re.S).group(0))
        assert "已退回" in batches and "竣工图不清晰" in batches
        assert no in re.search(r'<table class="table" id="candidates".*?</table>', page.text, re.S).group(0)


class TestArchivePages:
    async def test_a_lookup_is_requested_from_the_archive_page_and_approved(
        self, client, as_role, finished_contract, with_materials
    ):
        """R-AR-06: without a grant the page offers the request form; approved, the record opens."""
        archive_no = await archived(client, as_role, finished_contract, with_materials)
        path = f"/archives/{quote(archive_no, safe='')}"
        await page_login(client, "frontdesk")

        refused = await client.get(path)
        no_purpose = await submit(client, f"{path}/lookup", {"purpose": "", "days": "3"}, form_page=path)
        asked = await submit(client, f"{path}/lookup", {"purpose": "核对安装费用结算", "days": "3"}, form_page=path)
        mine = await client.get("/lookups/mine")

        assert refused.status_code == 200 and 'id="lookup-form"' in refused.text
        assert 'id="archive-files"' not in refused.text and archive_no in text_of(refused.text)
        assert no_purpose.status_code == 422 and 'id="lk-purpose-error"' in no_purpose.text
        assert asked.headers["location"] == "/lookups/mine?done=lookup_requested"
        assert "待审批" in text_of(mine.text) and f'href="{path}"' in mine.text

        await page_login(client, "archivist")
        inbox = await client.get("/lookups")
        request_id = (await AccessRequest.select(AccessRequest.id).first())["id"]
        silent_reject = await submit(client, f"/lookups/{request_id}/decision", {"decision": "reject", "reason": ""},
                                     form_page="/lookups")
        approved = await submit(client, f"/lookups/{request_id}/decision", {"decision": "approve", "reason": ""},
                                form_page="/lookups")

        assert "核对安装费用结算" in text_of(section_table(inbox.text, "lookups-to-decide"))
        assert silent_reject.status_code == 422 and f'id="ld-{request_id}-reason-error"' in silent_reject.text
        assert approved.headers["location"] == "/lookups?done=lookup_decided"

        await page_login(client, "frontdesk")
        record = await client.get(path)
        file_id = (await ArchiveFile.select(ArchiveFile.file_id).order_by(ArchiveFile.id).first())["file_id"]
        download = await client.get(f"{path}/files/{file_id}")

        assert record.status_code == 200 and 'id="archive-files"' in record.text
        assert "合同文本.pdf" in text_of(record.text) and 'id="disposal-due"' in record.text
        assert download.status_code == 200 and download.content == PDF
        assert "已批准" in text_of((await client.get("/lookups/mine")).text)

    async def test_the_archive_room_searches_and_opens_records(self, client, as_role, finished_contract, with_materials):
        archive_no = await archived(client, as_role, finished_contract, with_materials)
        contract_no = (await Contract.select(Contract.contract_no).first())["contract_no"]
        await page_login(client, "archivist")

        by_contract = await client.get(f"/archives?contract_no={contract_no}")
        by_year = await client.get("/archives?year=20x6")
        by_id = await submit(client, "/archives/search", {"id_number": "110105194912310000"}, form_page="/archives")
        record = await client.get(f"/archives/{quote(archive_no, safe='')}")

        assert f'href="/archives/{quote(archive_no, safe="")}"' in by_contract.text
        assert by_year.status_code == 422 and 'id="as-year-error"' in by_year.text
        assert by_id.status_code == 200 and "110105194912310000" not in by_id.text and "没有符合条件的档案" in by_id.text
        assert record.status_code == 200 and "30年" in text_of(record.text)

    async def test_another_branchs_archive_page_is_a_404_page(self, client, as_role, finished_contract, with_materials):
        """R-PM-03: the XC clerk cannot see that DC's archive exists."""
        archive_no = await archived(client, as_role, finished_contract, with_materials)
        await page_login(client, "frontdesk2")

        page = await client.get(f"/archives/{quote(archive_no, safe='')}")
        listed = await client.get("/archives?year=2026")

        assert page.status_code == 404 and "lookup-form" not in page.text
        assert archive_no not in listed.text


def section_table(page_html: str, table_id: str) -> str:
    return re.search(rf'<table[^>]*id="{table_id}".*?</table>', page_html, re.S).group(0)


class TestNavigation:
    async def test_each_role_sees_only_the_archive_links_it_can_use(self, client):
        """R-PM-01: links by capability, in Chinese first."""
        expected = {
            "frontdesk": {"移交归档", "档案查询", "我的查阅"},
            "archivist": {"待接收移交", "档案查询", "查阅审批"},
            "gm": {"档案查询", "查阅审批", "我的查阅"},
            "finance": {"档案查询", "我的查阅"},
        }
        every = {"移交归档", "待接收移交", "档案查询", "查阅审批", "我的查阅"}
        for username, links in expected.items():
            await page_login(client, username)
            nav = text_of(nav_of((await client.get("/contracts")).text))
            shown = {name for name in every if name in nav}
            assert shown == links, username
            assert nav.count("档案查询") == 1

        await page_login(client, "frontdesk")
        english = await client.get("/lang?to=en&next=/handover", follow_redirects=True)
        assert "Hand over" in text_of(nav_of(english.text))


class TestAddenda:
    async def test_the_archivist_adds_a_correction_beside_the_unchanged_record(
        self, client, as_role, finished_contract, with_materials
    ):
        """R-AR-04: an accepted record never changes; a correction is an addendum, dated and signed."""
        archive_no = await archived(client, as_role, finished_contract, with_materials)
        path = f"/archives/{quote(archive_no, safe='')}"
        await page_login(client, "archivist")
        before = await client.get(path)

        empty = await submit(client, f"{path}/addenda", {"text": " "}, form_page=path)
        added = await submit(client, f"{path}/addenda", {"text": "户名更正为：张三丰（见更名通知）"}, form_page=path)
        after = await client.get(path)

        assert 'id="addendum-form"' in before.text and "无附注" in text_of(before.text)
        assert empty.status_code == 422 and 'id="ad-text-error"' in empty.text and "2–2000" in text_of(empty.text)
        assert added.status_code == 303 and added.headers["location"] == f"{path}?done=addendum_added"
        addenda = text_of(re.search(r'<ul id="addenda">.*?</ul>', after.text, re.S).group(0))
        assert "户名更正为：张三丰（见更名通知）" in addenda and "archivist" in addenda
        facts = lambda html: re.search(r'<dl class="facts" id="archive-facts">.*?</dl>', html, re.S).group(0)  # noqa: E731
        assert facts(after.text) == facts(before.text)

    async def test_a_reader_under_a_grant_sees_the_addenda_but_cannot_add_one(
        self, client, as_role, finished_contract, with_materials
    ):
        archive_no = await archived(client, as_role, finished_contract, with_materials)
        path = f"/archives/{quote(archive_no, safe='')}"
        asked = await client.post("/api/v1/archive-access-requests", headers=await as_role("frontdesk"),
                                  json={"archive_no": archive_no, "purpose": "核对安装费用结算", "days": 3})
        await client.post(f"/api/v1/archive-access-requests/{asked.json()['id']}/decisions",
                          headers=await as_role("archivist"), json={"decision": "approve"})
        await page_login(client, "frontdesk")

        page = await client.get(path)
        refused = await submit(client, f"{path}/addenda", {"text": "擅自更正"}, form_page=path)

        assert page.status_code == 200 and 'id="addendum-form"' not in page.text
        assert refused.status_code == 403


class TestPrintedRegisters:
    async def test_the_archivist_prints_a_years_catalogue_from_the_search_page(
        self, client, as_role, finished_contract, with_materials
    ):
        """Search and catalogue: 案卷目录 of a year, a year that is not one refused next to its field."""
        archive_no = await archived(client, as_role, finished_contract, with_materials)
        await page_login(client, "archivist")

        page = await client.get("/archives")
        pdf = await client.get("/archives/catalogue.pdf?year=2026")
        bad = await client.get("/archives/catalogue.pdf?year=20x6")

        assert 'id="catalogue-form"' in page.text
        assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
        assert archive_no in squash("".join(extract_pages(pdf.content)))
        assert bad.status_code == 422 and 'id="cat-year-error"' in bad.text

    async def test_the_lookup_register_is_printed_for_a_period_from_the_decision_page(
        self, client, as_role, finished_contract, with_materials
    ):
        """R-AR-06: 查(借)阅登记簿; a reversed period is refused next to the field; the register is the archive room's."""
        archive_no = await archived(client, as_role, finished_contract, with_materials)
        await client.post("/api/v1/archive-access-requests", headers=await as_role("frontdesk"),
                          json={"archive_no": archive_no, "purpose": "核对安装费用结算", "days": 3})
        await page_login(client, "archivist")

        page = await client.get("/lookups")
        pdf = await client.get("/lookups/register.pdf?from=2026-11-01&to=2026-11-30")
        reversed_period = await client.get("/lookups/register.pdf?from=2026-11-30&to=2026-11-01")
        no_date = await client.get("/lookups/register.pdf?from=&to=2026-11-01")

        assert 'id="register-form"' in page.text
        assert 'value="2026-11-01"' in page.text and 'value="2026-11-25"' in page.text  # this month so far
        assert pdf.status_code == 200 and archive_no in squash("".join(extract_pages(pdf.content)))
        assert reversed_period.status_code == 422 and 'id="reg-to-error"' in reversed_period.text
        assert no_date.status_code == 422 and 'id="reg-from-error"' in no_date.text

        await page_login(client, "gm")
        assert 'id="register-form"' not in (await client.get("/lookups")).text
        assert (await client.get("/lookups/register.pdf?from=2026-11-01&to=2026-11-30")).status_code == 403

    async def test_the_search_filters_by_retention_and_pages_through_the_results(
        self, client, as_role, finished_contract, with_materials
    ):
        archive_no = await archived(client, as_role, finished_contract, with_materials)
        await page_login(client, "archivist")

        kept_30 = await client.get("/archives?retention=D30")
        kept_10 = await client.get("/archives?retention=D10")
        unknown = await client.get("/archives?retention=X")
        beyond = await client.get("/archives?retention=D30&page=2")

        assert archive_no in text_of(kept_30.text) and 'id="archive-pager"' not in kept_30.text
        assert archive_no not in text_of(kept_10.text) and "没有符合条件的档案" in text_of(kept_10.text)
        assert unknown.status_code == 422 and 'id="as-retention-error"' in unknown.text
        assert beyond.status_code == 200 and archive_no not in text_of(beyond.text)

    async def test_a_long_result_has_pages_that_keep_the_filters(
        self, client, as_role, finished_contract, with_materials, monkeypatch
    ):
        from archives import records

        first = await archived(client, as_role, finished_contract, with_materials)
        second = await archived(client, as_role, finished_contract, with_materials)
        monkeypatch.setattr(records, "PAGE_SIZE", 1)
        await page_login(client, "archivist")

        page_one = await client.get("/archives?retention=D30")
        next_href = re.search(r'<nav class="pager"[^>]*id="archive-pager">.*?href="([^"]+)"', page_one.text, re.S)
        page_two = await client.get(next_href.group(1).replace("&amp;", "&"))

        assert "第 1 页，共 2 页" in text_of(page_one.text) and "retention=D30" in next_href.group(1)
        shown = {n for n in (first, second) if n in text_of(page_one.text)}
        assert len(shown) == 1 and ({first, second} - shown).pop() in text_of(page_two.text)

"""Departure handover (R-AR-07, R-ST-05): open work to a successor, the account disabled, a list printed."""

from __future__ import annotations

import re
from urllib.parse import quote

from contracts.tables import ApprovalStep, Contract
from crm.accounts.tables import Customer
from crm.staff.tables import Branch, Staff
from tests.integration.archives.test_lookups_and_disposal import _archived
from tests.integration.contracts.conftest import installation
from tests.integration.contracts.test_contract_pages import nav_of
from tests.integration.test_pages import page_login, submit, text_of
from tests.unit.reports.pdf_helpers import extract_pages, squash


async def _colleague() -> None:
    east = await Branch.select(Branch.id).where(Branch.code == "DC").first()
    await Staff.insert(Staff(username="frontdesk3", display_name="何静", role="front_desk", branch=east["id"],
                             all_branches=False, password_hash="unused", must_change_password=False))


class TestDeparture:
    async def test_open_work_passes_to_the_successor_and_the_account_is_disabled(
        self, client, as_role, open_customer, finished_contract, upload
    ):
        archive_no = await _archived(client, as_role, finished_contract, upload)
        desk = await as_role("frontdesk")
        commercial = await open_customer("commercial")
        pending = (await client.post("/api/v1/contracts", headers=desk, json=installation(commercial))).json()["contract_no"]
        await client.post(f"/api/v1/contracts/{pending}/submit", headers=desk)
        asked = (await client.post("/api/v1/archive-access-requests", headers=desk,
                                   json={"archive_no": archive_no, "purpose": "核对安装资料存档", "days": 5})).json()
        await client.post(f"/api/v1/archive-access-requests/{asked['id']}/decisions", headers=await as_role("archivist"),
                          json={"decision": "approve"})
        await _colleague()
        gm = await as_role("gm")

        planned = await client.get("/api/v1/staff/frontdesk/departure", headers=gm)
        wrong = await client.post("/api/v1/staff/frontdesk/departure", headers=gm, json={"successor": "market"})
        done = await client.post("/api/v1/staff/frontdesk/departure", headers=gm, json={"successor": "frontdesk3"})
        pdf = await client.get("/api/v1/staff/frontdesk/departure/list.pdf", headers=gm)
        after = await client.get(f"/api/v1/archives/{quote(archive_no)}", headers=desk)

        assert planned.status_code == 200, planned.text
        assert pending in [c["contract_no"] for c in planned.json()["contracts"]]
        assert [b["archive_no"] for b in planned.json()["borrowed"]] == [archive_no]
        assert wrong.status_code == 422 and wrong.json()["code"] == "departure.invalid_successor"
        assert done.status_code == 200, done.text
        heir = await Staff.select(Staff.id).where(Staff.username == "frontdesk3").first()
        leaving = await Staff.select(Staff.id, Staff.active).where(Staff.username == "frontdesk").first()
        assert leaving["active"] is False
        assert await Customer.count().where(Customer.created_by == leaving["id"]) == 0
        assert (await Contract.select(Contract.drafted_by).where(Contract.contract_no == pending).first())["drafted_by"] == heir["id"]
        assert await ApprovalStep.count().where(ApprovalStep.drafter == leaving["id"]) == 0
        assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
        assert after.status_code == 401  # the account is disabled, its sessions ended

    async def test_only_the_general_manager_hands_over_and_not_to_another_role(self, client, as_role):
        refused = await client.post("/api/v1/staff/frontdesk/departure", headers=await as_role("sysadmin"),
                                    json={"successor": "frontdesk2"})

        assert refused.status_code == 403


class TestDeparturePages:
    async def test_the_general_manager_hands_over_from_the_pages_and_prints_the_list(
        self, client, as_role, open_customer, price_standard
    ):
        """R-AR-07: the open work listed, a successor of the same role chosen, the account disabled, a list printed."""
        await price_standard()
        commercial = await open_customer("commercial")
        desk = await as_role("frontdesk")
        draft = (await client.post("/api/v1/contracts", headers=desk, json=installation(commercial))).json()["contract_no"]
        await _colleague()
        await page_login(client, "gm")

        overview = await client.get("/departures")
        before = await client.get("/departures/frontdesk")
        wrong_role = await submit(client, "/departures/frontdesk", {"successor": "market"}, form_page="/departures/frontdesk")
        nobody = await submit(client, "/departures/frontdesk", {"successor": ""}, form_page="/departures/frontdesk")
        still_active = await Staff.select(Staff.active).where(Staff.username == "frontdesk").first()
        done = await submit(client, "/departures/frontdesk", {"successor": "frontdesk3"}, form_page="/departures/frontdesk")
        after = await client.get("/departures/frontdesk")
        listed = await client.get("/departures")
        pdf = await client.get("/departures/frontdesk/list.pdf")

        assert "离职交接" in text_of(nav_of(overview.text)) and 'href="/departures/frontdesk"' in overview.text
        customers = text_of(re.search(r'<table[^>]*id="departure-customers".*?</table>', before.text, re.S).group(0))
        assert commercial in customers
        assert draft in text_of(re.search(r'<table[^>]*id="departure-contracts".*?</table>', before.text, re.S).group(0))
        options = re.search(r'<select id="dp-successor".*?</select>', before.text, re.S).group(0)
        assert 'value="frontdesk3"' in options and 'value="market"' not in options and 'value="frontdesk"' not in options
        assert wrong_role.status_code == 422 and 'id="dp-successor-error"' in wrong_role.text
        assert nobody.status_code == 422 and 'id="dp-successor-error"' in nobody.text and "请选择接收人" in text_of(nobody.text)
        assert still_active["active"] is True
        assert done.status_code == 303 and done.headers["location"] == "/departures/frontdesk?done=departure_done"
        assert 'id="handed-over"' in after.text and "frontdesk3" in text_of(after.text)
        assert 'id="departure-form"' not in after.text and "负责的用户（0）" in text_of(after.text)
        assert "frontdesk3" in text_of(re.search(r'<table[^>]*id="departures-done".*?</table>', listed.text, re.S).group(0))
        text = squash("".join(extract_pages(pdf.content)))
        assert pdf.status_code == 200 and commercial in text and draft in text and "frontdesk3" in text

    async def test_staff_without_the_capability_get_403_and_no_link(self, client):
        await page_login(client, "archivist")

        page = await client.get("/departures")
        nav = text_of(nav_of((await client.get("/contracts")).text))

        assert page.status_code == 403 and "离职交接" not in nav

    async def test_a_long_list_shows_its_first_rows_and_says_how_many_there_are(
        self, client, open_customer, monkeypatch
    ):
        from archives import departure_pages

        first, second = await open_customer(), await open_customer()
        monkeypatch.setattr(departure_pages, "SHOWN_ROWS", 1)
        await page_login(client, "gm")

        page = await client.get("/departures/frontdesk")

        listed = text_of(re.search(r'<table[^>]*id="departure-customers".*?</table>', page.text, re.S).group(0))
        assert (first in listed) != (second in listed)
        assert "负责的用户（2）" in text_of(page.text) and "共 2 户" in text_of(page.text)

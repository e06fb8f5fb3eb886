"""Departure handover (R-AR-07, R-ST-05): open work to a successor, the account disabled, a list printed."""

from __future__ import annotations

from urllib.parse import quote

from contracts.tables import ApprovalStep, Contract
from crm.accounts.tables import Customer
from crm.staff.tables import Branch, Staff
from tests.integration.archives.test_lookups_and_disposal import _archived
from tests.integration.contracts.conftest import installation


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

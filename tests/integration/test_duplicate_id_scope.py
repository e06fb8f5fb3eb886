"""A duplicate ID number names the existing account only to someone who may see it.

Issue 14 finding 2: a 西城 clerk opening an account with a 东城 customer's ID number was told
the 东城 account number (a 404 to them), through opening, the correction decision and the
page; nothing recorded the hit. R-AC-06 (duplicates refused), R-PM-03 (branch scope),
R-PM-05 (audit).
"""

from __future__ import annotations

import json

import pytest

from crm.accounts import corrections, service
from crm.accounts.customer_rules import CustomerInput
from crm.accounts.service import DuplicateIdNumber
from crm.accounts.tables import Customer, CorrectionRequest
from crm.audit.tables import AuditEvent
from crm.context import Origin
from crm.seed import actor_for
from crm.staff.tables import Branch, Staff
from tests.integration.conftest import new_customer
from tests.integration.test_pages import RESIDENT, page_login, submit, text_of

EAST_ID = "11010519491231002X"
WEST_ID = "110102198001010017"


async def _hits() -> list[dict]:
    rows = await AuditEvent.select().where(AuditEvent.action == "customer.duplicate_id_hit").order_by(AuditEvent.seq)
    return [{**r, "details": json.loads(r["details"])} for r in rows]


async def _west_manager() -> None:
    west = await Branch.select(Branch.id).where(Branch.code == "XC").first()
    await Staff.insert(Staff(username="market_xc", display_name="钱伟", role="market_manager", branch=west["id"],
                             all_branches=False, password_hash="unused", must_change_password=False))


async def _all_branches_clerk() -> None:
    head = await Branch.select(Branch.id).where(Branch.code == "HQ").first()
    await Staff.insert(Staff(username="frontdesk_hq", display_name="高远", role="front_desk", branch=head["id"],
                             all_branches=True, password_hash="unused", must_change_password=False))


class TestOpeningWithAnotherBranchsIdNumber:
    async def test_a_clerk_of_another_branch_gets_the_branch_to_contact_and_no_account_number(self, client, login):
        """Issue 14 finding 2, R-PM-03: the 东城 account stays unnamed to a 西城 clerk."""
        east = await login("frontdesk")
        existing = (await client.post("/api/v1/customers", json=new_customer(), headers=east)).json()["account_no"]
        west = await login("frontdesk2")

        response = await client.post("/api/v1/customers", json=new_customer(branch="XC", name="张三"), headers=west)

        body = response.json()
        assert response.status_code == 409
        assert body["code"] == "customer.duplicate_id" and body["field"] == "id_number"
        assert body.get("existing_account_no") is None
        assert existing not in response.text
        assert body["branch"] == "DC"
        assert "其他营业网点" in body["message"] and "东城营业厅" in body["message"]
        assert "another branch" in body["message"]
        assert await Customer.count() == 1

    async def test_a_clerk_of_the_same_branch_gets_the_account_number(self, client, login):
        """R-AC-06: the desk that may see the account is told which one."""
        east = await login("frontdesk")
        existing = (await client.post("/api/v1/customers", json=new_customer(), headers=east)).json()["account_no"]

        response = await client.post("/api/v1/customers", json=new_customer(name="张三"), headers=east)

        assert response.status_code == 409
        assert response.json()["existing_account_no"] == existing
        assert response.json()["branch"] == "DC"

    async def test_a_person_who_sees_every_branch_gets_the_account_number(self, client, login, ctx):
        """R-PM-03: all-branch scope sees the 东城 account, so it may be named."""
        east = await login("frontdesk")
        existing = (await client.post("/api/v1/customers", json=new_customer(), headers=east)).json()["account_no"]
        await _all_branches_clerk()
        actor = await actor_for(username="frontdesk_hq")
        data = CustomerInput(**{**RESIDENT, "branch": "HQ", "name": "张三"})

        with pytest.raises(DuplicateIdNumber) as refused:
            await service.open_account(ctx=ctx, actor=actor, data=data, origin=Origin())

        assert refused.value.existing_account_no == existing
        assert refused.value.as_dict()["existing_account_no"] == existing

    async def test_every_hit_is_audited_whoever_made_it(self, client, login):
        """Issue 14 finding 2, R-PM-05: the refused opening rolls back, its audit event does not."""
        east = await login("frontdesk")
        existing = (await client.post("/api/v1/customers", json=new_customer(), headers=east)).json()["account_no"]
        west = await login("frontdesk2")

        await client.post("/api/v1/customers", json=new_customer(branch="XC", name="张三"), headers=west)
        await client.post("/api/v1/customers", json=new_customer(name="张三"), headers=east)

        hits = await _hits()
        assert [(h["actor"], h["outcome"], h["target"]) for h in hits] == [
            ("frontdesk2", "failure", existing), ("frontdesk", "failure", existing),
        ]
        assert hits[0]["details"]["existing_account_no"] == existing
        assert hits[0]["details"]["branch"] == "DC"
        assert hits[0]["details"]["via"] == "open"
        assert hits[0]["details"]["named"] is False and hits[1]["details"]["named"] is True


class TestCorrectingToAnotherBranchsIdNumber:
    async def _pending_correction(self, client, login) -> tuple[str, int]:
        east = await login("frontdesk")
        existing = (await client.post("/api/v1/customers", json=new_customer(), headers=east)).json()["account_no"]
        west = await login("frontdesk2")
        mine = (await client.post(
            "/api/v1/customers", json=new_customer(branch="XC", name="李四", id_number=WEST_ID), headers=west
        )).json()["account_no"]
        requested = await client.post(
            f"/api/v1/customers/{mine}/corrections",
            json={"field": "id_number", "new_value": EAST_ID, "reason": "登记时证件号录错"}, headers=west,
        )
        assert requested.status_code == 201, requested.text
        return existing, requested.json()["id"]

    async def test_a_branch_scoped_decider_is_not_told_the_other_branchs_account(self, client, login, ctx):
        """Issue 14 finding 2: the correction decision leaked the same way."""
        existing, correction_id = await self._pending_correction(client, login)
        await _west_manager()
        actor = await actor_for(username="market_xc")

        with pytest.raises(DuplicateIdNumber) as refused:
            await corrections.decide_correction(
                ctx=ctx, actor=actor, correction_id=correction_id, approve=True, reason=None, origin=Origin()
            )

        assert refused.value.existing_account_no is None
        assert refused.value.as_dict()["branch"] == "DC"
        assert existing not in refused.value.message and "东城营业厅" in refused.value.message
        hits = await _hits()
        assert [(h["actor"], h["target"], h["details"]["via"]) for h in hits] == [("market_xc", existing, "correction")]
        pending = await CorrectionRequest.select(CorrectionRequest.status).first()
        assert pending["status"] == "pending"

    async def test_an_all_branches_decider_through_the_api_gets_the_account_number(self, client, login):
        """R-AC-06: a manager who sees both branches may be told which account holds the number."""
        existing, correction_id = await self._pending_correction(client, login)
        market = await login("market")

        response = await client.post(f"/api/v1/corrections/{correction_id}/decision", json={"approve": True}, headers=market)

        assert response.status_code == 409
        assert response.json()["existing_account_no"] == existing
        assert len(await _hits()) == 1


class TestTheOpeningPage:
    async def test_the_page_names_the_branch_not_the_other_branchs_account(self, client):
        """Issue 14 finding 2: the 409 page of a 西城 clerk neither links nor prints the 东城 account."""
        await page_login(client, "frontdesk")
        page = await submit(client, "/customers/new", RESIDENT)
        existing = page.headers["location"].split("/")[2].split("?")[0]
        await page_login(client, "frontdesk2")

        response = await submit(client, "/customers/new", {**RESIDENT, "branch": "XC", "name": "张三"})

        assert response.status_code == 409
        assert existing not in response.text
        assert "东城营业厅" in text_of(response.text)


class TestImportingAnotherBranchsIdNumbers:
    async def test_the_error_report_names_the_branch_and_the_hits_are_audited(self, ctx):
        """Issue 14 finding 2: the import's duplicate rows leaked 东城 account numbers to a 西城 clerk."""
        from tests.integration.test_import import csv_bytes, run_import
        from tests.bench.data import import_rows

        await run_import(ctx, csv_bytes(list(import_rows(3, branch="DC"))))
        east = [r["account_no"] for r in await Customer.select(Customer.account_no)]

        report, errors = await run_import(ctx, csv_bytes(list(import_rows(3, branch="XC"))), user="frontdesk2")

        assert (report.imported, report.duplicates) == (0, 3)
        assert not any(no in e["message"] for e in errors for no in east)
        assert all("东城营业厅" in e["message"] for e in errors)
        hits = await _hits()
        assert [(h["actor"], h["details"]["via"], h["details"]["named"]) for h in hits] == [("frontdesk2", "import", 0)]
        assert sorted(hits[0]["details"]["existing_account_nos"]) == sorted(east)

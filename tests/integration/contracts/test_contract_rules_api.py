"""Price standards, budget estimates, contract types and the remaining refusals (R-CT-04..11)."""

from __future__ import annotations

import datetime as dt

import pytest

from contracts import service
from contracts.lifecycle import OneStepPerPerson
from contracts.tables import Contract, ContractType, PriceStandard
from crm.context import Origin
from crm.seed import actor_for
from crm.staff.access import Actor
from crm.staff.tables import Branch, Staff
from tests.integration.contracts.conftest import INSTALLATION_FEN, PRICE_ITEMS, installation, installments


async def _submitted(client, as_role, open_customer, category="commercial", **body) -> str:
    desk = await as_role("frontdesk")
    account_no = await open_customer(category)
    response = await client.post("/api/v1/contracts", json=installation(account_no, **body), headers=desk)
    assert response.status_code == 201, response.text
    no = response.json()["contract_no"]
    assert (await client.post(f"/api/v1/contracts/{no}/submit", headers=desk)).status_code == 200
    return no


class TestPriceStandards:
    async def test_a_new_version_takes_over_on_its_first_day(self, client, as_role, price_standard):
        """R-CT-06: versioned with effective dates; exactly one version prices a given day."""
        await price_standard(effective_from="2026-01-01")
        dearer = [dict(item, unit_price_fen=item["unit_price_fen"] + 1000) for item in PRICE_ITEMS]

        second = await price_standard(effective_from="2026-12-01", items=dearer)
        listed = (await client.get("/api/v1/price-standards", headers=await as_role("frontdesk"))).json()
        today = (await client.get("/api/v1/price-standards?on=2026-11-25", headers=await as_role("frontdesk"))).json()

        assert second["version"] == 2
        assert [(s["version"], s["effective_to"]) for s in listed] == [(1, "2026-12-01"), (2, None)]
        assert [s["version"] for s in today] == [1]

    async def test_only_finance_maintains_price_standards(self, client, as_role):
        response = await client.post("/api/v1/price-standards", headers=await as_role("frontdesk"), json={
            "code": "JZ-2026", "name": "标准", "effective_from": "2026-01-01", "items": PRICE_ITEMS})

        assert response.status_code == 403
        assert await PriceStandard.count() == 0

    async def test_an_overlapping_period_is_refused(self, client, as_role, price_standard):
        finance = await as_role("finance")
        await client.post("/api/v1/price-standards", headers=finance, json={
            "code": "JZ-2026", "name": "标准", "effective_from": "2026-01-01", "effective_to": "2026-07-01",
            "items": PRICE_ITEMS})

        response = await client.post("/api/v1/price-standards", headers=finance, json={
            "code": "JZ-2026", "name": "标准", "effective_from": "2026-06-01", "items": PRICE_ITEMS})

        assert response.status_code == 409
        assert response.json()["code"] == "price_standard.overlap"
        assert await PriceStandard.count() == 1

    async def test_a_contract_without_a_standard_in_force_is_refused(self, client, as_role, open_customer):
        account_no = await open_customer("residential")

        response = await client.post("/api/v1/contracts", json=installation(account_no), headers=await as_role("frontdesk"))

        assert response.status_code == 422
        assert response.json()["code"] == "contract.no_price_standard"


class TestBudgetEstimates:
    async def test_an_installation_priced_on_the_budget_estimate(self, client, as_role, open_customer):
        """R-CT-06: the budget department's amount, to the fen; another customer's estimate does not price it."""
        account_no = await open_customer("collective")
        other = await open_customer("collective")
        finance = await as_role("finance")
        recorded = await client.post("/api/v1/budget-estimates", headers=finance, json={
            "ref": "YS-2026-0001", "account_no": account_no, "amount_fen": 1_234_500, "description": "庭院管网预算"})
        desk = await as_role("frontdesk")
        body = {"type": "installation", "terms": "安装条款。", "budget_estimate_ref": "YS-2026-0001"}

        wrong = await client.post("/api/v1/contracts", headers=desk, json={**body, "account_no": other})
        off = await client.post("/api/v1/contracts", headers=desk, json={**body, "account_no": account_no,
                                                                           "amount_fen": 1_234_499})
        right = await client.post("/api/v1/contracts", headers=desk, json={**body, "account_no": account_no,
                                                                             "amount_fen": 1_234_500})
        again = await client.post("/api/v1/contracts", headers=desk, json={**body, "account_no": account_no})

        assert recorded.status_code == 201, recorded.text
        assert wrong.json()["code"] == "contract.unknown_budget_estimate"
        assert off.json()["code"] == "contract.fee_mismatch"
        assert right.status_code == 201 and right.json()["fee_basis"] == "budget_estimate"
        assert again.status_code == 409 and again.json()["code"] == "contract.budget_estimate_in_use"


class TestContractTypes:
    async def test_an_administrator_adds_a_type_and_the_front_desk_drafts_it(self, client, as_role, open_customer, price_standard):
        """SPEC §3: contract types are data (可根据业务调整情况增减合同类别)."""
        await price_standard()
        admin = await as_role("sysadmin")
        created = await client.post("/api/v1/contract-types", headers=admin, json={
            "code": "meter_relocation", "name_zh": "燃气表移位工程合同", "name_en": "Meter relocation contract",
            "family": "installation", "required_fields": ["construction_period_days"]})
        gm = await as_role("gm")
        # Contract types change only with the general manager's approval (R-ST-06).
        await client.post(f"/api/v1/staff-grants/{created.json()['id']}/approve", headers=gm, json={})
        account_no = await open_customer("residential")
        desk = await as_role("frontdesk")

        missing = await client.post("/api/v1/contracts", headers=desk,
                                    json=installation(account_no, type="meter_relocation"))
        drafted = await client.post("/api/v1/contracts", headers=desk, json=installation(
            account_no, type="meter_relocation", construction_period_days=10, planning_estimate_ref="GH-2026-001"))
        retiring = await client.patch("/api/v1/contract-types/meter_relocation", headers=admin, json={"active": False})
        await client.post(f"/api/v1/staff-grants/{retiring.json()['id']}/approve", headers=gm, json={})
        retired = await client.post("/api/v1/contracts", headers=desk, json=installation(
            account_no, type="meter_relocation", construction_period_days=10, planning_estimate_ref="GH-2026-001"))

        assert created.status_code == 202, created.text
        assert missing.status_code == 422 and missing.json()["code"] == "contract.field_required"
        assert drafted.status_code == 201 and drafted.json()["type"] == "meter_relocation"
        assert retired.status_code == 404 and retired.json()["code"] == "contract_type.not_found"

    async def test_unknown_family_and_non_administrators_are_refused(self, client, as_role):
        body = {"code": "odd", "name_zh": "奇怪", "name_en": "Odd", "family": "lease"}

        bad = await client.post("/api/v1/contract-types", headers=await as_role("sysadmin"), json=body)
        desk = await client.post("/api/v1/contract-types", headers=await as_role("frontdesk"),
                                 json={**body, "family": "supply"})

        assert bad.status_code == 422 and bad.json()["code"] == "contract_type.unknown_family"
        assert desk.status_code == 403
        assert await ContractType.count() == 5


class TestRefusals:
    async def test_a_manager_of_another_branch_cannot_decide(self, client, as_role, open_customer, price_standard, ctx):
        """R-CT-10, R-PM-03: each step is decided in the contract's branch or by head office."""
        await price_standard()
        no = await _submitted(client, as_role, open_customer)
        west = await Branch.select(Branch.id).where(Branch.code == "XC").first()
        await Staff.insert(Staff(username="market_xc", display_name="钱峰", role="market_manager", branch=west["id"],
                                 all_branches=False, password_hash="unused", must_change_password=False))
        actor = await actor_for(username="market_xc")

        with pytest.raises(service.ContractNotFound) as refused:
            await service.decide(ctx=ctx, actor=actor, contract_no=no, decision="approve", reason=None, origin=Origin())

        assert refused.value.code == "contract.not_found"

    async def test_the_same_person_never_decides_two_steps(self, client, as_role, open_customer, price_standard, ctx):
        """R-CT-10: one person decides at most one step, even after changing role."""
        await price_standard()
        no = await _submitted(client, as_role, open_customer, payment_plan=installments())
        market = await actor_for(username="market")
        await service.decide(ctx=ctx, actor=market, contract_no=no, decision="approve", reason=None, origin=Origin())
        promoted = Actor(**{**market.__dict__, "role": "operations_vp"})

        with pytest.raises(OneStepPerPerson):
            await service.decide(ctx=ctx, actor=promoted, contract_no=no, decision="approve", reason=None, origin=Origin())

        assert (await Contract.select(Contract.status).where(Contract.contract_no == no).first())["status"] == "pending_approval"

    async def test_signing_before_approval_and_take_or_pay_by_front_desk_are_refused(
        self, client, as_role, open_customer, price_standard
    ):
        await price_standard()
        no = await _submitted(client, as_role, open_customer)
        desk = await as_role("frontdesk")
        vp = await as_role("vp")
        industrial = await open_customer("industrial")
        top = (await client.post("/api/v1/contracts", headers=vp, json={
            "type": "take_or_pay", "account_no": industrial, "terms": "照付不议条款。", "annual_volume_m3": 3_000_000,
            "market_data_ref": "SC-1", "finance_data_ref": "CW-1"})).json()["contract_no"]
        await client.post(f"/api/v1/contracts/{top}/submit", headers=vp)
        await client.post(f"/api/v1/contracts/{top}/decisions", headers=await as_role("gm"),
                          json={"decision": "approve", "reason": "量价合理"})

        early = await client.post(f"/api/v1/contracts/{no}/sign", headers=desk)
        by_desk = await client.post(f"/api/v1/contracts/{top}/sign", headers=desk)
        by_gm = await client.post(f"/api/v1/contracts/{top}/sign", headers=await as_role("gm"))

        assert early.status_code == 409 and early.json()["code"] == "contract.not_approved"
        assert by_desk.status_code == 403 and by_desk.json()["code"] == "contract.signer_not_allowed"
        assert by_gm.status_code == 200 and by_gm.json()["status"] == "signed"

    async def test_lifecycle_moves_need_a_reason_and_follow_the_order(self, client, as_role, open_customer, price_standard):
        """R-CT-11: signed → active → fulfilled | terminated, each with a reason."""
        await price_standard()
        desk = await as_role("frontdesk")
        account_no = await open_customer("residential")
        no = (await client.post("/api/v1/contracts", json=installation(account_no), headers=desk)).json()["contract_no"]

        skipped = await client.post(f"/api/v1/contracts/{no}/transitions", headers=desk,
                                    json={"to": "fulfilled", "reason": "完工"})
        await client.post(f"/api/v1/contracts/{no}/submit", headers=desk)
        await client.post(f"/api/v1/contracts/{no}/sign", headers=desk)
        silent = await client.post(f"/api/v1/contracts/{no}/transitions", headers=desk, json={"to": "active"})
        active = await client.post(f"/api/v1/contracts/{no}/transitions", headers=desk,
                                   json={"to": "active", "reason": "开工"})
        done = await client.post(f"/api/v1/contracts/{no}/transitions", headers=desk,
                                 json={"to": "fulfilled", "reason": "验收合格"})

        assert skipped.status_code == 409 and skipped.json()["code"] == "contract.illegal_transition"
        assert silent.status_code == 422 and silent.json()["code"] == "contract.reason_required"
        assert active.json()["status"] == "active"
        assert done.json()["status"] == "fulfilled"

    async def test_payments_follow_the_schedule_oldest_installment_first(self, client, as_role, open_customer, price_standard):
        """R-BL-07: the ledger per customer, including installment schedules."""
        await price_standard()
        no = await _submitted(client, as_role, open_customer, payment_plan=installments())
        for manager in ("market", "vp"):
            await client.post(f"/api/v1/contracts/{no}/decisions", json={"decision": "approve"},
                              headers=await as_role(manager))
        desk = await as_role("frontdesk")
        await client.post(f"/api/v1/contracts/{no}/sign", headers=desk)
        first = INSTALLATION_FEN // 2

        paid = await client.post(f"/api/v1/contracts/{no}/payments", headers=desk,
                                 json={"amount_fen": first + 100, "channel": "bank", "paid_on": "2026-11-25"})
        unknown = await client.post(f"/api/v1/contracts/{no}/payments", headers=desk,
                                    json={"amount_fen": 1, "channel": "cash-in-envelope"})
        contract = (await client.get(f"/api/v1/contracts/{no}", headers=desk)).json()

        assert paid.status_code == 201 and paid.json()["outstanding_fen"] == INSTALLATION_FEN - first - 100
        assert unknown.status_code == 422 and unknown.json()["code"] == "ledger.unknown_channel"
        assert [i["paid_fen"] for i in contract["installments"]] == [first, 100]
        assert dt.date.fromisoformat(contract["installments"][0]["due_date"]) == dt.date(2026, 12, 31)


class TestRevision:
    async def test_a_returned_contract_is_revised_and_goes_through_a_new_round(
        self, client, as_role, open_customer, price_standard
    ):
        """R-CT-10/11: returned for revision → draft → edited → submitted again from the first step."""
        await price_standard()
        no = await _submitted(client, as_role, open_customer)
        market = await as_role("market")
        desk = await as_role("frontdesk")
        returned = (await client.post(f"/api/v1/contracts/{no}/decisions", headers=market,
                                      json={"decision": "return", "reason": "请补充报警器"})).json()
        body = installation(returned["account_no"], price_items=[
            {"code": "AZ-RES", "quantity": 1}, {"code": "GD-DN25", "quantity": 12.5}, {"code": "BJ-01", "quantity": 1}])

        stale = await client.patch(f"/api/v1/contracts/{no}", headers=desk, json={**body, "version": 1})
        moved = await client.patch(f"/api/v1/contracts/{no}", headers=desk,
                                   json={**body, "account_no": await open_customer("commercial")})
        revised = await client.patch(f"/api/v1/contracts/{no}", headers=desk,
                                     json={**body, "version": returned["version"]})
        resubmitted = (await client.post(f"/api/v1/contracts/{no}/submit", headers=desk)).json()

        assert stale.status_code == 409 and stale.json()["code"] == "contract.stale"
        assert moved.status_code == 422 and moved.json()["code"] == "contract.fixed_field"
        assert revised.status_code == 200, revised.text
        assert revised.json()["amount_fen"] == INSTALLATION_FEN + 45_000
        assert [(s["status"], s["round"]) for s in resubmitted["approval_chain"]] == [("pending", 2)]
        assert [(s["decision"], s["decision_reason"]) for s in resubmitted["approval_history"]] == [
            ("return", "请补充报警器")]

    async def test_a_contract_under_approval_cannot_be_edited(self, client, as_role, open_customer, price_standard):
        await price_standard()
        no = await _submitted(client, as_role, open_customer)
        account_no = (await client.get(f"/api/v1/contracts/{no}", headers=await as_role("frontdesk"))).json()["account_no"]

        response = await client.patch(f"/api/v1/contracts/{no}", headers=await as_role("frontdesk"),
                                      json=installation(account_no))

        assert response.status_code == 409 and response.json()["code"] == "contract.not_draft"

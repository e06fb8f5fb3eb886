"""Contracts through the API: drafting, fees, chains, decisions, signing (SPEC §3, R-CT-04..11, R-BL-07)."""

from __future__ import annotations

from contracts.tables import ApprovalStep, Contract
from crm.audit.tables import AuditEvent
from tests.integration.contracts.conftest import INSTALLATION_FEN, installation, installments


async def _draft(client, headers, body) -> dict:
    response = await client.post("/api/v1/contracts", json=body, headers=headers)
    assert response.status_code == 201, response.text
    return response.json()


class TestDrafting:
    async def test_residential_installation_paid_at_once_needs_no_approval(self, client, as_role, open_customer, price_standard):
        """R-CT-04 row 1: the front desk signs a scattered residential installation directly."""
        await price_standard()
        account_no = await open_customer("residential")
        desk = await as_role("frontdesk")

        drafted = await _draft(client, desk, installation(account_no))
        submitted = await client.post(f"/api/v1/contracts/{drafted['contract_no']}/submit", headers=desk)
        signed = await client.post(f"/api/v1/contracts/{drafted['contract_no']}/sign", headers=desk)

        assert drafted["status"] == "draft"
        assert drafted["amount_fen"] == INSTALLATION_FEN
        assert drafted["contract_no"].startswith("HT-DC-2026-")
        assert submitted.json()["status"] == "approved"
        assert submitted.json()["approval_chain"] == []
        assert signed.status_code == 200, signed.text
        assert signed.json()["status"] == "signed"
        assert signed.json()["signed_by"] == "frontdesk"

    async def test_preview_shows_fee_and_chain_and_writes_nothing(self, client, as_role, open_customer, price_standard):
        """The form shows the computed fee and the chain before submission."""
        await price_standard()
        account_no = await open_customer("commercial")

        response = await client.post("/api/v1/contracts/preview", json=installation(account_no, payment_plan=installments()),
                                     headers=await as_role("frontdesk"))

        assert response.status_code == 200, response.text
        body = response.json()
        assert body["amount_fen"] == INSTALLATION_FEN
        assert [s["role"] for s in body["approval_chain"]] == ["market_manager", "operations_vp"]
        assert await Contract.count() == 0

    async def test_a_fee_one_fen_off_is_refused(self, client, as_role, open_customer, price_standard):
        """R-CT-06: no role can over- or under-charge."""
        await price_standard()
        account_no = await open_customer("residential")
        desk = await as_role("frontdesk")

        for amount in (INSTALLATION_FEN + 1, INSTALLATION_FEN - 1):
            response = await client.post("/api/v1/contracts", json=installation(account_no, amount_fen=amount), headers=desk)

            assert response.status_code == 422
            assert response.json()["code"] == "contract.fee_mismatch"
            assert response.json()["field"] == "amount_fen"
        assert await Contract.count() == 0

    async def test_installments_that_do_not_add_up_are_refused(self, client, as_role, open_customer, price_standard):
        """R-CT-05: installment contracts list deadlines and steps that cover the amount."""
        await price_standard()
        account_no = await open_customer("commercial")
        plan = installments(INSTALLATION_FEN - 100)

        response = await client.post("/api/v1/contracts", json=installation(account_no, payment_plan=plan),
                                     headers=await as_role("frontdesk"))

        assert response.status_code == 422
        assert response.json()["code"] == "contract.installments_sum_mismatch"
        assert await Contract.count() == 0

    async def test_installments_without_due_dates_are_refused(self, client, as_role, open_customer, price_standard):
        await price_standard()
        account_no = await open_customer("commercial")
        plan = installments()
        del plan["installments"][1]["due_date"]

        response = await client.post("/api/v1/contracts", json=installation(account_no, payment_plan=plan),
                                     headers=await as_role("frontdesk"))

        assert response.status_code == 422
        assert response.json()["code"] == "contract.installment_due_date_missing"
        assert response.json()["field"] == "payment_plan.installments[1].due_date"

    async def test_take_or_pay_below_both_thresholds_is_refused(self, client, as_role, open_customer):
        """R-CT-09: 9,999 m³/day and 2,999,999 m³/year are not enough."""
        account_no = await open_customer("industrial")
        body = {"type": "take_or_pay", "account_no": account_no, "terms": "照付不议条款：年合同气量及提取义务。",
                "annual_volume_m3": 2_999_999, "daily_volume_m3": 9_999,
                "market_data_ref": "SC-2026-01", "finance_data_ref": "CW-2026-01"}

        response = await client.post("/api/v1/contracts", json=body, headers=await as_role("vp"))

        assert response.status_code == 422
        assert response.json()["code"] == "contract.take_or_pay_ineligible"
        assert await Contract.count() == 0

    async def test_take_or_pay_drafted_by_front_desk_is_refused(self, client, as_role, open_customer):
        """R-CT-04: only the operations VP drafts take-or-pay contracts."""
        account_no = await open_customer("industrial")
        body = {"type": "take_or_pay", "account_no": account_no, "terms": "照付不议条款。",
                "daily_volume_m3": 10_000, "market_data_ref": "SC-1", "finance_data_ref": "CW-1"}

        response = await client.post("/api/v1/contracts", json=body, headers=await as_role("frontdesk"))

        assert response.status_code == 403
        assert response.json()["code"] == "contract.drafter_not_allowed"
        assert await Contract.count() == 0


class TestApprovalChain:
    async def test_commercial_installments_go_to_market_manager_then_vp(self, client, as_role, open_customer, price_standard):
        """R-CT-04 rows 2 and 3, in order; the decisions land in the audit trail."""
        await price_standard()
        account_no = await open_customer("commercial")
        desk = await as_role("frontdesk")
        drafted = await _draft(client, desk, installation(account_no, payment_plan=installments()))
        no = drafted["contract_no"]

        submitted = (await client.post(f"/api/v1/contracts/{no}/submit", headers=desk)).json()
        early = await client.post(f"/api/v1/contracts/{no}/decisions", json={"decision": "approve"}, headers=await as_role("vp"))
        first = await client.post(f"/api/v1/contracts/{no}/decisions", json={"decision": "approve", "reason": "价格合规"},
                                  headers=await as_role("market"))
        second = await client.post(f"/api/v1/contracts/{no}/decisions", json={"decision": "approve"}, headers=await as_role("vp"))
        signed = await client.post(f"/api/v1/contracts/{no}/sign", headers=desk)

        assert submitted["status"] == "pending_approval"
        assert [(s["role"], s["status"]) for s in submitted["approval_chain"]] == [
            ("market_manager", "pending"), ("operations_vp", "waiting")]
        assert early.status_code == 409 and early.json()["code"] == "approval.out_of_order"
        assert first.status_code == 200, first.text
        assert second.json()["status"] == "approved"
        assert [(s["decided_by"], s["decision"]) for s in second.json()["approval_chain"]] == [
            ("market", "approve"), ("vp", "approve")]
        assert signed.json()["status"] == "signed"
        actions = [e["action"] for e in await AuditEvent.select(AuditEvent.action).where(AuditEvent.target == no)]
        assert actions.count("contract.decision") == 2

    async def test_the_drafter_never_approves_their_own_contract(self, client, as_role, open_customer):
        """R-CT-10: the VP drafts take-or-pay; the general manager approves it, not the VP."""
        account_no = await open_customer("upstream_supplier")
        vp = await as_role("vp")
        body = {"type": "take_or_pay", "account_no": account_no, "terms": "照付不议条款。",
                "market_data_ref": "SC-1", "finance_data_ref": "CW-1", "property_dispute": True}
        no = (await _draft(client, vp, body))["contract_no"]
        submitted = (await client.post(f"/api/v1/contracts/{no}/submit", headers=vp)).json()

        own = await client.post(f"/api/v1/contracts/{no}/decisions", json={"decision": "approve"}, headers=vp)

        assert [s["role"] for s in submitted["approval_chain"]] == ["operations_vp", "general_manager"]
        assert own.status_code == 403
        assert own.json()["code"] == "approval.own_contract"

    async def test_reject_needs_a_reason_and_sends_the_contract_back_to_draft(self, client, as_role, open_customer, price_standard):
        """R-CT-10, R-CT-11; a later decision on the rejected contract is refused."""
        await price_standard()
        account_no = await open_customer("collective")
        desk = await as_role("frontdesk")
        no = (await _draft(client, desk, installation(account_no)))["contract_no"]
        await client.post(f"/api/v1/contracts/{no}/submit", headers=desk)
        market = await as_role("market")

        bare = await client.post(f"/api/v1/contracts/{no}/decisions", json={"decision": "reject"}, headers=market)
        rejected = await client.post(f"/api/v1/contracts/{no}/decisions", json={"decision": "reject", "reason": "管径不符"},
                                     headers=market)
        again = await client.post(f"/api/v1/contracts/{no}/decisions", json={"decision": "approve"}, headers=market)

        assert bare.status_code == 422 and bare.json()["code"] == "approval.reason_required"
        assert rejected.json()["status"] == "draft"
        assert rejected.json()["status_reason"] == "管径不符"
        assert again.status_code == 409 and again.json()["code"] == "contract.not_pending"

    async def test_another_branch_contract_is_not_found(self, client, as_role, open_customer, price_standard):
        """R-PM-03: a clerk of branch XC gets 404 for branch DC's contract."""
        await price_standard()
        account_no = await open_customer("residential")
        no = (await _draft(client, await as_role("frontdesk"), installation(account_no)))["contract_no"]

        seen = await client.get(f"/api/v1/contracts/{no}", headers=await as_role("frontdesk2"))
        signed = await client.post(f"/api/v1/contracts/{no}/sign", headers=await as_role("frontdesk2"))

        assert seen.status_code == 404 and seen.json()["code"] == "contract.not_found"
        assert signed.status_code == 404


class TestInboxAndLedger:
    async def test_inbox_lists_what_waits_for_my_role(self, client, as_role, open_customer, price_standard):
        await price_standard()
        desk = await as_role("frontdesk")
        for _ in range(2):
            account_no = await open_customer("commercial")
            no = (await _draft(client, desk, installation(account_no)))["contract_no"]
            await client.post(f"/api/v1/contracts/{no}/submit", headers=desk)

        market = (await client.get("/api/v1/approvals/inbox", headers=await as_role("market"))).json()
        vp = (await client.get("/api/v1/approvals/inbox", headers=await as_role("vp"))).json()

        assert market["total"] == 2 and len(market["items"]) == 2
        assert market["items"][0]["reasons"] == ["non_residential_installation"]
        assert vp["total"] == 0
        assert await ApprovalStep.count() == 2

    async def test_unsettled_installation_fees_put_the_general_manager_in_a_supply_chain(
        self, client, as_role, open_customer, price_standard
    ):
        """R-BL-07 feeds R-CT-04: supply while installation fees are unsettled needs the general manager."""
        await price_standard()
        account_no = await open_customer("residential")
        desk = await as_role("frontdesk")
        no = (await _draft(client, desk, installation(account_no)))["contract_no"]
        await client.post(f"/api/v1/contracts/{no}/submit", headers=desk)
        await client.post(f"/api/v1/contracts/{no}/sign", headers=desk)
        supply = {"type": "residential_supply", "account_no": account_no, "terms": "供气条款：按月抄表结算。"}

        before = await client.post("/api/v1/contracts/preview", json=supply, headers=desk)
        paid = await client.post(f"/api/v1/contracts/{no}/payments", json={"amount_fen": INSTALLATION_FEN}, headers=desk)
        over = await client.post(f"/api/v1/contracts/{no}/payments", json={"amount_fen": 1}, headers=desk)
        after = await client.post("/api/v1/contracts/preview", json=supply, headers=desk)
        balance = await client.get(f"/api/v1/customers/{account_no}/installation-balance", headers=desk)

        assert [s["role"] for s in before.json()["approval_chain"]] == ["general_manager"]
        assert paid.status_code == 201, paid.text
        assert over.status_code == 422 and over.json()["code"] == "ledger.overpayment"
        assert after.json()["approval_chain"] == []
        assert balance.json()["outstanding_fen"] == 0 and balance.json()["unsettled"] is False


class TestContractDocument:
    async def test_pdf_lists_parties_fees_schedule_and_both_approvals(self, client, as_role, open_customer, price_standard):
        """R-CT-11: the contract PDF shows the approval trail (who, role, decision, reason)."""
        from tests.unit.reports.pdf_helpers import extract_pages, squash

        await price_standard()
        account_no = await open_customer("commercial")
        desk = await as_role("frontdesk")
        no = (await _draft(client, desk, installation(account_no, payment_plan=installments())))["contract_no"]
        await client.post(f"/api/v1/contracts/{no}/submit", headers=desk)
        await client.post(f"/api/v1/contracts/{no}/decisions", json={"decision": "approve", "reason": "价格合规"},
                          headers=await as_role("market"))
        await client.post(f"/api/v1/contracts/{no}/decisions", json={"decision": "approve", "reason": "分期可行"},
                          headers=await as_role("vp"))
        await client.post(f"/api/v1/contracts/{no}/sign", headers=desk)

        response = await client.get(f"/api/v1/contracts/{no}/document.pdf", headers=desk)

        assert response.status_code == 200
        assert response.headers["content-type"] == "application/pdf"
        text = squash("".join(extract_pages(response.content)))
        for expected in (no, "张伟", "刘建国", "价格合规", "分期可行", "¥3,868.75", "2027-03-31", "市场部经理", "经营副总"):
            assert squash(expected) in text, expected
        assert await AuditEvent.count().where((AuditEvent.action == "contract.document") & (AuditEvent.target == no)) == 1


class TestListing:
    async def test_each_desk_lists_its_own_branch_and_head_office_lists_all(self, client, as_role, open_customer, price_standard):
        """R-PM-03 for lists; the auditor has no contract capability at all."""
        await price_standard()
        east = await _draft(client, await as_role("frontdesk"), installation(await open_customer("residential")))
        west = await _draft(client, await as_role("frontdesk2"),
                            installation(await open_customer("residential", by="frontdesk2")))

        mine = (await client.get("/api/v1/contracts", headers=await as_role("frontdesk2"))).json()
        everything = (await client.get("/api/v1/contracts?status=draft", headers=await as_role("market"))).json()
        by_number = (await client.get(f"/api/v1/contracts?query={east['contract_no']}",
                                      headers=await as_role("market"))).json()
        auditor = await client.get("/api/v1/contracts", headers=await as_role("auditor"))

        assert [c["contract_no"] for c in mine["items"]] == [west["contract_no"]]
        assert {c["contract_no"] for c in everything["items"]} == {east["contract_no"], west["contract_no"]}
        assert [c["contract_no"] for c in by_number["items"]] == [east["contract_no"]]
        assert auditor.status_code == 403

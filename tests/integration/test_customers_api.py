"""Customer accounts through the API (SPEC §2, R-AC-01..09; R-PM-02..05)."""

from __future__ import annotations


from crm.accounts.tables import Customer
from crm.audit.tables import AuditEvent
from tests.integration.conftest import new_customer


class TestOpeningAccounts:
    async def test_front_desk_opens_an_account_with_a_check_digit_number(self, client, login):
        """R-AC-01, R-AC-09."""
        headers = await login("frontdesk")

        response = await client.post("/api/v1/customers", json=new_customer(), headers=headers)

        assert response.status_code == 201, response.text
        body = response.json()
        assert len(body["account_no"]) == 11 and body["account_no"].startswith("11")
        assert body["status"] == "pending"
        assert body["customer"]["id_number"] == "110***********002X"
        assert body["customer"]["phone"] == "138****5678"

    async def test_wrong_check_digit_is_refused_and_nothing_is_written(self, client, login):
        """R-AC-01: GB 11643 check digit."""
        headers = await login("frontdesk")

        response = await client.post("/api/v1/customers", json=new_customer(id_number="110105194912310021"), headers=headers)

        assert response.status_code == 422
        assert response.json()["code"] == "customer.invalid_id_number"
        assert response.json()["field"] == "id_number"
        assert await Customer.count() == 0

    async def test_collective_customer_without_contact_is_refused(self, client, login):
        """R-AC-03."""
        headers = await login("frontdesk")
        body = new_customer(category="collective", name="阳光物业管理有限公司", id_type="credit_code", id_number="91350100M000100Y43")

        response = await client.post("/api/v1/customers", json=body, headers=headers)

        assert response.status_code == 422
        assert response.json()["code"] == "customer.collective_contact_required"
        assert {e["field"] for e in response.json()["errors"]} == {"contact_name", "contact_phone"}

    async def test_duplicate_id_number_is_flagged_with_the_existing_account(self, client, login):
        """R-AC-06: detected through the blind index, never plaintext."""
        headers = await login("frontdesk")
        first = (await client.post("/api/v1/customers", json=new_customer(), headers=headers)).json()

        response = await client.post(
            "/api/v1/customers", json=new_customer(id_number="11010519491231002x", name="张三"), headers=headers
        )

        assert response.status_code == 409
        assert response.json()["code"] == "customer.duplicate_id"
        assert response.json()["existing_account_no"] == first["account_no"]
        assert await Customer.count() == 1

    async def test_malformed_phone_oversized_name_and_unknown_category_are_refused(self, client, login):
        headers = await login("frontdesk")

        phone = await client.post("/api/v1/customers", json=new_customer(phone="12345"), headers=headers)
        name = await client.post("/api/v1/customers", json=new_customer(name="张" * 101), headers=headers)
        category = await client.post("/api/v1/customers", json=new_customer(category="alien"), headers=headers)
        branch = await client.post("/api/v1/customers", json=new_customer(branch="NOPE"), headers=headers)

        assert (phone.status_code, phone.json()["code"]) == (422, "customer.invalid_phone")
        assert (name.status_code, name.json()["field"]) == (422, "name")
        assert (category.status_code, category.json()["code"]) == (422, "customer.unknown_category")
        assert (branch.status_code, branch.json()["code"]) == (422, "customer.unknown_branch")
        assert await Customer.count() == 0

    async def test_database_holds_no_plaintext_id_number_or_phone(self, client, login, ctx):
        """R-PM-04."""
        headers = await login("frontdesk")
        await client.post("/api/v1/customers", json=new_customer(), headers=headers)

        rows = await Customer.select()

        dump = repr(rows)
        assert "11010519491231002X" not in dump
        assert "13812345678" not in dump
        assert "幸福小区3号楼2单元501室" not in dump


class TestScopeAndMasking:
    async def test_another_branchs_customer_is_a_404(self, client, login):
        """R-PM-03: no IDOR."""
        own = await login("frontdesk")
        other = await login("frontdesk2")
        account_no = (await client.post("/api/v1/customers", json=new_customer(), headers=own)).json()["account_no"]

        responses = [
            await client.get(f"/api/v1/customers/{account_no}", headers=other),
            await client.get(f"/api/v1/customers/{account_no}/history", headers=other),
            await client.get(f"/api/v1/customers/{account_no}/sheet.pdf", headers=other),
            await client.post(f"/api/v1/customers/{account_no}/reveal", json={"field": "phone", "reason": "核对用户身份"}, headers=other),
            await client.patch(f"/api/v1/customers/{account_no}", json={"phone": "13900000000"}, headers=other),
        ]

        assert [r.status_code for r in responses] == [404] * 5
        assert all(r.json()["code"] == "customer.not_found" for r in responses)

    async def test_reveal_needs_a_reason_and_is_logged(self, client, login):
        """R-PM-02, R-PM-05."""
        headers = await login("frontdesk")
        account_no = (await client.post("/api/v1/customers", json=new_customer(), headers=headers)).json()["account_no"]

        refused = await client.post(f"/api/v1/customers/{account_no}/reveal", json={"field": "id_number", "reason": " "}, headers=headers)
        shown = await client.post(
            f"/api/v1/customers/{account_no}/reveal", json={"field": "id_number", "reason": "客户来电核对身份"}, headers=headers
        )

        assert refused.status_code == 422
        assert shown.json()["value"] == "11010519491231002X"
        events = await AuditEvent.select().where(AuditEvent.action == "customer.reveal")
        assert len(events) == 1
        assert events[0]["actor"] == "frontdesk" and events[0]["target"] == account_no
        assert "客户来电核对身份" in events[0]["details"]

    async def test_sysadmin_sees_no_customer_data(self, client, login):
        """SPEC §1: separation of duties."""
        front = await login("frontdesk")
        admin = await login("sysadmin")
        account_no = (await client.post("/api/v1/customers", json=new_customer(), headers=front)).json()["account_no"]

        detail = await client.get(f"/api/v1/customers/{account_no}", headers=admin)
        listing = await client.get("/api/v1/customers", headers=admin)

        assert detail.status_code == 403 and listing.status_code == 403


class TestChangesAndLifecycle:
    async def test_update_keeps_masked_history_and_stale_update_is_refused(self, client, login):
        """R-AC-08."""
        headers = await login("frontdesk")
        created = (await client.post("/api/v1/customers", json=new_customer(), headers=headers)).json()
        no = created["account_no"]

        ok = await client.patch(f"/api/v1/customers/{no}", json={"version": 1, "phone": "13900001111"}, headers=headers)
        stale = await client.patch(f"/api/v1/customers/{no}", json={"version": 1, "phone": "13900002222"}, headers=headers)
        history = (await client.get(f"/api/v1/customers/{no}/history", headers=headers)).json()

        assert ok.status_code == 200 and ok.json()["version"] == 2
        assert (stale.status_code, stale.json()["code"]) == (409, "customer.stale")
        change = [h for h in history if h["field"] == "phone"][0]
        assert (change["old_value"], change["new_value"]) == ("138****5678", "139****1111")

    async def test_name_change_needs_a_correction_approved_by_a_manager(self, client, login):
        """R-AC-08: 客户信息错误更正."""
        front = await login("frontdesk")
        manager = await login("market")
        no = (await client.post("/api/v1/customers", json=new_customer(), headers=front)).json()["account_no"]

        direct = await client.patch(f"/api/v1/customers/{no}", json={"name": "张三"}, headers=front)
        requested = await client.post(
            f"/api/v1/customers/{no}/corrections", json={"field": "name", "new_value": "张三", "reason": "开户时录入错误"}, headers=front
        )
        self_approval = await client.post(
            f"/api/v1/corrections/{requested.json()['id']}/decision", json={"approve": True}, headers=front
        )
        approved = await client.post(
            f"/api/v1/corrections/{requested.json()['id']}/decision", json={"approve": True}, headers=manager
        )
        customer = (await client.get(f"/api/v1/customers/{no}", headers=front)).json()

        assert direct.status_code == 422
        assert requested.status_code == 201
        assert self_approval.status_code == 403
        assert approved.json()["status"] == "approved"
        assert customer["name"] == "张三"

    async def test_transitions_need_reasons_and_illegal_ones_are_refused(self, client, login):
        """R-AC-07."""
        headers = await login("frontdesk")
        no = (await client.post("/api/v1/customers", json=new_customer(), headers=headers)).json()["account_no"]

        no_reason = await client.post(f"/api/v1/customers/{no}/transitions", json={"to": "active", "reason": ""}, headers=headers)
        illegal = await client.post(f"/api/v1/customers/{no}/transitions", json={"to": "frozen", "reason": "欠费", "cause": "arrears"}, headers=headers)
        activated = await client.post(f"/api/v1/customers/{no}/transitions", json={"to": "active", "reason": "验收合格通气"}, headers=headers)
        frozen = await client.post(f"/api/v1/customers/{no}/transitions", json={"to": "frozen", "reason": "安全隐患整改", "cause": "safety"}, headers=headers)

        assert (no_reason.status_code, no_reason.json()["code"]) == (422, "customer.reason_required")
        assert (illegal.status_code, illegal.json()["code"]) == (409, "customer.illegal_transition")
        assert activated.json()["status"] == "active"
        assert frozen.json()["status"] == "frozen" and frozen.json()["freeze_cause"] == "safety"


class TestMetersAndAppliances:
    async def test_meter_and_appliance_are_recorded(self, client, login):
        """R-AC-05."""
        headers = await login("frontdesk")
        no = (await client.post("/api/v1/customers", json=new_customer(), headers=headers)).json()["account_no"]

        meter = await client.post(
            f"/api/v1/customers/{no}/meters",
            json={"serial": "M2026001", "model": "G2.5", "meter_type": "smart", "installed_date": "2026-11-20", "initial_reading": "12.345", "seal_no": "QF001"},
            headers=headers,
        )
        appliance = await client.post(
            f"/api/v1/customers/{no}/appliances", json={"kind": "stove", "brand": "方太", "model": "JZT-1", "installed_date": "2026-11-20"}, headers=headers
        )
        bad = await client.post(f"/api/v1/customers/{no}/meters", json={"serial": "M2026002", "model": "G3", "meter_type": "smart"}, headers=headers)

        assert meter.status_code == 201 and meter.json()["initial_reading"] == "12.345"
        assert appliance.status_code == 201
        assert bad.status_code == 422
        assert len((await client.get(f"/api/v1/customers/{no}/meters", headers=headers)).json()) == 1

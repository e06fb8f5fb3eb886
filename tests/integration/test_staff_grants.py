"""Staff grants under a second approver (SPEC R-ST-06; issue 14 finding 1).

The review found the sysadmin could make a general manager with all branches, log in with the
password they chose and reveal ID numbers. Now every change of who may do what waits for
another person, and a new account's password is set only by its owner.
"""

from __future__ import annotations

import asyncio
import datetime as dt

from crm import db
from crm.audit.tables import AuditEvent
from crm.context import Origin
from crm.errors import Conflict
from crm.seed import actor_for
from crm.staff import fixtures as staff_fixtures
from crm.staff import grants
from crm.staff.tables import Staff, StaffGrant
from tests.conftest import DEMO_PASSWORD
from tests.integration.conftest import new_customer

NEW_PASSWORD = "Lantern-Harbour-8841"


def _new(**overrides) -> dict:
    body = {"username": "xiaoming", "display_name": "黄小明", "role": "front_desk", "branch": "XC"}
    body.update(overrides)
    return body


async def _approved_code(client, login, body: dict) -> tuple[int, str]:
    filed = await client.post("/api/v1/staff", json=body, headers=await login("sysadmin"))
    assert filed.status_code == 202, filed.text
    approved = await client.post(f"/api/v1/staff-grants/{filed.json()['id']}/approve", json={}, headers=await login("gm"))
    assert approved.status_code == 200, approved.text
    return filed.json()["id"], approved.json()["activation_code"]


async def _activate(client, username: str, code: str, password: str = NEW_PASSWORD):
    return await client.post("/api/v1/auth/activate", json={"username": username, "code": code, "new_password": password})


class TestTheSysadminCannotMakeABusinessSuperuser:
    async def test_a_new_general_manager_waits_and_has_no_password_the_sysadmin_knows(self, client, login):
        """Finding 1: POST /staff as sysadmin with role general_manager used to answer 201 and log in."""
        admin = await login("sysadmin")

        filed = await client.post(
            "/api/v1/staff", headers=admin,
            json=_new(username="boss", role="general_manager", branch="HQ", all_branches=True),
        )
        with_password = await client.post(
            "/api/v1/staff", headers=admin, json={**_new(username="boss2"), "initial_password": "Counter-Shift-4417"}
        )

        assert filed.status_code == 202, filed.text
        assert filed.json()["status"] == "pending" and filed.json()["activation_code"] is None
        assert with_password.status_code == 422  # there is no field for a password the sysadmin would choose
        assert not await Staff.exists().where(Staff.username == "boss")
        refused = await client.post("/api/v1/auth/login", json={"username": "boss", "password": "Counter-Shift-4417"})
        assert refused.status_code == 401

    async def test_the_general_manager_approves_and_only_the_new_person_sets_the_password(self, client, login):
        grant_id, code = await _approved_code(client, login, _new())
        listed = {s["username"]: s for s in (await client.get("/api/v1/staff", headers=await login("sysadmin"))).json()}
        sysadmin_view = (await client.get(f"/api/v1/staff-grants/{grant_id}", headers=await login("sysadmin"))).json()

        before = await client.post("/api/v1/auth/login", json={"username": "xiaoming", "password": NEW_PASSWORD})
        activated = await _activate(client, "xiaoming", code.lower())  # as typed: case does not matter
        after = await client.post("/api/v1/auth/login", json={"username": "xiaoming", "password": NEW_PASSWORD})

        assert listed["xiaoming"]["status"] == "awaiting_activation" and listed["xiaoming"]["active"] is False
        assert sysadmin_view["status"] == "approved" and sysadmin_view["activation_code"] is None
        assert before.status_code == 401
        assert activated.status_code == 204, activated.text
        assert after.status_code == 200 and after.json()["must_change_password"] is False
        assert after.json()["staff"]["role"] == "front_desk" and after.json()["staff"]["branch"] == "XC"
        stored = await StaffGrant.select(StaffGrant.activation_hash).where(StaffGrant.id == grant_id).first()
        assert code not in str(stored)  # only the hash is kept

    async def test_the_sysadmin_cannot_approve_and_nobody_approves_their_own_request(self, client, login, ctx):
        filed = (await client.post("/api/v1/staff", json=_new(), headers=await login("sysadmin"))).json()
        by_admin = await client.post(f"/api/v1/staff-grants/{filed['id']}/approve", json={}, headers=await login("sysadmin"))

        # A general manager who is also the requester (filed through the service, as any holder could be).
        gm = await actor_for(username="gm")
        async with db.unit_of_work(ctx.engine):
            own = await grants.file_request(ctx=ctx, actor=_with_admin(gm), kind="staff.create", subject="selfmade",
                                            payload=_new(username="selfmade", all_branches=False), origin=Origin())
        by_self = await client.post(f"/api/v1/staff-grants/{own['id']}/approve", json={}, headers=await login("gm"))

        assert by_admin.status_code == 403
        assert (by_self.status_code, by_self.json()["code"]) == (403, "grant.own_request")
        assert await StaffGrant.count().where(StaffGrant.status == "pending") == 2
        assert not await Staff.exists().where(Staff.username.is_in(["xiaoming", "selfmade"]))

    async def test_a_role_change_takes_effect_only_when_approved(self, client, login):
        desk = await login("frontdesk2")
        filed = await client.patch("/api/v1/staff/frontdesk2", json={"all_branches": True}, headers=await login("sysadmin"))
        still = (await client.get("/api/v1/auth/me", headers=desk)).json()

        approved = await client.post(f"/api/v1/staff-grants/{filed.json()['id']}/approve", json={"note": "跨网点协助"},
                                     headers=await login("gm"))
        now = (await client.get("/api/v1/auth/me", headers=desk)).json()
        nothing = await client.patch("/api/v1/staff/frontdesk2", json={"all_branches": True}, headers=await login("sysadmin"))

        assert filed.status_code == 202, filed.text
        assert still["all_branches"] is False
        assert approved.status_code == 200 and approved.json()["activation_code"] is None
        assert now["all_branches"] is True  # the open session sees the change at once
        assert (nothing.status_code, nothing.json()["code"]) == (422, "grant.no_change")

    async def test_a_rejected_request_changes_nothing_and_needs_a_reason(self, client, login):
        filed = (await client.patch("/api/v1/staff/frontdesk", json={"role": "finance"}, headers=await login("sysadmin"))).json()
        gm = await login("gm")
        no_reason = await client.post(f"/api/v1/staff-grants/{filed['id']}/reject", json={"reason": ""}, headers=gm)
        rejected = await client.post(f"/api/v1/staff-grants/{filed['id']}/reject", json={"reason": "岗位未调整"}, headers=gm)
        again = await client.post(f"/api/v1/staff-grants/{filed['id']}/approve", json={}, headers=gm)

        assert no_reason.status_code == 422
        assert rejected.status_code == 200 and rejected.json()["status"] == "rejected"
        assert (again.status_code, again.json()["code"]) == (409, "grant.already_decided")
        assert (await Staff.select(Staff.role).where(Staff.username == "frontdesk").first())["role"] == "front_desk"

    async def test_a_grant_approved_twice_at_once_is_applied_once(self, client, login, ctx):
        """Bad input: two approvers at the same moment; one wins, the other gets a clear 409."""
        async with db.unit_of_work(ctx.engine):
            await staff_fixtures.add_missing(branches=[], hash_password=ctx.hasher.hash, people=[{
                "username": "gm2", "display_name": "副总经理", "role": "general_manager", "branch": "HQ",
                "all_branches": True, "password": DEMO_PASSWORD, "must_change_password": False}])
        filed = (await client.post("/api/v1/staff", json=_new(), headers=await login("sysadmin"))).json()
        deciders = [await actor_for(username="gm"), await actor_for(username="gm2")]

        results = await asyncio.gather(
            *(grants.approve(ctx=ctx, actor=a, grant_id=filed["id"], origin=Origin()) for a in deciders),
            return_exceptions=True,
        )

        won = [r for r in results if isinstance(r, dict)]
        lost = [r for r in results if isinstance(r, Exception)]
        assert len(won) == 1 and len(lost) == 1 and isinstance(lost[0], Conflict), results
        assert await Staff.count().where(Staff.username == "xiaoming") == 1
        assert await AuditEvent.count().where(AuditEvent.action == "grant.approve") == 1

    async def test_the_username_is_taken_while_its_request_waits(self, client, login):
        admin = await login("sysadmin")
        await client.post("/api/v1/staff", json=_new(), headers=admin)
        twice = await client.post("/api/v1/staff", json=_new(display_name="另一人"), headers=admin)
        existing = await client.post("/api/v1/staff", json=_new(username="frontdesk"), headers=admin)
        role = await client.post("/api/v1/staff", json=_new(username="other", role="king"), headers=admin)

        assert (twice.status_code, twice.json()["code"]) == (409, "staff.duplicate_username")
        assert (existing.status_code, existing.json()["code"]) == (409, "staff.duplicate_username")
        assert (role.status_code, role.json()["code"]) == (422, "staff.unknown_role")


def _with_admin(actor):
    """The general manager holding staff.admin too, as a combined role would: still not their own approver."""
    import dataclasses

    from crm.staff.access import Actor

    class Both(Actor):
        @property
        def capabilities(self):  # type: ignore[override]
            return super().capabilities | {"staff.admin"}

    return Both(**{f.name: getattr(actor, f.name) for f in dataclasses.fields(actor)})


class TestActivation:
    async def test_a_code_works_once(self, client, login):
        _, code = await _approved_code(client, login, _new())
        first = await _activate(client, "xiaoming", code)
        second = await _activate(client, "xiaoming", code, password="Another-Harbour-9912")

        assert first.status_code == 204
        assert (second.status_code, second.json()["code"]) == (422, "activation.invalid")

    async def test_a_wrong_code_an_unknown_name_and_another_persons_code_answer_alike(self, client, login):
        _, code = await _approved_code(client, login, _new())
        wrong = await _activate(client, "xiaoming", "ABCDEFGHJK")
        unknown = await _activate(client, "nobody", code)
        other = await _activate(client, "frontdesk", code)

        answers = {(r.status_code, r.json()["code"], r.json()["message"]) for r in (wrong, unknown, other)}
        assert len(answers) == 1 and next(iter(answers))[:2] == (422, "activation.invalid")
        assert await AuditEvent.count().where(
            (AuditEvent.action == "auth.activate") & (AuditEvent.outcome == "failure")) == 3

    async def test_an_expired_code_is_refused(self, client, login, ctx):
        grant_id, code = await _approved_code(client, login, _new())
        await StaffGrant.update({StaffGrant.activation_expires_at: ctx.now() - dt.timedelta(minutes=1)}).where(
            StaffGrant.id == grant_id)

        expired = await _activate(client, "xiaoming", code)

        assert (expired.status_code, expired.json()["code"]) == (422, "activation.expired")
        assert (await Staff.select(Staff.active).where(Staff.username == "xiaoming").first())["active"] is False

    async def test_the_new_password_follows_the_policy(self, client, login):
        _, code = await _approved_code(client, login, _new())
        weak = await _activate(client, "xiaoming", code, password="12345678")
        good = await _activate(client, "xiaoming", code)

        assert weak.status_code == 422 and weak.json()["field"] == "new_password"
        assert good.status_code == 204  # the weak try did not use the code up


class TestTheSysadminStillSeesNoCustomerData:
    async def test_after_all_of_it_the_sysadmin_cannot_open_a_customer(self, client, login):
        desk = await login("frontdesk")
        account_no = (await client.post("/api/v1/customers", json=new_customer(), headers=desk)).json()["account_no"]
        await _approved_code(client, login, _new())

        seen = await client.get(f"/api/v1/customers/{account_no}", headers=await login("sysadmin"))

        assert seen.status_code == 403


class TestContractTypesWaitForApproval:
    async def test_a_new_type_exists_only_after_approval(self, client, login):
        """R-ST-06: a contract type's family decides the approval chain."""
        from contracts.tables import ContractType

        body = {"code": "meter_relocation", "name_zh": "燃气表移位工程合同", "name_en": "Meter relocation contract",
                "family": "installation"}
        filed = await client.post("/api/v1/contract-types", json=body, headers=await login("sysadmin"))
        before = await ContractType.exists().where(ContractType.code == "meter_relocation")
        approved = await client.post(f"/api/v1/staff-grants/{filed.json()['id']}/approve", json={}, headers=await login("gm"))

        assert filed.status_code == 202 and filed.json()["kind"] == "contract_type.create"
        assert before is False
        assert approved.status_code == 200
        assert await ContractType.exists().where(ContractType.code == "meter_relocation")

    async def test_a_type_change_waits_too(self, client, login):
        from contracts.tables import ContractType

        filed = await client.patch("/api/v1/contract-types/residential_supply", json={"active": False},
                                   headers=await login("sysadmin"))
        waiting = await ContractType.select(ContractType.active).where(ContractType.code == "residential_supply").first()
        await client.post(f"/api/v1/staff-grants/{filed.json()['id']}/approve", json={}, headers=await login("gm"))
        after = await ContractType.select(ContractType.active).where(ContractType.code == "residential_supply").first()

        assert filed.status_code == 202, filed.text
        assert waiting["active"] is True and after["active"] is False


class TestReissue:
    async def test_a_lost_or_expired_code_is_replaced_and_the_old_one_stops_working(self, client, login, ctx):
        grant_id, old = await _approved_code(client, login, _new())
        await StaffGrant.update({StaffGrant.activation_expires_at: ctx.now() - dt.timedelta(minutes=1)}).where(
            StaffGrant.id == grant_id)
        by_admin = await client.post(f"/api/v1/staff-grants/{grant_id}/activation-code", headers=await login("sysadmin"))
        reissued = await client.post(f"/api/v1/staff-grants/{grant_id}/activation-code", headers=await login("gm"))
        new = reissued.json()["activation_code"]

        stale = await _activate(client, "xiaoming", old)
        fresh = await _activate(client, "xiaoming", new)
        again = await client.post(f"/api/v1/staff-grants/{grant_id}/activation-code", headers=await login("gm"))

        assert by_admin.status_code == 403
        assert reissued.status_code == 200 and new and new != old
        assert (stale.status_code, stale.json()["code"]) == (422, "activation.invalid")
        assert fresh.status_code == 204
        assert (again.status_code, again.json()["code"]) == (409, "grant.already_activated")


class TestPages:
    async def test_the_general_manager_decides_from_the_approval_inbox(self, client, login):
        from tests.integration.test_pages import page_login, submit, text_of

        await page_login(client, "sysadmin")
        filed = await submit(client, "/staff", {"username": "xiaoming", "display_name": "黄小明", "role": "front_desk",
                                                "branch": "XC"})
        changed = (await client.patch("/api/v1/staff/frontdesk", json={"role": "finance"}, headers=await login("sysadmin"))).json()
        await page_login(client, "gm")
        inbox = await client.get("/approvals")
        new_id = (await StaffGrant.select(StaffGrant.id).where(StaffGrant.subject == "xiaoming").first())["id"]
        approved = await submit(client, f"/staff-grants/{new_id}/approve", {}, form_page="/approvals")
        refused = await submit(client, f"/staff-grants/{changed['id']}/reject", {"reason": ".."}, form_page="/approvals")
        rejected = await submit(client, f"/staff-grants/{changed['id']}/reject", {"reason": "岗位未调整"}, form_page="/approvals")
        after = await client.get("/approvals")

        assert filed.status_code == 303 and filed.headers["location"] == "/staff?done=grant_requested"
        assert "黄小明" in text_of(inbox.text) and "审批待办 2" in text_of(inbox.text).replace("\n", " ")
        assert approved.status_code == 200
        code = (await StaffGrant.select(StaffGrant.activation_hash).where(StaffGrant.id == new_id).first())["activation_hash"]
        assert code and "activation-code" in approved.text
        assert refused.status_code == 422
        assert rejected.status_code == 303
        assert "已批准、待本人激活的账号" in text_of(after.text)

    async def test_activation_page(self, client, login):
        from tests.integration.test_pages import submit, text_of

        _, code = await _approved_code(client, login, _new())
        client.cookies.clear()
        mismatch = await submit(client, "/activate", {"username": "xiaoming", "code": code, "new_password": NEW_PASSWORD,
                                                      "confirm_password": NEW_PASSWORD + "x"})
        wrong = await submit(client, "/activate", {"username": "xiaoming", "code": "0000000000", "new_password": NEW_PASSWORD,
                                                   "confirm_password": NEW_PASSWORD})
        done = await submit(client, "/activate", {"username": "xiaoming", "code": code, "new_password": NEW_PASSWORD,
                                                  "confirm_password": NEW_PASSWORD})

        assert mismatch.status_code == 422
        assert wrong.status_code == 422 and "激活码无效或已使用" in text_of(wrong.text)
        assert done.status_code == 303 and done.headers["location"] == "/login?reason=activated"

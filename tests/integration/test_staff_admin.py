"""The sysadmin manages staff accounts; denials are audited (SPEC §1, R-ST-02, R-ST-05, R-PM-05)."""

from __future__ import annotations

from crm.audit.tables import AuditEvent
from crm.staff.tables import StaffGrant


def _new_staff(**overrides) -> dict:
    body = {
        "username": "xiaoming",
        "display_name": "黄小明",
        "role": "front_desk",
        "branch": "DC",
    }
    body.update(overrides)
    return body


class TestStaffAdministration:
    async def test_bad_staff_input_is_refused(self, client, login):
        """New accounts wait for approval and their owner's activation: tests/integration/test_staff_grants.py."""
        admin = await login("sysadmin")

        role = await client.post("/api/v1/staff", json=_new_staff(role="king"), headers=admin)
        name = await client.post("/api/v1/staff", json=_new_staff(username="X"), headers=admin)
        taken = await client.post("/api/v1/staff", json=_new_staff(username="frontdesk"), headers=admin)

        assert (role.status_code, role.json()["code"]) == (422, "staff.unknown_role")
        assert (name.status_code, name.json()["code"]) == (422, "staff.invalid_username")
        assert (taken.status_code, taken.json()["code"]) == (409, "staff.duplicate_username")
        assert not await StaffGrant.exists()

    async def test_disabled_staff_cannot_log_in_and_sessions_end(self, client, login):
        """R-ST-05: disabled, never deleted."""
        admin = await login("sysadmin")
        leaver = await login("frontdesk2")

        disabled = await client.post("/api/v1/staff/frontdesk2/disable", json={"reason": "离职"}, headers=admin)
        old_session = await client.get("/api/v1/customers", headers=leaver)
        again = await client.post("/api/v1/auth/login", json={"username": "frontdesk2", "password": "Demo-Pass-2026"})
        listing = (await client.get("/api/v1/staff", headers=admin)).json()

        assert disabled.json()["active"] is False
        assert old_session.status_code == 401
        assert again.status_code == 401
        assert any(s["username"] == "frontdesk2" and not s["active"] for s in listing)

    async def test_front_desk_cannot_administer_staff_and_the_denial_is_audited(self, client, login):
        """R-PM-05: permission denials are recorded."""
        front = await login("frontdesk")

        response = await client.post("/api/v1/staff", json=_new_staff(), headers=front)

        assert response.status_code == 403
        denials = await AuditEvent.select().where(AuditEvent.action == "permission.denied")
        assert [(d["actor"], d["outcome"], d["target"]) for d in denials] == [("frontdesk", "denied", "/api/v1/staff")]

"""The sysadmin manages staff accounts; denials are audited (SPEC §1, R-ST-02, R-ST-05, R-PM-05)."""

from __future__ import annotations

from crm.audit.tables import AuditEvent


def _new_staff(**overrides) -> dict:
    body = {
        "username": "xiaoming",
        "display_name": "黄小明",
        "role": "front_desk",
        "branch": "DC",
        "initial_password": "Counter-Shift-4417",
    }
    body.update(overrides)
    return body


class TestStaffAdministration:
    async def test_new_staff_must_change_the_initial_password(self, client, login):
        """R-ST-02."""
        admin = await login("sysadmin")

        created = await client.post("/api/v1/staff", json=_new_staff(), headers=admin)
        first = (await client.post("/api/v1/auth/login", json={"username": "xiaoming", "password": "Counter-Shift-4417"})).json()

        assert created.status_code == 201 and created.json()["must_change_password"] is True
        assert first["must_change_password"] is True

    async def test_bad_staff_input_is_refused(self, client, login):
        admin = await login("sysadmin")

        role = await client.post("/api/v1/staff", json=_new_staff(role="king"), headers=admin)
        weak = await client.post("/api/v1/staff", json=_new_staff(initial_password="12345678"), headers=admin)
        taken = await client.post("/api/v1/staff", json=_new_staff(username="frontdesk"), headers=admin)

        assert (role.status_code, role.json()["code"]) == (422, "staff.unknown_role")
        assert (weak.status_code, weak.json()["field"]) == (422, "new_password")
        assert (taken.status_code, taken.json()["code"]) == (409, "staff.duplicate_username")

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

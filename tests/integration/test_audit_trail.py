"""The hash-chained audit trail detects tampering done directly in the database (R-PM-05)."""

from __future__ import annotations

from crm.audit.tables import AuditEvent
from tests.integration.conftest import new_customer


async def _activity(client, login) -> dict[str, str]:
    headers = await login("frontdesk")
    no = (await client.post("/api/v1/customers", json=new_customer(), headers=headers)).json()["account_no"]
    await client.post(f"/api/v1/customers/{no}/reveal", json={"field": "phone", "reason": "回访客户"}, headers=headers)
    return await login("auditor")


class TestAuditTrail:
    async def test_intact_chain_verifies(self, client, login):
        auditor = await _activity(client, login)

        report = (await client.get("/api/v1/audit-events/verify", headers=auditor)).json()

        assert report["ok"] is True and report["checked"] >= 4 and report["problems"] == []

    async def test_editing_a_row_in_the_database_is_reported(self, client, login):
        auditor = await _activity(client, login)
        reveal = await AuditEvent.select().where(AuditEvent.action == "customer.reveal").first()

        await AuditEvent.update({AuditEvent.actor: "someone_else"}).where(AuditEvent.id == reveal["id"])
        report = (await client.get("/api/v1/audit-events/verify", headers=auditor)).json()

        assert report["ok"] is False
        assert any(p["seq"] == reveal["seq"] and p["kind"] == "hash_mismatch" for p in report["problems"])

    async def test_deleting_a_row_is_reported(self, client, login):
        auditor = await _activity(client, login)
        reveal = await AuditEvent.select().where(AuditEvent.action == "customer.reveal").first()

        await AuditEvent.delete().where(AuditEvent.id == reveal["id"])
        report = (await client.get("/api/v1/audit-events/verify", headers=auditor)).json()

        assert report["ok"] is False

    async def test_deleting_the_newest_rows_is_reported(self, client, login):
        auditor = await _activity(client, login)
        last = await AuditEvent.select().order_by(AuditEvent.seq, ascending=False).first()

        await AuditEvent.delete().where(AuditEvent.seq == last["seq"])
        report = (await client.get("/api/v1/audit-events/verify", headers=auditor)).json()

        assert report["ok"] is False
        assert any(p["kind"] == "truncated" for p in report["problems"])

    async def test_only_the_auditor_reads_the_trail(self, client, login):
        front = await login("frontdesk")
        auditor = await login("auditor")

        refused = await client.get("/api/v1/audit-events", headers=front)
        page = await client.get("/api/v1/audit-events", params={"action": "auth.login"}, headers=auditor)

        assert (refused.status_code, refused.json()["code"]) == (403, "permission.denied")
        assert page.status_code == 200 and {e["action"] for e in page.json()["items"]} == {"auth.login"}

    async def test_the_auditor_can_page_back_from_the_newest_event(self, client, login):
        auditor = await _activity(client, login)

        newest = (await client.get("/api/v1/audit-events", params={"newest_first": "true", "limit": 2}, headers=auditor)).json()
        older = (
            await client.get("/api/v1/audit-events", params={"before_seq": newest["next_before_seq"], "limit": 2}, headers=auditor)
        ).json()

        seqs = [e["seq"] for e in newest["items"]] + [e["seq"] for e in older["items"]]
        assert seqs == sorted(seqs, reverse=True) and len(set(seqs)) == 4

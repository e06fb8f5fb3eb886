"""Disposal witnesses confirm with their own login (R-AR-05 监销, issue 14 finding 7).

The finding: ``POST /disposals/{id}/execute {"witnesses": ["gm", "finance"]}`` destroyed a batch
with neither person confirming anything. Now the archivist names the witnesses, each one
confirms on their own page with their own login, and the destruction waits for all of them.
"""

from __future__ import annotations

from archives.tables import ArchiveFile, DisposalBatch
from crm.audit import service as audit
from tests.integration.archives.test_lookups_and_disposal import ALARM, _archived
from tests.integration.test_pages import csrf_token, page_login


async def _approved_batch(client, as_role, finished_contract, upload, clock, login) -> dict:
    archive_no = await _archived(client, as_role, finished_contract, upload, **ALARM)
    # A D10 record of 2026 is due on 2037-01-01; the sessions opened above have expired by then,
    # so every test logs in afresh (``login``) after this.
    clock.advance(days=365 * 11)
    proposed = await client.post("/api/v1/disposals", headers=await login("archivist"),
                                 json={"archive_nos": [archive_no], "reason": "保管期满，经鉴定无保存价值"})
    assert proposed.status_code == 201, proposed.text
    approved = await client.post(f"/api/v1/disposals/{proposed.json()['id']}/decisions", headers=await login("gm"),
                                 json={"decision": "approve"})
    assert approved.status_code == 200, approved.text
    return approved.json()


async def _live_files() -> int:
    return await ArchiveFile.count().where(ArchiveFile.wrapped_key.is_not_null())


class TestTypedNamesAreNotWitnesses:
    async def test_executing_with_two_typed_names_and_no_confirmation_is_refused(
        self, client, as_role, finished_contract, upload, clock, login
    ):
        """Issue 14 finding 7 / R-AR-05: two typed usernames are not two people present; nothing is destroyed."""
        batch = await _approved_batch(client, as_role, finished_contract, upload, clock, login)
        files = await _live_files()

        answer = await client.post(f"/api/v1/disposals/{batch['id']}/execute", headers=await login("archivist"),
                                   json={"witnesses": ["gm", "finance"]})

        assert answer.status_code == 409, answer.text
        assert answer.json()["code"] == "disposal.witnesses_unconfirmed"
        assert files > 0 and await _live_files() == files
        assert (await DisposalBatch.select(DisposalBatch.status).first())["status"] == "approved"


class TestWitnessesConfirmThemselves:
    async def test_destruction_waits_for_every_named_witness_to_confirm(
        self, client, as_role, finished_contract, upload, clock, login
    ):
        """Issue 14 finding 7 / R-AR-05: named → each confirms once with their own login → executed, audited."""
        batch = await _approved_batch(client, as_role, finished_contract, upload, clock, login)
        base = f"/api/v1/disposals/{batch['id']}"
        archivist, finance, auditor, desk = [await login(u) for u in ("archivist", "finance", "auditor", "frontdesk")]

        named = await client.post(f"{base}/witnesses", headers=archivist, json={"witnesses": ["Finance ", "auditor"]})
        early = await client.post(f"{base}/execute", headers=archivist)
        stranger = await client.post(f"{base}/witness", headers=desk)
        first = await client.post(f"{base}/witness", headers=finance)
        twice = await client.post(f"{base}/witness", headers=finance)
        half = await client.post(f"{base}/execute", headers=archivist)
        second = await client.post(f"{base}/witness", headers=auditor)
        files = await _live_files()
        done = await client.post(f"{base}/execute", headers=archivist)
        after = await client.post(f"{base}/witness", headers=auditor)

        assert named.status_code == 200, named.text
        assert [(w["username"], w["confirmed_at"]) for w in named.json()["witness_confirmations"]] == [
            ("finance", None), ("auditor", None)]
        assert (early.status_code, early.json()["code"]) == (409, "disposal.witnesses_unconfirmed")
        assert (stranger.status_code, stranger.json()["code"]) == (404, "disposal.not_found")
        assert first.status_code == 200, first.text
        assert (twice.status_code, twice.json()["code"]) == (409, "disposal.already_witnessed")
        assert (half.status_code, half.json()["code"]) == (409, "disposal.witnesses_unconfirmed")
        assert "auditor" in half.json()["message"] and "finance" not in half.json()["message"]
        assert second.status_code == 200, second.text
        assert files > 0
        assert done.status_code == 200, done.text
        assert done.json()["status"] == "executed" and done.json()["witnesses"] == ["finance", "auditor"]
        assert all(w["confirmed_at"] for w in done.json()["witness_confirmations"])
        assert await _live_files() == 0
        assert (after.status_code, after.json()["code"]) == (409, "disposal.not_approved")
        confirmations = await audit.recorded(action="archive.disposal_witness_confirm", target=batch["batch_no"])
        assert sorted(e["actor"] for e in confirmations) == ["auditor", "finance"]
        assert (await audit.recorded(action="archive.disposal_witnesses", target=batch["batch_no"]))[0]["details"] == {
            "witnesses": ["finance", "auditor"]}

    async def test_the_register_lists_each_witness_with_their_confirmation_time(
        self, client, as_role, finished_contract, upload, clock, login
    ):
        """R-AR-05: the 销毁清册 names the witnesses and when each confirmed."""
        from tests.unit.reports.pdf_helpers import extract_pages, squash

        batch = await _approved_batch(client, as_role, finished_contract, upload, clock, login)
        base = f"/api/v1/disposals/{batch['id']}"
        archivist = await login("archivist")
        await client.post(f"{base}/witnesses", headers=archivist, json={"witnesses": ["finance", "auditor"]})
        for who in ("finance", "auditor"):
            assert (await client.post(f"{base}/witness", headers=await login(who))).status_code == 200

        assert (await client.post(f"{base}/execute", headers=archivist)).status_code == 200
        pdf = await client.get(f"{base}/register.pdf", headers=archivist)

        text = squash("".join(extract_pages(pdf.content)))
        assert "监销确认" in text and "finance" in text and "auditor" in text
        assert squash(clock.now().strftime("%Y-%m-%d")) in text or "2037" in text


class TestNaming:
    async def test_who_may_be_named(self, client, as_role, finished_contract, upload, clock, login):
        """R-AR-05: two different active people, not the executor, not the login administrator."""
        batch = await _approved_batch(client, as_role, finished_contract, upload, clock, login)
        url = f"/api/v1/disposals/{batch['id']}/witnesses"
        archivist = await login("archivist")

        answers = {case: await client.post(url, headers=archivist, json={"witnesses": names}) for case, names in {
            "one": ["finance", "FINANCE"], "self": ["archivist", "finance"], "stranger": ["finance", "nobody"],
            "sysadmin": ["finance", "sysadmin"],
        }.items()}

        assert {case: (a.status_code, a.json()["code"], a.json()["field"]) for case, a in answers.items()} == {
            "one": (422, "disposal.witnesses_required", "witnesses"),
            "self": (422, "disposal.witness_is_executor", "witnesses"),
            "stranger": (422, "disposal.unknown_witness", "witnesses"),
            "sysadmin": (422, "disposal.witness_not_eligible", "witnesses"),
        }

    async def test_renaming_withdraws_those_left_out_and_keeps_confirmations(
        self, client, as_role, finished_contract, upload, clock, login
    ):
        """R-AR-05: a witness taken off the list can no longer confirm; one kept stays confirmed."""
        batch = await _approved_batch(client, as_role, finished_contract, upload, clock, login)
        base = f"/api/v1/disposals/{batch['id']}"
        archivist, finance, auditor = await login("archivist"), await login("finance"), await login("auditor")
        await client.post(f"{base}/witnesses", headers=archivist, json={"witnesses": ["finance", "auditor"]})
        assert (await client.post(f"{base}/witness", headers=finance)).status_code == 200

        renamed = await client.post(f"{base}/witnesses", headers=archivist, json={"witnesses": ["finance", "market"]})
        withdrawn = await client.post(f"{base}/witness", headers=auditor)

        assert [(w["username"], bool(w["confirmed_at"])) for w in renamed.json()["witness_confirmations"]] == [
            ("finance", True), ("market", False)]
        assert (withdrawn.status_code, withdrawn.json()["code"]) == (404, "disposal.not_found")


class TestWitnessPages:
    async def test_a_witness_sees_the_batch_waiting_for_them_and_confirms_on_their_page(
        self, client, as_role, finished_contract, upload, clock, login
    ):
        """Issue 14 finding 7: the pending confirmation is on the witness's own page, with a badge."""
        batch = await _approved_batch(client, as_role, finished_contract, upload, clock, login)
        await client.post(f"/api/v1/disposals/{batch['id']}/witnesses", headers=await login("archivist"),
                          json={"witnesses": ["finance", "auditor"]})
        page = f"/disposals/{batch['id']}"

        await page_login(client, "finance")
        inbox = await client.get("/disposals")
        before = await client.get(page)
        confirmed = await client.post(f"{page}/witness", data={"_csrf_token": csrf_token(before.text)},
                                      follow_redirects=False)
        after = await client.get(page)
        emptied = await client.get("/disposals")

        assert inbox.status_code == 200 and batch["batch_no"] in inbox.text and 'id="to-witness"' in inbox.text
        assert 'href="/disposals"' in inbox.text
        assert before.status_code == 200 and 'id="confirm-form"' in before.text
        assert confirmed.status_code == 303
        assert 'id="confirm-form"' not in after.text and "已确认" in after.text
        assert batch["batch_no"] not in emptied.text


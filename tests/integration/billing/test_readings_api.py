"""Meter readings end to end through /api/v1, on SQLite and PostgreSQL (R-BL-02, issue 15 items 2, 9 and 11).

The test clock stands at 2026-11-25 (Beijing); the meters open on 2026-01-01 at 100.000.
"""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest

from crm.audit import service as audit
from crm.billing import readings, schemas
from crm.billing.reading_rules import ReadingBeforeLast
from crm.billing.tables import MeterReading
from crm.context import Origin
from crm.seed import actor_for
from tests.integration.contracts.conftest import customer_body

SERIAL = "R-20260101-1"
ORIGIN = Origin(source_ip="127.0.0.1")


async def _meter(client, desk, *, serial: str = SERIAL, branch: str = "DC") -> str:
    answer = await client.post("/api/v1/customers", headers=desk, json=customer_body("residential", branch=branch))
    assert answer.status_code == 201, answer.text
    account_no = answer.json()["account_no"]
    answer = await client.post(f"/api/v1/customers/{account_no}/meters", headers=desk, json={
        "serial": serial, "model": "G2.5", "meter_type": "diaphragm", "installed_date": "2026-01-01",
        "initial_reading": "100.000"})
    assert answer.status_code == 201, answer.text
    return account_no


async def _read(client, headers, value, read_on, serial: str = SERIAL, **extra):
    return await client.post(f"/api/v1/meters/{serial}/readings", headers=headers,
                             json={"value": value, "read_on": read_on, **extra})


async def _monthly(client, desk, values_by_month: list[tuple[str, str]]) -> list[dict]:
    out = []
    for value, read_on in values_by_month:
        answer = await _read(client, desk, value, read_on)
        assert answer.status_code == 201, answer.text
        out.append(answer.json())
    return out


async def test_actual_readings_in_sequence_measure_their_consumption_and_are_audited(client, login):
    """R-BL-02: each reading measures the volume since the last one (the meter's initial value first)."""
    desk = await login("frontdesk")
    account_no = await _meter(client, desk)

    first, second = await _monthly(client, desk, [("110.500", "2026-02-01"), ("121.5", "2026-03-01")])

    assert (first["consumption"], second["consumption"]) == ("10.500", "11.000")
    assert {k: first[k] for k in ("serial", "account_no", "value", "kind", "estimated", "flags", "review_status",
                                  "recorded_by")} == {
        "serial": SERIAL, "account_no": account_no, "value": "110.500", "kind": "actual", "estimated": False,
        "flags": [], "review_status": "none", "recorded_by": "frontdesk"}
    listed = (await client.get(f"/api/v1/meters/{SERIAL}/readings", headers=await login("finance"))).json()
    assert [(r["read_on"], r["value"]) for r in listed] == [("2026-02-01", "110.500"), ("2026-03-01", "121.500")]
    stored = await MeterReading.select(MeterReading.value_milli, MeterReading.consumption_milli).order_by(
        MeterReading.id)
    assert stored == [{"value_milli": 110500, "consumption_milli": 10500},
                      {"value_milli": 121500, "consumption_milli": 11000}]
    events = await audit.recorded(action="meter.reading", target=account_no)
    assert len(events) == 2 and events[0]["actor"] == "frontdesk"
    assert {k: events[0]["details"][k] for k in ("serial", "value", "kind", "flags")} == {
        "serial": SERIAL, "value": "121.500", "kind": "actual", "flags": []}


@pytest.mark.parametrize(("value", "read_on", "code", "field"), [
    ("109.999", "2026-03-01", "reading.backwards", "value"),
    ("115.000", "2026-02-01", "reading.before_last", "read_on"),
    ("115.000", "2026-01-15", "reading.before_last", "read_on"),
    ("115.000", "2026-11-26", "reading.in_future", "read_on"),
    ("-1", "2026-03-01", "reading.invalid_value", "value"),
    ("115.0001", "2026-03-01", "reading.invalid_value", "value"),
    ("115", "2026-03-01", "reading.invalid", "kind"),
], ids=["backwards", "same-day", "before-last", "future", "negative", "four-decimals", "unknown-kind"])
async def test_bad_readings_get_a_clear_code_and_write_nothing(client, login, value, read_on, code, field):
    """Issue 15 "Bad input": lower than the last, dated before the last or in the future; nothing changed."""
    desk = await login("frontdesk")
    account_no = await _meter(client, desk)
    await _monthly(client, desk, [("110.000", "2026-02-01")])
    extra = {"kind": "guess"} if code == "reading.invalid" else {}

    answer = await _read(client, desk, value, read_on, **extra)

    assert answer.status_code == 422, answer.text
    assert (answer.json()["code"], answer.json()["field"]) == (code, field)
    assert await MeterReading.count() == 1
    assert len(await audit.recorded(action="meter.reading", target=account_no)) == 1


async def test_a_rollover_measures_the_rest_of_the_dial_plus_the_new_value(client, login):
    """R-BL-02: a reading below the last is a rollover when the dial's digit count says so."""
    desk = await login("frontdesk")
    await _meter(client, desk)
    await _monthly(client, desk, [("99990.000", "2026-02-01")])

    plain = await _read(client, desk, "5.000", "2026-03-01")
    rolled = await _read(client, desk, "5.000", "2026-03-01", kind="rollover", dial_digits=5)

    assert plain.json()["code"] == "reading.backwards"
    assert rolled.status_code == 201, rolled.text
    assert (rolled.json()["kind"], rolled.json()["dial_digits"], rolled.json()["consumption"]) == (
        "rollover", 5, "15.000")


async def test_a_replacement_measures_the_next_reading_from_the_new_meters_initial_value(client, login):
    """R-BL-02: the old meter's final value and the new one's initial value; the next reading starts there."""
    desk = await login("frontdesk")
    await _meter(client, desk)
    await _monthly(client, desk, [("150.000", "2026-02-01")])

    incomplete = await _read(client, desk, "160.000", "2026-03-01", kind="replacement", new_serial="R-NEW-1")
    replaced = await _read(client, desk, "160.000", "2026-03-01", kind="replacement", new_serial="R-NEW-1",
                           new_initial_value="0.000")
    after = await _read(client, desk, "12.000", "2026-04-01")

    assert (incomplete.json()["code"], incomplete.json()["field"]) == ("reading.replacement_incomplete",
                                                                       "new_initial_value")
    assert replaced.status_code == 201, replaced.text
    assert (replaced.json()["consumption"], replaced.json()["new_serial"], replaced.json()["new_initial_value"]) == (
        "10.000", "R-NEW-1", "0.000")
    assert after.status_code == 201, after.text
    assert after.json()["consumption"] == "12.000"


async def test_an_estimate_is_marked_and_trued_up_by_the_next_actual_reading(client, login):
    """R-BL-02: 估抄 is stored as estimated; the next actual reading measures from it."""
    desk = await login("frontdesk")
    await _meter(client, desk)

    estimated = await _read(client, desk, "120.000", "2026-02-01", kind="estimated")
    actual = await _read(client, desk, "125.000", "2026-03-01")

    assert estimated.status_code == 201, estimated.text
    assert (estimated.json()["estimated"], actual.json()["estimated"]) == (True, False)
    assert actual.json()["consumption"] == "5.000"


async def _jump(client, desk) -> dict:
    """Six months of about 10 m³, then 100 m³: far above three times the recent average."""
    months = [(f"{100 + 10 * m}.000", f"2026-{m + 1:02d}-01") for m in range(1, 7)]
    await _monthly(client, desk, months)
    answer = await _read(client, desk, "260.000", "2026-08-01")
    assert answer.status_code == 201, answer.text
    return answer.json()


async def test_an_abnormal_jump_is_accepted_flagged_and_waits_in_the_review_queue(client, login):
    """R-BL-02: an abnormal reading is accepted but flagged for review, not refused."""
    desk = await login("frontdesk")
    await _meter(client, desk)

    flagged = await _jump(client, desk)

    assert [f["code"] for f in flagged["flags"]] == ["reading.jump"]
    assert flagged["review_status"] == "pending"
    for reviewer in ("finance", "frontdesk"):
        queue = (await client.get("/api/v1/meter-readings/review", headers=await login(reviewer))).json()
        assert [r["id"] for r in queue] == [flagged["id"]], reviewer
    other_branch = await client.get("/api/v1/meter-readings/review", headers=await login("frontdesk2"))
    assert other_branch.json() == []
    events = await audit.recorded(action="meter.reading")
    assert events[0]["details"]["flags"] == ["reading.jump"]  # newest first


async def test_the_recorder_cannot_review_their_own_reading(client, login):
    """R-BL-02 / four eyes: whoever recorded a flagged reading does not review it; nothing changes."""
    desk = await login("frontdesk")
    await _meter(client, desk)
    flagged = await _jump(client, desk)

    answer = await client.post(f"/api/v1/meter-readings/{flagged['id']}/review", headers=desk,
                               json={"decision": "accept", "reason": "用户确认漏水已修复"})

    assert answer.status_code == 403, answer.text
    assert answer.json()["code"] == "reading.review_own"
    row = await MeterReading.select(MeterReading.review_status).where(MeterReading.id == flagged["id"]).first()
    assert row["review_status"] == "pending"
    assert await audit.recorded(action="meter.reading.review") == []


async def test_finance_accepts_a_flagged_reading_with_a_reason(client, login):
    """R-BL-02: accepted with a reason, audited, out of the queue; a second review is a conflict."""
    desk, finance = await login("frontdesk"), await login("finance")
    account_no = await _meter(client, desk)
    flagged = await _jump(client, desk)

    blank = await client.post(f"/api/v1/meter-readings/{flagged['id']}/review", headers=finance,
                              json={"decision": "accept", "reason": " "})
    accepted = await client.post(f"/api/v1/meter-readings/{flagged['id']}/review", headers=finance,
                                 json={"decision": "accept", "reason": "现场核实，用户新装地暖"})
    again = await client.post(f"/api/v1/meter-readings/{flagged['id']}/review", headers=finance,
                              json={"decision": "reject", "reason": "重复复核"})

    assert (blank.status_code, blank.json()["code"]) == (422, "reading.reason_required")
    assert accepted.status_code == 200, accepted.text
    assert {k: accepted.json()[k] for k in ("review_status", "reviewed_by", "review_reason")} == {
        "review_status": "accepted", "reviewed_by": "finance", "review_reason": "现场核实，用户新装地暖"}
    assert (again.status_code, again.json()["code"]) == (409, "reading.not_pending")
    assert (await client.get("/api/v1/meter-readings/review", headers=finance)).json() == []
    events = await audit.recorded(action="meter.reading.review", target=account_no)
    assert len(events) == 1 and events[0]["actor"] == "finance"
    assert events[0]["details"]["decision"] == "accept"


async def test_a_rejected_reading_is_kept_and_left_out_of_later_consumption(client, login):
    """R-BL-02: a rejected reading stays, marked; the next reading is measured from the one before it."""
    desk, finance = await login("frontdesk"), await login("finance")
    await _meter(client, desk)
    flagged = await _jump(client, desk)

    rejected = await client.post(f"/api/v1/meter-readings/{flagged['id']}/review", headers=finance,
                                 json={"decision": "reject", "reason": "抄错表位，读数有误"})
    # Below the rejected 260.000: measured from July's 160.000, so not backwards.
    corrected = await _read(client, desk, "170.000", "2026-08-02")

    assert rejected.status_code == 200, rejected.text
    assert rejected.json()["review_status"] == "rejected"
    assert corrected.status_code == 201, corrected.text
    assert corrected.json()["consumption"] == "10.000"
    listed = (await client.get(f"/api/v1/meters/{SERIAL}/readings", headers=desk)).json()
    assert [r["review_status"] for r in listed[-2:]] == ["rejected", "none"]


async def test_another_branchs_meter_and_reading_answer_like_missing_ones(client, login):
    """R-PM-03: a 西城 desk learns nothing of a 东城 meter or reading; nothing is written."""
    desk, xc = await login("frontdesk"), await login("frontdesk2")
    await _meter(client, desk)
    flagged = await _jump(client, desk)
    count = await MeterReading.count()

    for serial in (SERIAL, "NO-SUCH-METER"):
        posted = await _read(client, xc, "300.000", "2026-09-01", serial=serial)
        listed = await client.get(f"/api/v1/meters/{serial}/readings", headers=xc)
        assert (posted.status_code, posted.json()["code"]) == (404, "meter.not_found"), serial
        assert (listed.status_code, listed.json()["code"]) == (404, "meter.not_found"), serial
    huge = await client.post("/api/v1/meter-readings/99999999999999999999/review", headers=xc,
                             json={"decision": "accept", "reason": "核实无误"})
    assert huge.status_code == 404, huge.text  # a number no row can have names nothing (not a 500)
    for reading_id in (flagged["id"], 987654321):
        answer = await client.post(f"/api/v1/meter-readings/{reading_id}/review", headers=xc,
                                   json={"decision": "accept", "reason": "核实无误"})
        assert (answer.status_code, answer.json()["code"]) == (404, "reading.not_found")
    assert await MeterReading.count() == count
    assert await audit.recorded(action="meter.reading.review") == []


async def test_who_may_record_read_and_review(client, login):
    """Issue 15 item 9: front desk records; finance and front desk review; auditors and sysadmin do neither."""
    desk = await login("frontdesk")
    await _meter(client, desk)
    for username in ("finance", "auditor", "sysadmin", "archivist"):
        answer = await _read(client, await login(username), "110.000", "2026-02-01")
        assert (answer.status_code, answer.json()["code"]) == (403, "permission.denied"), username
    for username in ("auditor", "sysadmin"):
        answer = await client.get("/api/v1/meter-readings/review", headers=await login(username))
        assert answer.status_code == 403, username
    assert await MeterReading.count() == 0


async def test_two_readings_of_one_meter_at_once_are_checked_one_after_the_other(client, login, ctx):
    """R-BL-02: the meter row is locked, so the second is checked against the first (same day: refused)."""
    await _meter(client, await login("frontdesk"))
    desk = await actor_for(username="frontdesk")

    results = await asyncio.gather(*(
        readings.record_reading(ctx=ctx, actor=desk, serial=SERIAL, origin=ORIGIN,
                                data=schemas.ReadingCreate(value=value, read_on=dt.date(2026, 2, 1)))
        for value in ("110.000", "120.000")), return_exceptions=True)

    won = [r for r in results if isinstance(r, schemas.ReadingOut)]
    lost = [r for r in results if isinstance(r, Exception)]
    assert len(won) == 1 and len(lost) == 1, results
    assert isinstance(lost[0], ReadingBeforeLast), lost[0]
    assert await MeterReading.count() == 1
    assert len(await audit.recorded(action="meter.reading")) == 1

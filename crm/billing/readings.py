"""Meter readings (R-BL-02): front desk records them, anyone who answers for bills reads them,
and a flagged one waits in its branch's review queue for a second person.

The rules are reading_rules' (what a reading may say, the volume it measures, its flags) and
reading_review_rules'; meters and customers are read through crm.accounts.directory only.
"""

from __future__ import annotations

import json
from typing import Any

from crm import db
from crm.accounts import directory as accounts
from crm.accounts.meter_rules import format_volume_l
from crm.audit import service as audit
from crm.billing import schemas
from crm.billing.reading_review_rules import review_outcome
from crm.billing.reading_rules import (
    JUMP,
    READING_KIND_LABELS,
    ZERO_RUN,
    AbnormalPolicy,
    Reading,
    check_reading,
    flags,
    opening,
)
from crm.billing.reading_values import parse_value_milli
from crm.billing.tables import MeterReading
from crm.common.labels import label
from crm.common.local_time import BEIJING
from crm.common.reasons import clean_reason
from crm.context import AppContext, Origin
from crm.errors import NotFound
from crm.staff.access import Actor, in_scope, require

__all__ = ["ReadingNotFound", "list_readings", "record_reading", "review_queue", "review_reading"]

_FLAGS = {flag.code: flag for flag in (JUMP, ZERO_RUN)}


class ReadingNotFound(NotFound):
    code = "reading.not_found"


def _reading(row: dict[str, Any]) -> Reading:
    return Reading(value_milli=row["value_milli"], read_date=row["read_on"], kind=row["kind"],
                   dial_digits=row["dial_digits"], new_serial=row["new_serial"],
                   new_initial_milli=row["new_initial_milli"])


async def _history(meter: dict[str, Any]) -> list[Reading]:
    """The opening value and every reading not rejected, in date order: what a new one is measured against."""
    rows = await MeterReading.select(*MeterReading.all_columns()).where(
        (MeterReading.meter == meter["id"]) & (MeterReading.review_status != "rejected")
    ).order_by(MeterReading.read_on).order_by(MeterReading.id)
    start = opening(initial_milli=meter["initial_milli"], installed_date=meter["installed_date"])
    return [start, *(_reading(r) for r in rows)]


def _out(row: dict[str, Any], *, meter: dict[str, Any], names: dict[int, str]) -> schemas.ReadingOut:
    return schemas.ReadingOut(
        id=row["id"], serial=meter["serial"], account_no=meter["account_no"],
        value=format_volume_l(row["value_milli"]), read_on=row["read_on"], kind=row["kind"],
        kind_label=label(READING_KIND_LABELS.get(row["kind"])), estimated=row["estimated"],
        dial_digits=row["dial_digits"], new_serial=row["new_serial"],
        new_initial_value=None if row["new_initial_milli"] is None else format_volume_l(row["new_initial_milli"]),
        consumption=format_volume_l(row["consumption_milli"]),
        flags=[schemas.ReadingFlagOut(code=code, label=label(_FLAGS[code].label if code in _FLAGS else code))
               for code in json.loads(row["flags"])],
        review_status=row["review_status"], reviewed_by=names.get(row["reviewed_by"]),
        reviewed_at=row["reviewed_at"], review_reason=row["review_reason"],
        recorded_by=names.get(row["recorded_by"]), recorded_at=row["recorded_at"],
    )


async def _outs(ctx: AppContext, rows: list[dict[str, Any]], meters: dict[int, dict[str, Any]]) -> list[schemas.ReadingOut]:
    people = {r["recorded_by"] for r in rows} | {r["reviewed_by"] for r in rows if r["reviewed_by"]}
    names = await ctx.staff_names.usernames(people)
    return [_out(r, meter=meters[r["meter"]], names=names) for r in rows]


async def record_reading(
    *, ctx: AppContext, actor: Actor, serial: str, data: schemas.ReadingCreate, origin: Origin,
    policy: AbnormalPolicy = AbnormalPolicy(),
) -> schemas.ReadingOut:
    """A reading of one meter of the actor's branch; an abnormal one is stored, flagged and queued for review."""
    require(actor, "meter.reading")
    reading = Reading(
        value_milli=parse_value_milli(data.value), read_date=data.read_on, kind=(data.kind or "").strip(),
        dial_digits=data.dial_digits,
        new_serial=(data.new_serial or "").strip() or None,
        new_initial_milli=None if data.new_initial_value is None
        else parse_value_milli(data.new_initial_value, field="new_initial_value"),
    )
    now = ctx.now()
    async with db.unit_of_work(ctx.engine):
        meter = await accounts.meter_for_reading(serial=serial, actor=actor)
        history = await _history(meter)
        volume = check_reading(history=history, reading=reading, today=now.astimezone(BEIJING).date())
        found = [f.code for f in flags(readings=[*history, reading], policy=policy)]
        # A replacement's new serial and initial value are kept on this reading, and the next
        # reading of this serial is measured from the new initial value; renaming the meter row
        # itself is crm.accounts' to do (not in this slice), so the meter keeps its old serial.
        inserted = await MeterReading.insert(MeterReading(
            meter=meter["id"], customer=meter["customer_id"], branch=meter["branch_id"],
            value_milli=reading.value_milli, read_on=reading.read_date, kind=reading.kind,
            estimated=not reading.measured, dial_digits=reading.dial_digits, new_serial=reading.new_serial,
            new_initial_milli=reading.new_initial_milli, consumption_milli=volume, flags=json.dumps(found),
            review_status="pending" if found else "none", recorded_by=actor.staff_id, recorded_at=now,
        )).returning(MeterReading.id)
        row = await MeterReading.select(*MeterReading.all_columns()).where(
            MeterReading.id == inserted[0]["id"]).first()
        out = _out(row, meter=meter, names={actor.staff_id: actor.username})
        await audit.append(
            ctx=ctx, action="meter.reading", actor=actor.username, origin=origin, target=meter["account_no"],
            details={"serial": meter["serial"], "value": out.value, "read_on": out.read_on.isoformat(),
                     "kind": out.kind, "consumption": out.consumption, "flags": found,
                     "new_serial": out.new_serial, "new_initial_value": out.new_initial_value},
        )
    return out


async def list_readings(*, ctx: AppContext, actor: Actor, serial: str) -> list[schemas.ReadingOut]:
    """Every reading of a meter in date order, rejected ones included (marked)."""
    require(actor, "customer.read")
    async with db.read_only(ctx.engine):
        meter = await accounts.meter_for_reading(serial=serial, actor=actor, lock=False)
        rows = await MeterReading.select(*MeterReading.all_columns()).where(
            MeterReading.meter == meter["id"]).order_by(MeterReading.read_on).order_by(MeterReading.id)
        return await _outs(ctx, rows, {meter["id"]: meter})


async def review_queue(*, ctx: AppContext, actor: Actor) -> list[schemas.ReadingOut]:
    """Flagged readings waiting for review in the actor's branch (every branch for all-branch scope), oldest first."""
    require(actor, "meter.reading.review")
    async with db.read_only(ctx.engine):
        query = MeterReading.select(*MeterReading.all_columns()).where(MeterReading.review_status == "pending")
        if not actor.all_branches:
            query = query.where(MeterReading.branch == actor.branch_id)
        rows = await query.order_by(MeterReading.recorded_at).order_by(MeterReading.id)
        meters = await accounts.meters_by_id(meter_ids=(r["meter"] for r in rows))
        return await _outs(ctx, rows, meters)


async def review_reading(
    *, ctx: AppContext, actor: Actor, reading_id: int, decision: str, reason: str | None, origin: Origin
) -> schemas.ReadingOut:
    """Accept or reject a flagged reading, with a reason; never the recorder's own."""
    require(actor, "meter.reading.review")
    cleaned = clean_reason(value=reason, purpose="reading_review")
    now = ctx.now()
    async with db.unit_of_work(ctx.engine):
        row = (await db.locking(MeterReading.select(*MeterReading.all_columns()).where(
            MeterReading.id == reading_id), ctx.engine) or [None])[0]
        if row is None or not in_scope(actor, row["branch"]):
            raise ReadingNotFound(f"抄表记录 {reading_id} 不存在 / Reading {reading_id} not found", field="id")
        status = review_outcome(decision=decision, status=row["review_status"], recorded_by=row["recorded_by"],
                                reviewer_id=actor.staff_id)
        await MeterReading.update({
            MeterReading.review_status: status, MeterReading.reviewed_by: actor.staff_id,
            MeterReading.reviewed_at: now, MeterReading.review_reason: cleaned,
        }).where(MeterReading.id == reading_id)
        row = await MeterReading.select(*MeterReading.all_columns()).where(MeterReading.id == reading_id).first()
        meter = (await accounts.meters_by_id(meter_ids=[row["meter"]]))[row["meter"]]
        [out] = await _outs(ctx, [row], {row["meter"]: meter})
        await audit.append(
            ctx=ctx, action="meter.reading.review", actor=actor.username, origin=origin, target=meter["account_no"],
            details={"reading_id": reading_id, "serial": meter["serial"], "decision": decision.strip(),
                     "reason": cleaned},
        )
    return out

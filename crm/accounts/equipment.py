"""Meters and gas appliances of a customer (表务信息, 燃气具信息; R-AC-05)."""

from __future__ import annotations

from typing import Any

from crm import db
from crm.accounts import schemas
from crm.accounts.meter_rules import (
    APPLIANCE_KIND_LABELS,
    METER_TYPE_LABELS,
    ApplianceInput,
    MeterInput,
    format_volume_l,
    validate_appliance,
    validate_meter,
)
from crm.accounts.service import load_for_scope, record_history
from crm.common.labels import label
from crm.accounts.tables import Appliance, Meter
from crm.audit import service as audit
from crm.context import AppContext, Origin
from crm.errors import Conflict
from crm.staff.access import Actor, require

class DuplicateMeter(Conflict):
    code = "meter.duplicate_serial"


def meter_schema(row: dict[str, Any]) -> schemas.MeterOut:
    return schemas.MeterOut(
        id=row["id"],
        serial=row["serial"],
        model=row["model"],
        meter_type=row["meter_type"],
        meter_type_label=label(METER_TYPE_LABELS.get(row["meter_type"])),
        installed_date=row["installed_date"],
        initial_reading=format_volume_l(row["initial_reading_l"]),
        seal_no=row["seal_no"],
    )


def appliance_schema(row: dict[str, Any]) -> schemas.ApplianceOut:
    return schemas.ApplianceOut(
        id=row["id"],
        kind=row["kind"],
        kind_label=label(APPLIANCE_KIND_LABELS.get(row["kind"])),
        brand=row["brand"],
        model=row["model"],
        installed_date=row["installed_date"],
    )


async def add_meter(
    *, ctx: AppContext, actor: Actor, account_no: str, data: MeterInput, origin: Origin
) -> schemas.MeterOut:
    require(actor, "meter.write")
    meter = validate_meter(data)
    now = ctx.now()
    async with db.unit_of_work(ctx.engine):
        customer = await load_for_scope(ctx=ctx, actor=actor, account_no=account_no)
        if customer["status"] == "closed":
            raise Conflict("已注销的用户不能登记表具 / A closed account cannot get meters", code="customer.closed")
        if await Meter.exists().where(Meter.serial == meter.serial):
            raise DuplicateMeter(f"表号 {meter.serial} 已登记 / Meter {meter.serial} is already registered", field="serial")
        row = Meter(
            customer=customer["id"],
            serial=meter.serial,
            model=meter.model,
            meter_type=meter.meter_type,
            installed_date=meter.installed_date,
            initial_reading_l=meter.initial_reading_l,
            seal_no=meter.seal_no,
            created_at=now,
        )
        await row.save()
        await record_history(
            customer_id=customer["id"], actor=actor, now=now, action="meter_added", changes=[("meter", None, meter.serial)]
        )
        await audit.append(
            ctx=ctx, action="meter.add", actor=actor.username, origin=origin, target=customer["account_no"],
            details={"serial": meter.serial},
        )
    return meter_schema(row.to_dict())


async def list_meters(*, ctx: AppContext, actor: Actor, account_no: str) -> list[schemas.MeterOut]:
    require(actor, "customer.read")
    async with db.read_only(ctx.engine):
        customer = await load_for_scope(ctx=ctx, actor=actor, account_no=account_no)
        rows = await Meter.select().where(Meter.customer == customer["id"]).order_by(Meter.id)
    return [meter_schema(r) for r in rows]


async def add_appliance(
    *, ctx: AppContext, actor: Actor, account_no: str, data: ApplianceInput, origin: Origin
) -> schemas.ApplianceOut:
    require(actor, "appliance.write")
    appliance = validate_appliance(data)
    now = ctx.now()
    async with db.unit_of_work(ctx.engine):
        customer = await load_for_scope(ctx=ctx, actor=actor, account_no=account_no)
        if customer["status"] == "closed":
            raise Conflict("已注销的用户不能登记燃气具 / A closed account cannot get appliances", code="customer.closed")
        row = Appliance(
            customer=customer["id"],
            kind=appliance.kind,
            brand=appliance.brand,
            model=appliance.model,
            installed_date=appliance.installed_date,
            created_at=now,
        )
        await row.save()
        await record_history(
            customer_id=customer["id"], actor=actor, now=now, action="appliance_added",
            changes=[("appliance", None, f"{label(APPLIANCE_KIND_LABELS.get(appliance.kind))} {appliance.brand}")],
        )
        await audit.append(
            ctx=ctx, action="appliance.add", actor=actor.username, origin=origin, target=customer["account_no"],
            details={"kind": appliance.kind},
        )
    return appliance_schema(row.to_dict())


async def list_appliances(*, ctx: AppContext, actor: Actor, account_no: str) -> list[schemas.ApplianceOut]:
    require(actor, "customer.read")
    async with db.read_only(ctx.engine):
        customer = await load_for_scope(ctx=ctx, actor=actor, account_no=account_no)
        rows = await Appliance.select().where(Appliance.customer == customer["id"]).order_by(Appliance.id)
    return [appliance_schema(r) for r in rows]

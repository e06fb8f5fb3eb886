"""Billing API under /api/v1: tariffs, meter readings. One service call per handler."""

from __future__ import annotations

import datetime as dt

from litestar import Controller, get, post
from litestar.params import Parameter
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED

from crm.billing import readings, schemas, tariffs
from crm.billing.tariff_rules import ComponentInput, TariffInput, TierInput
from crm.context import AppContext, Origin
from crm.http_errors import NO_STORE
from crm.http_params import RecordId
from crm.route_access import requires
from crm.staff.access import Actor


def tariff_input(data: schemas.TariffCreate) -> TariffInput:
    return TariffInput(
        code=data.code, name=data.name, customer_category=data.customer_category, unit=data.unit,
        effective_from=data.effective_from,
        components=tuple(
            ComponentInput(name=c.name, kind=c.kind, unit_price=c.unit_price,
                           tiers=tuple(TierInput(up_to=t.up_to, unit_price=t.unit_price) for t in c.tiers))
            for c in data.components
        ),
        year_starts=data.year_starts, extra_volume_per_person=data.extra_volume_per_person,
        household_base_persons=data.household_base_persons,
    )


class TariffController(Controller):
    path = "/api/v1/tariffs"
    cache_control = NO_STORE
    tags = ["billing"]

    @get("/", opt=requires("tariff.read"))
    async def list_tariffs(
        self,
        ctx: AppContext,
        actor: Actor,
        category: str | None = Parameter(query="category", default=None, max_length=32),
        on: dt.date | None = Parameter(query="on", default=None),
    ) -> list[schemas.TariffOut]:
        return await tariffs.list_tariffs(ctx=ctx, actor=actor, category=category, on=on)

    @post("/", status_code=HTTP_201_CREATED, opt=requires("tariff.write"))
    async def create_version(
        self, data: schemas.TariffCreate, ctx: AppContext, actor: Actor, origin: Origin
    ) -> schemas.TariffOut:
        return await tariffs.create_version(ctx=ctx, actor=actor, data=tariff_input(data), origin=origin)

    @get("/{code:str}", opt=requires("tariff.read"))
    async def versions(self, code: str, ctx: AppContext, actor: Actor) -> list[schemas.TariffOut]:
        return await tariffs.versions_of(ctx=ctx, actor=actor, code=code)


class MeterReadingController(Controller):
    path = "/api/v1"
    cache_control = NO_STORE
    tags = ["billing"]

    @post("/meters/{serial:str}/readings", status_code=HTTP_201_CREATED, opt=requires("meter.reading"))
    async def record_reading(
        self, serial: str, data: schemas.ReadingCreate, ctx: AppContext, actor: Actor, origin: Origin
    ) -> schemas.ReadingOut:
        return await readings.record_reading(ctx=ctx, actor=actor, serial=serial, data=data, origin=origin)

    @get("/meters/{serial:str}/readings", opt=requires("customer.read"))
    async def list_readings(self, serial: str, ctx: AppContext, actor: Actor) -> list[schemas.ReadingOut]:
        return await readings.list_readings(ctx=ctx, actor=actor, serial=serial)

    @get("/meter-readings/review", opt=requires("meter.reading.review"))
    async def review_queue(self, ctx: AppContext, actor: Actor) -> list[schemas.ReadingOut]:
        return await readings.review_queue(ctx=ctx, actor=actor)

    @post("/meter-readings/{reading_id:int}/review", status_code=HTTP_200_OK, opt=requires("meter.reading.review"))
    async def review_reading(
        self, reading_id: RecordId, data: schemas.ReadingReview, ctx: AppContext, actor: Actor, origin: Origin
    ) -> schemas.ReadingOut:
        return await readings.review_reading(ctx=ctx, actor=actor, reading_id=reading_id, decision=data.decision,
                                             reason=data.reason, origin=origin)


CONTROLLERS = [TariffController, MeterReadingController]

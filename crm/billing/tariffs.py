"""Tariff versions (R-BL-01): finance records a new version, everyone who explains bills reads them.

A new version of a code takes over on its first day: the open version before it is closed on
that day (tariff_rules.version_to_close), so exactly one version prices any date.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from crm import db
from crm.audit import service as audit
from crm.billing import schemas
from crm.billing.tables import TariffVersion
from crm.billing.tariff_rules import (
    Tariff,
    TariffInput,
    components_to_json,
    format_volume,
    parse_tariff,
    tariff_from_row,
    version_to_close,
)
from crm.context import AppContext, Origin
from crm.errors import NotFound
from crm.staff.access import Actor, require

__all__ = ["UnknownTariff", "create_version", "list_tariffs", "tariff_out", "versions_of", "versions_for_category"]


class UnknownTariff(NotFound):
    code = "tariff.not_found"


def _components_out(tariff: Tariff) -> list[schemas.ComponentOut]:
    return [
        schemas.ComponentOut(
            name=c.name, kind=c.kind, unit_price=None if c.unit_price is None else str(c.unit_price),
            tiers=[schemas.TierOut(up_to=None if t.up_to_milli is None else format_volume(t.up_to_milli),
                                   unit_price=str(t.unit_price)) for t in c.tiers],
        )
        for c in tariff.components
    ]


def tariff_out(row: dict[str, Any], *, created_by: str | None) -> schemas.TariffOut:
    tariff = tariff_from_row(row)
    month, day = tariff.year_starts
    return schemas.TariffOut(
        code=tariff.code, version=row["version"], name=tariff.name, customer_category=tariff.customer_category,
        unit=tariff.unit, effective_from=tariff.effective_from, effective_to=tariff.effective_to,
        components=_components_out(tariff), year_starts=f"{month:02d}-{day:02d}",
        extra_volume_per_person=format_volume(tariff.extra_volume_per_person_milli),
        household_base_persons=tariff.household_base_persons, created_by=created_by, created_at=row["created_at"],
    )


def _in_force(on: dt.date):
    return (TariffVersion.effective_from <= on) & (
        TariffVersion.effective_to.is_null() | (TariffVersion.effective_to > on)
    )


async def _out(ctx: AppContext, rows: list[dict[str, Any]]) -> list[schemas.TariffOut]:
    authors = await ctx.staff_names.usernames(r["created_by"] for r in rows)
    return [tariff_out(row, created_by=authors.get(row["created_by"])) for row in rows]


async def list_tariffs(
    *, ctx: AppContext, actor: Actor, category: str | None = None, on: dt.date | None = None
) -> list[schemas.TariffOut]:
    """Every version, or with ``on`` the versions in force that day; by code, oldest version first."""
    require(actor, "tariff.read")
    query = TariffVersion.select(*TariffVersion.all_columns())
    if category is not None:
        query = query.where(TariffVersion.customer_category == category)
    if on is not None:
        query = query.where(_in_force(on))
    rows = await query.order_by(TariffVersion.code).order_by(TariffVersion.version)
    return await _out(ctx, rows)


async def versions_of(*, ctx: AppContext, actor: Actor, code: str) -> list[schemas.TariffOut]:
    """The versions of one code, newest first."""
    require(actor, "tariff.read")
    rows = await TariffVersion.select(*TariffVersion.all_columns()).where(
        TariffVersion.code == code.strip()
    ).order_by(TariffVersion.version, ascending=False)
    if not rows:
        raise UnknownTariff(f"价格 {code} 不存在 / Unknown tariff {code}", field="code")
    return await _out(ctx, rows)


async def versions_for_category(*, category: str) -> list[Tariff]:
    """Every version for one customer category, for pricing (called inside the caller's transaction)."""
    rows = await TariffVersion.select(*TariffVersion.all_columns()).where(
        TariffVersion.customer_category == category
    ).order_by(TariffVersion.code).order_by(TariffVersion.effective_from)
    return [tariff_from_row(row) for row in rows]


async def create_version(*, ctx: AppContext, actor: Actor, data: TariffInput, origin: Origin) -> schemas.TariffOut:
    """A new version of a tariff, in force from ``effective_from`` until a later version (finance only)."""
    require(actor, "tariff.write")
    tariff = parse_tariff(data)
    components = components_to_json(tariff.components)
    now = ctx.now()
    async with db.unit_of_work(ctx.engine):
        existing = await db.locking(
            TariffVersion.select(*TariffVersion.all_columns()).where(TariffVersion.code == tariff.code), ctx.engine
        )
        closing = version_to_close(existing=[tariff_from_row(r) for r in existing], new=tariff)
        version = max((r["version"] for r in existing), default=0) + 1
        superseded = None
        if closing is not None:
            superseded = next(r["version"] for r in existing if r["effective_to"] is None)
            await TariffVersion.update({TariffVersion.effective_to: tariff.effective_from}).where(
                (TariffVersion.code == tariff.code) & (TariffVersion.version == superseded)
            )
        inserted = await TariffVersion.insert(TariffVersion(
            key=f"{tariff.code}@{version}", code=tariff.code, version=version, name=tariff.name,
            customer_category=tariff.customer_category, unit=tariff.unit, effective_from=tariff.effective_from,
            effective_to=None, components=components, year_start_month=tariff.year_starts[0],
            year_start_day=tariff.year_starts[1], extra_volume_per_person_milli=tariff.extra_volume_per_person_milli,
            household_base_persons=tariff.household_base_persons, created_by=actor.staff_id, created_at=now,
        )).returning(TariffVersion.id)
        row = await TariffVersion.select(*TariffVersion.all_columns()).where(
            TariffVersion.id == inserted[0]["id"]
        ).first()
        # The actor wrote created_by just now, so their own username names it.
        out = tariff_out(row, created_by=actor.username)
        await audit.append(
            ctx=ctx, action="tariff.create", actor=actor.username, origin=origin, target=f"{tariff.code}@{version}",
            details={
                "name": out.name, "customer_category": out.customer_category, "unit": out.unit,
                "effective_from": out.effective_from.isoformat(), "year_starts": out.year_starts,
                "extra_volume_per_person": out.extra_volume_per_person,
                "household_base_persons": out.household_base_persons,
                "components": [
                    {"name": c.name, "kind": c.kind, "unit_price": c.unit_price,
                     "tiers": [{"up_to": t.up_to, "unit_price": t.unit_price} for t in c.tiers]}
                    for c in out.components
                ],
                "superseded": superseded,
            },
        )
    return out

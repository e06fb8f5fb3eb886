"""Pricing one account's consumption for one billing period, line by line (R-BL-01, R-BL-03).

Pure: no Piccolo, no Litestar, no clock. The caller passes the tariff versions of the account's
category, the period, its volume and the billing year's volume already billed; this module
answers the bill lines, their total and the year-to-date volume to keep for the next bill.

A period is cut into segments wherever a tariff version ends or a billing year begins inside
it; the volume is shared out by days (the meter says how much, not when), so a segment gets
``volume × its days ÷ period days`` rounded down and the last segment takes the remainder: the
lines always add up to the volume read, to the thousandth. A new billing year's tiers start at
zero. Each line is rounded to fen once, by ``crm.common.money.line_amount_fen``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from operator import attrgetter

from crm.billing.tariff_rules import Component, Tariff
from crm.common.money import FEN_PER_YUAN, line_amount_fen
from crm.errors import InvalidInput

__all__ = [
    "BillLine",
    "NegativeVolume",
    "NoTariffInForce",
    "PeriodInvalid",
    "PersonsInvalid",
    "PricedPeriod",
    "YearToDate",
    "price_period",
]

_ONE_DAY = dt.timedelta(days=1)
_by_effective_from = attrgetter("effective_from")


class NoTariffInForce(InvalidInput):
    """Some day of the period has no tariff version: billing it at a guessed price is worse than not."""

    code = "billing.no_tariff"

    def __init__(self, message: str, *, field: str | None = "period_start", code: str | None = None) -> None:
        super().__init__(message, field=field, code=code)


class PeriodInvalid(InvalidInput):
    code = "billing.period_invalid"

    def __init__(self, message: str, *, field: str | None = "period_end", code: str | None = None) -> None:
        super().__init__(message, field=field, code=code)


class NegativeVolume(InvalidInput):
    """A negative volume is a reading error upstream (R-BL-02), never a credit on a bill."""

    code = "billing.negative_volume"

    def __init__(self, message: str, *, field: str | None = "volume_milli", code: str | None = None) -> None:
        super().__init__(message, field=field, code=code)


class PersonsInvalid(InvalidInput):
    code = "billing.persons_invalid"

    def __init__(self, message: str, *, field: str | None = "persons", code: str | None = None) -> None:
        super().__init__(message, field=field, code=code)


@dataclass(frozen=True, slots=True)
class BillLine:
    """One component (and tier) over one segment of the period; dates inclusive."""

    component: str
    tier: int | None  # 1-based; None for a flat component
    period_start: dt.date
    period_end: dt.date
    volume_milli: int
    unit_price: Decimal  # yuan per unit
    amount_fen: int
    tariff_code: str


@dataclass(frozen=True, slots=True)
class YearToDate:
    """The billing year starting on ``year_start`` has had ``volume_milli`` billed, this period included."""

    year_start: dt.date
    volume_milli: int


@dataclass(frozen=True, slots=True)
class PricedPeriod:
    lines: tuple[BillLine, ...]
    total_fen: int
    volume_milli: int
    year_to_date: tuple[YearToDate, ...]  # every billing year the period touches, in order


def price_period(
    *,
    tariffs: Sequence[Tariff],
    period_start: dt.date,
    period_end: dt.date,
    volume_milli: int,
    year_to_date_milli: int = 0,
    persons: int | None = None,
) -> PricedPeriod:
    """Price ``volume_milli`` consumed from ``period_start`` to ``period_end``, both inclusive.

    The period covers the days of the consumption: from the day after the previous reading to
    the day of this reading. ``tariffs`` are the versions of the account's category in any
    order; where two overlap, the later ``effective_from`` is in force (a new version closes the
    open one). ``year_to_date_milli`` is what was already billed in the billing year in which
    the period starts; later billing years start at zero. ``persons`` is the household's size
    for 多人口家庭 (None: the tariff's base, no increase).
    """
    if period_end < period_start:
        raise PeriodInvalid(
            f"计费期结束日 {period_end} 早于开始日 {period_start} / The period ends ({period_end}) before it starts ({period_start})"
        )
    if volume_milli < 0:
        raise NegativeVolume(f"用量不能为负数：{volume_milli} / The volume cannot be negative: {volume_milli}")
    if year_to_date_milli < 0:
        raise NegativeVolume(
            f"本年累计用量不能为负数：{year_to_date_milli} / The year-to-date volume cannot be negative: {year_to_date_milli}",
            field="year_to_date_milli",
        )
    if persons is not None and persons < 1:
        raise PersonsInvalid(f"家庭人口数至少为 1：{persons} / A household has at least one person: {persons}")

    segments = _billing_year_segments(_tariff_segments(tariffs, period_start, period_end))
    period_days = (period_end - period_start).days + 1
    lines: list[BillLine] = []
    years: list[list] = []  # [year_start, cumulative milli], in order
    shared = 0
    last = len(segments) - 1
    for index, (tariff, start, end, year_start) in enumerate(segments):
        if index == last:
            volume = volume_milli - shared
        else:
            volume = volume_milli * ((end - start).days + 1) // period_days
            shared += volume
        if not years or years[-1][0] != year_start:
            years.append([year_start, year_to_date_milli if not years else 0])
        year = years[-1]
        if volume:
            lift = _tier_lift(tariff, persons)
            for component in tariff.components:
                _price_component(lines, tariff, component, start, end, year[1], volume, lift)
            year[1] += volume
    return PricedPeriod(
        lines=tuple(lines),
        total_fen=sum(line.amount_fen for line in lines),
        volume_milli=volume_milli,
        year_to_date=tuple(YearToDate(year_start=start, volume_milli=milli) for start, milli in years),
    )


def _tariff_segments(tariffs: Sequence[Tariff], start: dt.date, end: dt.date) -> list[tuple[Tariff, dt.date, dt.date]]:
    """The versions in force over [start, end], as consecutive (tariff, first day, last day)."""
    ordered = sorted(tariffs, key=_by_effective_from)
    segments: list[tuple[Tariff, dt.date, dt.date]] = []
    day = start
    for index, tariff in enumerate(ordered):
        until = tariff.effective_to  # exclusive
        if index + 1 < len(ordered):
            successor = ordered[index + 1].effective_from
            if until is None or successor < until:
                until = successor
        if until is not None and until <= day:
            continue
        if tariff.effective_from > day:
            break  # a gap: nothing later starts earlier
        if until is None or until > end:
            segments.append((tariff, day, end))
            return segments
        segments.append((tariff, day, until - _ONE_DAY))
        day = until
    raise NoTariffInForce(f"{day} 没有适用的价格版本 / No tariff is in force on {day}")


def _billing_year_segments(
    segments: list[tuple[Tariff, dt.date, dt.date]],
) -> list[tuple[Tariff, dt.date, dt.date, dt.date]]:
    """Cut each segment where a billing year begins; each piece carries its billing year's first day."""
    pieces: list[tuple[Tariff, dt.date, dt.date, dt.date]] = []
    for tariff, start, end in segments:
        month, day = tariff.year_starts
        year_start = dt.date(start.year, month, day)
        if year_start > start:
            year_start = dt.date(start.year - 1, month, day)
        next_year = dt.date(year_start.year + 1, month, day)
        while next_year <= end:
            pieces.append((tariff, start, next_year - _ONE_DAY, year_start))
            start, year_start = next_year, next_year
            next_year = dt.date(next_year.year + 1, month, day)
        pieces.append((tariff, start, end, year_start))
    return pieces


def _tier_lift(tariff: Tariff, persons: int | None) -> int:
    """How far every tier bound rises for a household larger than the tariff's base (多人口家庭)."""
    if persons is None or persons <= tariff.household_base_persons:
        return 0
    return tariff.extra_volume_per_person_milli * (persons - tariff.household_base_persons)


def _price_component(
    lines: list[BillLine],
    tariff: Tariff,
    component: Component,
    start: dt.date,
    end: dt.date,
    position: int,
    volume: int,
    lift: int,
) -> None:
    """Append the lines of one component over one segment, filling tiers from ``position`` on."""
    if component.kind == "flat":
        price = component.unit_price
        lines.append(BillLine(component.name, None, start, end, volume, price, _amount_fen(price, volume), tariff.code))
        return
    if component.kind != "tiered":
        raise ValueError(f"tariff {tariff.code}: unknown component kind {component.kind!r}")
    cursor = position
    stop = position + volume
    for number, tier in enumerate(component.tiers, 1):
        bound = tier.up_to_milli
        if bound is not None:
            bound += lift
            if bound <= cursor:
                continue
        top = stop if bound is None or bound > stop else bound
        price = tier.unit_price
        taken = top - cursor
        lines.append(BillLine(component.name, number, start, end, taken, price, _amount_fen(price, taken), tariff.code))
        if top == stop:
            return
        cursor = top
    # Validation keeps the last tier unbounded; pricing less than was consumed would hide it.
    raise ValueError(f"tariff {tariff.code}: component {component.name!r} has no unbounded last tier")


def _amount_fen(unit_price: Decimal, volume_milli: int) -> int:
    return line_amount_fen(unit_price_fen=unit_price * FEN_PER_YUAN, quantity_milli=volume_milli)

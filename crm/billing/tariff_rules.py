"""Tariffs as data (R-BL-01): what a customer category pays per unit, version by version.

Pure: no Piccolo, no Litestar, no clock. A tariff version applies to one customer category
from ``effective_from`` until the next version's ``effective_from`` (the open version has
``effective_to`` None); a new version closes the open one, like the installation price
standards. Units (m³, kWh, t) are data: nothing here is gas-only.

A version has one or more components billed per unit (water fee + sewage treatment fee), each
flat (one unit price) or tiered. Tiers are **annual cumulative volume tiers**, as Chinese city
price bureaus publish them (0–350 / 350–500 / above 500 m³ a billing year): ``up_to`` is the
cumulative volume of the billing year at which the tier ends, None for the last tier. A large
household (多人口家庭) gets every tier bound raised by ``extra_volume_per_person`` times its
extra persons (``household_base_persons`` is the size the bounds are set for).

Volumes are integer thousandths of the unit (``_milli``: litres for m³, Wh for kWh), as the
meters store them; unit prices are exact ``Decimal`` yuan with at most four places (0.4883
元/kWh). Amounts become integer fen once per bill line (crm.common.money.round_fen).
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from crm.accounts.customer_rules import CATEGORIES, CATEGORY_LABELS
from crm.common.fields import FieldError, InvalidFields
from crm.errors import Conflict

__all__ = [
    "COMPONENT_KINDS",
    "Component",
    "ComponentInput",
    "Tariff",
    "TariffCategoryChanged",
    "TariffInput",
    "TariffInvalid",
    "TariffOverlap",
    "Tier",
    "TierInput",
    "components_from_json",
    "components_to_json",
    "format_volume",
    "in_force",
    "parse_tariff",
    "tariff_from_row",
    "version_to_close",
]

COMPONENT_KINDS = ("flat", "tiered")


@dataclass(frozen=True)
class Tier:
    """Up to ``up_to_milli`` of the billing year's cumulative volume (None: no upper bound)."""

    up_to_milli: int | None
    unit_price: Decimal  # yuan per unit, at most 4 decimal places


@dataclass(frozen=True)
class Component:
    name: str  # 水费, 污水处理费, 燃气费, 电费 …
    kind: str  # "flat" | "tiered"
    unit_price: Decimal | None = None  # flat only
    tiers: tuple[Tier, ...] = ()  # tiered only, in increasing up_to order, the last unbounded


@dataclass(frozen=True)
class Tariff:
    """One version of one category's tariff."""

    code: str
    name: str
    customer_category: str  # residential, commercial, industrial … (crm.accounts categories)
    unit: str  # "m³", "kWh" …
    effective_from: dt.date
    effective_to: dt.date | None  # exclusive; None while this is the version in force
    components: tuple[Component, ...] = field(default_factory=tuple)
    # The billing year starts on this month and day (1 January unless the price bureau says otherwise).
    year_starts: tuple[int, int] = (1, 1)
    # 多人口家庭: every tier bound rises by this much per person beyond household_base_persons.
    extra_volume_per_person_milli: int = 0
    household_base_persons: int = 4


# ---- reading a tariff version from what finance typed ------------------------------------------

# The code names a tariff across its versions (GAS-RES, WATER-COM).
_CODE = re.compile(r"[A-Z0-9][A-Z0-9_-]{0,31}")
# A price as a decimal string of ASCII digits (re's \d would take full-width ones too): at most four decimals (0.4883 元/kWh), never a float.
_PRICE = re.compile(r"[0-9]{1,4}(\.[0-9]{1,4})?")
MAX_UNIT_PRICE = Decimal(9999)
# A volume in whole units with at most three decimals (thousandths are what the meters store).
_VOLUME = re.compile(r"[0-9]{1,9}(\.[0-9]{1,3})?")
_MILLI = 1000
MAX_NAME = 100
MAX_COMPONENT_NAME = 50
MAX_UNIT = 8
MAX_HOUSEHOLD_PERSONS = 99


@dataclass(frozen=True)
class TierInput:
    up_to: str | int | None
    unit_price: str | None


@dataclass(frozen=True)
class ComponentInput:
    name: str | None
    kind: str | None
    unit_price: str | None = None
    tiers: tuple[TierInput, ...] = ()


@dataclass(frozen=True)
class TariffInput:
    """A new version as typed: prices and volumes still text, checked by ``parse_tariff``."""

    code: str | None
    name: str | None
    customer_category: str | None
    unit: str | None
    effective_from: dt.date
    components: tuple[ComponentInput, ...] = ()
    year_starts: str | None = None  # "MM-DD"
    extra_volume_per_person: str | int | None = None
    household_base_persons: int | None = None


class TariffInvalid(InvalidFields):
    """One or more fields of a tariff version break a rule; all are reported at once."""


class TariffOverlap(Conflict):
    code = "tariff.overlap"

    def __init__(self, message: str, *, field: str | None = "effective_from", code: str | None = None) -> None:
        super().__init__(message, field=field, code=code)


class TariffCategoryChanged(Conflict):
    code = "tariff.category_changed"

    def __init__(self, message: str, *, field: str | None = "customer_category", code: str | None = None) -> None:
        super().__init__(message, field=field, code=code)


def _price(text: str | None, path: str, errors: list[FieldError]) -> Decimal | None:
    cleaned = text.strip() if isinstance(text, str) else None
    if cleaned and _PRICE.fullmatch(cleaned):
        price = Decimal(cleaned)
        if Decimal(0) < price <= MAX_UNIT_PRICE:
            return price
    errors.append(FieldError(
        "tariff.invalid_price",
        f"单价须为大于 0、不超过 {MAX_UNIT_PRICE} 元、最多 4 位小数的数字文本，如 \"0.4883\" / "
        f"A unit price is a decimal string in yuan above 0, at most {MAX_UNIT_PRICE}, with at most 4 decimals, "
        "e.g. \"0.4883\"",
        path,
    ))
    return None


def _volume_milli(value: str | int | None, path: str, errors: list[FieldError]) -> int | None:
    """Whole units with up to three decimals -> thousandths; None when the value is not a volume."""
    text = str(value).strip() if isinstance(value, (str, int)) and not isinstance(value, bool) else ""
    if _VOLUME.fullmatch(text):
        return int(Decimal(text) * _MILLI)
    errors.append(FieldError(
        "tariff.invalid_volume",
        "用量须为不小于 0、最多 3 位小数的数字，如 \"350\" / A volume is a number of units ≥ 0 with at most "
        "3 decimals, e.g. \"350\"",
        path,
    ))
    return None


def _tiers(tiers: Sequence[TierInput], prefix: str, errors: list[FieldError]) -> tuple[Tier, ...]:
    if not tiers:
        errors.append(FieldError("tariff.no_tiers", "阶梯价至少需要一档 / A tiered component needs at least one tier",
                                 f"{prefix}.tiers"))
        return ()
    parsed: list[Tier] = []
    previous: int | None = 0
    for index, tier in enumerate(tiers):
        path = f"{prefix}.tiers[{index}]"
        last = index == len(tiers) - 1
        price = _price(tier.unit_price, f"{path}.unit_price", errors)
        up_to: int | None = None
        if tier.up_to is None:
            if not last:
                # Only the last tier may be open-ended: a bound after "no bound" cannot be higher.
                errors.append(FieldError(
                    "tariff.tiers_not_increasing",
                    f"只有最后一档可以不设上限，第 {index + 1} 档须有上限 / Only the last tier may be unbounded; "
                    f"tier {index + 1} needs an upper bound", f"{path}.up_to"))
        elif last:
            errors.append(FieldError(
                "tariff.last_tier_bounded",
                "最后一档不设上限（up_to 为 null），否则超出部分无价可计 / The last tier must be unbounded "
                "(up_to null), or volume above it would have no price", f"{path}.up_to"))
        else:
            up_to = _volume_milli(tier.up_to, f"{path}.up_to", errors)
            if up_to is not None and previous is not None and up_to <= previous:
                errors.append(FieldError(
                    "tariff.tiers_not_increasing",
                    f"第 {index + 1} 档上限须大于上一档 / Tier {index + 1} must end above the tier before it",
                    f"{path}.up_to"))
            previous = up_to if up_to is not None else previous
        if price is not None:
            parsed.append(Tier(up_to_milli=up_to, unit_price=price))
    return tuple(parsed)


def _components(components: Sequence[ComponentInput], errors: list[FieldError]) -> tuple[Component, ...]:
    if not components:
        errors.append(FieldError("tariff.no_components", "至少需要一个计费项目 / A tariff needs at least one component",
                                 "components"))
        return ()
    parsed: list[Component] = []
    seen: set[str] = set()
    for index, component in enumerate(components):
        prefix = f"components[{index}]"
        name = (component.name or "").strip()
        if not (1 <= len(name) <= MAX_COMPONENT_NAME):
            errors.append(FieldError("tariff.invalid_component_name",
                                     f"项目名称须为 1–{MAX_COMPONENT_NAME} 个字符 / A component name has 1–"
                                     f"{MAX_COMPONENT_NAME} characters", f"{prefix}.name"))
        elif name in seen:
            errors.append(FieldError("tariff.duplicate_component",
                                     f"计费项目 {name} 重复 / Component {name} appears twice", f"{prefix}.name"))
        seen.add(name)
        if component.kind == "flat":
            price = _price(component.unit_price, f"{prefix}.unit_price", errors)
            if component.tiers:
                errors.append(FieldError("tariff.flat_with_tiers",
                                         "单一价不分档，请去掉阶梯 / A flat component has no tiers", f"{prefix}.tiers"))
            parsed.append(Component(name=name, kind="flat", unit_price=price))
        elif component.kind == "tiered":
            if component.unit_price is not None:
                errors.append(FieldError("tariff.tiered_with_price",
                                         "阶梯价的单价写在各档里 / A tiered component's prices belong to its tiers",
                                         f"{prefix}.unit_price"))
            parsed.append(Component(name=name, kind="tiered", tiers=_tiers(component.tiers, prefix, errors)))
        else:
            errors.append(FieldError("tariff.unknown_kind",
                                     f"计价方式须为 flat（单一价）或 tiered（阶梯价） / The kind must be one of "
                                     f"{', '.join(COMPONENT_KINDS)}", f"{prefix}.kind"))
    return tuple(parsed)


def _year_starts(text: str | None, errors: list[FieldError]) -> tuple[int, int]:
    if text is None:
        return (1, 1)
    match = re.fullmatch(r"([0-9]{2})-([0-9]{2})", text.strip())
    if match:
        month, day = int(match.group(1)), int(match.group(2))
        try:
            dt.date(2025, month, day)  # a year without 29 February: the start must exist every year
            return (month, day)
        except ValueError:
            pass
    errors.append(FieldError("tariff.invalid_year_start",
                             "计费年度起始日须为 MM-DD，如 01-01（不能是 02-29） / The billing year start is MM-DD, "
                             "e.g. 01-01 (not 02-29)", "year_starts"))
    return (1, 1)


def parse_tariff(data: TariffInput) -> Tariff:
    """The version finance typed, checked field by field; TariffInvalid lists every problem."""
    errors: list[FieldError] = []
    code = (data.code or "").strip()
    if not _CODE.fullmatch(code):
        errors.append(FieldError("tariff.invalid_code",
                                 "价格编号只能用大写字母、数字、- 和 _，最多 32 位 / Code: capitals, digits, - and _, "
                                 "at most 32", "code"))
    name = (data.name or "").strip()
    if not (1 <= len(name) <= MAX_NAME):
        errors.append(FieldError("tariff.invalid_name", f"名称须为 1–{MAX_NAME} 个字符 / Name: 1–{MAX_NAME} characters",
                                 "name"))
    if data.customer_category not in CATEGORIES:
        errors.append(FieldError("tariff.unknown_category",
                                 f"用户类别须为{'、'.join(zh for zh, _ in CATEGORY_LABELS.values())}之一 / "
                                 f"The customer category must be one of {', '.join(CATEGORIES)}", "customer_category"))
    unit = (data.unit or "").strip()
    if not (1 <= len(unit) <= MAX_UNIT):
        errors.append(FieldError("tariff.invalid_unit", f"计量单位须为 1–{MAX_UNIT} 个字符，如 m³、kWh / The unit has "
                                 f"1–{MAX_UNIT} characters, e.g. m³, kWh", "unit"))
    components = _components(data.components, errors)
    year_starts = _year_starts(data.year_starts, errors)
    extra = 0
    if data.extra_volume_per_person is not None:
        extra = _volume_milli(data.extra_volume_per_person, "extra_volume_per_person", errors) or 0
    persons = 4 if data.household_base_persons is None else data.household_base_persons
    if not (0 <= persons <= MAX_HOUSEHOLD_PERSONS):
        errors.append(FieldError("tariff.invalid_household_persons",
                                 f"基准户人口须为 0–{MAX_HOUSEHOLD_PERSONS} / The base household size is 0–"
                                 f"{MAX_HOUSEHOLD_PERSONS}", "household_base_persons"))
    if errors:
        raise TariffInvalid(errors)
    return Tariff(
        code=code, name=name, customer_category=data.customer_category or "", unit=unit,
        effective_from=data.effective_from, effective_to=None, components=components, year_starts=year_starts,
        extra_volume_per_person_milli=extra, household_base_persons=persons,
    )


# ---- versions ------------------------------------------------------------------------------------


def _period_text(tariff: Tariff) -> str:
    end = tariff.effective_to.isoformat() if tariff.effective_to else "…"
    return f"[{tariff.effective_from.isoformat()}, {end})"


def version_to_close(*, existing: Sequence[Tariff], new: Tariff) -> Tariff | None:
    """The open version the new one takes over from (closed on its first day), or None for a first version.

    A new version is open-ended, so it may only start after every existing version: one that
    starts inside a closed period, or on or before the open version's start, would give the code
    two prices on one day. A code keeps its category: bills already priced name the code.
    """
    for other in existing:
        if other.customer_category != new.customer_category:
            raise TariffCategoryChanged(
                f"价格 {new.code} 适用于{other.customer_category}用户，新版本不能改为{new.customer_category} / "
                f"Tariff {new.code} is for {other.customer_category} customers; a new version cannot change that "
                f"to {new.customer_category}")
    for other in existing:
        starts_too_early = (new.effective_from <= other.effective_from if other.effective_to is None
                            else new.effective_from < other.effective_to)
        if starts_too_early:
            raise TariffOverlap(
                f"价格 {new.code} 已有版本在 {_period_text(other)} 生效，新版本须从 "
                f"{(other.effective_to or other.effective_from).isoformat()} 之后开始 / A version of tariff {new.code} "
                f"is in force for {_period_text(other)}; the new version must start after it")
    return next((other for other in existing if other.effective_to is None), None)


def in_force(*, versions: Sequence[Tariff], on: dt.date) -> Tariff | None:
    """The version of one code in force on ``on`` (periods are [effective_from, effective_to))."""
    return next((v for v in versions if v.effective_from <= on and (v.effective_to is None or on < v.effective_to)),
                None)


# ---- the stored form: prices as text so no engine turns them into floats ---------------------------


def components_to_json(components: Sequence[Component]) -> str:
    return json.dumps([
        {"name": c.name, "kind": c.kind, "unit_price": None if c.unit_price is None else str(c.unit_price),
         "tiers": [{"up_to_milli": t.up_to_milli, "unit_price": str(t.unit_price)} for t in c.tiers]}
        for c in components
    ], ensure_ascii=False)


def components_from_json(text: str) -> tuple[Component, ...]:
    return tuple(
        Component(
            name=c["name"], kind=c["kind"],
            unit_price=None if c["unit_price"] is None else Decimal(c["unit_price"]),
            tiers=tuple(Tier(up_to_milli=t["up_to_milli"], unit_price=Decimal(t["unit_price"])) for t in c["tiers"]),
        )
        for c in json.loads(text)
    )


def tariff_from_row(row: Mapping[str, Any]) -> Tariff:
    """A stored ``tariff`` row (crm.billing.tables.TariffVersion, as a dict) as the pricing dataclass."""
    return Tariff(
        code=row["code"], name=row["name"], customer_category=row["customer_category"], unit=row["unit"],
        effective_from=row["effective_from"], effective_to=row["effective_to"],
        components=components_from_json(row["components"]),
        year_starts=(row["year_start_month"], row["year_start_day"]),
        extra_volume_per_person_milli=row["extra_volume_per_person_milli"],
        household_base_persons=row["household_base_persons"],
    )


def format_volume(milli: int) -> str:
    """Thousandths back to the whole units finance typed: 350000 -> "350", 350500 -> "350.5"."""
    whole, rest = divmod(milli, _MILLI)
    return f"{whole}.{rest:03d}".rstrip("0").rstrip(".") if rest else str(whole)

"""Wire shapes of the billing API (msgspec). Tables never leave the service layer.

Prices travel as decimal strings in yuan ("0.4883") and volumes in whole units as decimal
strings ("350"), so no JSON float ever rounds a price.
"""

from __future__ import annotations

import datetime as dt

import msgspec


class TierIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    # The billing year's cumulative volume at which the tier ends; null for the last tier.
    up_to: str | int | None = None
    unit_price: str | None = None


class ComponentIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    name: str
    kind: str  # flat | tiered
    unit_price: str | None = None
    tiers: list[TierIn] = []


class TariffCreate(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    code: str
    name: str
    customer_category: str
    unit: str
    effective_from: dt.date
    components: list[ComponentIn] = []
    year_starts: str | None = None  # "MM-DD", 01-01 when left out
    extra_volume_per_person: str | int | None = None
    household_base_persons: int | None = None


class TierOut(msgspec.Struct, kw_only=True):
    up_to: str | None
    unit_price: str


class ComponentOut(msgspec.Struct, kw_only=True):
    name: str
    kind: str
    unit_price: str | None
    tiers: list[TierOut]


class TariffOut(msgspec.Struct, kw_only=True):
    code: str
    version: int
    name: str
    customer_category: str
    unit: str
    effective_from: dt.date
    effective_to: dt.date | None
    components: list[ComponentOut]
    year_starts: str
    extra_volume_per_person: str
    household_base_persons: int
    created_by: str | None
    created_at: dt.datetime


class ReadingCreate(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    # Whole units with up to three decimals ("1234.567"), like a meter's initial reading.
    value: str | int
    read_on: dt.date
    kind: str = "actual"  # actual | estimated | rollover | replacement
    dial_digits: int | None = None  # required for a rollover
    new_serial: str | None = None  # replacement only
    new_initial_value: str | int | None = None  # replacement only


class ReadingReview(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    decision: str  # accept | reject
    reason: str | None = None


class ReadingFlagOut(msgspec.Struct, kw_only=True):
    code: str
    label: str


class ReadingOut(msgspec.Struct, kw_only=True):
    id: int
    serial: str
    account_no: str
    value: str
    read_on: dt.date
    kind: str
    kind_label: str
    estimated: bool
    dial_digits: int | None
    new_serial: str | None
    new_initial_value: str | None
    consumption: str
    flags: list[ReadingFlagOut]
    review_status: str  # none | pending | accepted | rejected
    reviewed_by: str | None
    reviewed_at: dt.datetime | None
    review_reason: str | None
    recorded_by: str | None
    recorded_at: dt.datetime

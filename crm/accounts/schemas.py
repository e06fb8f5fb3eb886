"""Wire shapes of the customer API (msgspec). Tables never leave the service layer."""

from __future__ import annotations

import datetime as dt

import msgspec


class Address(msgspec.Struct, kw_only=True):
    province: str | None = None
    city: str | None = None
    district: str | None = None
    street: str | None = None
    detail: str | None = None


class CustomerCreate(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    # Everything optional at the wire level so the rule module can report every missing field at once.
    category: str | None = None
    name: str | None = None
    id_type: str | None = None
    id_number: str | None = None
    phone: str | None = None
    contact_name: str | None = None
    contact_phone: str | None = None
    address: Address | None = None
    branch: str | None = None
    delivery_notice_no: str | None = None
    acceptance_drawing_no: str | None = None


class CustomerUpdate(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    # The version read before editing; a newer one on the server means someone else changed it.
    version: int | None = None
    phone: str | None = None
    contact_name: str | None = None
    contact_phone: str | None = None
    address: Address | None = None
    delivery_notice_no: str | None = None
    acceptance_drawing_no: str | None = None


class Customer(msgspec.Struct, kw_only=True):
    account_no: str
    branch: str
    branch_name: str
    category: str
    category_label: str
    name: str
    id_type: str
    id_number: str
    phone: str
    contact_name: str | None
    contact_phone: str | None
    address: Address
    delivery_notice_no: str
    acceptance_drawing_no: str
    status: str
    status_label: str
    status_reason: str | None
    freeze_cause: str | None
    balance_fen: int
    version: int
    opened_at: dt.datetime
    updated_at: dt.datetime
    # Which of the values above are shown masked (R-PM-02).
    masked_fields: list[str]


class CustomerSummary(msgspec.Struct, kw_only=True):
    account_no: str
    name: str
    category: str
    category_label: str
    branch: str
    status: str
    status_label: str
    phone: str
    id_number: str
    address: str


class CustomerPage(msgspec.Struct, kw_only=True):
    items: list[CustomerSummary]
    page: int  # 0 for a page fetched with a cursor (``after``)
    page_size: int
    total: int  # at most service.COUNT_CAP; total_capped says there are more
    total_capped: bool = False
    # Pass as ``after`` for the next page; None on the last page.
    next_after: str | None = None


class CustomerSearch(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    query: str | None = None
    after: str | None = None
    id_number: str | None = None
    phone: str | None = None
    status: str | None = None
    page: int = 1


class Created(msgspec.Struct, kw_only=True):
    account_no: str
    status: str
    customer: Customer


class RevealRequest(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    field: str
    reason: str


class Revealed(msgspec.Struct, kw_only=True):
    field: str
    value: str


class TransitionRequest(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    to: str
    reason: str
    cause: str | None = None
    # The version the desk saw; a newer one means another desk changed the account meanwhile.
    version: int | None = None


class HistoryEntry(msgspec.Struct, kw_only=True):
    changed_at: dt.datetime
    actor: str | None
    action: str
    field: str | None
    old_value: str | None
    new_value: str | None
    reason: str | None


class MeterCreate(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    serial: str | None = None
    model: str | None = None
    meter_type: str | None = None
    installed_date: dt.date | None = None
    initial_reading: str | int | None = None
    seal_no: str | None = None


class MeterOut(msgspec.Struct, kw_only=True):
    id: int
    serial: str
    model: str
    meter_type: str
    meter_type_label: str
    installed_date: dt.date | None
    initial_reading: str
    seal_no: str | None


class ApplianceCreate(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    kind: str | None = None
    brand: str | None = None
    model: str | None = None
    installed_date: dt.date | None = None


class ApplianceOut(msgspec.Struct, kw_only=True):
    id: int
    kind: str
    kind_label: str
    brand: str
    model: str | None
    installed_date: dt.date | None


class CorrectionCreate(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    field: str
    new_value: str
    reason: str


class CorrectionDecision(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    approve: bool
    reason: str | None = None


class Correction(msgspec.Struct, kw_only=True):
    id: int
    account_no: str
    field: str
    new_value: str
    reason: str
    status: str
    requested_by: str
    requested_at: dt.datetime
    decided_by: str | None
    decided_at: dt.datetime | None
    decision_reason: str | None

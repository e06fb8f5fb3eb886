"""Wire shapes of the archives API (msgspec). Tables never leave the service layer."""

from __future__ import annotations

import datetime as dt

import msgspec


class Attachment(msgspec.Struct, kw_only=True):
    file_id: str
    contract_no: str
    kind: str
    kind_label: str
    filename: str
    media_type: str
    size: int
    sha256: str
    uploaded_by: str
    uploaded_at: dt.datetime
    destroyed: bool = False


class HandoverCreate(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    contract_nos: list[str]
    note: str | None = None


class HandoverReturn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    reason: str | None = None


class HandoverContract(msgspec.Struct, kw_only=True):
    contract_no: str
    type: str
    type_label: str
    account_no: str
    customer_name: str
    status: str
    materials: dict[str, int]
    missing: list[str]
    archive_no: str | None = None


class Handover(msgspec.Struct, kw_only=True):
    id: int
    batch_no: str
    branch: str
    status: str
    status_label: str
    note: str | None
    submitted_by: str
    submitted_at: dt.datetime
    decided_by: str | None
    decided_at: dt.datetime | None
    return_reason: str | None
    contracts: list[HandoverContract]


class HandoverSummary(msgspec.Struct, kw_only=True):
    id: int
    batch_no: str
    branch: str
    status: str
    status_label: str
    contracts: int
    submitted_by: str
    submitted_at: dt.datetime


class ArchiveSummary(msgspec.Struct, kw_only=True):
    archive_no: str
    title: str
    year: int
    retention: str
    department: str
    contract_no: str
    account_no: str
    status: str
    accepted_at: dt.datetime


class ArchivePage(msgspec.Struct, kw_only=True):
    items: list[ArchiveSummary]
    page: int
    page_size: int
    total: int


class Addendum(msgspec.Struct, kw_only=True):
    text: str
    added_by: str
    added_at: dt.datetime


class Archive(msgspec.Struct, kw_only=True):
    archive_no: str
    fonds: str
    category: str
    year: int
    retention: str
    retention_label: str
    department: str
    item: int
    title: str
    restricted: bool
    status: str
    contract_no: str
    contract_type: str
    account_no: str
    customer_name: str
    branch: str
    handover_batch_no: str
    accepted_by: str
    accepted_at: dt.datetime
    disposal_due: dt.date | None
    files: list[Attachment]
    addenda: list[Addendum]


class FixityProblem(msgspec.Struct, kw_only=True):
    file_id: str
    archive_no: str | None
    contract_no: str
    filename: str
    problem: str  # missing | changed | unreadable


class FixityReport(msgspec.Struct, kw_only=True):
    checked: int
    ok: int
    problems: list[FixityProblem]
    started_at: dt.datetime
    finished_at: dt.datetime

"""Wire shapes of the archives API (msgspec). Tables never leave the service layer."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import msgspec

from contracts.schemas import ContractSummary


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
    # Why the archivist sent it back (returned batches only): the front desk reads it in the list.
    return_reason: str | None = None


class HandoverCandidate(msgspec.Struct, kw_only=True):
    """A finished contract not in an open batch, with what the archive still needs of it."""

    contract: ContractSummary
    files: int
    missing_materials: list[str]


class HandoverDesk(msgspec.Struct, kw_only=True):
    """移交归档: what the front desk can hand over, and its batches, newest first."""

    candidates: list[HandoverCandidate]
    batches: list[HandoverSummary]


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


class AccessRequestCreate(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    archive_no: str
    purpose: str | None = None
    days: int = 7


class AccessDecision(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    decision: str
    reason: str | None = None


class AccessRequestOut(msgspec.Struct, kw_only=True):
    id: int
    request_no: str
    archive_no: str
    requester: str
    purpose: str
    days: int
    restricted: bool
    status: str
    status_label: str
    awaiting_role: str | None
    requested_at: dt.datetime
    archivist: str | None
    archivist_at: dt.datetime | None
    general_manager: str | None
    general_manager_at: dt.datetime | None
    decision_reason: str | None
    valid_until: dt.datetime | None


class DisposalCreate(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    archive_nos: list[str]
    reason: str | None = None


class LookupQueue(msgspec.Struct, kw_only=True):
    """查阅审批: the requests waiting for the reader's role, oldest first, and the scope's others."""

    to_decide: list[AccessRequestOut]
    others: list[AccessRequestOut]


class DisposalDecision(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    decision: str
    reason: str | None = None


class DisposalWitnesses(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """The witnesses the executing archivist names; each then confirms with their own login."""

    witnesses: list[str]


class DisposalWitness(msgspec.Struct, kw_only=True):
    username: str
    display_name: str
    named_at: dt.datetime
    confirmed_at: dt.datetime | None


class DisposalRecord(msgspec.Struct, kw_only=True):
    archive_no: str
    title: str
    retention: str
    year: int
    status: str
    due: dt.date | None


class Disposal(msgspec.Struct, kw_only=True):
    id: int
    batch_no: str
    status: str
    status_label: str
    reason: str
    proposed_by: str
    proposed_at: dt.datetime
    decided_by: str | None
    decided_at: dt.datetime | None
    decision_reason: str | None
    executed_by: str | None
    executed_at: dt.datetime | None
    witnesses: list[str]
    # Who is named to witness (监销人) and when each confirmed with their own login.
    witness_confirmations: list[DisposalWitness] = []
    records: list[DisposalRecord]


class DisposalSummary(msgspec.Struct, kw_only=True):
    id: int
    batch_no: str
    status: str
    status_label: str
    proposed_by: str
    proposed_at: dt.datetime
    decided_at: dt.datetime | None
    executed_at: dt.datetime | None
    records: int


class DisposalDue(msgspec.Struct, kw_only=True):
    """A record past its retention, and the open batch already holding it, if any."""

    record: ArchiveSummary
    due_date: dt.date | None
    held_in: str | None


class DisposalOverview(msgspec.Struct, kw_only=True):
    """销毁鉴定 / 销毁审批: the batches waiting for the reader, every batch, the due records."""

    waiting: list[DisposalSummary]
    batches: list[DisposalSummary]
    due: list[DisposalDue]
    # The approved batches naming the reader as a witness who has not confirmed yet.
    to_witness: list[DisposalSummary] = []


class FixityRun(msgspec.Struct, kw_only=True):
    """One past fixity check, as the audit trail recorded it."""

    seq: int
    run_at: dt.datetime
    run_by: str | None
    checked: int
    problems: int
    outcome: str


class ArchiveSearch(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """For lookups by a customer's ID number, which never travels in a URL."""

    query: Annotated[str, msgspec.Meta(max_length=60)] | None = None
    year: Annotated[int, msgspec.Meta(ge=1900, le=2200)] | None = None
    category: Annotated[str, msgspec.Meta(max_length=8)] | None = None
    account_no: Annotated[str, msgspec.Meta(max_length=16)] | None = None
    contract_no: Annotated[str, msgspec.Meta(max_length=24)] | None = None
    id_number: Annotated[str, msgspec.Meta(max_length=40)] | None = None
    retention: Annotated[str, msgspec.Meta(max_length=4)] | None = None
    page: Annotated[int, msgspec.Meta(ge=1, le=100_000)] = 1


class DepartureRequest(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    successor: str


class Departure(msgspec.Struct, kw_only=True):
    username: str
    successor: str | None = None
    customers: list[dict[str, str]]
    contracts: list[dict[str, str]]
    approvals: list[dict[str, str]]
    borrowed: list[dict[str, str]]


class AddendumCreate(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    text: str

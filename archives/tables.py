"""Contract archives: attached files, handover batches, archive records, lookups, disposal.

Nothing here is deleted by any code path but disposal (R-AR-05), and even disposal keeps the
rows: it destroys a file's ciphertext and its wrapped key, marks the record destroyed and
leaves the destruction register behind. Every foreign key restricts.
"""

from piccolo.columns import (
    BigInt,
    Boolean,
    ForeignKey,
    Integer,
    OnDelete,
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.table import Table

from contracts.tables import Contract
from crm.staff.tables import Branch, Staff


class ArchiveFile(Table, tablename="archive_file"):
    """A letter, drawing, approval, budget, notice or the contract text itself, stored encrypted."""

    file_id = Varchar(length=40, unique=True)  # also the blob store key
    contract = ForeignKey(references=Contract, on_delete=OnDelete.restrict, null=False, index=True)
    kind = Varchar(length=16)
    filename = Varchar(length=200)
    media_type = Varchar(length=100)
    size = BigInt()
    sha256 = Varchar(length=64)
    # The per-file key, wrapped by the keyring; NULL once the file is destroyed (key discarded).
    wrapped_key = Text(null=True, default=None)
    uploaded_by = ForeignKey(references=Staff, on_delete=OnDelete.restrict, null=False)
    uploaded_at = Timestamptz()
    destroyed_at = Timestamptz(null=True, default=None)


class HandoverBatch(Table, tablename="archive_handover"):
    batch_no = Varchar(length=24, unique=True)
    branch = ForeignKey(references=Branch, on_delete=OnDelete.restrict, null=False, index=True)
    status = Varchar(length=16, index=True)  # submitted | accepted | returned
    note = Text(null=True, default=None)
    submitted_by = ForeignKey(references=Staff, on_delete=OnDelete.restrict, null=False)
    submitted_at = Timestamptz()
    decided_by = ForeignKey(references=Staff, on_delete=OnDelete.restrict, null=True, default=None)
    decided_at = Timestamptz(null=True, default=None)
    return_reason = Text(null=True, default=None)


class HandoverItem(Table, tablename="archive_handover_item"):
    batch = ForeignKey(references=HandoverBatch, on_delete=OnDelete.restrict, null=False, index=True)
    contract = ForeignKey(references=Contract, on_delete=OnDelete.restrict, null=False, index=True)
    seq = Integer()


class ArchiveCounter(Table, tablename="archive_counter"):
    """The last item number per fonds/category/year/retention/department: gap-free, never reused."""

    key = Varchar(length=64, unique=True)
    last_item = BigInt(default=0)


class ArchiveRecord(Table, tablename="archive_record"):
    archive_no = Varchar(length=48, unique=True)
    fonds = Varchar(length=8)
    category = Varchar(length=8)
    year = Integer(index=True)
    retention = Varchar(length=4)
    department = Varchar(length=8)
    item = BigInt()
    contract = ForeignKey(references=Contract, on_delete=OnDelete.restrict, null=False, unique=True)
    branch = ForeignKey(references=Branch, on_delete=OnDelete.restrict, null=False, index=True)
    handover = ForeignKey(references=HandoverBatch, on_delete=OnDelete.restrict, null=False)
    title = Text()
    # Restricted records need the general manager's approval for a lookup too (R-AR-06).
    restricted = Boolean(default=False)
    status = Varchar(length=16, index=True)  # filed | destroyed
    accepted_by = ForeignKey(references=Staff, on_delete=OnDelete.restrict, null=False)
    accepted_at = Timestamptz()
    destroyed_at = Timestamptz(null=True, default=None)


class ArchiveAddendum(Table, tablename="archive_addendum"):
    """A correction to an accepted record: the record itself never changes (R-AR-04)."""

    record = ForeignKey(references=ArchiveRecord, on_delete=OnDelete.restrict, null=False, index=True)
    text = Text()
    added_by = ForeignKey(references=Staff, on_delete=OnDelete.restrict, null=False)
    added_at = Timestamptz()


class AccessRequest(Table, tablename="archive_access_request"):
    """查(借)阅申请: a purpose, a period, the archivist's (and for restricted records the general manager's) approval."""

    request_no = Varchar(length=24, unique=True)
    record = ForeignKey(references=ArchiveRecord, on_delete=OnDelete.restrict, null=False, index=True)
    requester = ForeignKey(references=Staff, on_delete=OnDelete.restrict, null=False, index=True)
    purpose = Text()
    days = Integer()
    restricted = Boolean(default=False)
    status = Varchar(length=16, index=True)  # pending | approved | rejected
    requested_at = Timestamptz()
    archivist = ForeignKey(references=Staff, on_delete=OnDelete.restrict, null=True, default=None)
    archivist_at = Timestamptz(null=True, default=None)
    general_manager = ForeignKey(references=Staff, on_delete=OnDelete.restrict, null=True, default=None)
    general_manager_at = Timestamptz(null=True, default=None)
    decision_reason = Text(null=True, default=None)
    valid_until = Timestamptz(null=True, default=None)


class AccessLog(Table, tablename="archive_access_log"):
    """Every view and download of an archive, with the grant it was made under (R-AR-06)."""

    record = ForeignKey(references=ArchiveRecord, on_delete=OnDelete.restrict, null=False, index=True)
    staff = ForeignKey(references=Staff, on_delete=OnDelete.restrict, null=False, index=True)
    action = Varchar(length=16)  # view | record_pdf | file
    file = ForeignKey(references=ArchiveFile, on_delete=OnDelete.restrict, null=True, default=None)
    request = ForeignKey(references=AccessRequest, on_delete=OnDelete.restrict, null=True, default=None)
    at = Timestamptz()


class DisposalBatch(Table, tablename="archive_disposal"):
    batch_no = Varchar(length=24, unique=True)
    status = Varchar(length=16, index=True)  # proposed | approved | rejected | executed
    reason = Text()
    proposed_by = ForeignKey(references=Staff, on_delete=OnDelete.restrict, null=False)
    proposed_at = Timestamptz()
    decided_by = ForeignKey(references=Staff, on_delete=OnDelete.restrict, null=True, default=None)
    decided_at = Timestamptz(null=True, default=None)
    decision_reason = Text(null=True, default=None)
    executed_by = ForeignKey(references=Staff, on_delete=OnDelete.restrict, null=True, default=None)
    executed_at = Timestamptz(null=True, default=None)
    witnesses = Text(null=True, default=None)  # JSON list of usernames (监销人)


class DisposalItem(Table, tablename="archive_disposal_item"):
    batch = ForeignKey(references=DisposalBatch, on_delete=OnDelete.restrict, null=False, index=True)
    record = ForeignKey(references=ArchiveRecord, on_delete=OnDelete.restrict, null=False, index=True)


class DisposalWitness(Table, tablename="archive_disposal_witness"):
    """A person named to witness a batch's destruction (监销人), and when they confirmed it themselves.

    Named by the archivist who will execute; confirmed only by the witness's own login; a row
    replaced by renaming is withdrawn, never deleted, so the trail of who was asked stays.
    """

    batch = ForeignKey(references=DisposalBatch, on_delete=OnDelete.restrict, null=False, index=True)
    staff = ForeignKey(references=Staff, on_delete=OnDelete.restrict, null=False, index=True)
    named_by = ForeignKey(references=Staff, on_delete=OnDelete.restrict, null=False)
    named_at = Timestamptz()
    confirmed_at = Timestamptz(null=True, default=None)
    withdrawn_at = Timestamptz(null=True, default=None)

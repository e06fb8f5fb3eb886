"""Reading archive records (R-AR-03/04/06): the archive room reads them; others under a lookup grant.

Every view and download is written to the access log, with the grant it was made under.
"""

from __future__ import annotations

from typing import Any

from piccolo.columns.combination import WhereRaw

from archives import schemas
from archives.access_rules import check_grant
from archives.attachments import read_plaintext, to_schema as attachment_schema
from archives.numbering import InvalidArchiveNumber, parse_archive_no
from archives.retention import RETENTION_LABELS, RETENTION_YEARS, disposal_due_date
from archives.tables import AccessLog, AccessRequest, ArchiveAddendum, ArchiveFile, ArchiveRecord
from contracts import archiving as contracts
from crm import db
from crm.accounts import directory as customers, service as accounts
from crm.common.labels import label
from crm.audit import service as audit
from crm.context import AppContext, Origin
from crm.errors import InvalidInput, NotFound
from crm.staff.access import Actor, can, in_scope, require
from crm.common.local_time import BEIJING

PAGE_SIZE = 50


class ArchiveNotFound(NotFound):
    code = "archive.not_found"


_RECORD_COLUMNS = (*ArchiveRecord.all_columns(), ArchiveRecord.handover.batch_no)


async def load_record(ctx: AppContext, actor: Actor, archive_no: str) -> dict[str, Any]:
    """By its number in any accepted spelling of the middle dot; out of scope looks like missing."""
    number = str(parse_archive_no(text=archive_no))
    row = await ArchiveRecord.select(*_RECORD_COLUMNS).where(ArchiveRecord.archive_no == number).first()
    if row is None or not in_scope(actor, row["branch"]):
        raise ArchiveNotFound(f"档案 {number} 不存在 / Archive {number} not found", field="archive_no")
    # The contract's number, type and customer, as contracts tells them: contract_no,
    # type, account_no, customer_name.
    return {**row, **(await contracts.contract_labels(contract_ids=[row["contract"]]))[row["contract"]]}


async def grant_for(ctx: AppContext, actor: Actor, record: dict[str, Any]) -> int | None:
    """The lookup grant the actor reads under: None for the archive room, else an approved, unexpired request."""
    if can(actor, "archive.read"):
        return None
    require(actor, "archive.request")
    grant = await AccessRequest.select(AccessRequest.id, AccessRequest.valid_until).where(
        (AccessRequest.record == record["id"]) & (AccessRequest.requester == actor.staff_id)
        & (AccessRequest.status == "approved")
    ).order_by(AccessRequest.valid_until, ascending=False).first()
    check_grant(now=ctx.now(), valid_until=grant["valid_until"] if grant else None)
    return grant["id"]


async def log_access(
    *, ctx: AppContext, actor: Actor, record: dict[str, Any], action: str, grant_id: int | None,
    file_id: int | None = None,
) -> None:
    await AccessLog.insert(AccessLog(record=record["id"], staff=actor.staff_id, action=action, file=file_id,
                                     request=grant_id, at=ctx.now()))


def _to_schema(
    record: dict[str, Any], files: list[dict[str, Any]], addenda: list[dict[str, Any]], *, branch_code: str,
    usernames: dict[int, str],
) -> schemas.Archive:
    return schemas.Archive(
        archive_no=record["archive_no"], fonds=record["fonds"], category=record["category"], year=record["year"],
        retention=record["retention"], retention_label=label(RETENTION_LABELS.get(record["retention"])),
        department=record["department"], item=record["item"], title=record["title"], restricted=record["restricted"],
        status=record["status"], contract_no=record["contract_no"],
        contract_type=record["type"], account_no=record["account_no"],
        customer_name=record["customer_name"], branch=branch_code,
        handover_batch_no=record["handover.batch_no"], accepted_by=usernames.get(record["accepted_by"]),
        accepted_at=record["accepted_at"],
        disposal_due=disposal_due_date(retention=record["retention"], archive_year=record["year"]),
        files=[attachment_schema(f, record["contract_no"], usernames=usernames) for f in files],
        addenda=[schemas.Addendum(text=a["text"], added_by=usernames.get(a["added_by"]), added_at=a["added_at"])
                 for a in addenda],
    )


async def _files(record: dict[str, Any]) -> list[dict[str, Any]]:
    return await ArchiveFile.select(*ArchiveFile.all_columns()).where(
        ArchiveFile.contract == record["contract"]).order_by(ArchiveFile.id)


async def archive_view(*, ctx: AppContext, record: dict[str, Any]) -> schemas.Archive:
    """The record with its files and addenda (the caller has checked the right to read it)."""
    files = await _files(record)
    addenda = await ArchiveAddendum.select(*ArchiveAddendum.all_columns()).where(
        ArchiveAddendum.record == record["id"]).order_by(ArchiveAddendum.id)
    # Who accepted, uploaded and added, all in one call: the people of a record are a handful.
    names = await ctx.staff_names.usernames(
        [record["accepted_by"], *(f["uploaded_by"] for f in files), *(a["added_by"] for a in addenda)])
    branch = await ctx.branches.by_id(record["branch"])
    return _to_schema(record, files, addenda, branch_code=branch.code if branch else "", usernames=names)


async def get_archive(*, ctx: AppContext, actor: Actor, archive_no: str, origin: Origin) -> schemas.Archive:
    async with db.unit_of_work(ctx.engine):
        record = await load_record(ctx, actor, archive_no)
        grant = await grant_for(ctx, actor, record)
        view = await archive_view(ctx=ctx, record=record)
        await log_access(ctx=ctx, actor=actor, record=record, action="view", grant_id=grant)
    return view


async def download_file(
    *, ctx: AppContext, actor: Actor, archive_no: str, file_id: str, origin: Origin
) -> tuple[schemas.Attachment, bytes]:
    async with db.unit_of_work(ctx.engine):
        record = await load_record(ctx, actor, archive_no)
        grant = await grant_for(ctx, actor, record)
        row = next((f for f in await _files(record) if f["file_id"] == file_id and f["wrapped_key"]), None)
        if row is None:
            raise NotFound(f"文件 {file_id} 不存在 / File {file_id} not found", field="file_id", code="attachment.not_found")
        await log_access(ctx=ctx, actor=actor, record=record, action="file", grant_id=grant, file_id=row["id"])
        await audit.append(ctx=ctx, action="archive.download", actor=actor.username, origin=origin,
                           target=record["archive_no"], details={"file_id": file_id, "grant": grant})
    uploader = await ctx.staff_names.usernames([row["uploaded_by"]])
    return attachment_schema(row, record["contract_no"], usernames=uploader), read_plaintext(ctx, row)


async def _contract_ids(customer_id: int | None) -> list[int]:
    return await _contract_ids_of([customer_id] if customer_id is not None else [])


async def _contract_ids_of(customer_ids: list[int]) -> list[int]:
    return await contracts.contract_ids_of_customers(customer_ids=customer_ids) or [0]


def _summaries(rows: list[dict[str, Any]], labels: dict[int, dict[str, Any]]) -> list[schemas.ArchiveSummary]:
    return [schemas.ArchiveSummary(
        archive_no=r["archive_no"], title=r["title"], year=r["year"], retention=r["retention"],
        department=r["department"], contract_no=labels[r["contract"]]["contract_no"],
        account_no=labels[r["contract"]]["account_no"], status=r["status"], accepted_at=r["accepted_at"],
    ) for r in rows]


_SUMMARY_COLUMNS = (
    ArchiveRecord.archive_no, ArchiveRecord.title, ArchiveRecord.year, ArchiveRecord.retention,
    ArchiveRecord.department, ArchiveRecord.contract, ArchiveRecord.status, ArchiveRecord.accepted_at,
)


def _number_prefix(prefix: str, engine: Any) -> Any:
    """Archive numbers starting with ``prefix`` (taken literally), in a form their unique index serves."""
    if engine.engine_type == "sqlite":
        # SQLite's LIKE folds case, so it cannot use the (BINARY) index; GLOB can.
        literal = "".join(f"[{c}]" if c in "*?[" else c for c in prefix)
        return WhereRaw('"archive_record"."archive_no" GLOB {}', f"{literal}*")
    # PostgreSQL's btree serves a range under any collation; LIKE then keeps exactly the prefixed ones.
    escaped = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return (ArchiveRecord.archive_no >= prefix) & (ArchiveRecord.archive_no < prefix + "\U0010ffff") & (
        ArchiveRecord.archive_no.like(f"{escaped}%"))


async def search_archives(
    *, ctx: AppContext, actor: Actor, query: str | None = None, year: int | None = None,
    category: str | None = None, account_no: str | None = None, contract_no: str | None = None,
    id_number: str | None = None, retention: str | None = None, page: int = 1,
) -> schemas.ArchivePage:
    """The catalogue within the viewer's scope: metadata only, reading a record needs a grant.

    A customer's ID number is matched through its blind index (R-PM-04), never in plaintext.
    """
    if not can(actor, "archive.read"):
        require(actor, "archive.request")
    where = []
    # A customer is resolved to its contracts first: archive_record.contract is indexed, a
    # condition on the joined customer would scan every record (measured: 0.8 s at a million).
    if id_number and id_number.strip():
        customer = await accounts.find_by_id_number(ctx, id_number.strip().upper())
        where.append(ArchiveRecord.contract.is_in(await _contract_ids(customer["id"] if customer else None)))
    if account_no and account_no.strip():
        customer_id = await customers.customer_id_by_account_no(account_no=account_no.strip())
        where.append(ArchiveRecord.contract.is_in(await _contract_ids(customer_id)))
    if not actor.all_branches:
        where.append(ArchiveRecord.branch == actor.branch_id)
    if query and query.strip():
        text = query.strip()
        try:
            where.append(ArchiveRecord.archive_no == str(parse_archive_no(text=text)))
        except InvalidArchiveNumber:  # not an archive number: a prefix of one, or words of the title
            # The start of an archive number or of the customer's name, both read from an
            # index: "anywhere in the title" would read every record (0.6 s at a million).
            named = await _contract_ids_of(await accounts.ids_with_name_prefix(ctx=ctx, prefix=text))
            where.append(_number_prefix(text, ctx.engine) | ArchiveRecord.contract.is_in(named))
    if year is not None:
        where.append(ArchiveRecord.year == year)
    if category:
        where.append(ArchiveRecord.category == category.strip().upper())
    if retention:
        where.append(ArchiveRecord.retention == retention.strip().upper())
    if contract_no:
        found = await contracts.contract_ids_by_number(contract_nos=[contract_no.strip()])
        where.append(ArchiveRecord.contract.is_in(list(found.values()) or [0]))
    select = ArchiveRecord.select(*_SUMMARY_COLUMNS)
    count = ArchiveRecord.count()
    for condition in where:
        select = select.where(condition)
        count = count.where(condition)
    async with db.read_only(ctx.engine):
        total = await count
        rows = await select.order_by(ArchiveRecord.archive_no).limit(PAGE_SIZE).offset((max(1, page) - 1) * PAGE_SIZE)
        labels = await contracts.contract_labels(contract_ids=[r["contract"] for r in rows])
    return schemas.ArchivePage(items=_summaries(rows, labels), page=page, page_size=PAGE_SIZE, total=total)



async def add_addendum(*, ctx: AppContext, actor: Actor, archive_no: str, text: str | None, origin: Origin) -> schemas.Archive:
    """更正附注 (R-AR-04): an accepted record never changes; a correction is added beside it, dated and signed."""
    require(actor, "archive.read")
    cleaned = (text or "").strip()
    if not 2 <= len(cleaned) <= 2000:
        raise InvalidInput("附注须为 2–2000 字 / An addendum has 2–2,000 characters", field="text",
                           code="archive.addendum_invalid")
    async with db.unit_of_work(ctx.engine):
        record = await load_record(ctx, actor, archive_no)
        await ArchiveAddendum.insert(ArchiveAddendum(record=record["id"], text=cleaned, added_by=actor.staff_id,
                                                     added_at=ctx.now()))
        await audit.append(ctx=ctx, action="archive.addendum", actor=actor.username, origin=origin,
                           target=record["archive_no"], details={"text": cleaned})
        return await archive_view(ctx=ctx, record=record)


async def due_for_disposal(*, ctx: AppContext, actor: Actor) -> list[schemas.ArchiveSummary]:
    """到期鉴定: filed records whose retention has run out (never permanent ones), oldest first."""
    require(actor, "archive.read")
    today = ctx.now().astimezone(BEIJING).date()
    due = None
    for code, years in RETENTION_YEARS.items():
        if years is None:
            continue
        # disposal_due_date: 1 January of year + years + 1; due when that is today or earlier.
        condition = (ArchiveRecord.retention == code) & (ArchiveRecord.year <= today.year - years - 1)
        due = condition if due is None else due | condition
    query = ArchiveRecord.select(*_SUMMARY_COLUMNS).where((ArchiveRecord.status == "filed") & due)
    if not actor.all_branches:
        query = query.where(ArchiveRecord.branch == actor.branch_id)
    async with db.read_only(ctx.engine):
        rows = await query.order_by(ArchiveRecord.year).order_by(ArchiveRecord.archive_no).limit(1000)
        labels = await contracts.contract_labels(contract_ids=[r["contract"] for r in rows])
    return _summaries(rows, labels)

"""Bulk import of customers from the old system's CSV (`crm import customers`).

Every row passes the same validation as the open-account form. Rows are committed in batches,
one transaction each, so a crash leaves whole batches only; a row whose ID number is already
on file (from this file's earlier batches, an earlier run, or the counter) is reported and
skipped, so running the same file again after a crash completes it without duplicates.
Rejected and skipped rows go to an error report (line, column, code, message).
"""

from __future__ import annotations

import asyncio
import codecs
import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import IO, Any

from crm import db
from crm.accounts.account_numbers import make_account_no
from crm.accounts.customer_rules import CustomerInput, CustomerInvalid, validate_new_customer
from crm.common.fields import FieldError
from crm.accounts.import_rules import ImportFileInvalid, ParsedRow, detect_encoding, read_rows, sniff
from crm.accounts.meter_rules import MeterInvalid, ValidMeter, validate_meter
from crm.accounts.sealed_fields import index, sealed_values
from crm.accounts.service import DuplicateIdNumber, audit_duplicate_hits, duplicate_id
from crm.accounts.tables import AccountCounter, Customer, CustomerHistory, Meter
from crm.audit import service as audit
from crm.common.csv_writer import CsvWriter
from crm.context import AppContext, Origin
from crm.staff.access import Actor, in_scope, require

DEFAULT_BATCH_SIZE = 1000
ERROR_COLUMNS = ("line", "column", "code", "message")

_CUSTOMER_COLUMNS = (
    "account_no", "branch", "category", "name", "id_type",
    "id_number_sealed", "id_number_bidx", "id_number_masked",
    "phone_sealed", "phone_bidx", "phone_masked",
    "contact_name", "contact_phone_sealed", "contact_phone_bidx", "contact_phone_masked",
    "province", "city", "district", "street", "detail_sealed", "detail_masked",
    "delivery_notice_no", "acceptance_drawing_no", "status", "balance_fen", "version",
    "opened_at", "updated_at", "created_by",
)
_METER_COLUMNS = ("customer", "serial", "model", "meter_type", "installed_date", "initial_reading_l", "created_at")
_HISTORY_COLUMNS = ("customer", "changed_at", "actor", "action", "reason")


@dataclass
class ImportReport:
    rows: int = 0
    imported: int = 0
    duplicates: int = 0
    rejected: int = 0
    batches: int = 0
    dry_run: bool = False
    encoding: str = ""
    first_account_no: str | None = None
    last_account_no: str | None = None


@dataclass
class _Candidate:
    line: int
    customer: CustomerInput
    meter: ValidMeter | None
    branch_id: int
    branch_number: int
    id_bidx: str


class _ErrorReport:
    def __init__(self, out: IO[str] | None) -> None:
        # Messages may quote what the file said: the one writer keeps a formula in it inert.
        self._writer = CsvWriter(out, header=ERROR_COLUMNS) if out is not None else None

    def add(self, line: int, errors: Sequence[FieldError]) -> None:
        if self._writer is not None:
            for error in errors:
                self._writer.writerow((line, error.field, error.code, error.message))


def _encoding(source: IO[bytes], given: str | None) -> str:
    if not given:
        return detect_encoding(sniff(source))
    try:
        name = codecs.lookup(given).name
    except LookupError:
        raise ImportFileInvalid(
            f"未知编码 {given} / Unknown encoding {given}", field="encoding", code="import.encoding"
        ) from None
    # A UTF-8 file from Excel starts with a BOM that is not part of the first column's name.
    return "utf-8-sig" if name == "utf-8" else name


async def import_customers(
    *,
    ctx: AppContext,
    actor: Actor,
    source: IO[bytes],
    source_name: str,
    origin: Origin,
    errors_out: IO[str] | None = None,
    encoding: str | None = None,
    dry_run: bool = False,
    batch_size: int = DEFAULT_BATCH_SIZE,
    on_progress: Callable[[ImportReport, int], None] | None = None,
) -> ImportReport:
    """Validate and import every row of ``source``; see the module docstring.

    ``errors_out`` gets the error report as crm.common.csv_writer writes it: a text stream that
    encodes plain UTF-8 (the BOM is written for it), opened with ``newline=""``.
    """
    require(actor, "customer.create")
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")
    report = ImportReport(dry_run=dry_run, encoding=_encoding(source, encoding))
    text = io.TextIOWrapper(source, encoding=report.encoding, newline="")
    _, rows = read_rows(text)
    errors = _ErrorReport(errors_out)
    # A dry run commits nothing, so duplicates across its batches are found here instead.
    seen_in_dry_run: set[bytes] | None = set() if dry_run else None
    batch: list[_Candidate] = []
    analyzed_at = max(batch_size, await Customer.count())
    # One batch is written while the next is read and validated: the database (another
    # process on PostgreSQL, a worker thread on SQLite) works while this one parses.
    writing: asyncio.Future | None = None

    async def write(rows_to_write: list[_Candidate]) -> None:
        nonlocal writing, analyzed_at
        if writing is not None:
            await writing  # commits stay in file order, one batch at a time
        if report.imported >= analyzed_at * 2 and not dry_run and ctx.engine.engine_type == "postgres":
            # The duplicate checks look rows up by index; with statistics from when the
            # table was small, PostgreSQL's planner scans it instead, once per batch.
            # (SQLite uses the index for them without statistics, and its ANALYZE reads
            # every index entry, so it runs once, at the end.)
            await db.analyze(Customer)
            analyzed_at = report.imported
        writing = asyncio.ensure_future(_flush(
            ctx, actor=actor, batch=rows_to_write, report=report, errors=errors, origin=origin,
            source_name=source_name, seen_in_dry_run=seen_in_dry_run,
        ))

    try:
        for row in rows:
            report.rows += 1
            candidate = await _candidate(ctx, actor=actor, row=row, errors=errors)
            if candidate is None:
                report.rejected += 1
            else:
                batch.append(candidate)
            if report.rows % 50 == 0:
                await asyncio.sleep(0)  # lets the batch being written take its next step
            if len(batch) >= batch_size:
                await write(batch)
                batch = []
                if on_progress is not None:
                    on_progress(report, source.tell())
        if batch:
            await write(batch)
    finally:
        if writing is not None:
            await writing
    if report.imported and not dry_run:
        await db.analyze(Customer)
    if on_progress is not None:
        on_progress(report, source.tell())
    text.detach()
    return report


async def _candidate(ctx: AppContext, *, actor: Actor, row: ParsedRow, errors: _ErrorReport) -> _Candidate | None:
    problems: list[FieldError] = list(row.errors)
    customer = meter = None
    try:
        customer = validate_new_customer(row.customer)
    except CustomerInvalid as invalid:
        problems.extend(invalid.errors)
    if row.meter is not None:
        try:
            meter = validate_meter(row.meter)
        except MeterInvalid as invalid:
            problems.extend(
                FieldError(code=e.code, message=e.message, field=f"meter_{e.field}" if not e.field.startswith("meter") else e.field)
                for e in invalid.errors
            )
    branch = await ctx.branches.by_code(customer.branch) if customer is not None else None
    if customer is not None and branch is None:
        problems.append(FieldError(
            code="customer.unknown_branch", field="branch",
            message=f"营业网点 {customer.branch} 不存在 / Unknown branch {customer.branch}",
        ))
    elif branch is not None and not in_scope(actor, branch.id):
        problems.append(FieldError(
            code="customer.branch_out_of_scope", field="branch",
            message=f"无权导入到营业网点 {branch.code} / You may not import into branch {branch.code}",
        ))
    if problems or customer is None or branch is None:
        errors.add(row.line, problems)
        return None
    return _Candidate(
        line=row.line, customer=customer, meter=meter, branch_id=branch.id, branch_number=branch.number,
        id_bidx=index(ctx, purpose="id_number", value=customer.id_number),
    )


def _duplicate_error(*, on_file: DuplicateIdNumber | None = None, line: int | None = None) -> FieldError:
    if on_file is not None:
        message = f"{on_file.message}（未重复导入 / not imported again）"
    else:
        message = f"与第 {line} 行证件号码相同 / Same ID number as line {line}"
    return FieldError(code="customer.duplicate_id", field="id_number", message=message)


async def _existing(ctx: AppContext, batch: list[_Candidate], actor: Actor) -> tuple[dict[str, DuplicateIdNumber], set[str]]:
    """ID-number digests already on file (with the refusal to report) and meter serials in use."""
    digests = [c.id_bidx for c in batch]
    on_file = {}
    for r in await Customer.select(Customer.id_number_bidx, Customer.id, Customer.account_no, Customer.branch).where(
        Customer.id_number_bidx.is_in(digests)
    ):
        # Another branch's account number stays unnamed (issue 14 finding 2): the same refusal as opening one.
        on_file[r["id_number_bidx"]] = await duplicate_id(ctx=ctx, actor=actor, existing=r)
    serials = [c.meter.serial for c in batch if c.meter is not None]
    used = {r["serial"] for r in await Meter.select(Meter.serial).where(Meter.serial.is_in(serials))} if serials else set()
    return on_file, used


def _keep(batch: list[_Candidate], *, on_file: dict[str, DuplicateIdNumber], serials_used: set[str], errors: _ErrorReport,
          report: ImportReport, seen_in_dry_run: set[bytes] | None) -> list[_Candidate]:
    kept: list[_Candidate] = []
    first_line: dict[str, int] = {}
    serial_line: dict[str, int] = {}
    for c in batch:
        digest = bytes.fromhex(c.id_bidx)
        if c.id_bidx in on_file:
            errors.add(c.line, [_duplicate_error(on_file=on_file[c.id_bidx])])
            report.duplicates += 1
        elif c.id_bidx in first_line or (seen_in_dry_run is not None and digest in seen_in_dry_run):
            errors.add(c.line, [_duplicate_error(line=first_line.get(c.id_bidx))])
            report.duplicates += 1
        elif c.meter is not None and (c.meter.serial in serials_used or c.meter.serial in serial_line):
            errors.add(c.line, [FieldError(
                code="meter.duplicate_serial", field="meter_serial",
                message=f"表号 {c.meter.serial} 已登记 / Meter {c.meter.serial} is already registered",
            )])
            report.rejected += 1
        else:
            first_line[c.id_bidx] = c.line
            if c.meter is not None:
                serial_line[c.meter.serial] = c.line
            if seen_in_dry_run is not None:
                seen_in_dry_run.add(digest)
            kept.append(c)
    return kept


async def _reserve_numbers(branch_id: int, count: int) -> int:
    """The first of ``count`` consecutive sequence numbers for the branch, taken in one statement."""
    row = await AccountCounter.raw(
        "INSERT INTO account_counter (branch, next_value) VALUES ({}, {}) "
        "ON CONFLICT (branch) DO UPDATE SET next_value = account_counter.next_value + {} "
        "RETURNING next_value",
        branch_id, count + 1, count,
    )
    return row[0]["next_value"] - count


async def _flush(ctx: AppContext, *, actor: Actor, batch: list[_Candidate], report: ImportReport, errors: _ErrorReport,
                 origin: Origin, source_name: str, seen_in_dry_run: set[bytes] | None) -> None:
    if seen_in_dry_run is not None:
        on_file, serials_used = await _existing(ctx, batch, actor)
        await audit_duplicate_hits(ctx=ctx, actor=actor, origin=origin, hits=list(on_file.values()), via="import")
        kept = _keep(batch, on_file=on_file, serials_used=serials_used, errors=errors, report=report,
                     seen_in_dry_run=seen_in_dry_run)
        report.imported += len(kept)
        report.batches += 1
        return
    now = ctx.now()
    async with db.unit_of_work(ctx.engine):
        # Checked inside the transaction: the write lock (SQLite) or the unique index (both)
        # keeps a concurrent opening from slipping in between check and insert.
        on_file, serials_used = await _existing(ctx, batch, actor)
        await audit_duplicate_hits(ctx=ctx, actor=actor, origin=origin, hits=list(on_file.values()), via="import",
                                   alone=False)
        kept = _keep(batch, on_file=on_file, serials_used=serials_used, errors=errors, report=report,
                     seen_in_dry_run=None)
        if not kept:
            return
        numbers: dict[int, int] = {}
        for branch_id in sorted({c.branch_id for c in kept}):
            numbers[branch_id] = await _reserve_numbers(branch_id, sum(1 for c in kept if c.branch_id == branch_id))
        customer_rows, accounts = [], []
        for c in kept:
            account_no = make_account_no(branch_no=c.branch_number, sequence=numbers[c.branch_id])
            numbers[c.branch_id] += 1
            accounts.append(account_no)
            customer_rows.append(_customer_row(ctx, c, account_no=account_no, actor=actor, now=now))
        await db.insert_rows(ctx.engine, table=Customer, columns=_CUSTOMER_COLUMNS, rows=customer_rows)
        ids = {
            r["account_no"]: r["id"]
            for r in await Customer.select(Customer.id, Customer.account_no).where(Customer.account_no.is_in(accounts))
        }
        await db.insert_rows(
            ctx.engine, table=CustomerHistory, columns=_HISTORY_COLUMNS,
            rows=[(ids[no], now, actor.staff_id, "imported", f"导入 / import: {source_name}"[:200]) for no in accounts],
        )
        meters = [
            (ids[no], c.meter.serial, c.meter.model, c.meter.meter_type, c.meter.installed_date, c.meter.initial_reading_l, now)
            for c, no in zip(kept, accounts) if c.meter is not None
        ]
        await db.insert_rows(ctx.engine, table=Meter, columns=_METER_COLUMNS, rows=meters)
        await audit.append(
            ctx=ctx, action="customer.import", actor=actor.username, origin=origin, target=accounts[0],
            details={"file": source_name[:200], "count": len(accounts), "first": accounts[0], "last": accounts[-1],
                     "meters": len(meters)},
        )
    report.imported += len(kept)
    report.batches += 1
    report.first_account_no = report.first_account_no or accounts[0]
    report.last_account_no = accounts[-1]


def _customer_row(ctx: AppContext, c: _Candidate, *, account_no: str, actor: Actor, now: Any) -> tuple[Any, ...]:
    data = c.customer
    sealed = {column._meta.name: value for column, value in sealed_values(ctx, data=data, account_no=account_no).items()}
    values = {
        "account_no": account_no, "branch": c.branch_id, "category": data.category, "name": data.name,
        "id_type": data.id_type, "contact_name": data.contact_name, "province": data.province, "city": data.city,
        "district": data.district, "street": data.street, "delivery_notice_no": data.delivery_notice_no,
        "acceptance_drawing_no": data.acceptance_drawing_no, "status": "pending", "balance_fen": 0, "version": 1,
        "opened_at": now, "updated_at": now, "created_by": actor.staff_id,
        "contact_phone_sealed": None, "contact_phone_bidx": None, "contact_phone_masked": None,
        **sealed,
    }
    return tuple(values[name] for name in _CUSTOMER_COLUMNS)

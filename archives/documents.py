"""The archives' PDF records (SPEC §9): handover list, archive record, catalogue, destruction register.

Built from the same service views the API returns. A record printed under a lookup grant
carries the reader's name and the time as a watermark on every page (R-AR-06); the archive
room's own copies carry none.
"""

from __future__ import annotations

import datetime as dt
from typing import Callable

from archives import handover, records
from archives.disposal import get_disposal
from archives.handover_rules import HANDOVER_STATUS_LABELS
from archives.materials import KIND_LABELS
from archives.retention import RETENTION_LABELS
from archives.access_rules import REQUEST_STATUS_LABELS
from archives.tables import AccessLog, AccessRequest, ArchiveFile, ArchiveRecord
from crm.common.money import format_yuan
from contracts.lifecycle import STATUS_LABELS as CONTRACT_STATUS_LABELS
from contracts import service as contract_service
from contracts.lifecycle import DECISION_LABELS
from crm import db
from crm.common.labels import label
from crm.audit import service as audit
from crm.context import AppContext, Origin
from crm.errors import InvalidInput
from crm.staff.access import Actor, require
from crm.common.local_time import BEIJING, local_text as _local
from reports.archive_catalogue import ArchiveCatalogue, CatalogueLine, render_archive_catalogue
from reports.archive_record import AddendumLine, ArchiveFileLine, ArchiveRecord as RecordDocument, render_archive_record
from reports.contract_document import ApprovalLine
from reports.destruction_register import DestroyedArchiveLine, DestroyedFile, DestructionRegister, render_destruction_register
from reports.handover_list import HandoverLine, HandoverList, MaterialCount, render_handover_list
from reports.lookup_register import AccessLogLine, LookupRegister, LookupRequestLine, render_lookup_register




def _both(pair: tuple[str, str] | None) -> str:
    return f"{pair[0]} {pair[1]}" if pair else ""


def _who(actor: Actor) -> str:
    return f"{actor.display_name}（{actor.username}）"


def _size(size: int) -> str:
    return f"{size / 1024 / 1024:.1f} MB" if size >= 1024 * 1024 else f"{max(1, round(size / 1024))} KB"


async def handover_list_pdf(*, ctx: AppContext, actor: Actor, batch_id: int) -> tuple[str, bytes]:
    """移交清单 (R-AR-02), with both parties."""
    batch = await handover.get_handover(ctx=ctx, actor=actor, batch_id=batch_id)
    document = HandoverList(
        company_name=ctx.settings.company_name, batch_no=batch.batch_no,
        status_label=_both(HANDOVER_STATUS_LABELS.get(batch.status)), submitted_by=batch.submitted_by,
        submitted_at=_local(batch.submitted_at), received_by=batch.decided_by or "",
        received_at=_local(batch.decided_at), return_reason=batch.return_reason or "",
        printed_by=_who(actor), printed_at=_local(ctx.now()),
        lines=tuple(HandoverLine(
            seq=str(i + 1), contract_no=c.contract_no, type_label=c.type_label, customer_name=c.customer_name,
            account_no=c.account_no, status_label=_both(CONTRACT_STATUS_LABELS.get(c.status)),
            materials=tuple(MaterialCount(kind_label=_both(KIND_LABELS.get(kind)), file_count=str(n))
                            for kind, n in sorted(c.materials.items())),
            archive_no=c.archive_no or "",
        ) for i, c in enumerate(batch.contracts)),
    )
    return batch.batch_no, render_handover_list(handover_list=document, font_path=ctx.settings.cjk_font_path)


async def record_pdf(*, ctx: AppContext, actor: Actor, archive_no: str, origin: Origin) -> tuple[str, bytes]:
    """档案记录: under a grant it is watermarked with the reader and the time, and logged."""
    now = ctx.now()
    async with db.unit_of_work(ctx.engine):
        row = await records.load_record(ctx, actor, archive_no)
        grant = await records.grant_for(ctx, actor, row)
        archive = await records.archive_view(ctx=ctx, record=row)
        contract = await contract_service.contract_view(ctx=ctx, contract_id=row["contract"])
        await records.log_access(ctx=ctx, actor=actor, record=row, action="record_pdf", grant_id=grant)
        await audit.append(ctx=ctx, action="archive.record_pdf", actor=actor.username, origin=origin,
                           target=archive.archive_no, details={"grant": grant})
    document = RecordDocument(
        company_name=ctx.settings.company_name, archive_no=archive.archive_no, title=archive.title,
        fonds=archive.fonds, category_label=f"{archive.category} 合同 Contracts", year=str(archive.year),
        retention_label=_both(RETENTION_LABELS.get(archive.retention)), department_label=archive.department,
        accepted_by=archive.accepted_by, accepted_at=_local(archive.accepted_at), contract_no=archive.contract_no,
        contract_type_label=archive.contract_type, customer_name=archive.customer_name, account_no=archive.account_no,
        amount=format_yuan(contract.amount_fen) if contract.amount_fen is not None else "",
        contract_status_label="已归档 Archived",
        printed_by=_who(actor), printed_at=_local(now),
        files=tuple(ArchiveFileLine(kind_label=f.kind_label, file_name=f.filename, size=_size(f.size), sha256=f.sha256,
                                    uploaded_at=_local(f.uploaded_at)) for f in archive.files),
        approvals=tuple(
            ApprovalLine(seq=f"{s.round}-{s.step}" if s.round > 1 else str(s.step), role_label=s.role_label,
                         decided_by=f"{s.decided_by_name or ''}（{s.decided_by}）", decided_at=_local(s.decided_at),
                         decision_label=label(DECISION_LABELS.get(s.decision or "")), reason=s.decision_reason or "")
            for s in contract.approval_history
        ),
        addenda=tuple(AddendumLine(date=_local(a.added_at), by=a.added_by, text=a.text) for a in archive.addenda),
        watermark=None if grant is None else f"查阅人 {_who(actor)} {_local(now)} 仅供查阅 / For lookup only",
    )
    return archive.archive_no, render_archive_record(record=document, font_path=ctx.settings.cjk_font_path)


async def catalogue_pdf(
    *, ctx: AppContext, actor: Actor, year: int, progress: Callable[[int, int], None] | None = None
) -> bytes:
    """案卷目录 for one year, within the archive room's scope."""
    require(actor, "archive.read")
    query = ArchiveRecord.select(
        ArchiveRecord.id, ArchiveRecord.contract, ArchiveRecord.archive_no, ArchiveRecord.title,
        ArchiveRecord.retention, ArchiveRecord.department, ArchiveRecord.accepted_at, ArchiveRecord.status,
    ).where(ArchiveRecord.year == year)
    if not actor.all_branches:
        query = query.where(ArchiveRecord.branch == actor.branch_id)
    async with db.read_only(ctx.engine):
        rows = await query.order_by(ArchiveRecord.archive_no)
        counts: dict[int, int] = {}
        for f in await ArchiveFile.select(ArchiveFile.contract).where(
                ArchiveFile.contract.is_in([r["contract"] for r in rows] or [0])):
            counts[f["contract"]] = counts.get(f["contract"], 0) + 1
    catalogue = ArchiveCatalogue(
        company_name=ctx.settings.company_name, fonds=ctx.settings.archive_fonds, year=str(year),
        generated_by=_who(actor), generated_at=_local(ctx.now()), category_label=f"{ctx.settings.archive_category} 合同",
        lines=tuple(CatalogueLine(
            archive_no=r["archive_no"], title=r["title"], retention_label=_both(RETENTION_LABELS.get(r["retention"])),
            department_label=r["department"], accepted_date=_local(r["accepted_at"], "%Y-%m-%d"),
            file_count=str(counts.get(r["contract"], 0)),
            status_label="已销毁 Destroyed" if r["status"] == "destroyed" else "在库 In store",
        ) for r in rows),
    )
    return render_archive_catalogue(catalogue=catalogue, font_path=ctx.settings.cjk_font_path, progress=progress)


async def destruction_register_pdf(*, ctx: AppContext, actor: Actor, batch_id: int) -> tuple[str, bytes]:
    """销毁清册 (R-AR-05): what was destroyed, by whom, before which witnesses, with every file's hash."""
    batch = await get_disposal(ctx=ctx, actor=actor, batch_id=batch_id)
    contracts = {r["archive_no"]: r["contract"] for r in await ArchiveRecord.select(
        ArchiveRecord.archive_no, ArchiveRecord.contract).where(
        ArchiveRecord.archive_no.is_in([r.archive_no for r in batch.records] or [""]))}
    files: dict[int, list[dict]] = {}
    for f in await ArchiveFile.select(ArchiveFile.contract, ArchiveFile.filename, ArchiveFile.sha256).where(
            ArchiveFile.contract.is_in(list(contracts.values()) or [0])).order_by(ArchiveFile.id):
        files.setdefault(f["contract"], []).append(f)
    register = DestructionRegister(
        company_name=ctx.settings.company_name, batch_no=batch.batch_no, status_label=batch.status_label,
        proposed_by=batch.proposed_by, proposed_at=_local(batch.proposed_at), approved_by=batch.decided_by or "",
        approved_at=_local(batch.decided_at), executed_by=batch.executed_by or "", executed_at=_local(batch.executed_at),
        witnesses=tuple(batch.witnesses), printed_by=_who(actor), printed_at=_local(ctx.now()),
        witness_confirmations=tuple((f"{w.display_name}（{w.username}）", _local(w.confirmed_at))
                                    for w in batch.witness_confirmations),
        lines=tuple(DestroyedArchiveLine(
            seq=str(i + 1), archive_no=r.archive_no, title=r.title,
            retention_label=_both(RETENTION_LABELS.get(r.retention)), year=str(r.year),
            due_date=r.due.isoformat() if r.due else "", file_count=str(len(files.get(contracts.get(r.archive_no), []))),
            files=tuple(DestroyedFile(file_name=f["filename"], sha256=f["sha256"])
                        for f in files.get(contracts.get(r.archive_no), [])),
        ) for i, r in enumerate(batch.records)),
    )
    return batch.batch_no, render_destruction_register(register=register, font_path=ctx.settings.cjk_font_path)



_ACTION_LABELS = {"view": "查阅 View", "record_pdf": "下载档案记录 Record PDF", "file": "下载文件 File"}


async def lookup_register_pdf(*, ctx: AppContext, actor: Actor, start: dt.date, end: dt.date) -> bytes:
    """查(借)阅登记簿 (R-AR-06): the requests made in [start, end] and every logged view and download."""
    require(actor, "archive.read")
    if end < start or (end - start).days > 366 or end >= dt.date(9999, 12, 31):
        raise InvalidInput("登记簿期间须为一年以内、起止有序 / The period must run forward and span at most a year",
                           field="to", code="lookup_register.invalid_period")
    low = dt.datetime.combine(start, dt.time(), BEIJING)
    high = dt.datetime.combine(end + dt.timedelta(days=1), dt.time(), BEIJING)
    requests = AccessRequest.select(*AccessRequest.all_columns(), AccessRequest.record.archive_no).where(
        (AccessRequest.requested_at >= low) & (AccessRequest.requested_at < high))
    log = AccessLog.select(
        AccessLog.at, AccessLog.action, AccessLog.staff, AccessLog.record.archive_no,
        AccessLog.request.request_no, AccessLog.file.filename,
    ).where((AccessLog.at >= low) & (AccessLog.at < high))
    if not actor.all_branches:
        requests = requests.where(AccessRequest.record.branch == actor.branch_id)
        log = log.where(AccessLog.record.branch == actor.branch_id)
    async with db.read_only(ctx.engine):
        request_rows = await requests.order_by(AccessRequest.id)
        log_rows = await log.order_by(AccessLog.id)
        # Everyone the register names, requests and log together, in one call.
        names = await ctx.staff_names.usernames(
            [*(r[c] for r in request_rows for c in ("requester", "archivist", "general_manager")),
             *(r["staff"] for r in log_rows)])
    register = LookupRegister(
        company_name=ctx.settings.company_name, period=f"{start.isoformat()} 至 {end.isoformat()}",
        printed_by=_who(actor), printed_at=_local(ctx.now()),
        requests=tuple(LookupRequestLine(
            request_no=r["request_no"], archive_no=r["record.archive_no"], requester=names.get(r["requester"], ""),
            purpose=r["purpose"], days=str(r["days"]), requested_at=_local(r["requested_at"]),
            archivist_by=names.get(r["archivist"], ""), archivist_decided_at=_local(r["archivist_at"]),
            manager_by=names.get(r["general_manager"], ""), manager_decided_at=_local(r["general_manager_at"]),
            valid_until=_local(r["valid_until"]), status_label=_both(REQUEST_STATUS_LABELS.get(r["status"])),
        ) for r in request_rows),
        access_log=tuple(AccessLogLine(
            at=_local(r["at"]), by=names.get(r["staff"], ""), action_label=_ACTION_LABELS.get(r["action"], r["action"]),
            archive_no=r["record.archive_no"], request_no=r["request.request_no"] or "", file_name=r["file.filename"] or "",
        ) for r in log_rows),
    )
    return render_lookup_register(register=register, font_path=ctx.settings.cjk_font_path)

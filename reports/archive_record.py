"""Archive record — 档案记录 (SPEC R-AR-03, R-AR-04, R-AR-06, §9).

One accepted archive: its archive number (档号, DA/T 22-2015 shape), description, the contract
it holds, every file with its SHA-256 (R-AR-04; shortened in the list, in full below it in a
small font), the addenda that correct it (accepted records are never edited), and, when the
service supplies it, a summary of who looked at it. A copy downloaded under a lookup grant
carries the requester's name and time as a watermark on every page (R-AR-06).

The view model holds display strings only (see :mod:`reports.archive_documents`).
"""

from __future__ import annotations

from dataclasses import dataclass

from reportlab.lib.units import mm
from reportlab.platypus import Spacer

from reports.archive_documents import (
    CONTENT_WIDTH,
    fields_table,
    heading,
    list_table,
    note,
    printed_line,
    title_block,
    value,
)
from reports.cells import ENGLISH_COLOR, text_block
from reports.contract_document import ApprovalLine
from reports.fonts import register_cjk_font
from reports.frame import DocumentInfo, build_pdf, styles
from reports.text import plain_text

__all__ = [
    "AccessLine",
    "AddendumLine",
    "ArchiveFileLine",
    "ArchiveRecord",
    "SHORT_HASH_LENGTH",
    "TITLE",
    "render_archive_record",
    "short_hash",
]

TITLE = "档案记录 Archive Record"

SHORT_HASH_LENGTH = 16

_FILE_HEADERS = (
    ("序号", "No."),
    ("种类", "Kind"),
    ("文件名", "File Name"),
    ("大小", "Size"),
    ("SHA-256（前16位）", "SHA-256 (first 16)"),
    ("上传时间", "Uploaded at"),
)
_FILE_WIDTHS = (9 * mm, 18 * mm, CONTENT_WIDTH - 105 * mm, 18 * mm, 32 * mm, 28 * mm)

_ADDENDUM_HEADERS = (("日期", "Date"), ("补充人", "By"), ("内容", "Text"))
_ADDENDUM_WIDTHS = (28 * mm, 22 * mm, CONTENT_WIDTH - 50 * mm)

_ACCESS_HEADERS = (
    ("时间", "At"),
    ("人员", "By"),
    ("操作", "Action"),
    ("申请编号", "Request No."),
    ("说明", "Detail"),
)
_ACCESS_WIDTHS = (28 * mm, 22 * mm, 26 * mm, 30 * mm, CONTENT_WIDTH - 106 * mm)


@dataclass(frozen=True)
class ArchiveFileLine:
    """One stored file: ``sha256`` is the full hex digest (the report shortens it)."""

    kind_label: str
    file_name: str
    size: str
    sha256: str
    uploaded_at: str


@dataclass(frozen=True)
class AddendumLine:
    """A correction or supplement added after acceptance (R-AR-04)."""

    date: str
    by: str
    text: str


@dataclass(frozen=True)
class AccessLine:
    """One logged view or download (R-AR-06)."""

    at: str
    by: str
    action_label: str  # 查阅 View / 下载 Download
    request_no: str
    detail: str = ""


@dataclass(frozen=True)
class ArchiveRecord:
    company_name: str
    archive_no: str
    title: str
    fonds: str
    category_label: str
    year: str
    retention_label: str
    department_label: str
    accepted_by: str
    accepted_at: str
    contract_no: str
    contract_type_label: str
    customer_name: str
    account_no: str
    amount: str
    contract_status_label: str
    printed_by: str
    printed_at: str
    files: tuple[ArchiveFileLine, ...] = ()
    # The contract's approval trail as it stood when it was archived (R-CT-11).
    approvals: tuple[ApprovalLine, ...] = ()
    addenda: tuple[AddendumLine, ...] = ()
    # None: not part of this copy (section left out); (): provided, nothing logged yet.
    access_history: tuple[AccessLine, ...] | None = None
    access_summary: str = ""
    # R-AR-06, e.g. "查阅人 张三（zhangsan） 2026-11-25 10:31 仅供查阅"
    watermark: str | None = None


def short_hash(sha256: str) -> str:
    """The first :data:`SHORT_HASH_LENGTH` hex digits of a digest, "…" marking the cut."""
    digest = plain_text(sha256)
    return digest if len(digest) <= SHORT_HASH_LENGTH else digest[:SHORT_HASH_LENGTH] + "…"


def render_archive_record(
    *, record: ArchiveRecord, font_path: str | None = None, search_system: bool = True
) -> bytes:
    """Render the archive record as PDF bytes (fonts as in :func:`render_customer_sheet`)."""
    font_name = register_cjk_font(font_path=font_path, search_system=search_system)
    info = DocumentInfo(
        title=TITLE,
        subject=f"档号 Archive No. {record.archive_no}",
        author=record.printed_by or record.company_name,
        company=record.company_name,
        keywords=tuple(k for k in ("档案记录", "archive record", "R-AR-03", record.archive_no) if k),
        watermark=record.watermark,
    )
    return build_pdf(info=info, story=_story(record, font_name), font_name=font_name)


def _story(rec: ArchiveRecord, font_name: str) -> list:
    st = styles(font_name)
    story = title_block(
        "档案记录",
        "Archive Record",
        company=rec.company_name,
        fields=(("档号", "Archive No.", rec.archive_no),),
        st=st,
    )
    story += heading("档案信息", "Description", st)
    story.append(fields_table([("题名", "Title", rec.title)], font_name=font_name, label_ratio=0.21))
    story.append(
        fields_table(
            [
                ("全宗", "Fonds", rec.fonds),
                ("门类", "Category", rec.category_label),
                ("年度", "Year", rec.year),
                ("保管期限", "Retention", rec.retention_label),
                ("机构（问题）", "Department", rec.department_label),
                ("档号", "Archive No.", rec.archive_no),
                ("接收人", "Accepted by", rec.accepted_by),
                ("接收时间", "Accepted at", rec.accepted_at),
            ],
            font_name=font_name,
            pairs_per_row=2,
            label_ratio=0.42,
        )
    )

    story += heading("合同摘要", "Contract", st)
    story.append(
        fields_table(
            [
                ("合同编号", "Contract No.", rec.contract_no),
                ("合同类型", "Type", rec.contract_type_label),
                ("用户名称", "Customer", rec.customer_name),
                ("户号", "Account No.", rec.account_no),
                ("合同金额", "Amount", rec.amount),
                ("合同状态", "Status", rec.contract_status_label),
            ],
            font_name=font_name,
            pairs_per_row=2,
            label_ratio=0.42,
        )
    )

    story += _approvals(rec, font_name, st)
    story += _files(rec, font_name, st)
    story += _addenda(rec, font_name, st)
    story += _access(rec, font_name, st)

    story.append(Spacer(1, 6 * mm))
    story.append(printed_line(rec.printed_by, rec.printed_at, st))
    return story


_APPROVAL_HEADERS = (
    ("步骤", "Step"),
    ("角色", "Role"),
    ("审批人", "Decided by"),
    ("时间", "Decided at"),
    ("意见", "Decision"),
    ("理由", "Reason"),
)
_APPROVAL_WIDTHS = (10 * mm, 36 * mm, 30 * mm, 28 * mm, 20 * mm, CONTENT_WIDTH - 124 * mm)


def _approvals(rec: ArchiveRecord, font_name: str, st: dict) -> list:
    story = heading("审批记录", "Approval Trail", st)
    if not rec.approvals:
        return story + [note("无需审批", "No approval was required", st)]
    story.append(
        list_table(
            headers=_APPROVAL_HEADERS,
            rows=((a.seq, a.role_label, a.decided_by, a.decided_at, a.decision_label, a.reason) for a in rec.approvals),
            col_widths=_APPROVAL_WIDTHS,
            font_name=font_name,
        )
    )
    return story


def _files(rec: ArchiveRecord, font_name: str, st: dict) -> list:
    story = heading("文件清单", "Files", st)
    if not rec.files:
        return story + [note("无文件", "No files", st)]
    story.append(
        list_table(
            headers=_FILE_HEADERS,
            rows=(
                (str(n), f.kind_label, f.file_name, f.size, short_hash(f.sha256), f.uploaded_at)
                for n, f in enumerate(rec.files, start=1)
            ),
            col_widths=_FILE_WIDTHS,
            font_name=font_name,
        )
    )
    # The full digests, one line each (one flowable per line, so a long list can break pages).
    story.append(Spacer(1, 1.5 * mm))
    story.append(
        text_block(
            [[("完整 SHA-256 ", None, None), ("Full SHA-256", 6.5, ENGLISH_COLOR)]],
            st["small"],
            CONTENT_WIDTH,
        )
    )
    story += [
        text_block([[(f"{n}　{value(f.sha256)}", None, None)]], st["small"], CONTENT_WIDTH)
        for n, f in enumerate(rec.files, start=1)
    ]
    return story


def _addenda(rec: ArchiveRecord, font_name: str, st: dict) -> list:
    story = heading("补充说明（更正）", "Addenda (Corrections)", st)
    if not rec.addenda:
        return story + [note("无补充说明", "No addenda", st)]
    story.append(
        list_table(
            headers=_ADDENDUM_HEADERS,
            rows=((a.date, a.by, a.text) for a in rec.addenda),
            col_widths=_ADDENDUM_WIDTHS,
            font_name=font_name,
        )
    )
    return story


def _access(rec: ArchiveRecord, font_name: str, st: dict) -> list:
    if rec.access_history is None and not plain_text(rec.access_summary):
        return []
    story = heading("查阅记录", "Access History", st)
    summary = plain_text(rec.access_summary)
    if summary:
        story.append(text_block([[(summary, None, None)]], st["body"], CONTENT_WIDTH))
    if rec.access_history:
        if summary:
            story.append(Spacer(1, 1.5 * mm))
        story.append(
            list_table(
                headers=_ACCESS_HEADERS,
                rows=((a.at, a.by, a.action_label, a.request_no, a.detail) for a in rec.access_history),
                col_widths=_ACCESS_WIDTHS,
                font_name=font_name,
            )
        )
    elif not summary:
        story.append(note("无查阅记录", "No access recorded", st))
    return story

"""Archive record — 档案记录 (SPEC R-AR-03, R-AR-04, R-AR-06, §9).

One accepted archive: its archive number (档号, DA/T 22-2015 shape), description, the contract
it holds, every file with its SHA-256 (R-AR-04; shortened in the list, in full below it in a
small font), the addenda that correct it (accepted records are never edited), and, when the
service supplies it, a summary of who looked at it. A copy downloaded under a lookup grant
carries the requester's name and time as a watermark on every page (R-AR-06).

The view model holds display strings only; the blocks are :mod:`reports.kit`'s.
"""

from __future__ import annotations

from dataclasses import dataclass

from reportlab.lib.units import mm
from reportlab.platypus import Spacer

from reports.cells import ENGLISH_COLOR, text_block
from reports.kit import CONTENT_WIDTH, ApprovalLine, Kit, render_report, value
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
    """Render the archive record as PDF bytes (fonts as in :func:`reports.kit.render_report`)."""
    return render_report(
        document=record,
        title=TITLE,
        subject=f"档号 Archive No. {record.archive_no}",
        keywords=("档案记录", "archive record", "R-AR-03", record.archive_no),
        author=record.printed_by,
        story=lambda kit: _story(record, kit),
        font_path=font_path,
        search_system=search_system,
    )


def _story(rec: ArchiveRecord, kit: Kit) -> list:
    story = kit.title_block(
        "档案记录", "Archive Record", company=rec.company_name, fields=(("档号", "Archive No.", rec.archive_no),)
    )
    story += kit.heading("档案信息", "Description")
    story.append(kit.fields([("题名", "Title", rec.title)]))
    story.append(
        kit.field_pairs(
            [
                ("全宗", "Fonds", rec.fonds),
                ("门类", "Category", rec.category_label),
                ("年度", "Year", rec.year),
                ("保管期限", "Retention", rec.retention_label),
                ("机构（问题）", "Department", rec.department_label),
                ("档号", "Archive No.", rec.archive_no),
                ("接收人", "Accepted by", rec.accepted_by),
                ("接收时间", "Accepted at", rec.accepted_at),
            ]
        )
    )

    story += kit.heading("合同摘要", "Contract")
    story.append(
        kit.field_pairs(
            [
                ("合同编号", "Contract No.", rec.contract_no),
                ("合同类型", "Type", rec.contract_type_label),
                ("用户名称", "Customer", rec.customer_name),
                ("户号", "Account No.", rec.account_no),
                ("合同金额", "Amount", rec.amount),
                ("合同状态", "Status", rec.contract_status_label),
            ]
        )
    )

    story += kit.approval_trail(rec.approvals, empty=("无需审批", "No approval was required"))
    story += _files(rec, kit)
    story += kit.list_section(
        ("补充说明（更正）", "Addenda (Corrections)"),
        headers=_ADDENDUM_HEADERS,
        rows=[(a.date, a.by, a.text) for a in rec.addenda],
        col_widths=_ADDENDUM_WIDTHS,
        empty=("无补充说明", "No addenda"),
    )
    story += _access(rec, kit)
    story += kit.closing(printed_by=rec.printed_by, printed_at=rec.printed_at)
    return story


def _files(rec: ArchiveRecord, kit: Kit) -> list:
    story = kit.list_section(
        ("文件清单", "Files"),
        headers=_FILE_HEADERS,
        rows=[
            (str(n), f.kind_label, f.file_name, f.size, short_hash(f.sha256), f.uploaded_at)
            for n, f in enumerate(rec.files, start=1)
        ],
        col_widths=_FILE_WIDTHS,
        empty=("无文件", "No files"),
    )
    if not rec.files:
        return story
    # The full digests, one line each (one flowable per line, so a long list can break pages).
    story.append(Spacer(1, 1.5 * mm))
    story.append(
        text_block(
            [[("完整 SHA-256 ", None, None), ("Full SHA-256", 6.5, ENGLISH_COLOR)]],
            kit.st["small"],
            CONTENT_WIDTH,
        )
    )
    story += [kit.paragraph(f"{n}　{value(f.sha256)}", style="small") for n, f in enumerate(rec.files, start=1)]
    return story


def _access(rec: ArchiveRecord, kit: Kit) -> list:
    summary = plain_text(rec.access_summary)
    if rec.access_history is None and not summary:
        return []
    title = ("查阅记录", "Access History")
    rows = [(a.at, a.by, a.action_label, a.request_no, a.detail) for a in rec.access_history or ()]
    if not summary:
        return kit.list_section(
            title, headers=_ACCESS_HEADERS, rows=rows, col_widths=_ACCESS_WIDTHS, empty=("无查阅记录", "No access recorded")
        )
    story = kit.heading(*title) + [kit.paragraph(summary)]
    if rows:
        story += [Spacer(1, 1.5 * mm), kit.list_table(headers=_ACCESS_HEADERS, rows=rows, col_widths=_ACCESS_WIDTHS)]
    return story

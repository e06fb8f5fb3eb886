"""Departure handover list — 交接清单 (SPEC R-AR-07, §9).

When a staff member leaves, everything still in their hands is listed and handed to the
successor: open customers, contracts, approval decisions still pending, and archives they
have borrowed. The leaving person, the successor and a supervisor sign (交出人 / 接收人 / 监交人).

The view model holds display strings only (see :mod:`reports.archive_documents`).
"""

from __future__ import annotations

from dataclasses import dataclass

from reportlab.lib.units import mm
from reportlab.platypus import Spacer

from reports.archive_documents import (
    ARCHIVE_NO_WIDTH,
    CONTENT_WIDTH,
    fields_table,
    heading,
    list_table,
    note,
    printed_line,
    signature_block,
    title_block,
)
from reports.fonts import register_cjk_font
from reports.frame import DocumentInfo, build_pdf, styles
from reports.text import plain_text

__all__ = [
    "BorrowedArchiveLine",
    "DepartureContractLine",
    "DepartureCustomerLine",
    "DepartureList",
    "PendingApprovalLine",
    "TITLE",
    "render_departure_list",
]

TITLE = "交接清单 Departure Handover List"

_CUSTOMER_HEADERS = (("序号", "No."), ("户号", "Account No."), ("用户名称", "Customer"), ("状态", "Status"))
_CUSTOMER_WIDTHS = (10 * mm, 34 * mm, CONTENT_WIDTH - 74 * mm, 30 * mm)

_CONTRACT_HEADERS = (
    ("序号", "No."),
    ("合同编号", "Contract No."),
    ("用户名称", "Customer"),
    ("状态", "Status"),
)
_CONTRACT_WIDTHS = (10 * mm, 34 * mm, CONTENT_WIDTH - 74 * mm, 30 * mm)

_APPROVAL_HEADERS = (
    ("序号", "No."),
    ("事项", "Subject"),
    ("待办步骤", "Pending Step"),
    ("提交时间", "Submitted at"),
)
_APPROVAL_WIDTHS = (10 * mm, CONTENT_WIDTH - 98 * mm, 60 * mm, 28 * mm)

_BORROWED_HEADERS = (
    ("序号", "No."),
    ("档号", "Archive No."),
    ("申请编号", "Request No."),
    ("有效期至", "Valid until"),
)
_BORROWED_WIDTHS = (10 * mm, ARCHIVE_NO_WIDTH, 34 * mm, CONTENT_WIDTH - 86 * mm)


@dataclass(frozen=True)
class DepartureCustomerLine:
    account_no: str
    name: str
    status_label: str


@dataclass(frozen=True)
class DepartureContractLine:
    contract_no: str
    status_label: str
    customer_name: str = ""


@dataclass(frozen=True)
class PendingApprovalLine:
    """A decision waiting for the leaving person, e.g. a contract's approval step."""

    subject: str  # e.g. "合同 HT-AZ-2026-000123"
    step_label: str
    submitted_at: str


@dataclass(frozen=True)
class BorrowedArchiveLine:
    archive_no: str
    valid_until: str
    request_no: str = ""


@dataclass(frozen=True)
class DepartureList:
    company_name: str
    handover_no: str
    leaving_person: str  # e.g. "张三（zhangsan） 市场部"
    successor: str
    supervisor: str  # 监交人
    handover_date: str
    printed_by: str
    printed_at: str
    customers: tuple[DepartureCustomerLine, ...] = ()
    contracts: tuple[DepartureContractLine, ...] = ()
    approvals: tuple[PendingApprovalLine, ...] = ()
    borrowed: tuple[BorrowedArchiveLine, ...] = ()
    note: str = ""
    watermark: str | None = None


def render_departure_list(
    *, departure_list: DepartureList, font_path: str | None = None, search_system: bool = True
) -> bytes:
    """Render the departure handover list as PDF bytes (fonts as in :func:`render_customer_sheet`)."""
    doc = departure_list
    font_name = register_cjk_font(font_path=font_path, search_system=search_system)
    info = DocumentInfo(
        title=TITLE,
        subject=f"交接单号 Handover No. {doc.handover_no} {doc.leaving_person}".strip(),
        author=doc.printed_by or doc.company_name,
        company=doc.company_name,
        keywords=tuple(k for k in ("交接清单", "departure handover list", "R-AR-07", doc.handover_no) if k),
        watermark=doc.watermark,
    )
    return build_pdf(info=info, story=_story(doc, font_name), font_name=font_name)


def _story(doc: DepartureList, font_name: str) -> list:
    st = styles(font_name)
    story = title_block(
        "交接清单",
        "Departure Handover List",
        company=doc.company_name,
        fields=(("交接单号", "Handover No.", doc.handover_no), ("交接日期", "Date", doc.handover_date)),
        st=st,
    )
    story += heading("交接人员", "Persons", st)
    story.append(
        fields_table(
            [
                ("交出人（离职人员）", "Leaving", doc.leaving_person),
                ("接收人", "Successor", doc.successor),
                ("监交人", "Supervisor", doc.supervisor),
                ("交接日期", "Date", doc.handover_date),
            ],
            font_name=font_name,
            pairs_per_row=2,
            label_ratio=0.42,
        )
    )
    if plain_text(doc.note):
        story.append(fields_table([("备注", "Note", doc.note)], font_name=font_name, label_ratio=0.21))

    story += _section(
        ("在管用户", "Open Customers"),
        ("无在管用户", "No open customers"),
        _CUSTOMER_HEADERS,
        _CUSTOMER_WIDTHS,
        [(c.account_no, c.name, c.status_label) for c in doc.customers],
        font_name,
        st,
    )
    story += _section(
        ("经办合同", "Contracts"),
        ("无经办合同", "No open contracts"),
        _CONTRACT_HEADERS,
        _CONTRACT_WIDTHS,
        [(c.contract_no, c.customer_name, c.status_label) for c in doc.contracts],
        font_name,
        st,
    )
    story += _section(
        ("待审批事项", "Pending Approvals"),
        ("无待审批事项", "No pending approvals"),
        _APPROVAL_HEADERS,
        _APPROVAL_WIDTHS,
        [(a.subject, a.step_label, a.submitted_at) for a in doc.approvals],
        font_name,
        st,
    )
    story += _section(
        ("借阅档案", "Borrowed Archives"),
        ("无借阅档案", "No borrowed archives"),
        _BORROWED_HEADERS,
        _BORROWED_WIDTHS,
        [(b.archive_no, b.request_no, b.valid_until) for b in doc.borrowed],
        font_name,
        st,
    )

    story.append(Spacer(1, 4 * mm))
    story.append(
        signature_block(
            (
                ("交出人", "Handed over by", doc.leaving_person),
                ("接收人", "Received by", doc.successor),
                ("监交人", "Supervised by", doc.supervisor),
            ),
            font_name=font_name,
            st=st,
        )
    )
    story.append(Spacer(1, 6 * mm))
    story.append(printed_line(doc.printed_by, doc.printed_at, st))
    return story


def _section(
    title: tuple[str, str],
    empty: tuple[str, str],
    headers: tuple[tuple[str, str], ...],
    widths: tuple[float, ...],
    rows: list[tuple[str, ...]],
    font_name: str,
    st: dict,
) -> list:
    story = heading(*title, st)
    if not rows:
        return story + [note(*empty, st)]
    numbered = [(str(n), *row) for n, row in enumerate(rows, start=1)]
    table = list_table(headers=headers, rows=numbered, col_widths=widths, font_name=font_name)
    return story + [table, Spacer(1, 1.5 * mm), note(f"共 {len(rows)} 项", f"{len(rows)} item(s)", st)]

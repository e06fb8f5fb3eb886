"""Departure handover list — 交接清单 (SPEC R-AR-07, §9).

When a staff member leaves, everything still in their hands is listed and handed to the
successor: open customers, contracts, approval decisions still pending, and archives they
have borrowed. The leaving person, the successor and a supervisor sign (交出人 / 接收人 / 监交人).

The view model holds display strings only; the blocks are :mod:`reports.kit`'s.
"""

from __future__ import annotations

from dataclasses import dataclass

from reportlab.lib.units import mm

from reports.kit import ARCHIVE_NO_WIDTH, CONTENT_WIDTH, Kit, render_report
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
    """Render the departure handover list as PDF bytes (fonts as in :func:`reports.kit.render_report`)."""
    return render_report(
        document=departure_list,
        title=TITLE,
        subject=f"交接单号 Handover No. {departure_list.handover_no} {departure_list.leaving_person}".strip(),
        keywords=("交接清单", "departure handover list", "R-AR-07", departure_list.handover_no),
        author=departure_list.printed_by,
        story=lambda kit: _story(departure_list, kit),
        font_path=font_path,
        search_system=search_system,
    )


def _story(departure: DepartureList, kit: Kit) -> list:
    story = kit.title_block(
        "交接清单",
        "Departure Handover List",
        company=departure.company_name,
        fields=(("交接单号", "Handover No.", departure.handover_no), ("交接日期", "Date", departure.handover_date)),
    )
    story += kit.heading("交接人员", "Persons")
    story.append(
        kit.field_pairs(
            [
                ("交出人（离职人员）", "Leaving", departure.leaving_person),
                ("接收人", "Successor", departure.successor),
                ("监交人", "Supervisor", departure.supervisor),
                ("交接日期", "Date", departure.handover_date),
            ]
        )
    )
    if plain_text(departure.note):
        story.append(kit.fields([("备注", "Note", departure.note)]))

    sections = (
        (("在管用户", "Open Customers"), ("无在管用户", "No open customers"), _CUSTOMER_HEADERS, _CUSTOMER_WIDTHS,
         [(c.account_no, c.name, c.status_label) for c in departure.customers]),
        (("经办合同", "Contracts"), ("无经办合同", "No open contracts"), _CONTRACT_HEADERS, _CONTRACT_WIDTHS,
         [(c.contract_no, c.customer_name, c.status_label) for c in departure.contracts]),
        (("待审批事项", "Pending Approvals"), ("无待审批事项", "No pending approvals"), _APPROVAL_HEADERS,
         _APPROVAL_WIDTHS, [(a.subject, a.step_label, a.submitted_at) for a in departure.approvals]),
        (("借阅档案", "Borrowed Archives"), ("无借阅档案", "No borrowed archives"), _BORROWED_HEADERS,
         _BORROWED_WIDTHS, [(b.archive_no, b.request_no, b.valid_until) for b in departure.borrowed]),
    )
    for title, empty, headers, widths, rows in sections:
        story += kit.list_section(
            title,
            headers=headers,
            rows=[(str(n), *row) for n, row in enumerate(rows, start=1)],
            col_widths=widths,
            empty=empty,
            total=("共 {n} 项", "{n} item(s)"),
        )

    story += kit.closing(
        printed_by=departure.printed_by,
        printed_at=departure.printed_at,
        signatures=(
            ("交出人", "Handed over by", departure.leaving_person),
            ("接收人", "Received by", departure.successor),
            ("监交人", "Supervised by", departure.supervisor),
        ),
    )
    return story

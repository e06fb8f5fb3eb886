"""Contract document with its approval trail — 合同文本 (SPEC R-CT-11, R-CT-06, §3, §9).

The view model holds display strings only: the service layer formats amounts ("¥1,234.56"),
dates and times, translates enum values into labels and decides what is masked (R-PM-02).
Empty values print as "—". Every value is escaped before it reaches Paragraph markup
(CVE-2023-33733): values go through the blocks of :mod:`reports.kit`, which draw short
text without markup and escape the rest.

Long terms (many pages) flow paragraph by paragraph; the fee, installment and approval
tables repeat their header row on every page they continue on.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import KeepTogether, Spacer, Table, TableStyle

from reports.cells import label_cell, text_block
from reports.frame import GRID_COLOR, LABEL_BACKGROUND, data_table, styles
from reports.kit import CONTENT_WIDTH, ApprovalLine, Kit, render_report
from reports.page_table import PageTable
from reports.text import EMPTY_PLACEHOLDER, plain_text

# ApprovalLine is the kit's (the archive record prints the same trail); named here too
# because it is part of this view model.
__all__ = [
    "ApprovalLine",
    "ContractDocument",
    "FeeLine",
    "InstallmentLine",
    "TITLE",
    "render_contract_document",
]

TITLE = "合同 Contract"

_CONTENT_MM = CONTENT_WIDTH / mm

_FEE_HEADERS = (
    ("编码", "Code"),
    ("项目", "Item"),
    ("单位", "Unit"),
    ("单价", "Unit Price"),
    ("数量", "Quantity"),
    ("金额", "Amount"),
)
_FEE_WIDTHS = (24 * mm, (_CONTENT_MM - 118) * mm, 16 * mm, 26 * mm, 22 * mm, 30 * mm)

_INSTALLMENT_HEADERS = (
    ("期次", "No."),
    ("到期日", "Due Date"),
    ("金额", "Amount"),
    ("安装内容步骤", "Installation Step"),
)
_INSTALLMENT_WIDTHS = (16 * mm, 28 * mm, 30 * mm, (_CONTENT_MM - 74) * mm)


@dataclass(frozen=True)
class FeeLine:
    """One priced item (R-CT-06)."""

    code: str
    name: str
    unit: str
    unit_price: str
    quantity: str
    amount: str


@dataclass(frozen=True)
class InstallmentLine:
    """One payment of an installment plan (分批付款: due date and installation step)."""

    seq: str
    due_date: str
    amount: str
    step: str


@dataclass(frozen=True)
class ContractDocument:
    company_name: str
    branch_name: str
    contract_no: str
    type_label: str
    status_label: str
    customer_name: str
    account_no: str
    customer_category_label: str
    customer_address: str
    customer_contact: str
    amount: str
    fee_basis: str
    payment_kind_label: str
    terms: str
    drafted_by: str
    drafted_at: str
    signed_by: str
    signed_at: str
    printed_by: str
    printed_at: str
    extra_terms: tuple[tuple[str, str, str], ...] = ()
    fee_lines: tuple[FeeLine, ...] = ()
    installments: tuple[InstallmentLine, ...] = ()
    approvals: tuple[ApprovalLine, ...] = ()
    approval_note: str = ""
    watermark: str | None = None


def render_contract_document(
    *, document: ContractDocument, font_path: str | None = None, search_system: bool = True
) -> bytes:
    """Render the contract as PDF bytes (fonts as in :func:`reports.kit.render_report`)."""
    return render_report(
        document=document,
        title=TITLE,
        subject=f"合同编号 Contract No. {document.contract_no}",
        keywords=("合同", "contract", "R-CT-11", document.contract_no),
        author=document.printed_by,
        story=lambda kit: _story(document, kit),
        font_path=font_path,
        search_system=search_system,
    )


def _story(doc: ContractDocument, kit: Kit) -> list:
    organisation = f"{plain_text(doc.company_name)}　{plain_text(doc.branch_name)}".strip("　 ")
    story = kit.title_block(
        plain_text(doc.type_label) or "合同",
        company=organisation,
        fields=(("合同编号", "Contract No.", doc.contract_no), ("状态", "Status", doc.status_label)),
    )
    story += _parties(doc, kit)
    story += _terms(doc, kit)
    story += _fees(doc, kit)
    story += _payment_plan(doc, kit)
    story += kit.approval_trail(doc.approvals, empty=("无审批记录", "No approval recorded"), remark=doc.approval_note)
    story += _signature(doc, kit)
    return story


def _parties(doc: ContractDocument, kit: Kit) -> list:
    return [
        *kit.heading("合同双方", "Parties"),
        kit.field_pairs(
            [
                ("供气方", "Supplier", doc.company_name),
                ("营业网点", "Branch", doc.branch_name),
                ("用户方", "Customer", doc.customer_name),
                ("户号", "Account No.", doc.account_no),
                ("用户类别", "Category", doc.customer_category_label),
                ("联系人", "Contact", doc.customer_contact),
            ]
        ),
        kit.fields([("用气地址", "Service Address", doc.customer_address)]),
    ]


def _terms(doc: ContractDocument, kit: Kit) -> list:
    story = kit.heading("合同条款", "Terms")
    style = _terms_style(kit.font_name)
    paragraphs = [p for p in (plain_text(line) for line in doc.terms.splitlines()) if p] or [EMPTY_PLACEHOLDER]
    # One flowable per paragraph: a short one is a single fast line, a long one a wrapping
    # Paragraph of the escaped text (reports.cells.text_block); either can end a page.
    story += [text_block([[(p, None, None)]], style, CONTENT_WIDTH) for p in paragraphs]
    if doc.extra_terms:
        story.append(Spacer(1, 1.5 * mm))
        story.append(kit.fields(list(doc.extra_terms), label_ratio=0.3))
    return story


def _fees(doc: ContractDocument, kit: Kit) -> list:
    story = kit.heading("费用", "Fees")
    story.append(kit.fields([("合同金额", "Contract Amount", doc.amount), ("收费依据", "Fee Basis", doc.fee_basis)]))
    if doc.fee_lines:
        rows = [(f.code, f.name, f.unit, f.unit_price, f.quantity, f.amount) for f in doc.fee_lines]
        # The total is the contract amount as the service formatted it (R-CT-06: it equals
        # the priced items); the report does no arithmetic on display strings.
        rows.append(("合计 Total", "", "", "", "", doc.amount))
        table = data_table(headers=_FEE_HEADERS, rows=rows, col_widths=_FEE_WIDTHS, font_name=kit.font_name)
        table.setStyle(TableStyle([("SPAN", (0, -1), (-2, -1)), ("BACKGROUND", (0, -1), (-1, -1), LABEL_BACKGROUND)]))
        story += [Spacer(1, 2 * mm), PageTable(table)]
    else:
        story += [Spacer(1, 1.5 * mm), kit.note("无费用明细", "No itemised fees")]
    return story


def _payment_plan(doc: ContractDocument, kit: Kit) -> list:
    story = kit.heading("付款计划", "Payment Plan")
    story.append(kit.fields([("付款方式", "Payment", doc.payment_kind_label)]))
    if doc.installments:
        rows = [(i.seq, i.due_date, i.amount, i.step) for i in doc.installments]
        story += [Spacer(1, 2 * mm), kit.list_table(headers=_INSTALLMENT_HEADERS, rows=rows, col_widths=_INSTALLMENT_WIDTHS)]
    else:
        story += [Spacer(1, 1.5 * mm), kit.note("无分期付款计划", "No installments")]
    return story


def _signature(doc: ContractDocument, kit: Kit) -> list:
    block = [
        kit.heading_line("签订", "Signature"),
        kit.field_pairs(
            [
                ("拟稿人", "Drafted by", doc.drafted_by),
                ("拟稿时间", "Drafted at", doc.drafted_at),
                ("签订人", "Signed by", doc.signed_by),
                ("签订时间", "Signed at", doc.signed_at),
            ]
        ),
        Spacer(1, 3 * mm),
        _seal_boxes(kit),
    ]
    # The signature block is short: it never splits, it moves to the next page whole.
    return [KeepTogether(block), *kit.closing(printed_by=doc.printed_by, printed_at=doc.printed_at)]


def _seal_boxes(kit: Kit) -> Table:
    """Two empty boxes for the parties' signatures and seals on the printed copy."""
    half = CONTENT_WIDTH / 2
    inner = half - 8
    label = kit.st["label"]
    table = Table(
        [
            [
                label_cell("供气方（盖章）", "Supplier (seal)", label, inner),
                label_cell("用户方（签字或盖章）", "Customer (signature or seal)", label, inner),
            ],
            [label_cell("日期", "Date", label, inner), label_cell("日期", "Date", label, inner)],
        ],
        colWidths=[half, half],
        rowHeights=[26 * mm, None],
        hAlign="LEFT",
    )
    table.setStyle(
        TableStyle(
            [
                ("BOX", (0, 0), (-1, -1), 0.5, GRID_COLOR),
                ("LINEBEFORE", (1, 0), (1, -1), 0.5, GRID_COLOR),
                ("VALIGN", (0, 0), (-1, 0), "TOP"),
                ("TOPPADDING", (0, 0), (-1, -1), 4),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
                ("LEFTPADDING", (0, 0), (-1, -1), 4),
                ("RIGHTPADDING", (0, 0), (-1, -1), 4),
            ]
        )
    )
    return table


@functools.lru_cache(maxsize=None)
def _terms_style(font_name: str) -> ParagraphStyle:
    """Body text with a little space between paragraphs (derived; the shared style is kept)."""
    body = styles(font_name)["body"]
    return ParagraphStyle("contract_terms", parent=body, spaceAfter=1.2 * mm)

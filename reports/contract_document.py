"""Contract document with its approval trail — 合同文本 (SPEC R-CT-11, R-CT-06, §3, §9).

The view model holds display strings only: the service layer formats amounts ("¥1,234.56"),
dates and times, translates enum values into labels and decides what is masked (R-PM-02).
Empty values print as "—". Every value is escaped before it reaches Paragraph markup
(CVE-2023-33733): values go through the shared helpers of :mod:`reports.cells` and
:mod:`reports.frame`, which draw short text without markup and escape the rest.

Long terms (many pages) flow paragraph by paragraph; the fee, installment and approval
tables repeat their header row on every page they continue on.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import CondPageBreak, Flowable, KeepTogether, Spacer, Table, TableStyle

from reports.cells import ENGLISH_COLOR, label_cell, text_block
from reports.fonts import register_cjk_font
from reports.frame import (
    GRID_COLOR,
    LABEL_BACKGROUND,
    MARGIN_X,
    DocumentInfo,
    build_pdf,
    data_table,
    label_value_table,
    styles,
)
from reports.text import EMPTY_PLACEHOLDER, plain_text

__all__ = [
    "ApprovalLine",
    "ContractDocument",
    "FeeLine",
    "InstallmentLine",
    "TITLE",
    "render_contract_document",
]

TITLE = "合同 Contract"

_CONTENT_WIDTH = A4[0] - 2 * MARGIN_X
_CONTENT_MM = _CONTENT_WIDTH / mm

# A heading needs room for itself and at least the first rows of what follows; with less
# left on the page it starts on the next one instead of standing alone at the bottom.
_HEADING_ROOM = 28 * mm

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

_APPROVAL_HEADERS = (
    ("步骤", "Step"),
    ("角色", "Role"),
    ("审批人", "Decided by"),
    ("时间", "Decided at"),
    ("意见", "Decision"),
    ("理由", "Reason"),
)
_APPROVAL_WIDTHS = (10 * mm, 40 * mm, 20 * mm, 28 * mm, 26 * mm, (_CONTENT_MM - 124) * mm)


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
class ApprovalLine:
    """One decided (or pending) step of the approval chain: who, role, when, decision, why."""

    seq: str
    role_label: str
    decided_by: str
    decided_at: str
    decision_label: str
    reason: str


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
    confidential_watermark: str | None = None


def render_contract_document(
    *, document: ContractDocument, font_path: str | None = None, search_system: bool = True
) -> bytes:
    """Render the contract as PDF bytes.

    ``font_path`` is the configured TrueType CJK font, if any; ``search_system=False``
    forces the CID font when no ``font_path`` is given (see :mod:`reports.fonts`).
    """
    font_name = register_cjk_font(font_path=font_path, search_system=search_system)
    info = DocumentInfo(
        title=TITLE,
        subject=f"合同编号 Contract No. {document.contract_no}",
        author=document.printed_by or document.company_name,
        company=document.company_name,
        keywords=tuple(k for k in ("合同", "contract", "R-CT-11", document.contract_no) if k),
        watermark=document.confidential_watermark,
    )
    return build_pdf(info=info, story=_story(document, font_name), font_name=font_name)


def _story(doc: ContractDocument, font_name: str) -> list:
    st = styles(font_name)
    story: list = _title_block(doc, st)
    story += _parties(doc, font_name, st)
    story += _terms(doc, font_name, st)
    story += _fees(doc, font_name, st)
    story += _payment_plan(doc, font_name, st)
    story += _approval_trail(doc, font_name, st)
    story += _signature(doc, font_name, st)
    return story


def _title_block(doc: ContractDocument, st: dict) -> list:
    title = plain_text(doc.type_label) or "合同"
    organisation = f"{plain_text(doc.company_name)}　{plain_text(doc.branch_name)}".strip("　 ")
    return [
        text_block([[(title, None, None)]], st["title"], _CONTENT_WIDTH),
        text_block(
            [
                [
                    ("合同编号 ", None, None),
                    ("Contract No.", 7.5, ENGLISH_COLOR),
                    (f"：{_value(doc.contract_no)}　　状态 ", None, None),
                    ("Status", 7.5, ENGLISH_COLOR),
                    (f"：{_value(doc.status_label)}", None, None),
                ],
                [(organisation or EMPTY_PLACEHOLDER, None, None)],
            ],
            st["subtitle"],
            _CONTENT_WIDTH,
        ),
    ]


def _parties(doc: ContractDocument, font_name: str, st: dict) -> list:
    return [
        *_heading("合同双方", "Parties", st),
        label_value_table(
            [
                ("供气方", "Supplier", doc.company_name),
                ("营业网点", "Branch", doc.branch_name),
                ("用户方", "Customer", doc.customer_name),
                ("户号", "Account No.", doc.account_no),
                ("用户类别", "Category", doc.customer_category_label),
                ("联系人", "Contact", doc.customer_contact),
            ],
            font_name=font_name,
            width=_CONTENT_WIDTH,
            pairs_per_row=2,
            label_ratio=0.42,
        ),
        label_value_table(
            [("用气地址", "Service Address", doc.customer_address)],
            font_name=font_name,
            width=_CONTENT_WIDTH,
            label_ratio=0.21,
        ),
    ]


def _terms(doc: ContractDocument, font_name: str, st: dict) -> list:
    story = _heading("合同条款", "Terms", st)
    style = _terms_style(font_name)
    paragraphs = [p for p in (plain_text(line) for line in doc.terms.splitlines()) if p]
    # One flowable per paragraph: a short one is a single fast line, a long one a wrapping
    # Paragraph of the escaped text (reports.cells.text_block); either can end a page.
    story += [text_block([[(p, None, None)]], style, _CONTENT_WIDTH) for p in paragraphs]
    if not paragraphs:
        story.append(text_block([[(EMPTY_PLACEHOLDER, None, None)]], style, _CONTENT_WIDTH))
    if doc.extra_terms:
        story.append(Spacer(1, 1.5 * mm))
        story.append(
            label_value_table(
                list(doc.extra_terms), font_name=font_name, width=_CONTENT_WIDTH, label_ratio=0.3
            )
        )
    return story


def _fees(doc: ContractDocument, font_name: str, st: dict) -> list:
    story = _heading("费用", "Fees", st)
    story.append(
        label_value_table(
            [
                ("合同金额", "Contract Amount", doc.amount),
                ("收费依据", "Fee Basis", doc.fee_basis),
            ],
            font_name=font_name,
            width=_CONTENT_WIDTH,
            label_ratio=0.21,
        )
    )
    if doc.fee_lines:
        rows = [(f.code, f.name, f.unit, f.unit_price, f.quantity, f.amount) for f in doc.fee_lines]
        # The total is the contract amount as the service formatted it (R-CT-06: it equals
        # the priced items); the report does no arithmetic on display strings.
        rows.append(("合计 Total", "", "", "", "", doc.amount))
        table = data_table(headers=_FEE_HEADERS, rows=rows, col_widths=_FEE_WIDTHS, font_name=font_name)
        table.setStyle(
            TableStyle(
                [
                    ("SPAN", (0, -1), (-2, -1)),
                    ("BACKGROUND", (0, -1), (-1, -1), LABEL_BACKGROUND),
                ]
            )
        )
        story.append(Spacer(1, 2 * mm))
        story.append(table)
    else:
        story += [Spacer(1, 1.5 * mm), _note("无费用明细", "No itemised fees", st)]
    return story


def _payment_plan(doc: ContractDocument, font_name: str, st: dict) -> list:
    story = _heading("付款计划", "Payment Plan", st)
    story.append(
        label_value_table(
            [("付款方式", "Payment", doc.payment_kind_label)],
            font_name=font_name,
            width=_CONTENT_WIDTH,
            label_ratio=0.21,
        )
    )
    if doc.installments:
        story.append(Spacer(1, 2 * mm))
        story.append(
            data_table(
                headers=_INSTALLMENT_HEADERS,
                rows=((i.seq, i.due_date, i.amount, i.step) for i in doc.installments),
                col_widths=_INSTALLMENT_WIDTHS,
                font_name=font_name,
            )
        )
    else:
        story += [Spacer(1, 1.5 * mm), _note("无分期付款计划", "No installments", st)]
    return story


def _approval_trail(doc: ContractDocument, font_name: str, st: dict) -> list:
    story = _heading("审批记录", "Approval Trail", st)
    if doc.approvals:
        story.append(
            data_table(
                headers=_APPROVAL_HEADERS,
                rows=(
                    (a.seq, a.role_label, a.decided_by, a.decided_at, a.decision_label, a.reason)
                    for a in doc.approvals
                ),
                col_widths=_APPROVAL_WIDTHS,
                font_name=font_name,
            )
        )
    note = plain_text(doc.approval_note)
    if note:
        if doc.approvals:
            story.append(Spacer(1, 1.5 * mm))
        story.append(text_block([[(note, None, None)]], _terms_style(font_name), _CONTENT_WIDTH))
    elif not doc.approvals:
        story.append(_note("无审批记录", "No approval recorded", st))
    return story


def _signature(doc: ContractDocument, font_name: str, st: dict) -> list:
    dates = label_value_table(
        [
            ("拟稿人", "Drafted by", doc.drafted_by),
            ("拟稿时间", "Drafted at", doc.drafted_at),
            ("签订人", "Signed by", doc.signed_by),
            ("签订时间", "Signed at", doc.signed_at),
        ],
        font_name=font_name,
        width=_CONTENT_WIDTH,
        pairs_per_row=2,
        label_ratio=0.42,
    )
    block = [
        _heading_line("签订", "Signature", st),
        dates,
        Spacer(1, 3 * mm),
        _seal_boxes(font_name, st),
    ]
    printed = text_block(
        [
            [
                ("打印人 ", None, None),
                ("Printed by", 6.5, ENGLISH_COLOR),
                (f"：{_value(doc.printed_by)}　　打印时间 ", None, None),
                ("Printed at", 6.5, ENGLISH_COLOR),
                (f"：{_value(doc.printed_at)}", None, None),
            ]
        ],
        st["small"],
        _CONTENT_WIDTH,
    )
    # The signature block is short: it never splits, it moves to the next page whole.
    return [KeepTogether(block), Spacer(1, 6 * mm), printed]


def _seal_boxes(font_name: str, st: dict) -> Table:
    """Two empty boxes for the parties' signatures and seals on the printed copy."""
    half = _CONTENT_WIDTH / 2
    inner = half - 8
    table = Table(
        [
            [
                label_cell("供气方（盖章）", "Supplier (seal)", st["label"], inner),
                label_cell("用户方（签字或盖章）", "Customer (signature or seal)", st["label"], inner),
            ],
            [
                label_cell("日期", "Date", st["label"], inner),
                label_cell("日期", "Date", st["label"], inner),
            ],
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


def _value(value: str) -> str:
    return plain_text(value) or EMPTY_PLACEHOLDER


def _heading(zh: str, en: str, st: dict) -> list:
    return [CondPageBreak(_HEADING_ROOM), _heading_line(zh, en, st)]


def _heading_line(zh: str, en: str, st: dict) -> Flowable:
    return text_block([[(zh + " ", None, None), (en, 8.5, ENGLISH_COLOR)]], st["heading"], _CONTENT_WIDTH)


def _note(zh: str, en: str, st: dict) -> Flowable:
    return text_block([[(zh + " ", None, None), (en, 7.5, ENGLISH_COLOR)]], st["body"], _CONTENT_WIDTH)


@functools.lru_cache(maxsize=None)
def _terms_style(font_name: str) -> ParagraphStyle:
    """Body text with a little space between paragraphs (derived; the shared style is kept)."""
    body = styles(font_name)["body"]
    return ParagraphStyle("contract_terms", parent=body, spaceAfter=1.2 * mm)

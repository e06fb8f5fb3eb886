"""Customer information sheet — 用户信息表 (SPEC R-AC-05, §9).

The view model holds display strings only: the service layer decides what is masked
(R-PM-02), formats dates and times, and translates enum values into labels. Empty values
print as "—". Every value is escaped before it reaches Paragraph markup (CVE-2023-33733).
"""

from __future__ import annotations

from dataclasses import dataclass

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Spacer

from reports.cells import ENGLISH_COLOR, text_block
from reports.fonts import register_cjk_font
from reports.frame import (
    MARGIN_X,
    DocumentInfo,
    build_pdf,
    data_table,
    label_value_table,
    styles,
)
from reports.text import EMPTY_PLACEHOLDER, plain_text

__all__ = ["ApplianceLine", "CustomerSheet", "MeterLine", "TITLE", "render_customer_sheet"]

TITLE = "用户信息表 Customer Information Sheet"

_CONTENT_WIDTH = A4[0] - 2 * MARGIN_X

_METER_HEADERS = (
    ("表号", "Serial No."),
    ("型号", "Model"),
    ("类型", "Type"),
    ("安装日期", "Installed"),
    # "³" is outside Adobe-GB1: with the CID font it is drawn as a raised "3" (reports.cells).
    ("初始读数(m³)", "Initial Reading"),
    ("铅封号", "Seal No."),
)
_METER_WIDTHS = tuple(w * mm for w in (30, 18, 36, 24, 26)) + ((_CONTENT_WIDTH / mm - 134) * mm,)

_APPLIANCE_HEADERS = (
    ("种类", "Kind"),
    ("品牌", "Brand"),
    ("型号", "Model"),
    ("安装日期", "Installed"),
)
_APPLIANCE_WIDTHS = tuple(w * mm for w in (44, 48, 48)) + ((_CONTENT_WIDTH / mm - 140) * mm,)


@dataclass(frozen=True)
class MeterLine:
    serial: str
    model: str
    type_label: str
    installed_date: str
    initial_reading: str
    seal_no: str


@dataclass(frozen=True)
class ApplianceLine:
    kind_label: str
    brand: str
    model: str
    installed_date: str


@dataclass(frozen=True)
class CustomerSheet:
    company_name: str
    branch_name: str
    account_no: str
    name: str
    category_label: str
    id_type_label: str
    id_number: str
    phone: str
    contact_name: str
    contact_phone: str
    address: str
    status_label: str
    delivery_notice_no: str
    acceptance_drawing_no: str
    opened_at: str
    printed_by: str
    printed_at: str
    meters: tuple[MeterLine, ...] = ()
    appliances: tuple[ApplianceLine, ...] = ()
    confidential_watermark: str | None = None


def render_customer_sheet(
    *, sheet: CustomerSheet, font_path: str | None = None, search_system: bool = True
) -> bytes:
    """Render the sheet as PDF bytes.

    ``font_path`` is the configured TrueType CJK font, if any; ``search_system=False``
    forces the CID font when no ``font_path`` is given (see :mod:`reports.fonts`).
    """
    font_name = register_cjk_font(font_path=font_path, search_system=search_system)
    info = DocumentInfo(
        title=TITLE,
        subject=f"户号 Account No. {sheet.account_no}",
        author=sheet.printed_by or sheet.company_name,
        company=sheet.company_name,
        keywords=("用户信息表", "customer information sheet", "R-AC-05", sheet.account_no),
        watermark=sheet.confidential_watermark,
    )
    return build_pdf(info=info, story=_story(sheet, font_name), font_name=font_name)


def _story(sheet: CustomerSheet, font_name: str) -> list:
    st = styles(font_name)
    organisation = f"{plain_text(sheet.company_name)}　{plain_text(sheet.branch_name)}"
    story: list = [
        text_block(
            [[("用户信息表", None, None)], [("Customer Information Sheet", 10, None)]],
            st["title"],
            _CONTENT_WIDTH,
        ),
        text_block([[(organisation, None, None)]], st["subtitle"], _CONTENT_WIDTH),
    ]

    story.append(_heading("基本信息", "Basic Information", st))
    story.append(
        label_value_table(
            [
                ("户号", "Account No.", sheet.account_no),
                ("用户名称", "Name", sheet.name),
                ("用户类别", "Category", sheet.category_label),
                ("账户状态", "Status", sheet.status_label),
                ("证件类型", "ID Type", sheet.id_type_label),
                ("证件号码", "ID Number", sheet.id_number),
                ("联系电话", "Phone", sheet.phone),
                ("开户时间", "Opened At", sheet.opened_at),
                ("联系人", "Contact Person", sheet.contact_name),
                ("联系人电话", "Contact Phone", sheet.contact_phone),
            ],
            font_name=font_name,
            width=_CONTENT_WIDTH,
            pairs_per_row=2,
            label_ratio=0.42,
        )
    )

    story.append(_heading("地址信息", "Address", st))
    story.append(
        label_value_table(
            [("用气地址", "Service Address", sheet.address)],
            font_name=font_name,
            width=_CONTENT_WIDTH,
            label_ratio=0.21,
        )
    )

    story.append(_heading("表务信息", "Meters", st))
    if sheet.meters:
        story.append(
            data_table(
                headers=_METER_HEADERS,
                rows=(
                    (m.serial, m.model, m.type_label, m.installed_date, m.initial_reading, m.seal_no)
                    for m in sheet.meters
                ),
                col_widths=_METER_WIDTHS,
                font_name=font_name,
            )
        )
    else:
        story.append(_note("无表务记录", "No meters recorded", st))

    story.append(_heading("燃气具信息", "Gas Appliances", st))
    if sheet.appliances:
        story.append(
            data_table(
                headers=_APPLIANCE_HEADERS,
                rows=((a.kind_label, a.brand, a.model, a.installed_date) for a in sheet.appliances),
                col_widths=_APPLIANCE_WIDTHS,
                font_name=font_name,
            )
        )
    else:
        story.append(_note("无燃气具记录", "No appliances recorded", st))

    story.append(_heading("开户资料", "Opening Documents", st))
    story.append(
        label_value_table(
            [
                ("《天然气用户送气通知单》编号", "Gas Delivery Notice No.", sheet.delivery_notice_no),
                ("安装验收图纸编号", "Acceptance Drawing No.", sheet.acceptance_drawing_no),
            ],
            font_name=font_name,
            width=_CONTENT_WIDTH,
            label_ratio=0.42,
        )
    )

    story.append(Spacer(1, 6 * mm))
    story.append(
        text_block(
            [
                [
                    ("打印人 ", None, None),
                    ("Printed by", 6.5, ENGLISH_COLOR),
                    (f"：{plain_text(sheet.printed_by) or EMPTY_PLACEHOLDER}　　打印时间 ", None, None),
                    ("Printed at", 6.5, ENGLISH_COLOR),
                    (f"：{plain_text(sheet.printed_at) or EMPTY_PLACEHOLDER}", None, None),
                ]
            ],
            st["small"],
            _CONTENT_WIDTH,
        )
    )
    return story


def _heading(zh: str, en: str, st: dict) -> Flowable:
    return text_block([[(zh + " ", None, None), (en, 8.5, ENGLISH_COLOR)]], st["heading"], _CONTENT_WIDTH)


def _note(zh: str, en: str, st: dict) -> Flowable:
    return text_block([[(zh + " ", None, None), (en, 7.5, ENGLISH_COLOR)]], st["body"], _CONTENT_WIDTH)

"""Customer information sheet — 用户信息表 (SPEC R-AC-05, §9).

The view model holds display strings only: the service layer decides what is masked
(R-PM-02), formats dates and times, and translates enum values into labels. Empty values
print as "—". Every value is escaped before it reaches Paragraph markup (CVE-2023-33733); the
blocks are :mod:`reports.kit`'s.
"""

from __future__ import annotations

from dataclasses import dataclass

from reportlab.lib.units import mm

from reports.kit import CONTENT_WIDTH, Kit, render_report
from reports.text import plain_text

__all__ = ["ApplianceLine", "CustomerSheet", "MeterLine", "TITLE", "render_customer_sheet"]

TITLE = "用户信息表 Customer Information Sheet"

_METER_HEADERS = (
    ("表号", "Serial No."),
    ("型号", "Model"),
    ("类型", "Type"),
    ("安装日期", "Installed"),
    # "³" is outside Adobe-GB1: with the CID font it is drawn as a raised "3" (reports.cells).
    ("初始读数(m³)", "Initial Reading"),
    ("铅封号", "Seal No."),
)
_METER_WIDTHS = tuple(w * mm for w in (30, 18, 36, 24, 26)) + ((CONTENT_WIDTH / mm - 134) * mm,)

_APPLIANCE_HEADERS = (
    ("种类", "Kind"),
    ("品牌", "Brand"),
    ("型号", "Model"),
    ("安装日期", "Installed"),
)
_APPLIANCE_WIDTHS = tuple(w * mm for w in (44, 48, 48)) + ((CONTENT_WIDTH / mm - 140) * mm,)


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
    watermark: str | None = None


def render_customer_sheet(
    *, sheet: CustomerSheet, font_path: str | None = None, search_system: bool = True
) -> bytes:
    """Render the sheet as PDF bytes (fonts as in :func:`reports.kit.render_report`)."""
    return render_report(
        document=sheet,
        title=TITLE,
        subject=f"户号 Account No. {sheet.account_no}",
        keywords=("用户信息表", "customer information sheet", "R-AC-05", sheet.account_no),
        author=sheet.printed_by,
        story=lambda kit: _story(sheet, kit),
        font_path=font_path,
        search_system=search_system,
    )


def _story(sheet: CustomerSheet, kit: Kit) -> list:
    organisation = f"{plain_text(sheet.company_name)}　{plain_text(sheet.branch_name)}"
    story = kit.title_block("用户信息表", "Customer Information Sheet", company=organisation)

    story += kit.heading("基本信息", "Basic Information")
    story.append(
        kit.field_pairs(
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
            ]
        )
    )

    story += kit.heading("地址信息", "Address")
    story.append(kit.fields([("用气地址", "Service Address", sheet.address)]))

    story += kit.list_section(
        ("表务信息", "Meters"),
        headers=_METER_HEADERS,
        rows=[
            (m.serial, m.model, m.type_label, m.installed_date, m.initial_reading, m.seal_no) for m in sheet.meters
        ],
        col_widths=_METER_WIDTHS,
        empty=("无表务记录", "No meters recorded"),
    )
    story += kit.list_section(
        ("燃气具信息", "Gas Appliances"),
        headers=_APPLIANCE_HEADERS,
        rows=[(a.kind_label, a.brand, a.model, a.installed_date) for a in sheet.appliances],
        col_widths=_APPLIANCE_WIDTHS,
        empty=("无燃气具记录", "No appliances recorded"),
    )

    story += kit.heading("开户资料", "Opening Documents")
    story.append(
        kit.fields(
            [
                ("《天然气用户送气通知单》编号", "Gas Delivery Notice No.", sheet.delivery_notice_no),
                ("安装验收图纸编号", "Acceptance Drawing No.", sheet.acceptance_drawing_no),
            ],
            label_ratio=0.42,
        )
    )
    story += kit.closing(printed_by=sheet.printed_by, printed_at=sheet.printed_at)
    return story

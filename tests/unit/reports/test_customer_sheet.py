"""Customer information sheet, 用户信息表 (SPEC R-AC-05, §9)."""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from pathlib import Path

from pypdf import PdfReader

from reports.customer_sheet import TITLE, CustomerSheet, render_customer_sheet
from tests.unit.reports.pdf_helpers import extract_pages, meter, squash

MakeSheet = Callable[..., CustomerSheet]


def cve_payload(marker: Path) -> str:
    """CVE-2023-33733 proof of concept: on a vulnerable reportlab it creates ``marker``."""
    return (
        "<para><font color=\"[[[getattr(pow, Word('__globals__'))['os'].system('touch "
        f"{marker}') for Word in [ orgTypeFun( 'Word', (str,), {{ 'mutated': 1, "
        "'startswith': lambda self, x: 1 == 0, '__eq__': lambda self, x: self.mutate() and "
        "self.mutated < 0 and str(self) == x, 'mutate': lambda self: { setattr(self, "
        "'mutated', self.mutated - 1) }, '__hash__': lambda self: hash(str(self)), }, ) ] ] "
        "for orgTypeFun in [type(type(1))] for none in [[].append(1)]]] and 'red'\">"
        "exploit</font></para>"
    )


class TestCustomerSheet:
    def test_extracted_text_has_name_account_and_page_number(
        self,
        make_sheet: MakeSheet,
        font_options: dict,
    ) -> None:
        """R-AC-05 / SPEC §9: the sheet's Chinese text renders and extracts, in both font paths."""
        sheet = make_sheet()

        pages = extract_pages(render_customer_sheet(sheet=sheet, **font_options))

        assert len(pages) == 1
        assert "张三丰" in pages[0]
        assert "0112345678905" in pages[0]
        assert "第 1 页 共 1 页" in pages[0]

    def test_sections_and_bilingual_labels_are_present(
        self,
        make_sheet: MakeSheet,
        font_options: dict,
    ) -> None:
        """R-AC-05: basic, address, meter, appliance and opening-document sections, 中文 first."""
        sheet = make_sheet()

        text = extract_pages(render_customer_sheet(sheet=sheet, **font_options))[0]

        for heading in ("用户信息表", "基本信息", "地址信息", "表务信息", "燃气具信息", "开户资料"):
            assert heading in text
        for label in ("户号 Account No.", "表号", "铅封号", "《天然气用户送气通知单》编号"):
            assert label in text
        values = ("SQ-2026-0456", "YS-2026-0789", "M00000001", "QF000001", "方太", "李四", "2026-11-25 14:03")
        for value in values:
            assert value in text

    def test_masked_values_print_as_given(self, make_sheet: MakeSheet) -> None:
        """R-PM-02: the service masks; the sheet prints the masked strings unchanged."""
        sheet = make_sheet()

        text = extract_pages(render_customer_sheet(sheet=sheet, search_system=False))[0]

        assert "310***********1234" in text
        assert "138****5678" in text

    def test_empty_values_print_a_dash(self, make_sheet: MakeSheet) -> None:
        """R-AC-05: a residential customer without a contact person shows "—"."""
        sheet = make_sheet(contact_name="", contact_phone="")

        text = extract_pages(render_customer_sheet(sheet=sheet, search_system=False))[0]

        assert re.search(r"联系人 Contact Person\s*—", text)
        assert re.search(r"联系人电话 Contact Phone\s*—", text)

    def test_sheet_without_meters_or_appliances_says_so(self, make_sheet: MakeSheet) -> None:
        """R-AC-05: before meter and appliance info are completed the sheet still prints."""
        sheet = make_sheet(meters=(), appliances=())

        text = extract_pages(render_customer_sheet(sheet=sheet, search_system=False))[0]

        assert "无表务记录" in text
        assert "无燃气具记录" in text

    def test_sixty_meters_flow_onto_numbered_further_pages(
        self,
        make_sheet: MakeSheet,
        font_options: dict,
    ) -> None:
        """R-AC-05 / SPEC §9: a long meter list continues on more pages, each numbered."""
        sheet = make_sheet(meters=tuple(meter(n) for n in range(1, 61)))

        pages = extract_pages(render_customer_sheet(sheet=sheet, **font_options))

        total = len(pages)
        assert total >= 2
        assert all(f"第 {n} 页 共 {total} 页" in text for n, text in enumerate(pages, start=1))
        assert all(f"M{n:08d}" in "".join(pages) for n in range(1, 61))
        continued = [text for text in pages[1:] if "M000000" in text]
        assert continued and all("表号" in text for text in continued)  # the header row repeats

    def test_metadata_title_and_author(self, make_sheet: MakeSheet) -> None:
        """SPEC §9: document metadata carries the title, the printing clerk and the account."""
        sheet = make_sheet()

        pdf = render_customer_sheet(sheet=sheet, search_system=False)

        meta = PdfReader(io.BytesIO(pdf)).metadata
        assert meta.title == TITLE
        assert meta.author == "李四"
        assert "0112345678905" in meta.subject
        assert meta.creator == "Utility CRM & Archives"

    def test_watermark_present_when_set(self, make_sheet: MakeSheet, font_options: dict) -> None:
        """SPEC §9 / R-AR-06: a confidential copy carries its watermark on every page."""
        sheet = make_sheet(
            meters=tuple(meter(n) for n in range(1, 61)),
            watermark="机密 · 张三 · 2026-11-25 14:03",
        )

        pages = extract_pages(render_customer_sheet(sheet=sheet, **font_options))

        assert all("机密 · 张三 · 2026-11-25 14:03" in text for text in pages)

    def test_watermark_absent_when_not_set(self, make_sheet: MakeSheet) -> None:
        """SPEC §9: an ordinary copy has no watermark."""
        sheet = make_sheet(watermark=None)

        text = extract_pages(render_customer_sheet(sheet=sheet, search_system=False))[0]

        assert "机密" not in text

    def test_cve_2023_33733_payload_is_printed_not_executed(
        self,
        make_sheet: MakeSheet,
        tmp_path: Path,
        font_options: dict,
    ) -> None:
        """SPEC §9 / CVE-2023-33733: user text with Paragraph markup is escaped (long value)."""
        marker = tmp_path / "pwned"
        payload = cve_payload(marker)
        sheet = make_sheet(name=payload, address=payload, meters=(meter(1),))

        pages = extract_pages(render_customer_sheet(sheet=sheet, **font_options))

        assert not marker.exists()
        assert squash(payload) in squash("".join(pages))

    def test_short_markup_in_a_value_prints_literally(self, make_sheet: MakeSheet) -> None:
        """SPEC §9: short values (drawn without Paragraph) show tags as typed too."""
        sheet = make_sheet(name='<font color="red">张三</font>', branch_name="A & B <i>")

        text = extract_pages(render_customer_sheet(sheet=sheet, search_system=False))[0]

        assert '<font color="red">张三</font>' in text
        assert "A & B <i>" in text

    def test_superscript_unit_prints_with_the_cid_font(self, make_sheet: MakeSheet) -> None:
        """SPEC §9: "m³" has no CID glyph, so the header draws a raised 3 instead."""
        sheet = make_sheet()

        text = extract_pages(render_customer_sheet(sheet=sheet, search_system=False))[0]

        assert "初始读数(m3)" in text

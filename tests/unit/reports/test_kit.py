"""The report kit (reports.kit): the blocks and the render preamble every report shares (SPEC §9)."""

from __future__ import annotations

import ast
import dataclasses
import io
import re
from dataclasses import dataclass
from pathlib import Path

import pytest
from pypdf import PdfReader
from reportlab.lib.units import mm

import reports
from reports.fonts import register_cjk_font
from reports.kit import CONTENT_WIDTH, ApprovalLine, fitted_width, render_report, value
from tests.unit.reports.pdf_helpers import extract_pages, squash
from tests.unit.reports.test_customer_sheet import cve_payload

REPORTS_DIR = Path(reports.__file__).parent
# The kit and what it is built on; every other module of reports/ is a report.
BUILDING_BLOCKS = {"__init__", "kit", "frame", "cells", "text", "fonts", "page_table"}
REPORT_MODULES = sorted(p for p in REPORTS_DIR.glob("*.py") if p.stem not in BUILDING_BLOCKS)


@dataclass(frozen=True)
class Letter:
    """The smallest view model a report can have."""

    company_name: str = "某市燃气有限公司"
    watermark: str | None = None


def render(story, *, document: Letter = Letter(), author: str = "李四", keywords=("函", "")) -> bytes:
    return render_report(
        document=document, title="函 Letter", subject="编号 No. 7", keywords=keywords, author=author,
        story=story, search_system=False,
    )


def text_of(story) -> str:
    return "\n".join(extract_pages(render(story)))


class TestRenderReport:
    def test_document_info_names_title_subject_author_company_and_the_keywords_given(self) -> None:
        pdf = render(lambda kit: [kit.note("正文", "Body")])

        meta = PdfReader(io.BytesIO(pdf)).metadata
        assert (meta.title, meta.subject, meta.author, meta.creator) == (
            "函 Letter", "编号 No. 7", "李四", "Utility CRM & Archives"
        )
        assert meta["/Keywords"] == "函"  # the empty keyword is left out

    def test_without_an_author_the_company_signs(self) -> None:
        pdf = render(lambda kit: [kit.note("正文", "Body")], author="")

        assert PdfReader(io.BytesIO(pdf)).metadata.author == "某市燃气有限公司"

    def test_every_page_has_the_frame_and_the_documents_watermark(self) -> None:
        story = lambda kit: [kit.paragraph(f"第{n}段") for n in range(120)]  # noqa: E731

        pages = extract_pages(render(story, document=Letter(watermark="机密 · 张三")))

        assert len(pages) > 1
        for n, page in enumerate(pages, start=1):
            assert f"第 {n} 页 共 {len(pages)} 页" in page
            assert "某市燃气有限公司" in page and "函 Letter" in page and "机密 · 张三" in page


class TestTextBlocks:
    def test_value_is_plain_text_or_a_dash(self) -> None:
        assert value("  张三 \n 李四 ") == "张三 李四"
        assert value(None) == value("   ") == "—"

    def test_title_block_with_fields_and_without_english(self) -> None:
        text = text_of(lambda kit: kit.title_block(
            "安装合同", company="某市燃气有限公司　城东营业所",
            fields=(("合同编号", "Contract No.", "HT-1"), ("状态", "Status", "")),
        ))

        assert "安装合同\n合同编号 Contract No.：HT-1　　状态 Status：—\n某市燃气有限公司　城东营业所" in text

    def test_heading_note_and_printed_line(self) -> None:
        text = text_of(lambda kit: [
            *kit.heading("审批", "Decisions"), kit.note("无记录", "None"), kit.printed_line(by="李四", at=""),
        ])

        assert "审批 Decisions\n无记录 None\n打印人 Printed by：李四　　打印时间 Printed at：—" in text

    def test_user_text_in_every_block_is_never_markup(self, tmp_path: Path) -> None:
        """CVE-2023-33733: long values fall back to a Paragraph, of the escaped text."""
        marker = tmp_path / "pwned"
        payload = cve_payload(marker)
        approval = ApprovalLine("1", payload, payload, "2026-11-25 10:00", "同意", payload)

        text = text_of(lambda kit: [
            *kit.title_block(payload, payload, company=payload, fields=(("编号", "No.", payload),)),
            kit.paragraph(payload * 2),
            kit.fields([("备注", "Note", payload)]),
            kit.field_pairs([("甲", "A", payload), ("乙", "B", payload)]),
            *kit.approval_trail([approval], empty=("无", "None"), remark=payload),
            kit.signature_block([("经办人", "By", payload)]),
            *kit.closing(printed_by=payload, printed_at=payload),
        ])

        assert not marker.exists()
        assert squash(text).count(squash(payload)) >= 12


class TestSections:
    HEADERS = (("序号", "No."), ("事项", "Subject"))
    WIDTHS = (20 * mm, CONTENT_WIDTH - 20 * mm)

    def test_a_list_section_with_rows_has_its_table_and_total(self) -> None:
        text = text_of(lambda kit: kit.list_section(
            ("事项", "Items"), headers=self.HEADERS, rows=[("1", "甲"), ("2", "乙")], col_widths=self.WIDTHS,
            empty=("无事项", "No items"), total=("共 {n} 项", "{n} item(s)"),
        ))

        assert re.search(r"事项 Items\n序号\s*No.\s*事项\s*Subject\n1 甲\n2 乙\n共 2 项 2 item\(s\)", text), text
        assert "无事项" not in text

    def test_an_empty_list_section_says_so_and_has_no_table(self) -> None:
        text = text_of(lambda kit: kit.list_section(
            ("事项", "Items"), headers=self.HEADERS, rows=[], col_widths=self.WIDTHS,
            empty=("无事项", "No items"), total=("共 {n} 项", "{n} item(s)"),
        ))

        assert "事项 Items\n无事项 No items" in text and "Subject" not in text and "item(s)" not in text

    def test_the_approval_trail_shows_who_role_when_decision_and_why_then_the_remark(self) -> None:
        line = ApprovalLine("2", "运营副总 Operations VP", "钱八（vp）", "2026-11-22 16:30", "同意 Approve", "分期计划合理")

        text = squash(text_of(lambda kit: kit.approval_trail([line], empty=("无", "None"), remark="待总经理审批")))

        assert squash("审批记录 Approval Trail 步骤 Step 角色 Role 审批人 Decided by 时间 Decided at") in text
        assert text.index(squash("运营副总 Operations VP")) < text.index(squash("钱八（vp）")) < text.index(
            "2026-11-2216:30") < text.index("同意Approve") < text.index("分期计划合理") < text.index("待总经理审批")

    @pytest.mark.parametrize(("remark", "shown"), [("", "无需审批 No approval was required"), ("直接签订", "直接签订")])
    def test_an_approval_trail_without_steps_shows_the_remark_or_says_none(self, remark: str, shown: str) -> None:
        text = text_of(lambda kit: kit.approval_trail([], empty=("无需审批", "No approval was required"), remark=remark))

        assert f"审批记录 Approval Trail\n{shown}" in text and "Decided by" not in text

    def test_the_signature_block_puts_three_boxes_per_row(self) -> None:
        """Four parties sign in two rows of boxes, each with role, name, signature and date."""
        parties = [("销毁执行人", "Executed by", "王五")] + [("监销人", "Witness", n) for n in ("孙一", "周二", "吴三")]

        text = text_of(lambda kit: [kit.signature_block(parties)])

        assert re.search(r"销毁执行人 Executed by\s*监销人 Witness\s*监销人 Witness\n王五 孙一 周二\n", text)
        assert re.search(r"\n监销人 Witness\n吴三\n签字 Signature\n日期 Date\n", text)
        assert len(re.findall(r"签字 Signature(?!s)", text)) == 4

    def test_fitted_width_stays_within_bounds(self) -> None:
        font_name = _cid_font()
        digest = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

        width = fitted_width([digest, "short"], font_name, size=8.5, minimum=30 * mm, maximum=CONTENT_WIDTH)

        assert 80 * mm < width < 100 * mm
        assert fitted_width([], font_name, size=8.5, minimum=30 * mm, maximum=CONTENT_WIDTH) == 30 * mm
        assert fitted_width([digest * 4], font_name, size=8.5, minimum=30 * mm, maximum=60 * mm) == 60 * mm


def _cid_font() -> str:
    return register_cjk_font(search_system=False)


class TestEveryReportUsesTheKit:
    def test_there_are_reports_to_check(self) -> None:
        assert {p.stem for p in REPORT_MODULES} >= {"customer_sheet", "contract_document", "archive_record"}

    @pytest.mark.parametrize("path", REPORT_MODULES, ids=lambda p: p.stem)
    def test_a_report_renders_through_the_kit_not_its_own_preamble(self, path: Path) -> None:
        imported = {
            (node.module, alias.name)
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
            if isinstance(node, ast.ImportFrom)
            for alias in node.names
        }

        assert ("reports.kit", "render_report") in imported
        assert not {name for module, name in imported if module in {"reports.fonts", "reports.frame"}} & {
            "register_cjk_font", "build_pdf", "DocumentInfo"
        }

    @pytest.mark.parametrize("path", REPORT_MODULES, ids=lambda p: p.stem)
    def test_a_view_models_watermark_is_called_watermark(self, path: Path) -> None:
        module = __import__(f"reports.{path.stem}", fromlist=["_"])
        view_models = [v for v in vars(module).values() if dataclasses.is_dataclass(v) and v.__module__ == module.__name__]

        names = {f.name for v in view_models for f in dataclasses.fields(v) if "watermark" in f.name}

        assert names == {"watermark"}

"""Shared page frame: page numbers, header, watermark, metadata (SPEC §9)."""

from __future__ import annotations

import io

from pypdf import PdfReader
from reportlab.platypus import PageBreak, Paragraph

from reports.fonts import register_cjk_font
from reports.frame import CREATOR, DocumentInfo, build_pdf, label_value_table, page_label, styles
from tests.unit.reports.pdf_helpers import extract_pages, squash

INFO = DocumentInfo(
    title="归档清单 Handover List",
    subject="测试 subject",
    author="王五",
    company="某市燃气有限公司",
    keywords=("归档", "R-AR-01"),
)


def three_page_story(font_name: str) -> list:
    body = styles(font_name)["body"]
    return [
        Paragraph("第一页内容", body),
        PageBreak(),
        Paragraph("第二页内容", body),
        PageBreak(),
        Paragraph("第三页内容", body),
    ]


class TestPageFrame:
    def test_every_page_shows_its_number_and_the_total(self) -> None:
        """SPEC §9: "第 N 页 共 M 页" on every page, M known only after layout."""
        font_name = register_cjk_font(search_system=False)

        pages = extract_pages(build_pdf(info=INFO, story=three_page_story(font_name), font_name=font_name))

        assert [page_label(n, 3) in text for n, text in enumerate(pages, start=1)] == [True] * 3

    def test_every_page_has_the_company_and_title_in_its_header(self) -> None:
        """SPEC §9: each page says whose record it is and what it is."""
        font_name = register_cjk_font(search_system=False)

        pages = extract_pages(build_pdf(info=INFO, story=three_page_story(font_name), font_name=font_name))

        assert all("某市燃气有限公司" in text and "归档清单 Handover List" in text for text in pages)

    def test_metadata_is_set(self) -> None:
        """SPEC §9: title, author, subject, creator and keywords are in the document info."""
        font_name = register_cjk_font(search_system=False)

        pdf = build_pdf(info=INFO, story=three_page_story(font_name), font_name=font_name)

        meta = PdfReader(io.BytesIO(pdf)).metadata
        assert (meta.title, meta.author, meta.subject, meta.creator) == (
            "归档清单 Handover List",
            "王五",
            "测试 subject",
            CREATOR,
        )
        assert meta["/Keywords"] == "归档, R-AR-01"

    def test_watermark_is_on_every_page_when_set(self) -> None:
        """SPEC §9 / R-AR-06: confidential copies carry the requester and time on each page."""
        font_name = register_cjk_font(search_system=False)
        info = DocumentInfo(**{**INFO.__dict__, "watermark": "机密 · 张三 · 2026-11-25 14:03"})

        pages = extract_pages(build_pdf(info=info, story=three_page_story(font_name), font_name=font_name))

        assert all("机密 · 张三 · 2026-11-25 14:03" in text for text in pages)

    def test_no_watermark_when_not_set(self) -> None:
        """SPEC §9: ordinary copies have no watermark."""
        font_name = register_cjk_font(search_system=False)

        pages = extract_pages(build_pdf(info=INFO, story=three_page_story(font_name), font_name=font_name))

        assert not any("机密" in text for text in pages)


class TestLabelValueTable:
    def test_long_values_wrap_inside_their_cell(self) -> None:
        """SPEC §9: a long Chinese value wraps (CJK) instead of running off the page."""
        font_name = register_cjk_font(search_system=False)
        address = "上海市浦东新区世纪大道" * 12
        table = label_value_table([("地址", "Address", address)], font_name=font_name, width=400)

        _, height = table.wrap(400, 800)
        pages = extract_pages(build_pdf(info=INFO, story=[table], font_name=font_name))

        assert height > 40
        assert address in squash(pages[0])

    def test_empty_values_show_a_dash(self) -> None:
        """R-AC-05: blank fields print "—"."""
        font_name = register_cjk_font(search_system=False)
        table = label_value_table([("联系人", "Contact", "")], font_name=font_name, width=400)

        pages = extract_pages(build_pdf(info=INFO, story=[table], font_name=font_name))

        assert "—" in pages[0]

"""Archive record, 档案记录 (SPEC R-AR-03, R-AR-04, R-AR-06, §9)."""

from __future__ import annotations

import hashlib
import io
import re
from collections.abc import Callable

import pytest
from pypdf import PdfReader

from reports.archive_record import (
    TITLE,
    AccessLine,
    AddendumLine,
    ArchiveFileLine,
    ArchiveRecord,
    render_archive_record,
    short_hash,
)
from reports.contract_document import ApprovalLine
from tests.unit.reports.pdf_helpers import extract_pages, squash

MakeRecord = Callable[..., ArchiveRecord]

ARCHIVE_NO = "Z001-HT·2026-D30-SCB-0007"
WATERMARK = "查阅人 张三（zhangsan） 2026-11-25 10:31 仅供查阅"


def digest(name: str) -> str:
    return hashlib.sha256(name.encode()).hexdigest()


def file_line(n: int) -> ArchiveFileLine:
    return ArchiveFileLine(
        kind_label="信函" if n % 2 else "图表",
        file_name=f"scan-{n:04d}.pdf",
        size=f"{n * 0.1 + 0.2:.1f} MB",
        sha256=digest(f"file {n}"),
        uploaded_at=f"2026-11-20 09:{n % 60:02d}",
    )


def sample_record(**overrides: object) -> ArchiveRecord:
    """An accepted contract archive with three files and one addendum."""
    values: dict = {
        "company_name": "某市燃气有限公司",
        "archive_no": ARCHIVE_NO,
        "title": "欧阳娜娜餐饮有限公司天然气用户工程安装合同",
        "fonds": "Z001 某市燃气有限公司",
        "category_label": "HT 合同",
        "year": "2026",
        "retention_label": "30年 D30",
        "department_label": "SCB 市场部",
        "accepted_by": "王五",
        "accepted_at": "2026-11-21 10:00",
        "contract_no": "HT-AZ-2026-000123",
        "contract_type_label": "天然气用户工程安装合同",
        "customer_name": "欧阳娜娜餐饮有限公司",
        "account_no": "0112345678905",
        "amount": "¥12,345.00",
        "contract_status_label": "履行完毕",
        "printed_by": "王五",
        "printed_at": "2026-11-25 14:03",
        "files": (
            ArchiveFileLine(
                "合同正本", "contract-HT-AZ-2026-000123.pdf", "1.2 MB", digest("contract"), "2026-11-20 09:31"
            ),
            ArchiveFileLine("图表", "竣工图.pdf", "3.4 MB", digest("drawing"), "2026-11-20 09:32"),
            ArchiveFileLine("批件", "approval.pdf", "0.3 MB", digest("approval"), "2026-11-20 09:33"),
        ),
        "addenda": (AddendumLine("2026-11-22", "王五", "更正：用户联系人应为王经理"),),
        "access_history": None,
        "access_summary": "",
        "watermark": None,
    }
    values.update(overrides)
    return ArchiveRecord(**values)


@pytest.fixture
def make_record() -> MakeRecord:
    return sample_record


def all_text(pdf: bytes) -> str:
    return "\n".join(extract_pages(pdf))


class TestArchiveRecord:
    def test_extracted_text_has_archive_number_contract_and_page_number(
        self, make_record: MakeRecord, font_options: dict
    ) -> None:
        """R-AR-03 / SPEC §9: the archive number (with its "·") and the Chinese text extract intact."""
        pages = extract_pages(render_archive_record(record=make_record(), **font_options))

        assert len(pages) == 1
        text = pages[0]
        assert ARCHIVE_NO in text
        for value in (
            "欧阳娜娜餐饮有限公司天然气用户工程安装合同",
            "Z001 某市燃气有限公司",
            "HT 合同",
            "30年 D30",
            "SCB 市场部",
            "2026-11-21 10:00",
            "HT-AZ-2026-000123",
            "0112345678905",
            "¥12,345.00",
            "履行完毕",
        ):
            assert value in text
        assert "第 1 页 共 1 页" in text

    def test_sections_and_bilingual_labels(self, make_record: MakeRecord, font_options: dict) -> None:
        """R-AR-03: description, contract, files and addenda, Chinese first."""
        text = all_text(render_archive_record(record=make_record(), **font_options))

        for heading in (
            "档案信息 Description",
            "合同摘要 Contract",
            "文件清单 Files",
            "补充说明（更正） Addenda",
        ):
            assert heading in text
        for label in (
            "档号 Archive No.",
            "全宗 Fonds",
            "保管期限 Retention",
            "接收人 Accepted by",
            "户号 Account No.",
        ):
            assert label in text
        assert re.search(r"接收时间 Accepted at\s*2026-11-21 10:00", text)

    def test_files_show_short_and_full_sha256(self, make_record: MakeRecord, font_options: dict) -> None:
        """R-AR-04: each file's SHA-256, 16 hex digits in the list and in full below it."""
        record = make_record()

        text = all_text(render_archive_record(record=record, **font_options))

        for n, f in enumerate(record.files, start=1):
            assert f"{f.sha256[:16]}…" in text
            assert re.search(rf"^{n}\s*{f.sha256}$", text, flags=re.M)  # intact, on one line
            assert f.file_name in text and f.size in text and f.uploaded_at in text
        assert "完整 SHA-256 Full SHA-256" in text

    def test_short_hash(self) -> None:
        """R-AR-04: the shortened form keeps 16 hex digits; short values stay as they are."""
        assert short_hash(digest("x")) == digest("x")[:16] + "…"
        assert short_hash("abc") == "abc"
        assert short_hash("") == ""

    def test_addenda_are_listed(self, make_record: MakeRecord) -> None:
        """R-AR-04: accepted records are corrected by addenda: date, by whom, text."""
        record = make_record(
            addenda=(
                AddendumLine("2026-11-22", "王五", "更正：用户联系人应为王经理"),
                AddendumLine("2026-12-01", "赵六", "补充：附竣工验收单一份"),
            )
        )

        text = all_text(render_archive_record(record=record, search_system=False))

        assert re.search(r"2026-11-22\s*王五\s*更正：用户联系人应为王经理", text)
        assert re.search(r"2026-12-01\s*赵六\s*补充：附竣工验收单一份", text)

    def test_the_contracts_approval_trail_is_printed(self, make_record: MakeRecord) -> None:
        """R-CT-11 carried into the archive: who approved, in which role, when, and why."""
        record = make_record(approvals=(
            ApprovalLine("1", "市场部经理", "张伟（market）", "2026-11-20 10:00", "同意", "价格合规"),
            ApprovalLine("2", "经营副总", "刘建国（vp）", "2026-11-21 15:30", "同意", "分期可行"),
        ))

        text = squash("".join(extract_pages(render_archive_record(record=record, search_system=False))))

        for expected in ("审批记录", "张伟（market）", "价格合规", "刘建国（vp）", "分期可行", "经营副总"):
            assert expected in text, expected

    def test_no_approval_needed_is_said(self, make_record: MakeRecord) -> None:
        text = squash("".join(extract_pages(render_archive_record(record=make_record(), search_system=False))))

        assert "无需审批" in text

    def test_access_history_only_when_provided(self, make_record: MakeRecord) -> None:
        """R-AR-06: the access history summary is printed when the service supplies it."""
        without = all_text(
            render_archive_record(record=make_record(access_history=None), search_system=False)
        )
        empty = all_text(render_archive_record(record=make_record(access_history=()), search_system=False))
        given = all_text(
            render_archive_record(
                record=make_record(
                    access_summary="查阅 2 次，下载 1 次",
                    access_history=(
                        AccessLine(
                            "2026-11-25 10:31", "张三", "下载 Download", "CY-2026-0001", "contract.pdf"
                        ),
                        AccessLine("2026-11-25 10:20", "张三", "查阅 View", "CY-2026-0001"),
                    ),
                ),
                search_system=False,
            )
        )

        assert "查阅记录" not in without
        assert "查阅记录 Access History" in empty and "无查阅记录" in empty
        assert "查阅 2 次，下载 1 次" in given
        assert re.search(r"2026-11-25 10:31\s*张三\s*下载 Download\s*CY-2026-0001\s*contract.pdf", given)
        assert re.search(r"2026-11-25 10:20\s*张三\s*查阅 View\s*CY-2026-0001\s*—", given)

    def test_watermark_on_every_page_when_set(self, make_record: MakeRecord, font_options: dict) -> None:
        """R-AR-06: a copy downloaded under a lookup grant carries the requester and time on every page."""
        record = make_record(files=tuple(file_line(n) for n in range(1, 61)), watermark=WATERMARK)

        pages = extract_pages(render_archive_record(record=record, **font_options))

        assert len(pages) >= 2
        assert all(WATERMARK in text for text in pages)
        assert all(f"第 {n} 页 共 {len(pages)} 页" in text for n, text in enumerate(pages, start=1))

    def test_no_watermark_when_not_set(self, make_record: MakeRecord) -> None:
        """SPEC §9: an ordinary copy has no watermark."""
        text = all_text(render_archive_record(record=make_record(watermark=None), search_system=False))

        assert "仅供查阅" not in text

    def test_empty_values_and_sections(self, make_record: MakeRecord, font_options: dict) -> None:
        """SPEC §9: empty values print "—", an empty file list or addenda a short note."""
        record = make_record(amount="", accepted_by="", department_label="", files=(), addenda=())

        text = all_text(render_archive_record(record=record, **font_options))

        assert "无文件" in text and "无补充说明" in text
        assert re.search(r"合同金额 Amount\s*—", text)
        assert re.search(r"接收人 Accepted by\s*—", text)
        assert re.search(r"机构（问题）\s*Department\s*—", text)

    def test_long_correction_breaks_across_pages(self, make_record: MakeRecord) -> None:
        """SPEC §9: a correction longer than a page breaks inside its row instead of failing."""
        correction = "更正说明：用户名称应为欧阳娜娜餐饮有限公司，户号核对无误。" * 150
        record = make_record(addenda=(AddendumLine("2026-11-22", "王五", correction),))

        pages = extract_pages(render_archive_record(record=record, search_system=False))

        assert len(pages) >= 3
        header = squash("日期 Date 补充人 By 内容 Text")
        furniture = re.compile(r"某市燃气有限公司\n档案记录 Archive Record\n第 \d+ 页 共 \d+ 页\n\Z")
        body = squash("".join(furniture.sub("", page) for page in pages)).replace(header, "")
        assert squash(correction) in body

    def test_metadata(self, make_record: MakeRecord) -> None:
        """SPEC §9: title, subject and keywords carry the archive number."""
        pdf = render_archive_record(record=make_record(), search_system=False)

        meta = PdfReader(io.BytesIO(pdf)).metadata
        assert meta.title == TITLE
        assert meta.author == "王五"
        assert ARCHIVE_NO in meta.subject
        assert meta.creator == "Utility CRM & Archives"
        assert {"档案记录", "R-AR-03", ARCHIVE_NO} <= set(meta["/Keywords"].split(", "))

    @pytest.mark.parametrize(
        "hostile",
        ['<font color="red">x</font>', "<img src=x>", "A & B <b>粗体</b>", "&lt;escaped&gt; &amp;"],
    )
    def test_markup_in_user_text_prints_literally(self, make_record: MakeRecord, hostile: str) -> None:
        """SPEC §9: tags and entities in user text show as typed."""
        record = make_record(
            title=hostile,
            customer_name=hostile,
            files=(ArchiveFileLine(hostile, hostile, "1 KB", digest("x"), "2026-11-20"),),
            addenda=(AddendumLine("2026-11-22", "王五", hostile),),
        )

        text = all_text(render_archive_record(record=record, search_system=False))

        assert squash(text).count(squash(hostile)) >= 5

"""Handover list, 移交清单 (SPEC R-AR-01, R-AR-02, §9)."""

from __future__ import annotations

import io
import re
from collections.abc import Callable

import pytest
from pypdf import PdfReader

from reports.handover_list import TITLE, HandoverLine, HandoverList, MaterialCount, render_handover_list
from tests.unit.reports.pdf_helpers import extract_pages, squash

MakeHandover = Callable[..., HandoverList]


def contract_line(n: int, *, archive_no: str | None = None) -> HandoverLine:
    return HandoverLine(
        seq=str(n),
        contract_no=f"HT-AZ-2026-{n:06d}",
        type_label="安装合同" if n % 2 else "供用气合同",
        customer_name=f"欧阳娜娜餐饮{n}",
        account_no=f"01{n:010d}5",
        status_label="履行完毕" if n % 2 else "已终止",
        materials=(MaterialCount("信函 Letter", "2"), MaterialCount("图表 Drawing", "1")),
        archive_no=f"Z001-HT·2026-D30-SCB-{n:04d}" if archive_no is None else archive_no,
    )


def sample_handover(**overrides: object) -> HandoverList:
    """An accepted batch of two contracts with realistic (already formatted) values."""
    values: dict = {
        "company_name": "某市燃气有限公司",
        "batch_no": "YJ-2026-0012",
        "status_label": "已接收 Accepted",
        "submitted_by": "李四",
        "submitted_at": "2026-11-20 09:30",
        "received_by": "王五",
        "received_at": "2026-11-21 10:00",
        "return_reason": "",
        "printed_by": "王五",
        "printed_at": "2026-11-25 14:03",
        "lines": (
            HandoverLine(
                seq="1",
                contract_no="HT-AZ-2026-000123",
                type_label="安装合同",
                customer_name="欧阳娜娜餐饮有限公司",
                account_no="0112345678905",
                status_label="履行完毕",
                materials=(
                    MaterialCount("信函 Letter", "2"),
                    MaterialCount("图表 Drawing", "3"),
                    MaterialCount("预算 Budget", "1"),
                ),
                archive_no="Z001-HT·2026-D30-SCB-0007",
            ),
            HandoverLine(
                seq="2",
                contract_no="HT-GY-2026-000456",
                type_label="供用气合同",
                customer_name="阿卜杜·热合曼",
                account_no="0198765432105",
                status_label="已终止",
                materials=(MaterialCount("通知单 Notice", "1"),),
                archive_no="Z001-HT·2026-D30-SCB-0008",
            ),
        ),
        "watermark": None,
    }
    values.update(overrides)
    return HandoverList(**values)


@pytest.fixture
def make_handover() -> MakeHandover:
    return sample_handover


def all_text(pdf: bytes) -> str:
    return "\n".join(extract_pages(pdf))


class TestHandoverList:
    def test_extracted_text_has_batch_contracts_and_page_number(
        self, make_handover: MakeHandover, font_options: dict
    ) -> None:
        """R-AR-02 / SPEC §9: the list's Chinese text and numbers extract, in both font paths."""
        pages = extract_pages(render_handover_list(handover_list=make_handover(), **font_options))

        assert len(pages) == 1
        text = pages[0]
        for value in (
            "YJ-2026-0012",
            "已接收 Accepted",
            "HT-AZ-2026-000123",
            "欧阳娜娜餐饮有限公司",
            "0112345678905",
            "阿卜杜·热合曼",
            "Z001-HT·2026-D30-SCB-0007",
            "Z001-HT·2026-D30-SCB-0008",
            "履行完毕",
            "已终止",
            "2026-11-20 09:30",
            "2026-11-21 10:00",
        ):
            assert value in text
        assert "第 1 页 共 1 页" in text

    def test_sections_and_bilingual_labels(self, make_handover: MakeHandover, font_options: dict) -> None:
        """R-AR-02: both parties, the contracts and their materials, Chinese first."""
        text = all_text(render_handover_list(handover_list=make_handover(), **font_options))

        for heading in (
            "移交清单",
            "Handover List",
            "移交信息 Handover",
            "移交合同 Contracts",
            "随附材料 Related Materials",
        ):
            assert heading in text
        for label in (
            "移交批次 Batch No.",
            "合同编号",
            "Contract No.",
            "档号",
            "Archive No.",
            "户号",
            "材料种类",
        ):
            assert label in text
        assert re.search(r"移交人（前台）\s*Submitted by\s*李四", text)
        assert re.search(r"接收/退回人（档案员）\s*Received / returned by\s*王五", text)

    def test_materials_are_listed_per_contract_with_file_counts(self, make_handover: MakeHandover) -> None:
        """R-AR-01: the related materials (letters, drawings, budgets, notices) travel with the contract."""
        text = all_text(render_handover_list(handover_list=make_handover(), search_system=False))

        assert re.search(r"HT-AZ-2026-000123\s*信函 Letter\s*2", text)
        assert re.search(r"HT-AZ-2026-000123\s*图表 Drawing\s*3", text)
        assert re.search(r"HT-AZ-2026-000123\s*预算 Budget\s*1", text)
        assert re.search(r"HT-GY-2026-000456\s*通知单 Notice\s*1", text)
        assert "共 2 份合同" in text

    def test_signature_block_names_both_parties(
        self, make_handover: MakeHandover, font_options: dict
    ) -> None:
        """R-AR-02: a handover list PDF records both parties, with room to sign."""
        text = all_text(render_handover_list(handover_list=make_handover(), **font_options))

        assert re.search(r"移交人 Handed over by\s*接收人 Received by\s*李四\s*王五", text)
        assert "签字 Signatures" in text
        assert len(re.findall(r"签字 Signature(?!s)", text)) == 2 and text.count("日期 Date") == 2

    def test_returned_batch_shows_reason_and_no_archive_numbers(self, make_handover: MakeHandover) -> None:
        """R-AR-02: a returned batch has a reason and no archive numbers ("—")."""
        reason = "缺少竣工验收图纸，请补齐后重新移交"
        document = make_handover(
            status_label="已退回 Returned",
            return_reason=reason,
            lines=(contract_line(1, archive_no=""),),
        )

        text = all_text(render_handover_list(handover_list=document, search_system=False))

        assert "已退回 Returned" in text
        assert re.search(r"退回原因 Return Reason\s*" + reason, text)
        assert re.search(r"履行完毕\s*—", text)
        assert "Z001-" not in text

    def test_empty_batch_prints_notes_and_dashes(
        self, make_handover: MakeHandover, font_options: dict
    ) -> None:
        """SPEC §9: empty values print "—", empty sections a short note."""
        document = make_handover(status_label="", received_by="", received_at="", lines=())

        text = all_text(render_handover_list(handover_list=document, **font_options))

        assert "本批次无合同" in text and "无随附材料" in text
        assert re.search(r"状态 Status：—", text)
        assert re.search(r"退回原因 Return Reason\s*—", text)
        assert re.search(r"接收/退回时间\s*Received / returned at\s*—", text)
        assert re.search(r"移交人 Handed over by\s*接收人 Received by\s*李四\s*—", text)

    def test_many_contracts_flow_with_repeated_header(
        self, make_handover: MakeHandover, font_options: dict
    ) -> None:
        """SPEC §9: a long batch continues on numbered pages, the table header repeated."""
        document = make_handover(lines=tuple(contract_line(n) for n in range(1, 81)))

        pages = extract_pages(render_handover_list(handover_list=document, **font_options))

        total = len(pages)
        assert total >= 3
        assert all(f"第 {n} 页 共 {total} 页" in text for n, text in enumerate(pages, start=1))
        text = "".join(pages)
        assert all(f"Z001-HT·2026-D30-SCB-{n:04d}" in text for n in range(1, 81))
        with_rows = [page for page in pages if re.search(r"Z001-HT·2026-D30-SCB-00\d\d", page)]
        assert all("Archive No." in page for page in with_rows)
        assert "移交人 Handed over by" in pages[-1]

    def test_metadata(self, make_handover: MakeHandover) -> None:
        """SPEC §9: title, subject and keywords carry the batch number."""
        pdf = render_handover_list(handover_list=make_handover(), search_system=False)

        meta = PdfReader(io.BytesIO(pdf)).metadata
        assert meta.title == TITLE
        assert meta.author == "王五"
        assert "YJ-2026-0012" in meta.subject
        assert meta.creator == "Utility CRM & Archives"
        assert {"移交清单", "R-AR-02", "YJ-2026-0012"} <= set(meta["/Keywords"].split(", "))

    @pytest.mark.parametrize(
        "hostile",
        ['<font color="red">x</font>', "<img src=x>", "A & B <b>粗体</b>", "&lt;escaped&gt; &amp;"],
    )
    def test_markup_in_user_text_prints_literally(self, make_handover: MakeHandover, hostile: str) -> None:
        """SPEC §9: tags and entities in user text show as typed, short (drawn) or long (Paragraph)."""
        long_reason = "材料不全，" * 40 + hostile
        document = make_handover(
            return_reason=long_reason,
            lines=(
                HandoverLine(
                    "1", "HT-1", hostile, hostile, "0112345678905", "已终止", (MaterialCount(hostile, "1"),)
                ),
            ),
        )

        text = all_text(render_handover_list(handover_list=document, search_system=False))

        assert squash(text).count(squash(hostile)) >= 4
        assert squash(long_reason) in squash(text)

"""Departure handover list, 交接清单 (SPEC R-AR-07, §9)."""

from __future__ import annotations

import io
import re
from collections.abc import Callable

import pytest
from pypdf import PdfReader

from reports.departure_list import (
    TITLE,
    BorrowedArchiveLine,
    DepartureContractLine,
    DepartureCustomerLine,
    DepartureList,
    PendingApprovalLine,
    render_departure_list,
)
from tests.unit.reports.pdf_helpers import extract_pages, squash

MakeDeparture = Callable[..., DepartureList]


def sample_departure(**overrides: object) -> DepartureList:
    values: dict = {
        "company_name": "某市燃气有限公司",
        "handover_no": "JJ-2026-0003",
        "leaving_person": "张三（zhangsan） 市场部",
        "successor": "李四（lisi）",
        "supervisor": "王经理",
        "handover_date": "2026-11-30",
        "printed_by": "王五",
        "printed_at": "2026-11-30 17:00",
        "customers": (
            DepartureCustomerLine("0112345678905", "欧阳娜娜餐饮有限公司", "正常 Active"),
            DepartureCustomerLine("0198765432105", "阿卜杜·热合曼", "开户中 Opening"),
        ),
        "contracts": (DepartureContractLine("HT-AZ-2026-000123", "审批中 Pending", "欧阳娜娜餐饮有限公司"),),
        "approvals": (PendingApprovalLine("合同 HT-AZ-2026-000124", "市场部经理审批", "2026-11-29 09:00"),),
        "borrowed": (BorrowedArchiveLine("Z001-HT·2026-D30-SCB-0007", "2026-12-03", "CY-2026-0001"),),
        "note": "",
        "watermark": None,
    }
    values.update(overrides)
    return DepartureList(**values)


@pytest.fixture
def make_departure() -> MakeDeparture:
    return sample_departure


def all_text(pdf: bytes) -> str:
    return "\n".join(extract_pages(pdf))


class TestDepartureList:
    def test_extracted_text_has_persons_sections_and_page_number(
        self, make_departure: MakeDeparture, font_options: dict
    ) -> None:
        """R-AR-07 / SPEC §9: everything in the leaving person's hands is listed and extracts."""
        pages = extract_pages(render_departure_list(departure_list=make_departure(), **font_options))

        assert len(pages) == 1
        text = pages[0]
        assert re.search(r"交接单号 Handover No.：JJ-2026-0003　　交接日期 Date：2026-11-30", text)
        assert re.search(r"交出人（离职人员）\s*Leaving\s*张三（zhangsan） 市场部", text)
        assert re.search(r"接收人 Successor\s*李四（lisi）", text)
        assert re.search(r"监交人 Supervisor\s*王经理", text)
        assert re.search(r"1\s*0112345678905\s*欧阳娜娜餐饮有限公司\s*正常 Active", text)
        assert re.search(r"2\s*0198765432105\s*阿卜杜·热合曼\s*开户中 Opening", text)
        assert re.search(r"1\s*HT-AZ-2026-000123\s*欧阳娜娜餐饮有限公司\s*审批中 Pending", text)
        assert re.search(r"1\s*合同 HT-AZ-2026-000124\s*市场部经理审批\s*2026-11-29 09:00", text)
        assert re.search(r"1\s*Z001-HT·2026-D30-SCB-0007\s*CY-2026-0001\s*2026-12-03", text)
        assert "第 1 页 共 1 页" in text

    def test_sections_and_signatures(self, make_departure: MakeDeparture, font_options: dict) -> None:
        """R-AR-07: four sections, then the leaving person, the successor and a supervisor sign."""
        text = all_text(render_departure_list(departure_list=make_departure(), **font_options))

        for heading in (
            "交接清单",
            "Departure Handover List",
            "在管用户 Open Customers",
            "经办合同 Contracts",
            "待审批事项 Pending Approvals",
            "借阅档案 Borrowed Archives",
        ):
            assert heading in text
        assert re.search(
            r"交出人 Handed over by\s*接收人 Received by\s*监交人 Supervised by\s*"
            r"张三（zhangsan） 市场部\s*李四（lisi）\s*王经理",
            text,
        )
        assert "共 2 项" in text and "共 1 项" in text

    def test_empty_sections_print_notes(self, make_departure: MakeDeparture, font_options: dict) -> None:
        """SPEC §9: a section with nothing in it says so; empty values print "—"."""
        document = make_departure(customers=(), contracts=(), approvals=(), borrowed=(), supervisor="")

        text = all_text(render_departure_list(departure_list=document, **font_options))

        for note in ("无在管用户", "无经办合同", "无待审批事项", "无借阅档案"):
            assert note in text
        assert re.search(r"监交人 Supervisor\s*—", text)
        assert "Account No." not in text

    def test_note_only_when_given(self, make_departure: MakeDeparture) -> None:
        without = all_text(render_departure_list(departure_list=make_departure(), search_system=False))
        given = all_text(
            render_departure_list(
                departure_list=make_departure(note="借阅档案已于 2026-11-30 归还"), search_system=False
            )
        )

        assert "备注" not in without
        assert re.search(r"备注 Note\s*借阅档案已于 2026-11-30 归还", given)

    def test_many_customers_flow_across_pages(
        self, make_departure: MakeDeparture, font_options: dict
    ) -> None:
        """R-AR-07: a long-serving person's hundreds of customers continue on numbered pages."""
        customers = tuple(
            DepartureCustomerLine(f"01{n:010d}5", f"用户{n}", "正常 Active") for n in range(1, 201)
        )

        pages = extract_pages(
            render_departure_list(departure_list=make_departure(customers=customers), **font_options)
        )

        total = len(pages)
        assert total >= 4
        assert all(f"第 {n} 页 共 {total} 页" in text for n, text in enumerate(pages, start=1))
        text = "".join(pages)
        assert all(f"01{n:010d}5" in text for n in range(1, 201))
        assert "共 200 项" in text
        assert "监交人 Supervised by" in pages[-1]

    def test_metadata(self, make_departure: MakeDeparture) -> None:
        """SPEC §9: title, subject and keywords carry the handover number."""
        pdf = render_departure_list(departure_list=make_departure(), search_system=False)

        meta = PdfReader(io.BytesIO(pdf)).metadata
        assert meta.title == TITLE
        assert meta.author == "王五"
        assert "JJ-2026-0003" in meta.subject and "张三" in meta.subject
        assert meta.creator == "Utility CRM & Archives"
        assert {"交接清单", "R-AR-07", "JJ-2026-0003"} <= set(meta["/Keywords"].split(", "))

    @pytest.mark.parametrize(
        "hostile",
        ['<font color="red">x</font>', "<img src=x>", "A & B <b>粗体</b>", "&lt;escaped&gt; &amp;"],
    )
    def test_markup_in_user_text_prints_literally(self, make_departure: MakeDeparture, hostile: str) -> None:
        """SPEC §9: tags and entities in user text show as typed."""
        document = make_departure(
            leaving_person=hostile,
            customers=(DepartureCustomerLine("0112345678905", hostile, "正常"),),
            approvals=(PendingApprovalLine(hostile, hostile, "2026-11-29"),),
        )

        text = all_text(render_departure_list(departure_list=document, search_system=False))

        assert squash(text).count(squash(hostile)) >= 5

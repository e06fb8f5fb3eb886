"""Lookup register, 查(借)阅登记簿 (SPEC R-AR-06, §9)."""

from __future__ import annotations

import io
import re
from collections.abc import Callable

import pytest
from pypdf import PdfReader

from reports.lookup_register import (
    TITLE,
    AccessLogLine,
    LookupRegister,
    LookupRequestLine,
    render_lookup_register,
)
from tests.unit.reports.pdf_helpers import extract_pages, squash

MakeRegister = Callable[..., LookupRegister]


def request(n: int, *, restricted: bool = False, purpose: str | None = None) -> LookupRequestLine:
    return LookupRequestLine(
        request_no=f"CY-2026-{n:04d}",
        archive_no=f"Z001-HT·2026-D30-SCB-{n:04d}",
        requester=f"申请人{n:02d}",
        purpose=f"核对合同金额{n}" if purpose is None else purpose,
        days="3",
        requested_at="2026-11-24 09:00",
        archivist_by="王五",
        archivist_decided_at="2026-11-24 10:00",
        manager_by="赵总" if restricted else "",
        manager_decided_at="2026-11-24 15:00" if restricted else "",
        valid_until="2026-11-27",
        status_label="已批准",
    )


def sample_register(**overrides: object) -> LookupRegister:
    values: dict = {
        "company_name": "某市燃气有限公司",
        "period": "2026-11-01 至 2026-11-30",
        "printed_by": "王五",
        "printed_at": "2026-11-30 17:00",
        "requests": (
            LookupRequestLine(
                request_no="CY-2026-0001",
                archive_no="Z001-HT·2026-D30-SCB-0007",
                requester="张三",
                purpose="核对合同金额",
                days="3",
                requested_at="2026-11-24 09:00",
                archivist_by="王五",
                archivist_decided_at="2026-11-24 10:00",
                manager_by="赵总",
                manager_decided_at="2026-11-24 15:00",
                valid_until="2026-11-27",
                status_label="已批准",
            ),
            LookupRequestLine(
                request_no="CY-2026-0002",
                archive_no="Z001-HT·2026-D10-SCB-0031",
                requester="李四",
                purpose="用户投诉复核",
                days="1",
                requested_at="2026-11-26 14:00",
                archivist_by="王五",
                archivist_decided_at="2026-11-26 14:30",
                manager_by="",
                manager_decided_at="",
                valid_until="2026-11-27",
                status_label="已过期",
            ),
        ),
        "access_log": (
            AccessLogLine(
                "2026-11-25 10:20",
                "张三",
                "查阅 View",
                "Z001-HT·2026-D30-SCB-0007",
                "CY-2026-0001",
                "contract.pdf",
            ),
            AccessLogLine(
                "2026-11-25 10:31",
                "张三",
                "下载 Download",
                "Z001-HT·2026-D30-SCB-0007",
                "CY-2026-0001",
                "竣工图.pdf",
            ),
        ),
        "watermark": None,
    }
    values.update(overrides)
    return LookupRegister(**values)


@pytest.fixture
def make_register() -> MakeRegister:
    return sample_register


def all_text(pdf: bytes) -> str:
    return "\n".join(extract_pages(pdf))


class TestLookupRegister:
    def test_extracted_text_has_requests_decisions_and_page_number(
        self, make_register: MakeRegister, font_options: dict
    ) -> None:
        """R-AR-06 / SPEC §9: each request with purpose, days, decisions and validity extracts."""
        pages = extract_pages(render_lookup_register(register=make_register(), **font_options))

        assert len(pages) == 1
        text = pages[0]
        assert "2026-11-01 至 2026-11-30" in text
        assert re.search(
            r"CY-2026-0001\s*Z001-HT·2026-D30-SCB-0007\s*张三\s*核对合同金额\s*3\s*2026-11-24 09:00\s*已批准",
            text,
        )
        assert re.search(
            r"CY-2026-0001\s*王五\s*2026-11-24 10:00\s*赵总\s*2026-11-24 15:00\s*2026-11-27", text
        )
        assert "第 1 页 共 1 页" in text

    def test_manager_decision_is_a_dash_for_unrestricted_records(self, make_register: MakeRegister) -> None:
        """R-AR-06: the general manager decides restricted records only."""
        text = all_text(render_lookup_register(register=make_register(), search_system=False))

        assert re.search(r"CY-2026-0002\s*王五\s*2026-11-26 14:30\s*—\s*—\s*2026-11-27", text)
        assert "受限档案须经档案员和总经理审批" in text

    def test_access_log_shows_who_viewed_or_downloaded_what_and_when(
        self, make_register: MakeRegister, font_options: dict
    ) -> None:
        """R-AR-06: every view and download is logged, and the register prints the log."""
        text = all_text(render_lookup_register(register=make_register(), **font_options))

        assert "查阅日志 Access Log" in text
        assert re.search(
            r"2026-11-25 10:20\s*张三\s*查阅 View\s*Z001-HT·2026-D30-SCB-0007\s*CY-2026-0001\s*contract.pdf",
            text,
        )
        assert re.search(
            r"2026-11-25 10:31\s*张三\s*下载 Download\s*Z001-HT·2026-D30-SCB-0007\s*CY-2026-0001\s*竣工图.pdf",
            text,
        )

    def test_bilingual_labels(self, make_register: MakeRegister) -> None:
        text = all_text(render_lookup_register(register=make_register(), search_system=False))

        for label in (
            "查(借)阅登记簿",
            "Lookup Register",
            "登记期间 Period",
            "查(借)阅申请 Requests",
            "审批 Decisions",
            "申请编号",
            "Request No.",
            "用途",
            "Purpose",
            "有效期至",
            "Valid until",
            "General Manager",
        ):
            assert label in text

    def test_empty_register_prints_notes(self, make_register: MakeRegister, font_options: dict) -> None:
        """SPEC §9: empty sections print a short note, empty values "—"."""
        register = make_register(requests=(), access_log=(), printed_by="")

        text = all_text(render_lookup_register(register=register, **font_options))

        assert "本期无查(借)阅申请" in text and "本期无查阅记录" in text
        assert "审批 Decisions" not in text
        assert "打印人 Printed by：—" in text

    def test_long_register_flows_with_repeated_headers(
        self, make_register: MakeRegister, font_options: dict
    ) -> None:
        """SPEC §9: a month of requests continues on numbered pages, headers repeated."""
        register = make_register(
            requests=tuple(request(n, restricted=n % 4 == 0) for n in range(1, 121)), access_log=()
        )

        pages = extract_pages(render_lookup_register(register=register, **font_options))

        total = len(pages)
        assert total >= 4
        assert all(f"第 {n} 页 共 {total} 页" in text for n, text in enumerate(pages, start=1))
        text = "".join(pages)
        assert all(text.count(f"CY-2026-{n:04d}") == 2 for n in range(1, 121))
        assert all(f"Z001-HT·2026-D30-SCB-{n:04d}" in text for n in range(1, 121))
        assert all("Request No." in page for page in pages if "CY-2026-" in page)

    def test_a_long_purpose_wraps_and_stays_complete(self, make_register: MakeRegister) -> None:
        """SPEC §9: a long purpose wraps inside its cell."""
        purpose = "因用户对合同金额提出异议，需核对原始合同、预算及物价部门批件" * 3
        register = make_register(requests=(request(1, purpose=purpose),))

        text = all_text(render_lookup_register(register=register, search_system=False))

        assert squash(purpose) in squash(text)

    def test_metadata(self, make_register: MakeRegister) -> None:
        """SPEC §9: title, subject and keywords carry the period."""
        pdf = render_lookup_register(register=make_register(), search_system=False)

        meta = PdfReader(io.BytesIO(pdf)).metadata
        assert meta.title == TITLE
        assert meta.author == "王五"
        assert "2026-11-01 至 2026-11-30" in meta.subject
        assert meta.creator == "Utility CRM & Archives"
        assert {"查(借)阅登记簿", "R-AR-06", "2026-11-01 至 2026-11-30"} <= set(meta["/Keywords"].split(", "))

    @pytest.mark.parametrize(
        "hostile",
        ['<font color="red">x</font>', "<img src=x>", "A & B <b>粗体</b>", "&lt;escaped&gt; &amp;"],
    )
    def test_markup_in_user_text_prints_literally(self, make_register: MakeRegister, hostile: str) -> None:
        """SPEC §9: tags and entities in user text show as typed."""
        register = make_register(
            requests=(request(1, purpose=hostile),),
            access_log=(AccessLogLine("2026-11-25", hostile, "查阅 View", "Z001", "CY-1", hostile),),
        )

        text = all_text(render_lookup_register(register=register, search_system=False))

        assert squash(text).count(squash(hostile)) >= 3

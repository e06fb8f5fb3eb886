"""Contract document with its approval trail, 合同文本 (SPEC R-CT-11, R-CT-06, §9)."""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from pypdf import PdfReader

from reports.contract_document import (
    TITLE,
    ApprovalLine,
    ContractDocument,
    FeeLine,
    InstallmentLine,
    render_contract_document,
)
from tests.unit.reports.pdf_helpers import extract_pages, squash
from tests.unit.reports.test_customer_sheet import cve_payload

MakeDocument = Callable[..., ContractDocument]

TERMS = (
    "第一条 供气方按照国家及地方有关标准为用户方安装天然气管道及计量设施。\n"
    "第二条 用户方应按本合同约定的金额和期限支付安装费用，费用按物价部门标准核定，双方不得调整。\n"
    "第三条 工程竣工后双方共同验收，验收合格后方可通气使用。"
)


def approval(n: int, *, reason: str | None = None) -> ApprovalLine:
    return ApprovalLine(
        seq=str(n),
        role_label="市场部经理 Market manager" if n % 2 else "运营副总 Operations VP",
        decided_by=f"审批人{n:02d}",
        decided_at=f"2026-11-{(n % 28) + 1:02d} 10:{n % 60:02d}",
        decision_label="同意 Approve" if n % 3 else "退回修改 Return",
        reason=reason if reason is not None else f"意见第{n}条：核对无误",
    )


@pytest.fixture
def make_document() -> MakeDocument:
    """Build a contract document with realistic (already formatted) values; override any field."""

    def build(**overrides: object) -> ContractDocument:
        values: dict = {
            "company_name": "某市燃气有限公司",
            "branch_name": "城东营业所",
            "contract_no": "HT-AZ-2026-000123",
            "type_label": "天然气用户工程安装合同 Installation",
            "status_label": "已审批 Approved",
            "customer_name": "欧阳娜娜餐饮有限公司",
            "account_no": "0112345678905",
            "customer_category_label": "商业 Commercial",
            "customer_address": "上海市浦东新区世纪大道100号1层",
            "customer_contact": "王经理 139****0000",
            "amount": "¥12,345.00",
            "fee_basis": "物价部门标准 JZ-2026 第2版 / Price standard JZ-2026 v2",
            "payment_kind_label": "分批付款 Installments",
            "terms": TERMS,
            "drafted_by": "李四",
            "drafted_at": "2026-11-20 09:30",
            "signed_by": "周七",
            "signed_at": "2026-11-24 15:00",
            "printed_by": "李四",
            "printed_at": "2026-11-25 14:03",
            "extra_terms": (
                ("施工期限", "Construction Period", "2026-12-01 至 2027-01-31"),
                ("规划建设部测算", "Planning Estimate", "GH-CS-2026-0042"),
            ),
            "fee_lines": (
                FeeLine("AZ-01", "庭院管道安装", "米", "¥120.00", "50", "¥6,000.00"),
                FeeLine("AZ-02", "户内管道安装", "户", "¥5,345.00", "1", "¥5,345.00"),
                FeeLine("AZ-07", "燃气表及表具安装", "只", "¥1,000.00", "1", "¥1,000.00"),
            ),
            "installments": (
                InstallmentLine("1", "2026-12-01", "¥6,000.00", "庭院管道开工前"),
                InstallmentLine("2", "2027-01-15", "¥6,345.00", "户内管道及表具安装完成后"),
            ),
            "approvals": (
                ApprovalLine("1", "市场部经理 Market manager", "赵六", "2026-11-21 10:00", "同意 Approve", "收费符合物价标准"),
                ApprovalLine("2", "运营副总 Operations VP", "钱八", "2026-11-22 16:30", "同意 Approve", "分期计划合理"),
            ),
            "approval_note": "",
            "watermark": None,
        }
        values.update(overrides)
        return ContractDocument(**values)

    return build


def all_text(pdf: bytes) -> str:
    return "\n".join(extract_pages(pdf))


# The page furniture (header, footer, watermark) is drawn after the content of each page.
_FURNITURE = re.compile(r"某市燃气有限公司\n合同 Contract\n第 \d+ 页 共 \d+ 页\n(?:.*\n?)?\Z")


def body_text(pages: list[str]) -> str:
    """The content of all pages without their header and footer, as one squashed string."""
    stripped = []
    for page in pages:
        body, count = _FURNITURE.subn("", page)
        assert count == 1, page[-200:]
        stripped.append(body)
    return squash("".join(stripped))


class TestContractDocument:
    def test_extracted_text_has_customer_contract_no_and_page_number(
        self,
        make_document: MakeDocument,
        font_options: dict,
    ) -> None:
        """R-CT-11 / SPEC §9: the contract's Chinese text renders and extracts, in both font paths."""
        document = make_document()

        pages = extract_pages(render_contract_document(document=document, **font_options))

        total = len(pages)
        assert "欧阳娜娜餐饮有限公司" in pages[0]
        assert "HT-AZ-2026-000123" in pages[0]
        assert all(f"第 {n} 页 共 {total} 页" in text for n, text in enumerate(pages, start=1))
        assert "第 1 页 共" in pages[0]

    def test_sections_and_bilingual_labels_are_present(
        self,
        make_document: MakeDocument,
        font_options: dict,
    ) -> None:
        """R-CT-11: parties, terms, fees, payment plan, approval trail and signature, 中文 first."""
        document = make_document()

        text = all_text(render_contract_document(document=document, **font_options))

        headings = ("天然气用户工程安装合同", "合同双方", "合同条款", "费用", "付款计划", "审批记录", "签订")
        for heading in headings:
            assert heading in text
        labels = ("供气方 Supplier", "用户方 Customer", "户号 Account No.", "收费依据 Fee Basis", "审批人", "期次")
        for label in labels:
            assert label in text
        values = (
            "某市燃气有限公司",
            "城东营业所",
            "0112345678905",
            "商业 Commercial",
            "王经理 139****0000",
            "分批付款 Installments",
            "物价部门标准 JZ-2026 第2版",
            "GH-CS-2026-0042",
            "2026-12-01 至 2027-01-31",
            "周七",
            "2026-11-24 15:00",
            "2026-11-25 14:03",
        )
        for value in values:
            assert value in text
        assert "第二条" in text and "双方不得调整" in squash(text)

    def test_fee_lines_and_total(self, make_document: MakeDocument, font_options: dict) -> None:
        """R-CT-06: every priced item is listed, with a 合计 row carrying the contract amount."""
        document = make_document()

        text = all_text(render_contract_document(document=document, **font_options))

        for code, name, amount in (
            ("AZ-01", "庭院管道安装", "¥6,000.00"),
            ("AZ-02", "户内管道安装", "¥5,345.00"),
            ("AZ-07", "燃气表及表具安装", "¥1,000.00"),
        ):
            assert code in text and name in text and amount in text
        assert re.search(r"合计 Total\s*¥12,345.00", text)

    def test_installment_due_dates_and_steps(self, make_document: MakeDocument, font_options: dict) -> None:
        """R-CT-05: an installment contract lists payment deadlines and installation steps."""
        document = make_document()

        text = all_text(render_contract_document(document=document, **font_options))

        assert "2026-12-01" in text and "庭院管道开工前" in text
        assert "2027-01-15" in text and "户内管道及表具安装完成后" in text

    def test_every_approval_line_is_shown(self, make_document: MakeDocument, font_options: dict) -> None:
        """R-CT-11: the approval trail shows who decided, in which role, when, what and why."""
        document = make_document()

        text = all_text(render_contract_document(document=document, **font_options))

        for line in document.approvals:
            for value in (line.decided_by, line.decision_label, line.reason, line.decided_at):
                assert value in text
        assert "市场部经理 Market manager" in text

    def test_rejection_reason_is_shown(self, make_document: MakeDocument) -> None:
        """R-CT-10: a rejection carries its reason, which the trail prints in full (wrapped)."""
        reason = "收费金额与物价部门标准不符，庭院管道长度应按竣工图纸重新测算后再提交审批" * 2
        document = make_document(
            approvals=(ApprovalLine("1", "市场部经理 Market manager", "赵六", "2026-11-21 10:00", "驳回 Reject", reason),)
        )

        text = all_text(render_contract_document(document=document, search_system=False))

        assert "驳回 Reject" in text
        assert reason in squash(text)

    def test_metadata(self, make_document: MakeDocument) -> None:
        """SPEC §9: title, subject with the contract number, keywords, author and creator."""
        document = make_document()

        pdf = render_contract_document(document=document, search_system=False)

        meta = PdfReader(io.BytesIO(pdf)).metadata
        assert meta.title == TITLE
        assert meta.author == "李四"
        assert "HT-AZ-2026-000123" in meta.subject
        assert meta.creator == "Utility CRM & Archives"
        keywords = meta["/Keywords"].split(", ")
        assert {"合同", "R-CT-11", "HT-AZ-2026-000123"} <= set(keywords)

    def test_watermark_present_when_set(self, make_document: MakeDocument, font_options: dict) -> None:
        """SPEC §9 / R-AR-06: a confidential copy carries its watermark on every page."""
        document = make_document(
            approvals=tuple(approval(n) for n in range(1, 41)),
            watermark="机密 · 张三 · 2026-11-25 14:03",
        )

        pages = extract_pages(render_contract_document(document=document, **font_options))

        assert len(pages) >= 2
        assert all("机密 · 张三 · 2026-11-25 14:03" in text for text in pages)

    def test_watermark_absent_when_not_set(self, make_document: MakeDocument) -> None:
        """SPEC §9: an ordinary copy has no watermark."""
        document = make_document(watermark=None)

        text = all_text(render_contract_document(document=document, search_system=False))

        assert "机密" not in text

    def test_cve_2023_33733_payload_is_printed_not_executed(
        self,
        make_document: MakeDocument,
        tmp_path: Path,
        font_options: dict,
    ) -> None:
        """SPEC §9 / CVE-2023-33733: markup in any user text is escaped, never evaluated."""
        marker = tmp_path / "pwned"
        payload = cve_payload(marker)
        document = make_document(
            type_label=payload,
            customer_name=payload,
            terms=f"{payload}\n第二条 {payload}",
            extra_terms=(("产权归属争议", "Property Dispute", payload),),
            fee_lines=(FeeLine("AZ-01", payload, "米", "¥1.00", "1", "¥1.00"),),
            installments=(InstallmentLine("1", "2026-12-01", "¥1.00", payload),),
            approvals=(approval(1, reason=payload),),
            approval_note=payload,
        )

        pages = extract_pages(render_contract_document(document=document, **font_options))

        assert not marker.exists()
        assert squash("".join(pages)).count(squash(payload)) >= 8

    @pytest.mark.parametrize(
        "hostile",
        ['<font color="red">x</font>', "<img src=x>", "A & B <b>粗体</b>", "&lt;escaped&gt; &amp;"],
    )
    def test_markup_in_user_text_prints_literally(self, make_document: MakeDocument, hostile: str) -> None:
        """SPEC §9: tags and entities in user text show as typed, short (drawn) or long (Paragraph)."""
        long_text = "很长的条款内容" * 30 + hostile
        document = make_document(
            customer_name=hostile,
            terms=f"{hostile}\n{long_text}",
            approvals=(approval(1, reason=hostile), approval(2, reason=long_text)),
            fee_lines=(FeeLine("AZ-01", hostile, "米", "¥1.00", "1", "¥1.00"),),
        )

        text = all_text(render_contract_document(document=document, search_system=False))

        assert text.count(hostile) >= 3
        assert squash(text).count(squash(long_text)) == 2

    def test_thirty_pages_of_terms_flow_onto_numbered_pages(
        self,
        make_document: MakeDocument,
        font_options: dict,
    ) -> None:
        """R-CT-11 / SPEC §9: terms many pages long flow page after page, each numbered."""
        clause = "用户方应按照本合同约定安全使用天然气，不得擅自改装、迁移或者拆除燃气设施。" * 6
        terms = "\n".join(f"第{n}条 {clause}" for n in range(1, 301))
        document = make_document(terms=terms)

        pdf = render_contract_document(document=document, **font_options)
        pages = extract_pages(pdf)

        total = len(pages)
        assert total >= 30
        assert len(PdfReader(io.BytesIO(pdf)).pages) == total
        assert all(f"第 {n} 页 共 {total} 页" in text for n, text in enumerate(pages, start=1))
        text = body_text(pages)
        assert all(f"第{n}条{squash(clause)}" in text for n in range(1, 301))
        assert "审批记录" in pages[-1] or "审批记录" in pages[-2]

    def test_one_paragraph_several_pages_long_splits(self, make_document: MakeDocument) -> None:
        """SPEC §9: a single paragraph longer than a page splits across pages too."""
        paragraph = "用户方应按照本合同约定安全使用天然气，不得擅自改装、迁移或者拆除燃气设施。" * 300
        document = make_document(terms=paragraph)

        pages = extract_pages(render_contract_document(document=document, search_system=False))

        assert len(pages) >= 4
        assert paragraph in body_text(pages)

    def test_forty_approval_lines_flow_with_repeated_header(
        self,
        make_document: MakeDocument,
        font_options: dict,
    ) -> None:
        """R-CT-11: a long approval trail continues on further pages, header row repeated."""
        document = make_document(approvals=tuple(approval(n) for n in range(1, 41)))

        pages = extract_pages(render_contract_document(document=document, **font_options))

        total = len(pages)
        assert total >= 2
        assert all(f"第 {n} 页 共 {total} 页" in text for n, text in enumerate(pages, start=1))
        text = "".join(pages)
        for line in document.approvals:
            assert line.decided_by in text and line.reason in text
        with_rows = [page for page in pages if re.search(r"审批人\d\d", page)]
        assert len(with_rows) >= 2  # the header row repeats on every page the trail reaches
        assert all("Decided by" in page and "理由" in page for page in with_rows)

    def test_empty_optional_sections(self, make_document: MakeDocument, font_options: dict) -> None:
        """R-CT-04: a directly signed contract prints the note instead of an approval table."""
        note = "本合同无需审批，由业务人员直接签订 / No approval required"
        document = make_document(
            customer_contact="",
            amount="",
            fee_basis="",
            terms="",
            signed_by="",
            signed_at="",
            extra_terms=(),
            fee_lines=(),
            installments=(),
            approvals=(),
            approval_note=note,
        )

        text = all_text(render_contract_document(document=document, **font_options))

        assert note in text
        assert "步骤" not in text and "审批人" not in text
        assert "合计" not in text
        assert re.search(r"联系人 Contact\s*—", text)
        assert re.search(r"合同金额\s*(Contract Amount)?\s*—", text)
        assert re.search(r"合同条款 Terms\s*—", text)
        assert re.search(r"签订人 Signed by\s*—", text)
        assert "无费用明细" in text and "无分期付款计划" in text

    def test_empty_approvals_without_note_say_so(self, make_document: MakeDocument) -> None:
        """R-CT-11: with neither approvals nor a note, the trail says there is none."""
        document = make_document(approvals=(), approval_note="")

        text = all_text(render_contract_document(document=document, search_system=False))

        assert "无审批记录" in text

    def test_note_follows_the_approval_table_when_both_are_given(self, make_document: MakeDocument) -> None:
        """R-CT-11: a note (e.g. where the chain stands) is printed below the trail."""
        document = make_document(approval_note="待总经理审批 Awaiting general manager")

        text = all_text(render_contract_document(document=document, search_system=False))

        assert "钱八" in text and "待总经理审批 Awaiting general manager" in text
        assert text.index("钱八") < text.index("待总经理审批")

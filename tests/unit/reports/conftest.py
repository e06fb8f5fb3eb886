"""Shared fixtures for the PDF report tests (SPEC §9)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from reports.customer_sheet import ApplianceLine, CustomerSheet
from tests.unit.reports.pdf_helpers import meter, truetype_cjk_font_path


@pytest.fixture(params=["cid", "truetype"])
def font_options(request: pytest.FixtureRequest) -> dict:
    """Keyword arguments selecting each font path: CID forced, or an embedded TrueType font."""
    if request.param == "cid":
        return {"font_path": None, "search_system": False}
    path = truetype_cjk_font_path()
    if path is None:
        pytest.skip("no TrueType CJK font on this machine (e.g. apt-get install fonts-wqy-microhei)")
    return {"font_path": path}


@pytest.fixture
def make_sheet() -> Callable[..., CustomerSheet]:
    """Build a customer sheet with realistic (already masked) values; override any field."""

    def build(**overrides: object) -> CustomerSheet:
        values: dict = {
            "company_name": "某市燃气有限公司",
            "branch_name": "城东营业所",
            "account_no": "0112345678905",
            "name": "张三丰",
            "category_label": "居民 Residential",
            "id_type_label": "居民身份证",
            "id_number": "310***********1234",
            "phone": "138****5678",
            "contact_name": "",
            "contact_phone": "",
            "address": "上海市浦东新区世纪大道100号3号楼1201室",
            "status_label": "正常 Active",
            "delivery_notice_no": "SQ-2026-0456",
            "acceptance_drawing_no": "YS-2026-0789",
            "opened_at": "2026-11-20 09:30",
            "printed_by": "李四",
            "printed_at": "2026-11-25 14:03",
            "meters": (meter(1),),
            "appliances": (ApplianceLine("燃气灶 Hob", "方太", "JZT-FD21BE", "2026-11-21"),),
        }
        values.update(overrides)
        return CustomerSheet(**values)

    return build

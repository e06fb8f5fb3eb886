"""A manager approves from the inbox, in a real browser (R-CT-04, R-CT-05, R-CT-06, R-CT-10, R-CT-11).

The front desk drafts a commercial installation paid in installments from the customer page,
previews the fee and the chain (market manager → VP of operations) and submits; both managers
approve from their inboxes with reasons; the front desk signs and downloads the contract PDF,
whose approval trail names both managers and their reasons.
"""

from __future__ import annotations

import io
import re

import httpx
import pytest

from tests.bench.data import credit_code
from tests.conftest import DEMO_PASSWORD

pytestmark = pytest.mark.e2e

CUSTOMER_NAME = "鸿运餐饮管理有限公司"
MARKET_REASON = "收费符合物价部门标准"
VP_REASON = "分批付款期限与工程步骤明确"


def _api_login(base_url: str, username: str) -> dict[str, str]:
    response = httpx.post(f"{base_url}/api/v1/auth/login", json={"username": username, "password": DEMO_PASSWORD})
    response.raise_for_status()
    return {"Authorization": f"Bearer {response.json()['token']}"}


@pytest.fixture(scope="module")
def commercial_customer(live_server) -> str:
    """What the journey needs, seeded as finance and the counter would: a price standard and a shop."""
    standard = httpx.post(f"{live_server}/api/v1/price-standards", headers=_api_login(live_server, "finance"), json={
        "code": "JZ-E2E", "name": "燃气工程安装收费标准", "approval_ref": "价格〔2026〕12号",
        "effective_from": "2020-01-01",
        "items": [
            {"code": "AZ-COM", "name": "商业户内安装", "unit": "户", "unit_price_fen": 800_000},
            {"code": "GD-DN32", "name": "DN32 镀锌管敷设", "unit": "米", "unit_price_fen": 12_000},
        ],
    })
    assert standard.status_code == 201, standard.text
    customer = httpx.post(f"{live_server}/api/v1/customers", headers=_api_login(live_server, "frontdesk"), json={
        "category": "commercial", "name": CUSTOMER_NAME, "id_type": "credit_code", "id_number": credit_code(424_242),
        "phone": "13812340000",
        "address": {"province": "北京市", "city": "北京市", "district": "东城区", "street": "建国路", "detail": "88号底商"},
        "branch": "DC", "delivery_notice_no": "SQ-2026-E2E02", "acceptance_drawing_no": "YS-2026-E2E02",
    })
    assert customer.status_code == 201, customer.text
    return customer.json()["account_no"]


def _log_in(page, username: str) -> None:
    page.goto("/login")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(re.compile(r"/customers$"))


def _log_out(page) -> None:
    page.get_by_role("button", name="退出登录").click()
    page.wait_for_url(re.compile(r"/login"))


def _approve_from_inbox(page, contract_no: str, reason: str, screenshot) -> None:
    inbox_link = page.get_by_role("navigation", name="主导航").get_by_role("link", name=re.compile("审批待办"))
    assert inbox_link.locator(".nav-badge").inner_text() == "1"
    inbox_link.click()
    page.wait_for_url(re.compile(r"/approvals$"))
    row = page.locator(f'tr[data-contract="{contract_no}"]')
    assert CUSTOMER_NAME in row.inner_text()
    screenshot(page)
    row.get_by_role("link", name=contract_no).click()
    page.wait_for_url(re.compile(rf"/contracts/{contract_no}$"))
    screenshot(page)
    page.get_by_label("同意", exact=True).check()
    page.locator("#dc-reason").fill(reason)
    page.get_by_role("button", name="提交审批意见").click()
    page.wait_for_url(re.compile(r"/approvals\?done=contract_decided$"))
    assert "审批意见已提交" in page.locator(".notice-ok").inner_text()
    assert page.locator(f'tr[data-contract="{contract_no}"]').count() == 0


def test_a_commercial_installment_contract_is_approved_by_both_managers_and_printed(page, commercial_customer, tmp_path):
    from pypdf import PdfReader

    shots = iter(range(1, 100))

    def screenshot(current) -> None:
        current.screenshot(path=str(tmp_path / f"{next(shots):02d}.png"), full_page=True)

    # The front desk starts from the customer page.
    _log_in(page, "frontdesk")
    page.goto(f"/customers/{commercial_customer}")
    page.locator(".head-actions").get_by_role("link", name="起草合同").click()
    page.wait_for_url(re.compile(rf"/contracts/new\?account_no={commercial_customer}$"))
    assert CUSTOMER_NAME in page.locator(".page-head").inner_text()

    # The fee from the price standard: 1 shop installation and 15.5 m of DN32 pipe = ¥9,860.00.
    page.locator("#f-type").select_option("installation")
    page.locator("#f-qty-AZ-COM").fill("1")
    page.locator("#f-qty-GD-DN32").fill("15.5")
    page.get_by_label("分批付款").check()
    page.locator("#f-inst-0-due_date").fill("2027-01-31")
    page.locator("#f-inst-0-amount").fill("4930.00")
    page.locator("#f-inst-0-step").fill("户内管道敷设")
    page.locator("#f-inst-1-due_date").fill("2027-04-30")
    page.locator("#f-inst-1-amount").fill("4930.00")
    page.locator("#f-inst-1-step").fill("燃气表安装及通气验收")
    page.locator("#f-terms").fill("甲方为乙方安装商业用气管道及设施；乙方按付款计划分两期支付安装费用，验收合格后通气。")
    page.get_by_role("button", name="计算费用与审批流程").click()

    # R-CT-04: the preview shows the chain before anything is saved.
    page.locator("#preview").wait_for()
    assert page.locator("#preview-amount").inner_text() == "¥9,860.00"
    assert page.locator("#preview-chain .chain-role").all_inner_texts() == ["市场部经理", "经营副总"]
    screenshot(page)

    page.get_by_role("button", name="保存草稿").click()
    page.wait_for_url(re.compile(r"/contracts/HT-DC-\d{4}-\d{5}\?done=contract_drafted$"))
    contract_no = page.locator("#contract-no").inner_text()
    page.get_by_role("button", name="提交审批").click()
    page.wait_for_url(re.compile(rf"/contracts/{contract_no}\?done=contract_submitted$"))
    assert "市场部经理" in page.locator("#approval-chain").inner_text()
    screenshot(page)
    _log_out(page)

    # R-CT-10: the market manager first, then the VP, each from their own inbox.
    _log_in(page, "market")
    _approve_from_inbox(page, contract_no, MARKET_REASON, screenshot)
    _log_out(page)
    _log_in(page, "vp")
    _approve_from_inbox(page, contract_no, VP_REASON, screenshot)
    _log_out(page)

    # R-CT-11: the front desk signs and prints; the PDF carries the approval trail.
    _log_in(page, "frontdesk")
    page.goto(f"/contracts/{contract_no}")
    page.get_by_role("button", name="签订合同").click()
    page.wait_for_url(re.compile(rf"/contracts/{contract_no}\?done=contract_signed$"))
    assert "合同已签订" in page.locator(".notice-ok").inner_text()
    screenshot(page)
    with page.expect_download() as download_info:
        page.locator(".head-actions").get_by_role("link", name="下载合同 PDF").click()
    download = download_info.value
    target = tmp_path / download.suggested_filename
    download.save_as(target)

    assert target.name == f"contract-{contract_no}.pdf"
    text = "".join("".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(target.read_bytes())).pages)
    for expected in (contract_no, CUSTOMER_NAME, "张伟", "刘建国", MARKET_REASON, VP_REASON, "¥9,860.00"):
        assert expected in text, expected

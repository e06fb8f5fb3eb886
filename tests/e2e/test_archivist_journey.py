"""An archivist accepts a handover, in a real browser (R-AR-01..03, R-AR-06, R-CT-11).

A commercial installation is seeded through the API: the market manager approves it, the front
desk signs it and takes it to 履行完毕 (fulfilled). The front desk uploads its required
materials from the contract page and hands it over from 移交归档; the archivist opens the batch
from 待接收移交, accepts it, reads the archive number Z001-HT·<year>-D30-DC-0001, finds the
archive again by the customer's credit code (档案查询, sent by POST) and downloads the record
PDF, whose text shows the archive number and the approval trail.
"""

from __future__ import annotations

import re
from urllib.parse import quote

import httpx
import pytest

from tests.bench.data import credit_code
from tests.unit.reports.pdf_helpers import extract_pages, squash
from tests.conftest import DEMO_PASSWORD

pytestmark = pytest.mark.e2e

CUSTOMER_NAME = "钱记餐饮有限公司"
CREDIT_CODE = credit_code(737_373)
APPROVAL_REASON = "价格与标准一致"
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 64


def _api_login(base_url: str, username: str) -> dict[str, str]:
    response = httpx.post(f"{base_url}/api/v1/auth/login", json={"username": username, "password": DEMO_PASSWORD})
    response.raise_for_status()
    return {"Authorization": f"Bearer {response.json()['token']}"}


@pytest.fixture(scope="module")
def fulfilled_contract(live_server) -> str:
    """What the counter did before: a customer, an installation signed, performed and fulfilled."""
    standard = httpx.post(f"{live_server}/api/v1/price-standards", headers=_api_login(live_server, "finance"), json={
        "code": "JZ-E2E-AR", "name": "燃气工程安装收费标准", "approval_ref": "价格〔2026〕12号",
        "effective_from": "2020-01-01",
        "items": [
            {"code": "AZ-COM", "name": "商业用户燃气设施安装", "unit": "户", "unit_price_fen": 1_250_000},
            {"code": "GD-DN25", "name": "DN25 镀锌管敷设", "unit": "米", "unit_price_fen": 8_550},
        ],
    })
    assert standard.status_code == 201, standard.text
    desk = _api_login(live_server, "frontdesk")
    customer = httpx.post(f"{live_server}/api/v1/customers", headers=desk, json={
        "category": "commercial", "name": CUSTOMER_NAME, "id_type": "credit_code", "id_number": CREDIT_CODE,
        "phone": "13812347373",
        "address": {"province": "北京市", "city": "北京市", "district": "东城区", "street": "建国路", "detail": "7号楼1单元301室"},
        "branch": "DC", "delivery_notice_no": "SQ-2026-E2E03", "acceptance_drawing_no": "YS-2026-E2E03",
    })
    assert customer.status_code == 201, customer.text
    drafted = httpx.post(f"{live_server}/api/v1/contracts", headers=desk, json={
        "type": "installation", "account_no": customer.json()["account_no"],
        "price_items": [{"code": "AZ-COM", "quantity": 1}, {"code": "GD-DN25", "quantity": 10}],
        "terms": "甲方为乙方安装户内燃气管道及设施，乙方按约定支付安装费用。工程验收合格后通气。",
    })
    assert drafted.status_code == 201, drafted.text
    no = drafted.json()["contract_no"]
    submitted = httpx.post(f"{live_server}/api/v1/contracts/{no}/submit", headers=desk)
    assert [s["role"] for s in submitted.json()["approval_chain"]] == ["market_manager"], submitted.text
    approved = httpx.post(f"{live_server}/api/v1/contracts/{no}/decisions", headers=_api_login(live_server, "market"),
                          json={"decision": "approve", "reason": APPROVAL_REASON})
    assert approved.json()["status"] == "approved", approved.text
    signed = httpx.post(f"{live_server}/api/v1/contracts/{no}/sign", headers=desk)
    assert signed.status_code == 200, signed.text
    for to, reason in (("active", "开工"), ("fulfilled", "验收合格并通气")):
        response = httpx.post(f"{live_server}/api/v1/contracts/{no}/transitions", headers=desk,
                              json={"to": to, "reason": reason})
        assert response.status_code == 200, response.text
    return no


def _log_in(page, username: str) -> None:
    page.goto("/login")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(re.compile(r"/customers$"))


def _log_out(page) -> None:
    page.get_by_role("button", name="退出登录").click()
    page.wait_for_url(re.compile(r"/login"))


def _nav(page, name: str):
    return page.get_by_role("navigation", name="主导航").get_by_role("link", name=re.compile(name))


def test_the_front_desk_hands_over_and_the_archivist_accepts_and_opens_the_record(page, fulfilled_contract, tmp_path):
    contract_no = fulfilled_contract
    shots = iter(range(1, 100))

    def screenshot(current) -> None:
        current.screenshot(path=str(tmp_path / f"{next(shots):02d}.png"), full_page=True)

    # The front desk uploads the four materials an installation needs (R-AR-01).
    _log_in(page, "frontdesk")
    page.goto(f"/contracts/{contract_no}")
    assert "归档尚缺" in page.locator("#materials").inner_text()
    for kind, name, data, mime in (
        ("contract", "合同文本.pdf", PDF, "application/pdf"),
        ("drawing", "竣工图.png", PNG, "image/png"),
        ("budget", "预算书.pdf", PDF, "application/pdf"),
        ("notice", "送气通知单.pdf", PDF, "application/pdf"),
    ):
        page.locator("#mt-kind").select_option(kind)
        page.locator("#mt-file").set_input_files(files=[{"name": name, "mimeType": mime, "buffer": data}])
        page.locator("#materials-form").get_by_role("button", name="上传").click()
        page.wait_for_url(re.compile(rf"/contracts/{contract_no}\?done=material_uploaded#materials$"))
        assert name in page.locator("#materials-list").inner_text()
    assert "归档所需资料齐全" in page.locator("#materials").inner_text()
    screenshot(page)

    # 移交归档: the contract is ticked and handed over (R-AR-02).
    _nav(page, "移交归档").click()
    page.wait_for_url(re.compile(r"/handover$"))
    row = page.locator(f'tr[data-contract="{contract_no}"]')
    assert "齐全" in row.inner_text()
    row.get_by_role("checkbox").check()
    page.locator("#ho-note").fill("十一月第一批")
    page.get_by_role("button", name="提交移交").click()
    page.wait_for_url(re.compile(r"/handovers/\d+\?done=handover_submitted$"))
    batch_no = page.locator("#batch-no").inner_text()
    assert page.locator("#batch-status").inner_text() == "待接收"
    screenshot(page)
    _log_out(page)

    # The archivist accepts it from 待接收移交 and reads the archive number (R-AR-03).
    _log_in(page, "archivist")
    link = _nav(page, "待接收移交")
    assert link.locator(".nav-badge").inner_text() == "1"
    link.click()
    page.wait_for_url(re.compile(r"/handovers$"))
    page.locator(f'tr[data-batch="{batch_no}"]').get_by_role("link", name=batch_no).click()
    page.wait_for_url(re.compile(r"/handovers/\d+$"))
    assert "竣工图" not in page.locator(f'tr[data-contract="{contract_no}"] .field-error').all_inner_texts()
    screenshot(page)
    page.get_by_role("button", name="接收").click()
    page.wait_for_url(re.compile(r"/handovers/\d+\?done=handover_accepted$"))
    assert page.locator("#batch-status").inner_text() == "已接收"
    archive_no = page.locator(f'tr[data-contract="{contract_no}"] .archive-no').inner_text().strip()
    assert re.fullmatch(r"Z001-HT·\d{4}-D30-DC-0001", archive_no), archive_no
    screenshot(page)

    # The archive page: the record, its four files and when it comes up for review.
    page.get_by_role("link", name=archive_no).click()
    page.wait_for_url(re.compile(re.escape(f"/archives/{quote(archive_no, safe='')}") + "$"))
    assert page.locator("#archive-no").inner_text() == archive_no
    assert page.locator("#archive-files tbody tr").count() == 4
    assert CUSTOMER_NAME in page.locator("#archive-facts").inner_text()
    assert re.search(r"\d{4}-\d{2}-\d{2}", page.locator("#disposal-due").inner_text())
    screenshot(page)

    # 档案查询 by the customer's credit code, sent by POST so it never sits in a URL.
    _nav(page, "档案查询").click()
    page.wait_for_url(re.compile(r"/archives$"))
    page.locator("#as-id_number").fill(CREDIT_CODE)
    page.locator("#archive-id-search").get_by_role("button").click()
    page.wait_for_url(re.compile(r"/archives/search$"))
    assert CREDIT_CODE not in page.url
    page.get_by_role("link", name=archive_no).click()
    page.wait_for_url(re.compile(re.escape(f"/archives/{quote(archive_no, safe='')}") + "$"))

    # The record PDF: the archive number and the contract's approval trail (R-CT-11 carried into R-AR-03).
    with page.expect_download() as download_info:
        page.locator("#record-pdf").click()
    download = download_info.value
    target = tmp_path / download.suggested_filename
    download.save_as(target)
    text = squash("".join(extract_pages(target.read_bytes())))
    for expected in (archive_no, "审批记录", "市场部经理", "张伟", APPROVAL_REASON, CUSTOMER_NAME):
        assert squash(expected) in text, expected

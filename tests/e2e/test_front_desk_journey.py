"""Front desk opens an account and prints the customer sheet, in a real browser (R-AC-03, R-AC-05)."""

from __future__ import annotations

import io
import re

import pytest

pytestmark = pytest.mark.e2e

CUSTOMER_NAME = "阳光花园物业管理有限公司"


def test_front_desk_opens_a_collective_account_and_prints_the_sheet(page, tmp_path):
    from pypdf import PdfReader

    # Log in: any page leads to the login form first.
    page.goto("/")
    assert "/login" in page.url
    page.get_by_label("用户名").fill("frontdesk")
    page.get_by_label("密码").fill("Demo-Pass-2026")
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(re.compile(r"/customers$"))
    assert page.locator(".who-name").inner_text() == "王丽"

    # The new-account form: a collective customer without a contact person.
    page.get_by_role("navigation", name="主导航").get_by_role("link", name="开户").click()
    page.wait_for_url(re.compile(r"/customers/new$"))
    page.locator("#f-category").select_option("collective")
    assert page.locator("#f-id_type").input_value() == "credit_code"
    page.locator("#f-name").fill(CUSTOMER_NAME)
    page.locator("#f-id_number").fill("91350100M000100Y43")
    page.locator("#f-phone").fill("13812345678")
    page.locator("#f-province").fill("北京市")
    page.locator("#f-city").fill("北京市")
    page.locator("#f-district").fill("东城区")
    page.locator("#f-street").fill("建国路")
    page.locator("#f-detail").fill("阳光花园小区物业楼101室")
    page.locator("#f-delivery_notice_no").fill("SQ-2026-E2E01")
    page.locator("#f-acceptance_drawing_no").fill("YS-2026-E2E01")
    page.get_by_role("button", name="提交开户").click()

    # R-AC-03: the inline errors appear next to the contact fields; what was typed is kept.
    error = page.locator("#f-contact_name-error")
    error.wait_for()
    assert "集体用户必须填写联系人姓名" in error.inner_text()
    assert "集体用户必须填写联系人电话" in page.locator("#f-contact_phone-error").inner_text()
    assert page.locator("#f-name").input_value() == CUSTOMER_NAME
    page.screenshot(path=str(tmp_path / "new-account-errors.png"), full_page=True)

    page.locator("#f-contact_name").fill("李经理")
    page.locator("#f-contact_phone").fill("13900001111")
    page.get_by_role("button", name="提交开户").click()

    # The new customer's page.
    page.wait_for_url(re.compile(r"/customers/\d{11}\?done=opened$"))
    assert CUSTOMER_NAME in page.locator("h1").inner_text()
    assert "开户成功" in page.locator(".notice-ok").inner_text()
    page.screenshot(path=str(tmp_path / "customer.png"), full_page=True)

    # 打印用户信息: the PDF downloads through the page session and names the customer.
    with page.expect_download() as download_info:
        page.locator(".head-actions").get_by_role("link", name="打印用户信息").click()
    download = download_info.value
    target = tmp_path / download.suggested_filename
    download.save_as(target)

    assert target.name.startswith("customer-") and target.suffix == ".pdf"
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(target.read_bytes())).pages)
    assert CUSTOMER_NAME in text

"""A new clerk under a second approver, in a real browser (SPEC R-ST-06; issue 14 finding 1).

The sysadmin files a new front-desk clerk; the general manager approves it from the approval
inbox and reads the one-time activation code off the page; the clerk activates the account with
it and sets a password nobody else saw, logs in and opens the customer list; the sysadmin, who
did all the paperwork, still cannot open a customer.
"""

from __future__ import annotations

import re

import httpx
import pytest

from tests.conftest import DEMO_PASSWORD

pytestmark = pytest.mark.e2e

CLERK_PASSWORD = "Lantern-Harbour-8841"


def _login(page, username: str, password: str = DEMO_PASSWORD) -> None:
    page.goto("/login")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()


def _logout(page) -> None:
    page.get_by_role("button", name="退出登录").click()
    page.wait_for_url(re.compile(r"/login"))


@pytest.fixture(scope="module")
def west_customer(live_server) -> str:
    token = httpx.post(f"{live_server}/api/v1/auth/login", json={"username": "frontdesk2", "password": DEMO_PASSWORD}).json()["token"]
    answer = httpx.post(f"{live_server}/api/v1/customers", headers={"Authorization": f"Bearer {token}"}, json={
        "category": "residential", "name": "王秀英", "id_type": "resident_id", "id_number": "11010519491231002X",
        "phone": "13812345678",
        "address": {"province": "北京市", "city": "北京市", "district": "西城区", "street": "西单北大街", "detail": "3号楼2单元501"},
        "branch": "XC", "delivery_notice_no": "SQ-2026-E2E07", "acceptance_drawing_no": "YS-2026-E2E07",
    })
    assert answer.status_code == 201, answer.text
    return answer.json()["account_no"]


def test_a_new_clerk_is_approved_activated_and_the_sysadmin_still_sees_no_customer(page, west_customer):
    # The sysadmin files the new account: no password field at all.
    _login(page, "sysadmin")
    page.get_by_role("navigation", name="主导航").get_by_role("link", name="员工账号").click()
    page.get_by_label("用户名").fill("lixiaohong")
    page.get_by_label("姓名").fill("李小红")
    page.get_by_label("角色").select_option("front_desk")
    page.get_by_label("所属网点").select_option("XC")
    assert page.locator("#new-staff input[type=password]").count() == 0
    page.get_by_role("button", name="提交审批").click()
    page.get_by_text("申请已提交，待总经理审批。").wait_for()
    assert "待审批" in page.locator("#grant-requests").inner_text()
    _logout(page)

    # The general manager sees it in the approval inbox, with the badge, and approves it.
    _login(page, "gm")
    inbox = page.get_by_role("navigation", name="主导航").get_by_role("link", name=re.compile("审批待办"))
    assert re.search(r"1", inbox.inner_text())
    inbox.click()
    row = page.locator("#grant-inbox tr", has_text="lixiaohong")
    assert "业务人员/营业厅" in row.inner_text()
    row.get_by_role("button", name="批准").click()
    code = page.locator("#activation-code").inner_text().strip()
    assert re.fullmatch(r"[0-9A-Z]{10}", code), code
    _logout(page)

    # The clerk activates the account at their own first login and sets the password.
    page.goto("/login")
    page.get_by_role("link", name="新员工激活账号").click()
    page.get_by_label("用户名").fill("lixiaohong")
    page.get_by_label("激活码").fill(code)
    page.get_by_label("新密码", exact=True).fill(CLERK_PASSWORD)
    page.get_by_label("再次输入新密码").fill(CLERK_PASSWORD)
    page.get_by_role("button", name="激活并设置密码").click()
    page.get_by_text("账号已激活，请用新密码登录。").wait_for()
    _login(page, "lixiaohong", CLERK_PASSWORD)
    page.goto(f"/customers/{west_customer}")
    page.get_by_text("王秀英").first.wait_for()
    _logout(page)

    # The code is spent; and the sysadmin, for all of it, cannot open the customer.
    page.goto("/activate")
    page.get_by_label("用户名").fill("lixiaohong")
    page.get_by_label("激活码").fill(code)
    page.get_by_label("新密码", exact=True).fill("Another-Harbour-9912")
    page.get_by_label("再次输入新密码").fill("Another-Harbour-9912")
    page.get_by_role("button", name="激活并设置密码").click()
    page.get_by_text("激活码无效或已使用").wait_for()
    _login(page, "sysadmin")
    answer = page.goto(f"/customers/{west_customer}")
    assert answer is not None and answer.status == 403
    assert "王秀英" not in page.content()

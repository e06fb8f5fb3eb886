"""The web pages over the customer services (SPEC §2, §6, §7; R-AC-03, R-AC-06, R-PM-01..05, R-ST-03).

The pages share the API's services, so these tests check what the page layer adds: the cookie
session, CSRF, inline form errors, the 404 for another branch, the reveal form, role-based
navigation and the language switch.
"""

from __future__ import annotations

import html
import json
import re

import pytest

from crm.accounts.tables import Customer, CustomerHistory
from crm.audit.tables import AuditEvent
from crm.staff.tables import Staff, StaffSession
from crm.web import i18n
from tests.conftest import DEMO_PASSWORD

CSRF_FIELD = re.compile(r'name="_csrf_token" value="([^"]+)"')

RESIDENT = {
    "category": "residential",
    "name": "张三丰",
    "id_type": "resident_id",
    "id_number": "11010519491231002X",
    "phone": "13812345678",
    "contact_name": "",
    "contact_phone": "",
    "province": "北京市",
    "city": "北京市",
    "district": "东城区",
    "street": "建国路",
    "detail": "幸福小区3号楼2单元501室",
    "branch": "DC",
    "delivery_notice_no": "SQ-2026-90001",
    "acceptance_drawing_no": "YS-2026-90001",
}
COLLECTIVE = {
    **RESIDENT,
    "category": "collective",
    "name": "阳光物业管理有限公司",
    "id_type": "credit_code",
    "id_number": "91350100M000100Y43",
}


def csrf_token(page_html: str) -> str:
    match = CSRF_FIELD.search(page_html)
    assert match, "the page has no CSRF field"
    return html.unescape(match.group(1))


def text_of(page_html: str) -> str:
    """The page without tags, for asserting on what a reader sees."""
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page_html)))


async def page_login(client, username: str, password: str = DEMO_PASSWORD, next_path: str = ""):
    client.cookies.clear()
    form = await client.get("/login")
    return await client.post(
        "/login",
        data={"username": username, "password": password, "next": next_path, "_csrf_token": csrf_token(form.text)},
        follow_redirects=False,
    )


async def submit(client, path: str, data: dict, *, form_page: str | None = None):
    """POST a form the way a browser does: with the token from the page that holds the form."""
    page = await client.get(form_page or path)
    return await client.post(path, data={**data, "_csrf_token": csrf_token(page.text)}, follow_redirects=False)


async def open_account(client, **overrides) -> str:
    response = await submit(client, "/customers/new", {**RESIDENT, **overrides})
    assert response.status_code == 303, text_of(response.text)
    match = re.match(r"^/customers/(\d{11})\?done=opened$", response.headers["location"])
    assert match, response.headers["location"]
    return match.group(1)


class TestLogin:
    async def test_login_sets_an_http_only_same_site_session_cookie(self, client):
        """R-ST-03: the web session lives in an HttpOnly cookie, never in a URL or script."""
        response = await page_login(client, "frontdesk")

        assert response.status_code == 303
        assert response.headers["location"] == "/customers"
        cookie = next(c for c in response.headers.get_list("set-cookie") if c.startswith("crm_session="))
        attributes = {part.strip().lower() for part in cookie.split(";")}
        assert "httponly" in attributes
        assert "samesite=lax" in attributes
        assert "path=/" in attributes
        assert "secure" not in attributes  # only with CRM_SECURE_COOKIES

    async def test_session_cookie_is_secure_when_configured(self, ctx):
        from litestar.testing import AsyncTestClient

        from crm.app import create_app

        ctx.settings = ctx.settings.with_(secure_cookies=True)
        async with AsyncTestClient(app=create_app(ctx=ctx), base_url="https://testserver.local") as client:
            response = await page_login(client, "frontdesk")

        cookies = response.headers.get_list("set-cookie")
        assert any(c.startswith("crm_session=") and "Secure" in c for c in cookies)

    async def test_wrong_password_shows_the_login_form_again_with_a_message(self, client):
        response = await page_login(client, "frontdesk", "wrong-password-123")

        assert response.status_code == 401
        assert "用户名或密码错误" in text_of(response.text)
        assert "crm_session" not in response.headers.get("set-cookie", "")

    async def test_pages_redirect_to_login_with_the_page_to_return_to(self, client):
        response = await client.get("/customers?status=active", follow_redirects=False)

        assert response.status_code == 303
        assert response.headers["location"] == "/login?next=%2Fcustomers%3Fstatus%3Dactive"

    async def test_login_returns_only_to_local_paths(self, client):
        local = await page_login(client, "frontdesk", next_path="/customers?status=active")
        foreign = await page_login(client, "frontdesk", next_path="//evil.example/customers")
        scheme = await page_login(client, "frontdesk", next_path="https://evil.example/")

        assert local.headers["location"] == "/customers?status=active"
        assert foreign.headers["location"] == "/customers"
        assert scheme.headers["location"] == "/customers"

    async def test_an_expired_session_leads_to_the_login_page_with_a_message(self, client, clock):
        """R-ST-03: 30 minutes idle ends the session."""
        await page_login(client, "frontdesk")
        clock.advance(minutes=31)

        response = await client.get("/customers", follow_redirects=False)
        login = await client.get(response.headers["location"])

        assert response.status_code == 303
        assert response.headers["location"].startswith("/login?reason=expired")
        assert "登录已超时" in text_of(login.text)

    async def test_an_initial_password_must_be_changed_first(self, client):
        """R-ST-02: until the change, every page leads to /password."""
        await Staff.update({Staff.must_change_password: True}).where(Staff.username == "frontdesk")
        login = await page_login(client, "frontdesk")

        customers = await client.get("/customers", follow_redirects=False)
        weak = await submit(
            client, "/password",
            {"current_password": DEMO_PASSWORD, "new_password": "short", "confirm_password": "short"},
        )
        changed = await submit(
            client, "/password",
            {"current_password": DEMO_PASSWORD, "new_password": "Ran-Qi-Bei-2027!", "confirm_password": "Ran-Qi-Bei-2027!"},
        )
        after = await client.get("/customers", follow_redirects=False)

        assert login.headers["location"] == "/password"
        assert (customers.status_code, customers.headers["location"]) == (303, "/password")
        assert weak.status_code == 422 and "密码至少需要 12 个字符" in text_of(weak.text)
        assert changed.status_code == 303
        assert after.status_code == 200

    async def test_logout_revokes_the_session_and_clears_the_cookie(self, client):
        """R-ST-03: logout revokes the session, so a copied cookie stops working too."""
        await page_login(client, "frontdesk")
        token = client.cookies.get("crm_session")

        response = await submit(client, "/logout", {}, form_page="/customers")
        client.cookies.set("crm_session", token)
        replay = await client.get("/customers", follow_redirects=False)

        assert response.status_code == 303
        assert any(c.startswith('crm_session=""') or c.startswith("crm_session=;") for c in response.headers.get_list("set-cookie"))
        assert await StaffSession.count().where(StaffSession.revoked_at.is_not_null()) == 1
        assert replay.status_code == 303 and replay.headers["location"].startswith("/login")


class TestCsrf:
    async def test_a_post_without_the_csrf_token_is_refused_and_changes_nothing(self, client):
        await page_login(client, "frontdesk")
        await client.get("/customers/new")

        response = await client.post("/customers/new", data=RESIDENT, follow_redirects=False)

        assert response.status_code == 403
        assert "页面已过期" in text_of(response.text)
        assert await Customer.count() == 0

    async def test_a_forged_token_is_refused_too(self, client):
        await page_login(client, "frontdesk")
        await client.get("/customers/new")

        response = await client.post("/customers/new", data={**RESIDENT, "_csrf_token": "0" * 128}, follow_redirects=False)

        assert response.status_code == 403
        assert await Customer.count() == 0

    async def test_a_csrf_cookie_from_another_secret_is_replaced_after_the_refusal(self, client):
        """A stale cookie (say, from before a keyring change) must not block every form for good."""
        client.cookies.set("crm_csrf", "a" * 64 + "b" * 64, domain="testserver.local", path="/")
        stale = await client.get("/login")

        refused = await client.post(
            "/login", data={"username": "frontdesk", "password": DEMO_PASSWORD, "_csrf_token": csrf_token(stale.text)},
            follow_redirects=False,
        )
        fresh = await client.get("/login")
        retried = await client.post(
            "/login", data={"username": "frontdesk", "password": DEMO_PASSWORD, "_csrf_token": csrf_token(fresh.text)},
            follow_redirects=False,
        )

        assert refused.status_code == 403
        assert any(c.startswith("crm_csrf=") and "Max-Age=0" in c for c in refused.headers.get_list("set-cookie"))
        assert retried.status_code == 303

    async def test_the_api_is_exempt_because_it_only_accepts_bearer_tokens(self, client):
        response = await client.post("/api/v1/auth/login", json={"username": "frontdesk", "password": DEMO_PASSWORD})

        assert response.status_code == 200


class TestOpeningAnAccount:
    async def test_a_collective_customer_without_contact_gets_inline_errors_and_nothing_is_written(self, client):
        """R-AC-03: 集体用户必须有联系人姓名和电话; the form keeps what was typed."""
        await page_login(client, "frontdesk")

        response = await submit(client, "/customers/new", COLLECTIVE)

        page = text_of(response.text)
        assert response.status_code == 422
        assert "集体用户必须填写联系人姓名" in page
        assert "集体用户必须填写联系人电话" in page
        assert 'id="f-contact_name-error"' in response.text and 'id="f-contact_phone-error"' in response.text
        assert 'value="阳光物业管理有限公司"' in response.text
        assert 'value="91350100M000100Y43"' in response.text
        assert await Customer.count() == 0

    async def test_a_complete_form_opens_the_account_and_shows_the_customer_page(self, client):
        """R-AC-01, R-AC-04, R-AC-09; R-PM-02: the customer page shows masked values."""
        await page_login(client, "frontdesk")

        account_no = await open_account(
            client, **{**COLLECTIVE, "contact_name": "李经理", "contact_phone": "13900001111"}
        )
        page = await client.get(f"/customers/{account_no}?done=opened")

        text = text_of(page.text)
        assert page.status_code == 200
        assert "阳光物业管理有限公司" in text and account_no in text
        assert "开户成功" in text
        assert "91350100M000100Y43" not in text
        assert "139****1111" in text
        assert page.headers["cache-control"] == "no-store"

    async def test_a_duplicate_id_number_links_to_the_existing_account(self, client):
        """R-AC-06."""
        await page_login(client, "frontdesk")
        existing = await open_account(client)

        response = await submit(client, "/customers/new", {**RESIDENT, "name": "张三", "id_number": "11010519491231002x"})

        assert response.status_code == 409
        assert f'href="/customers/{existing}"' in response.text
        assert await Customer.count() == 1

    async def test_the_branch_list_offers_only_branches_in_scope(self, client):
        """R-PM-03: a DC clerk can only open DC accounts."""
        await page_login(client, "frontdesk")

        page = await client.get("/customers/new")

        assert 'option value="DC"' in page.text
        assert 'option value="XC"' not in page.text and 'option value="HQ"' not in page.text


class TestCustomerPage:
    async def test_another_branchs_customer_is_a_404_page(self, client):
        """R-PM-03: no IDOR — the page, the sheet and the reveal form all answer 404."""
        await page_login(client, "frontdesk")
        account_no = await open_account(client)

        await page_login(client, "frontdesk2")
        page = await client.get(f"/customers/{account_no}")
        sheet = await client.get(f"/customers/{account_no}/sheet.pdf")
        reveal = await submit(
            client, f"/customers/{account_no}/reveal", {"field": "id_number", "reason": "核对身份"}, form_page="/customers"
        )

        assert page.status_code == 404
        assert "未找到" in text_of(page.text)
        assert "张三丰" not in page.text
        assert sheet.status_code == 404
        assert reveal.status_code == 404 and "11010519491231002X" not in reveal.text

    async def test_reveal_with_a_reason_shows_the_value_once_and_writes_an_audit_event(self, client):
        """R-PM-02, R-PM-05: 查询要履行必要的手续."""
        await page_login(client, "frontdesk")
        account_no = await open_account(client)

        revealed = await submit(
            client, f"/customers/{account_no}/reveal", {"field": "id_number", "reason": "用户来电核对身份"},
            form_page=f"/customers/{account_no}",
        )
        again = await client.get(f"/customers/{account_no}")

        assert revealed.status_code == 200
        assert "11010519491231002X" in revealed.text
        assert revealed.headers["cache-control"] == "no-store"
        assert "11010519491231002X" not in again.text
        event = await AuditEvent.select().where(AuditEvent.action == "customer.reveal").first()
        assert event["actor"] == "frontdesk" and event["target"] == account_no
        assert json.loads(event["details"]) == {"field": "id_number", "reason": "用户来电核对身份"}

    async def test_reveal_without_a_reason_is_refused_inline_and_not_logged(self, client):
        await page_login(client, "frontdesk")
        account_no = await open_account(client)

        response = await submit(
            client, f"/customers/{account_no}/reveal", {"field": "phone", "reason": " "}, form_page=f"/customers/{account_no}"
        )

        assert response.status_code == 422
        assert "查看完整信息须填写事由" in text_of(response.text)
        assert "13812345678" not in response.text
        assert not await AuditEvent.exists().where(AuditEvent.action == "customer.reveal")

    async def test_the_status_form_offers_only_allowed_targets_and_freezing_needs_a_cause(self, client):
        """R-AC-07: pending → active | closed; freezing needs a cause."""
        await page_login(client, "frontdesk")
        account_no = await open_account(client)
        page = await client.get(f"/customers/{account_no}")
        options = re.search(r'<select id="st-to" name="to"[^>]*>(.*?)</select>', page.text, re.S).group(1)

        activated = await submit(
            client, f"/customers/{account_no}/status", {"to": "active", "reason": "验收合格，开通供气"},
            form_page=f"/customers/{account_no}",
        )
        frozen = await submit(
            client, f"/customers/{account_no}/status", {"to": "frozen", "reason": "用户申请暂停", "cause": ""},
            form_page=f"/customers/{account_no}",
        )

        assert re.findall(r'value="(\w+)"', options) == ["active", "closed"]
        assert activated.status_code == 303
        assert frozen.status_code == 422
        assert "冻结须选择原因类别" in text_of(frozen.text)
        assert (await Customer.select(Customer.status).first())["status"] == "active"

    async def test_meters_and_appliances_are_added_from_the_customer_page(self, client):
        """R-AC-05."""
        await page_login(client, "frontdesk")
        account_no = await open_account(client)
        detail = f"/customers/{account_no}"

        bad = await submit(client, f"{detail}/meters", {"serial": "", "model": "G2.5", "meter_type": "smart", "initial_reading": "1"}, form_page=detail)
        meter = await submit(
            client, f"{detail}/meters",
            {"serial": "M900001", "model": "G2.5", "meter_type": "smart", "installed_date": "2026-11-01", "initial_reading": "12.5", "seal_no": "QF1"},
            form_page=detail,
        )
        appliance = await submit(
            client, f"{detail}/appliances", {"kind": "stove", "brand": "万家乐", "model": "JZT-1", "installed_date": "2026-11-01"},
            form_page=detail,
        )
        page = text_of((await client.get(detail)).text)

        assert bad.status_code == 422 and "请填写表号" in text_of(bad.text)
        assert meter.status_code == 303 and appliance.status_code == 303
        assert "M900001" in page and "12.500" in page and "万家乐" in page

    async def test_the_customer_sheet_downloads_through_the_page_session(self, client):
        """R-AC-05: 打印用户信息."""
        await page_login(client, "frontdesk")
        account_no = await open_account(client)

        page = await client.get(f"/customers/{account_no}")
        response = await client.get(f"/customers/{account_no}/sheet.pdf")

        assert f'href="/customers/{account_no}/sheet.pdf"' in page.text
        assert response.status_code == 200
        assert response.headers["content-type"] == "application/pdf"
        assert response.content.startswith(b"%PDF")

    async def test_a_correction_is_requested_by_the_clerk_and_approved_by_a_manager(self, client):
        """R-AC-08: 客户信息错误更正 needs manager approval."""
        await page_login(client, "frontdesk")
        account_no = await open_account(client)
        requested = await submit(
            client, f"/customers/{account_no}/corrections", {"field": "name", "new_value": "张三峰", "reason": "登记时笔误"},
            form_page=f"/customers/{account_no}",
        )

        await page_login(client, "market")
        inbox = await client.get("/corrections")
        correction_id = re.search(r'action="/corrections/(\d+)/decision"', inbox.text).group(1)
        rejected_without_reason = await submit(
            client, f"/corrections/{correction_id}/decision", {"decision": "reject", "reason": ""}, form_page="/corrections"
        )
        approved = await submit(
            client, f"/corrections/{correction_id}/decision", {"decision": "approve", "reason": "核对户口本无误"},
            form_page="/corrections",
        )

        assert requested.status_code == 303
        assert "张三峰" in text_of(inbox.text)
        assert rejected_without_reason.status_code == 422
        assert approved.status_code == 303
        assert (await Customer.select(Customer.name).first())["name"] == "张三峰"


class TestSearch:
    async def test_id_number_search_is_posted_so_the_value_never_enters_a_url(self, client):
        """R-PM-02: sensitive values never travel in a URL."""
        await page_login(client, "frontdesk")
        account_no = await open_account(client)

        page = await client.get("/customers")
        response = await submit(client, "/customers/search", {"id_number": "11010519491231002X", "phone": ""}, form_page="/customers")
        nothing = await submit(client, "/customers/search", {"id_number": "", "phone": ""}, form_page="/customers")

        assert 'method="post" action="/customers/search"' in page.text
        assert response.status_code == 200
        assert f'href="/customers/{account_no}"' in response.text
        assert nothing.status_code == 422

    async def test_name_prefix_and_status_filter_search_by_get(self, client):
        await page_login(client, "frontdesk")
        account_no = await open_account(client)

        found = await client.get("/customers", params={"q": "张三", "status": "pending"})
        other_status = await client.get("/customers", params={"q": "张三", "status": "active"})

        assert f'href="/customers/{account_no}"' in found.text
        assert f'href="/customers/{account_no}"' not in other_status.text


class TestNavigationByRole:
    async def test_sysadmin_sees_no_customer_links_and_cannot_open_customer_pages(self, client):
        """R-PM-01: separation of duties — 网络管理员 sees no customer personal data."""
        login = await page_login(client, "sysadmin")

        home = await client.get("/home")
        customers = await client.get("/customers")

        # The sysadmin's first page is the staff accounts (R-ST-06: requests, not grants).
        assert login.headers["location"] == "/staff"
        assert 'href="/customers' not in home.text
        assert 'href="/audit"' not in home.text
        assert "周涛" in home.text and "网络管理员" in home.text
        assert customers.status_code == 403

    async def test_auditor_sees_only_the_audit_trail_and_can_verify_it(self, client):
        """R-PM-05: the auditor reads the hash-chained trail."""
        login = await page_login(client, "auditor")

        page = await client.get("/audit")
        nav = re.search(r'<nav class="mainnav".*?</nav>', page.text, re.S).group(0)
        verified = await submit(client, "/audit/verify", {}, form_page="/audit")

        assert login.headers["location"] == "/audit"
        assert re.findall(r'href="([^"]+)"', nav) == ["/audit"]
        assert "auth.login" in page.text
        assert verified.status_code == 200 and "审计链完整" in text_of(verified.text)

    async def test_the_audit_page_shows_the_newest_events_first_and_pages_back(self, client, ctx):
        """R-PM-05: with more events than fit on a page, the newest page comes first."""
        from crm.audit import service as audit
        from crm.context import CLI

        for number in range(120):
            await audit.append_alone(ctx=ctx, action="test.event", actor="script", origin=CLI, details={"n": number})
        await page_login(client, "auditor")

        page = await client.get("/audit")
        seqs = [int(n) for n in re.findall(r'<td class="num mono">(\d+)</td>', page.text)]
        older = re.search(r'href="(/audit\?before=\d+[^"]*)"', page.text).group(1)
        earlier = await client.get(html.unescape(older))
        earlier_seqs = [int(n) for n in re.findall(r'<td class="num mono">(\d+)</td>', earlier.text)]
        filtered = await client.get("/audit", params={"action": "auth.login"})

        assert len(seqs) == 50 and seqs == sorted(seqs, reverse=True)
        assert seqs[0] == max(seqs) and "auth.login" in page.text  # the auditor's own login is the newest
        assert max(earlier_seqs) == min(seqs) - 1
        assert "test.event" not in filtered.text and "auth.login" in filtered.text

    async def test_a_role_without_the_capability_gets_a_403_page(self, client):
        """R-PM-01: the front desk does not read the audit trail."""
        await page_login(client, "frontdesk")

        response = await client.get("/audit")

        assert response.status_code == 403
        assert "无权访问" in text_of(response.text)

    async def test_front_desk_navigation_shows_customer_pages_but_not_approvals_or_audit(self, client):
        await page_login(client, "frontdesk")

        page = await client.get("/customers")
        nav = re.search(r'<nav class="mainnav".*?</nav>', page.text, re.S).group(0)

        # The contract and archive links come from the pages crm/app.py wires in.
        assert re.findall(r'href="([^"]+)"', nav) == ["/customers", "/customers/new", "/contracts", "/handover", "/archives", "/lookups/mine"]
        assert "王丽" in page.text and "东城营业厅" in page.text


class TestLanguage:
    async def test_the_english_switch_sets_a_cookie_and_returns_to_the_page(self, client):
        await page_login(client, "frontdesk")

        switched = await client.get("/lang", params={"to": "en", "next": "/customers/new"}, follow_redirects=False)
        page = await client.get("/customers/new")
        refused = await submit(client, "/customers/new", COLLECTIVE)

        assert switched.status_code == 303 and switched.headers["location"] == "/customers/new"
        assert client.cookies.get("lang") == "en"
        assert '<html lang="en">' in page.text and "Open an account" in page.text
        assert "Collective customers must have a contact name" in text_of(refused.text)
        assert "集体用户必须" not in text_of(refused.text)

    async def test_the_switch_only_returns_to_local_paths(self, client):
        response = await client.get("/lang", params={"to": "en", "next": "//evil.example/"}, follow_redirects=False)

        assert response.headers["location"] == "/"

    async def test_chinese_is_the_default(self, client):
        page = await client.get("/login")

        assert '<html lang="zh-CN">' in page.text and "员工登录" in page.text


class TestCatalogs:
    def test_both_catalogs_have_the_same_keys(self):
        assert set(i18n.catalog("zh")) == set(i18n.catalog("en"))

    @pytest.mark.parametrize(
        ("message", "zh", "en"),
        [
            ("请先登录 / Please log in", "请先登录", "Please log in"),
            (
                "编号只能包含字母、数字、汉字和 - _ / ( ) 〔 〕 / No. may only contain letters and - _ / ( ) 〔 〕",
                "编号只能包含字母、数字、汉字和 - _ / ( ) 〔 〕",
                "No. may only contain letters and - _ / ( ) 〔 〕",
            ),
            ("字段 'x' 不是敏感字段 / 'x' is not a sensitive field", "字段 'x' 不是敏感字段", "'x' is not a sensitive field"),
            ("only one language", "only one language", "only one language"),
        ],
    )
    def test_a_bilingual_service_message_splits_into_its_halves(self, message, zh, en):
        assert i18n.split_message(message) == (zh, en)


def edit_form_values(page_html: str) -> dict[str, str]:
    """The values an unchanged edit form would submit: the prefilled inputs and the hidden version."""
    form = re.search(r'<form [^>]*id="edit-form".*?</form>', page_html, re.S).group(0)
    return {
        name: html.unescape(value)
        for name, value in re.findall(r'<input [^>]*?name="(\w+)"[^>]*? value="([^"]*)"', form)
        if name != "_csrf_token"
    }


class TestEditingContactDetails:
    async def test_editing_the_phone_changes_the_masked_value_and_records_masked_history(self, client):
        """R-AC-08: contact details are edited in place; R-PM-02: history keeps masked old → new."""
        await page_login(client, "frontdesk")
        account_no = await open_account(client)
        edit = f"/customers/{account_no}/edit"
        form = edit_form_values((await client.get(edit)).text)

        response = await submit(client, edit, {**form, "phone": "139 8765 4321", "street": ""})
        page = await client.get(response.headers["location"])

        text = text_of(page.text)
        assert response.status_code == 303
        assert response.headers["location"] == f"/customers/{account_no}?done=updated"
        assert "信息已更新" in text
        assert "139****4321" in text and "13987654321" not in page.text
        row = await Customer.select(Customer.phone_masked, Customer.street, Customer.detail_masked, Customer.version).first()
        assert row["phone_masked"] == "139****4321"
        assert row["street"] is None  # a plain optional field is cleared as typed
        assert row["detail_masked"] == "幸福************"  # left blank: kept
        assert row["version"] == int(form["version"]) + 1
        changes = await CustomerHistory.select(
            CustomerHistory.field, CustomerHistory.old_value, CustomerHistory.new_value
        ).where(CustomerHistory.action == "updated").order_by(CustomerHistory.field)
        assert changes == [
            {"field": "phone", "old_value": "138****5678", "new_value": "139****4321"},
            {"field": "street", "old_value": "建国路", "new_value": None},
        ]
        event = await AuditEvent.select().where(AuditEvent.action == "customer.update").first()
        assert event["target"] == account_no and "13987654321" not in event["details"]

    async def test_the_form_is_prefilled_with_plain_values_and_never_holds_a_full_sensitive_value(self, client):
        """R-PM-02: sensitive inputs start empty; the current value is shown masked only."""
        await page_login(client, "frontdesk")
        account_no = await open_account(client, **{**COLLECTIVE, "contact_name": "李经理", "contact_phone": "13900001111"})

        page = await client.get(f"/customers/{account_no}/edit")

        form = edit_form_values(page.text)
        text = text_of(page.text)
        assert page.status_code == 200
        assert page.headers["cache-control"] == "no-store"
        assert form["contact_name"] == "李经理" and form["street"] == "建国路"
        assert form["delivery_notice_no"] == "SQ-2026-90001"
        assert form["phone"] == form["contact_phone"] == form["detail"] == ""
        assert form["version"].isdigit()
        for full in ("13812345678", "13900001111", "幸福小区3号楼2单元501室", "91350100M000100Y43"):
            assert full not in page.text
        assert "138****5678" in text and "139****1111" in text and "幸福************" in text
        assert text.count("留空表示不修改") == 3

    async def test_a_collective_customer_cannot_clear_its_contact_name(self, client):
        """R-AC-03, R-AC-08: the rules of opening hold for edits; the form keeps what was typed."""
        await page_login(client, "frontdesk")
        account_no = await open_account(client, **{**COLLECTIVE, "contact_name": "李经理", "contact_phone": "13900001111"})
        edit = f"/customers/{account_no}/edit"
        form = edit_form_values((await client.get(edit)).text)

        response = await submit(client, edit, {**form, "contact_name": " ", "street": "长安街", "phone": "13987654321"})

        assert response.status_code == 422
        assert "集体用户必须填写联系人姓名" in text_of(response.text)
        assert 'id="f-contact_name-error"' in response.text
        assert 'value="长安街"' in response.text and 'value="13987654321"' in response.text
        row = await Customer.select(Customer.contact_name, Customer.street, Customer.phone_masked, Customer.version).first()
        assert row == {"contact_name": "李经理", "street": "建国路", "phone_masked": "138****5678", "version": int(form["version"])}
        assert not await CustomerHistory.exists().where(CustomerHistory.action == "updated")

    async def test_a_stale_version_gets_the_conflict_message_and_changes_nothing(self, client):
        """R-AC-08: two clerks on the same customer — the second save is refused, not merged."""
        await page_login(client, "frontdesk")
        account_no = await open_account(client)
        edit = f"/customers/{account_no}/edit"
        mine = edit_form_values((await client.get(edit)).text)
        theirs = await submit(client, edit, {**mine, "street": "长安街"})

        response = await submit(client, edit, {**mine, "phone": "13987654321"})
        unversioned = await submit(client, edit, {**mine, "phone": "13987654321", "version": ""})

        assert theirs.status_code == 303
        assert unversioned.status_code == 422 and f'<a href="/customers/{account_no}/edit">' in unversioned.text
        assert response.status_code == 409
        assert "该用户信息已被他人修改，请刷新后重试" in text_of(response.text)
        assert f'<a href="/customers/{account_no}/edit">' in response.text
        row = await Customer.select(Customer.phone_masked, Customer.street, Customer.version).first()
        assert row == {"phone_masked": "138****5678", "street": "长安街", "version": int(mine["version"]) + 1}
        assert await CustomerHistory.count().where(CustomerHistory.action == "updated") == 1

    async def test_another_branchs_customer_edit_page_is_a_404(self, client):
        """R-PM-03: no IDOR through the edit form either."""
        await page_login(client, "frontdesk")
        account_no = await open_account(client)
        version = (await Customer.select(Customer.version).first())["version"]

        await page_login(client, "frontdesk2")
        page = await client.get(f"/customers/{account_no}/edit")
        posted = await submit(
            client, f"/customers/{account_no}/edit",
            {"phone": "13987654321", "province": "北京市", "city": "北京市", "district": "西城区",
             "delivery_notice_no": "SQ-1", "acceptance_drawing_no": "YS-1", "version": str(version)},
            form_page="/customers",
        )

        assert page.status_code == 404 and "张三丰" not in page.text
        assert posted.status_code == 404 and "张三丰" not in posted.text
        row = await Customer.select(Customer.phone_masked, Customer.district, Customer.version).first()
        assert row == {"phone_masked": "138****5678", "district": "东城区", "version": version}

    async def test_the_edit_button_is_offered_only_to_roles_that_may_update_and_only_while_open(self, client):
        """R-PM-01: the market manager reads customers but does not edit them; closed accounts stay as they are."""
        await page_login(client, "frontdesk")
        account_no = await open_account(client)
        link = f'href="/customers/{account_no}/edit"'
        clerk_page = await client.get(f"/customers/{account_no}")

        await page_login(client, "market")
        manager_page = await client.get(f"/customers/{account_no}")
        manager_form = await client.get(f"/customers/{account_no}/edit")

        await page_login(client, "frontdesk")
        await submit(
            client, f"/customers/{account_no}/status", {"to": "closed", "reason": "用户未通气即申请销户"},
            form_page=f"/customers/{account_no}",
        )
        closed_page = await client.get(f"/customers/{account_no}")
        closed_form = await client.get(f"/customers/{account_no}/edit")

        assert link in clerk_page.text and "修改联系信息" in text_of(clerk_page.text)
        assert manager_page.status_code == 200 and link not in manager_page.text
        assert manager_form.status_code == 403
        assert link not in closed_page.text
        assert "已注销的用户不能修改" in text_of(closed_form.text) and 'id="edit-form"' not in closed_form.text

    async def test_the_edit_page_speaks_english_too(self, client):
        await page_login(client, "frontdesk")
        account_no = await open_account(client)
        await client.get("/lang", params={"to": "en", "next": "/customers"})

        page = await client.get(f"/customers/{account_no}/edit")

        text = text_of(page.text)
        assert "Edit contact details" in text and "Leave blank to keep" in text
        assert "留空表示不修改" not in text

"""Every answer carries the security headers, once (issue 14 finding 8; SPEC §6 R-PM-04, §9).

Pages, PDFs and stored files (API and pages), JSON answers and every error — a refusal, a
missing route, a wrong method — are answered with the one set of crm.http_headers: no sniffing,
no framing, no referrer, a content security policy, and ``Cache-Control: no-store`` exactly
once on everything that may hold personal data. Static assets may be cached, but are not
sniffed either.
"""

from __future__ import annotations

import pytest

from crm.http_auth import SESSION_COOKIE
from crm.route_access import allowed_roles
from tests.integration.test_authorization_matrix import (  # noqa: F401  (app: the matrix's fixture)
    DEMO_LOGIN,
    MISSING,
    Route,
    api_routes,
    app,
    page_routes,
)
from tests.integration.test_pages import page_login, submit
from tests.integration.test_pdf_downloads import DOWNLOADS, demo_values

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


def header_problems(response, *, personal: bool = True) -> list[str]:
    """What is missing or doubled among the security headers of one answer."""
    headers = response.headers
    wanted = {
        "x-content-type-options": "nosniff",
        "x-frame-options": "DENY",
        "referrer-policy": "no-referrer",
    }
    problems = [
        f"{name}: {headers.get_list(name)}" for name, value in wanted.items() if headers.get_list(name) != [value]
    ]
    policies = headers.get_list("content-security-policy")
    if len(policies) != 1 or "frame-ancestors 'none'" not in policies[0] or "default-src" not in policies[0]:
        problems.append(f"content-security-policy: {policies}")
    cache = headers.get_list("cache-control")
    if personal and cache != ["no-store"]:
        problems.append(f"cache-control: {cache}")
    if not personal and "no-store, no-store" in ", ".join(cache):
        problems.append(f"cache-control: {cache}")
    return problems


class TestTheOneSetOfHeaders:
    """Issue 14 finding 8: the headers were set by the pages only, and twice on API PDFs."""

    async def test_a_json_answer_carries_them(self, client, login):
        answer = await client.get("/api/v1/auth/me", headers=await login("frontdesk"))

        assert answer.status_code == 200
        assert header_problems(answer) == []

    async def test_a_json_answer_of_an_api_controller_with_its_own_cache_control_says_no_store_once(
        self, client, login
    ):
        answer = await client.get("/api/v1/customers", headers=await login("frontdesk"))

        assert answer.status_code == 200
        assert header_problems(answer) == []

    @pytest.mark.parametrize(
        "method, path, status",
        [
            ("GET", "/api/v1/customers", 401),
            ("GET", "/api/v1/nowhere", 404),
            ("DELETE", "/api/v1/auth/me", 405),
            ("GET", "/health", 200),
        ],
    )
    async def test_refusals_and_missing_routes_carry_them(self, client, method, path, status):
        answer = await client.request(method, path)

        assert answer.status_code == status
        assert header_problems(answer) == []

    async def test_a_page_and_an_error_page_carry_them(self, client):
        await page_login(client, "frontdesk")

        page = await client.get("/customers")
        missing = await client.get("/customers/99999999999")

        assert page.status_code == 200 and header_problems(page) == []
        assert missing.status_code == 404 and header_problems(missing) == []

    async def test_the_login_page_and_its_redirects_carry_them(self, client):
        login_page = await client.get("/login")
        redirect = await client.get("/customers", follow_redirects=False)

        assert header_problems(login_page) == []
        assert redirect.status_code in (302, 303) and header_problems(redirect) == []

    async def test_a_static_asset_is_not_sniffed_and_may_be_cached(self, client):
        answer = await client.get("/static/app.css")

        assert answer.status_code == 200
        assert header_problems(answer, personal=False) == []
        assert "no-store" not in answer.headers.get("cache-control", "")


class TestTheSchema:
    """Issue 14 finding 8: /schema and openapi.json were open to anyone, without CSP or frame protection."""

    async def test_anonymous_callers_get_no_schema(self, client):
        answer = await client.get("/schema/openapi.json")

        assert answer.status_code == 401
        assert answer.json()["code"] == "auth.unauthenticated"
        assert header_problems(answer) == []

    async def test_a_stale_token_gets_no_schema(self, client):
        answer = await client.get("/schema/openapi.json", headers={"Authorization": "Bearer not-a-token"})

        assert answer.status_code == 401

    async def test_staff_read_it_with_a_token_or_a_page_session(self, client, login):
        with_token = await client.get("/schema/openapi.json", headers=await login("frontdesk"))
        await page_login(client, "archivist")
        with_cookie = await client.get("/schema/openapi.json")

        for answer in (with_token, with_cookie):
            assert answer.status_code == 200, answer.text
            assert answer.json()["info"]["title"] == "Utility CRM & Archives API"
            assert header_problems(answer) == []

    @pytest.mark.parametrize("path", ["/schema", "/schema/swagger", "/schema/redoc", "/schema/elements"])
    async def test_no_documentation_page_loads_scripts_from_elsewhere(self, client, login, path):
        # The viewers fetch their scripts from a CDN, which the CSP refuses: the JSON alone is served.
        answer = await client.get(path, headers=await login("frontdesk"))

        assert answer.status_code == 404 or "html" not in answer.headers["content-type"]
        assert header_problems(answer) == []


class TestTheSessionCookie:
    async def test_logging_in_sets_a_cookie_that_ends_with_the_browser(self, client):
        """Issue 14 finding 8: the session cookie outlived the browser (Max-Age of the absolute limit)."""
        response = await page_login(client, "frontdesk")

        cookie = next(c for c in response.headers.get_list("set-cookie") if c.startswith("crm_session="))
        attributes = {part.strip().lower().split("=")[0] for part in cookie.split(";")}
        assert {"httponly", "samesite"} <= attributes
        assert not attributes & {"max-age", "expires"}
        assert header_problems(response) == []


# --- The walk of the route table (deliverable 3): every page, every download, every API read ----

# The order roles are tried in for a page: the first that opens it decides.
ROLE_ORDER = ("front_desk", "archivist", "general_manager", "market_manager", "operations_vp", "finance",
              "sysadmin", "auditor")


def object_values(template: str, demo: dict[str, str]) -> dict[str, str]:
    """The path parameters of ``template`` filled with the demo's objects, or with ones that do not exist."""
    materials = "/materials/" in template or "/attachments/" in template
    values = {name: str(MISSING[kind]) for name, kind in Route("GET", template, None).params}
    known = {
        "account_no": demo["account_no"],
        "contract_no": demo["waiting_contract_no"] if materials else demo["contract_no"],
        "archive_no": demo["archive_no"],
        "file_id": demo["waiting_file_id"] if materials else demo["archive_file_id"],
        "batch_id": demo["disposal_id"] if "/disposals/" in template else demo["batch_id"],
        "username": demo["leaver"] if "departure" in template else "frontdesk",
    }
    return {name: known.get(name, value) for name, value in values.items()}


@pytest.fixture
async def walk(ctx, client, login):
    """The demo's archive room (tests.integration.test_pdf_downloads) and a page session per role."""
    demo = await demo_values(ctx)
    sessions = {}
    for role, username in DEMO_LOGIN.items():
        await page_login(client, username)
        sessions[role] = client.cookies.get(SESSION_COOKIE)
    return demo, sessions


async def test_every_page_of_the_route_table_carries_the_headers(app, client, walk):
    """Deliverable 3: every page route, opened by a role that may (or answering its refusal)."""
    demo, sessions = walk
    downloads = set(DOWNLOADS)
    problems: dict[str, list[str]] = {}
    opened = 0
    routes = [r for r in page_routes(app) if r.template not in downloads]
    assert len(routes) > 25, "the page routes were not found"
    for route in routes:
        url = route.url(object_values(route.template, demo))
        for role in ROLE_ORDER:
            client.cookies.set(SESSION_COOKIE, sessions[role])
            answer = await client.get(url, follow_redirects=False)
            if found := header_problems(answer):
                problems[f"{route} as {role} ({answer.status_code})"] = found
            if answer.status_code == 200:
                opened += 1
                break

    assert problems == {}
    assert opened > 25, "too few pages opened: the walk saw mostly refusals"


async def test_every_download_carries_the_headers(client, login, walk):
    """Deliverable 3: every PDF and stored-file answer, API and pages (the table of test_pdf_downloads)."""
    demo, sessions = walk
    bearer: dict[str, dict[str, str]] = {}
    problems: dict[str, list[str]] = {}
    for route, call in DOWNLOADS.items():
        url = call.url.format(**demo)
        if call.via == "api":
            bearer.setdefault(call.username, await login(call.username))
            answer = await client.get(url, headers=bearer[call.username])
        else:
            role = next(role for role, name in DEMO_LOGIN.items() if name == call.username)
            client.cookies.set(SESSION_COOKIE, sessions[role])
            if call.via == "form":
                answer = await submit(client, url, dict(call.form), form_page=call.form_page.format(**demo))
            else:
                answer = await client.get(url)
        found = header_problems(answer)
        if answer.status_code != 200 or found:
            problems[route] = [str(answer.status_code), *found]

    assert problems == {}


async def test_every_api_read_carries_the_headers(app, client, login, walk):
    """Every GET of the API, as a role its declaration lets in: JSON answers and their errors alike."""
    demo, _ = walk
    tokens: dict[str, dict[str, str]] = {}
    problems: dict[str, list[str]] = {}
    routes = [r for r in api_routes(app) if r.method == "GET" and r.template not in DOWNLOADS]
    assert len(routes) > 25, "the API routes were not found"
    for route in routes:
        role = next(role for role in ROLE_ORDER if role in allowed_roles(route.declaration))
        tokens.setdefault(role, await login(DEMO_LOGIN[role]))
        answer = await client.get(route.url(object_values(route.template, demo)), headers=tokens[role])
        if found := header_problems(answer):
            problems[f"{route} as {role} ({answer.status_code})"] = found

    assert problems == {}

"""The authorisation matrix, generated from the app's route table (R-PM-01..03, R-ST-06).

Nobody has to remember to add a new route here:
- every API route must declare who may call it (``opt={"capability": …}``, crm.route_access),
  and every role and an anonymous caller get exactly what the declaration says: 401 without a
  login, 403 ``permission.denied`` for a role the declaration leaves out — before the body is
  even read, and with nothing written;
- every object route (``{account_no}``, ``{contract_no}``, ``{archive_no}``, ids) answers a
  branch-scoped person asking for another branch's object exactly as it answers for a missing
  one (R-PM-03), on SQLite and on PostgreSQL. A new kind of path parameter must be added to
  OBJECTS, a new object route that takes a body to BODIES, or the test fails and says so.
"""

from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass
from typing import Any

import pytest

from crm import db
from crm.app import create_app
from crm.route_access import AUTHENTICATED, PUBLIC, allowed_roles, declaration_of
from crm.staff import fixtures as staff_fixtures
from crm.staff.roles import CAPABILITIES, ROLES
from tests.conftest import DEMO_PASSWORD
from tests.integration.archives.conftest import INSTALLATION_MATERIALS, xlsx
from tests.integration.contracts.conftest import PRICE_ITEMS, customer_body, installation
from tests.integration.test_pages import page_login

# One demo login per role (fixtures/demo/staff.json).
DEMO_LOGIN = {
    "front_desk": "frontdesk",
    "market_manager": "market",
    "operations_vp": "vp",
    "general_manager": "gm",
    "finance": "finance",
    "archivist": "archivist",
    "sysadmin": "sysadmin",
    "auditor": "auditor",
}
UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}
PARAM = re.compile(r"{(\w+):(\w+)}")


@dataclass(frozen=True)
class Route:
    method: str
    template: str
    declaration: Any

    @property
    def params(self) -> list[tuple[str, str]]:
        return PARAM.findall(self.template)

    def url(self, values: dict[str, Any]) -> str:
        return PARAM.sub(lambda m: str(values[m.group(1)]), self.template)

    def __str__(self) -> str:
        return f"{self.method} {self.template}"


def api_routes(app) -> list[Route]:
    found = []
    for route in app.routes:
        if not route.path.startswith("/api/"):
            continue
        for handler in getattr(route, "route_handlers", ()):
            for method in sorted(handler.http_methods - {"OPTIONS", "HEAD"}):
                found.append(Route(method, route.path, declaration_of(handler)))
    # Logging out ends the session the later requests use: last.
    return sorted(found, key=lambda r: (r.template.endswith("/logout"), r.template, r.method))


def page_routes(app) -> list[Route]:
    return [
        Route("GET", route.path, None)
        for route in app.routes
        if not route.path.startswith(("/api/", "/schema", "/static"))
        for handler in getattr(route, "route_handlers", ())
        if "GET" in handler.http_methods
    ]


@pytest.fixture
def app(ctx):
    return create_app(ctx=ctx)


def test_every_api_route_declares_who_may_call_it(app):
    routes = api_routes(app)
    assert len(routes) > 60, "the route table was not read"
    undeclared = [str(r) for r in routes if r.declaration is None]
    assert not undeclared, f"routes without opt={{'capability': …}} (crm.route_access.requires): {undeclared}"
    known = {c for caps in CAPABILITIES.values() for c in caps} | {PUBLIC, AUTHENTICATED}
    for r in routes:
        names = (r.declaration,) if isinstance(r.declaration, str) else r.declaration
        assert set(names) <= known, f"{r}: unknown capability in {names}"
    # Only logging in (and activating an account) may be done without a login.
    public = {str(r) for r in routes if r.declaration == PUBLIC}
    assert public <= {"POST /api/v1/auth/login", "POST /api/v1/auth/activate"}, public


# Values for path parameters naming nothing that exists.
MISSING = {"str": "ZZ9999999999", "int": 987654321}


def _table_counts(path: str) -> dict[str, int]:
    with sqlite3.connect(path) as conn:
        names = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        # Refusals are audited, and logins open sessions and count failures: those tables may grow.
        skip = ("audit_event", "audit_head", "staff_session", "login_failure", "sqlite_sequence")
        return {n: conn.execute(f'SELECT count(*) FROM "{n}"').fetchone()[0] for n in names if n not in skip}


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_every_role_gets_what_each_route_declares(app, client, login, ctx):
    """R-PM-01: every API route × every role × anonymous, against the declaration."""
    routes = api_routes(app)
    headers = {role: await login(username) for role, username in DEMO_LOGIN.items()}
    before = _table_counts(db.sqlite_path(ctx.settings.database_url))
    wrong: list[str] = []
    allowed_calls: list[tuple[Route, str]] = []
    for route in routes:
        url = route.url({name: MISSING[kind] for name, kind in route.params})
        body = {"json": {}} if route.method in UNSAFE else {}
        if route.declaration != PUBLIC:
            answer = await client.request(route.method, url, **body)
            if answer.status_code != 401:
                wrong.append(f"{route} anonymous: {answer.status_code}, expected 401")
        allowed = allowed_roles(route.declaration)
        for role in ROLES:
            if role in allowed:
                allowed_calls.append((route, role))
                continue
            answer = await client.request(route.method, url, headers=headers[role], **body)
            code = _shape(answer)[1]
            if (answer.status_code, code) != (403, "permission.denied"):
                wrong.append(f"{route} as {role}: {answer.status_code} {code}, expected 403 permission.denied")
    assert not wrong, "\n".join(wrong)
    assert _table_counts(db.sqlite_path(ctx.settings.database_url)) == before, "a refused request wrote something"

    # The roles the declaration lets in are not turned away at the door (the service decides the rest).
    for route, role in allowed_calls:
        url = route.url({name: MISSING[kind] for name, kind in route.params})
        body = {"json": {}} if route.method in UNSAFE else {}
        answer = await client.request(route.method, url, headers=headers[role], **body)
        code = _shape(answer)[1]
        if answer.status_code == 401 or code == "permission.undeclared_route" or answer.status_code >= 500:
            wrong.append(f"{route} as {role}: {answer.status_code} {code}")
        elif answer.status_code == 403 and code == "permission.denied" and route.declaration != AUTHENTICATED:
            wrong.append(f"{route} as {role}: refused although declared ({route.declaration})")
    assert not wrong, "\n".join(wrong)


# --- Another branch's objects answer like missing ones (R-PM-03) ---------------------------------

# Every kind of path parameter, and what a branch-scoped person of another branch must not learn
# about. Parameters of branchless objects say why they are exempt.
OBJECTS: dict[str, str | None] = {
    "account_no": "customer",
    "contract_no": "contract",
    "archive_no": "archive",
    "file_id": "file",  # always paired with the contract or archive it belongs to
    "request_id": "lookup",
    "correction_id": "correction",
    "batch_id": "batch",  # handover batches here; disposal batches: see BRANCHLESS
    "serial": "meter",  # a customer's meter, scoped by the customer's branch
    "reading_id": "reading",
}
# Objects without a branch: the whole company's configuration or the archive room's own work.
BRANCHLESS = {
    "code": "contract types and tariffs are company-wide configuration (sysadmin, finance)",
    "username": "staff accounts are company-wide; their routes need staff.admin or staff.departure",
    "grant_id": "staff grants are decided company-wide by the general manager",
    "/api/v1/disposals/": "disposal batches are the archive room's, across branches (R-AR-05)",
    "/disposals/": "the same disposal batches, as pages",
}

# A valid body for every object route that takes one, so the answer reflects the object lookup
# rather than a validation error.
BODIES: dict[str, dict[str, Any]] = {
    "PATCH /api/v1/customers/{account_no:str}": {"json": {"version": 1, "phone": "13912345678"}},
    "POST /api/v1/customers/{account_no:str}/reveal": {"json": {"field": "phone", "reason": "核对用户来电身份信息"}},
    "POST /api/v1/customers/{account_no:str}/transitions": {"json": {"to": "frozen", "reason": "欠费停气处理", "version": 1}},
    "POST /api/v1/customers/{account_no:str}/meters": {"json": {
        "serial": "M-20261207-1", "model": "G2.5", "meter_type": "diaphragm", "installed_date": "2026-11-01",
        "initial_reading": "0.000"}},
    "POST /api/v1/customers/{account_no:str}/appliances": {"json": {"kind": "water_heater", "brand": "万和", "model": "JSQ20"}},
    "POST /api/v1/customers/{account_no:str}/corrections": {"json": {
        "field": "name", "new_value": "更正后姓名", "reason": "身份证姓名登记有误"}},
    "POST /api/v1/corrections/{correction_id:int}/decision": {"json": {"approve": False, "reason": "材料不全需补充"}},
    "PATCH /api/v1/contracts/{contract_no:str}": {"json": installation("ZZ9999999999")},
    "POST /api/v1/contracts/{contract_no:str}/submit": {},
    "POST /api/v1/contracts/{contract_no:str}/decisions": {"json": {"decision": "approve", "reason": "同意"}},
    "POST /api/v1/contracts/{contract_no:str}/sign": {},
    "POST /api/v1/contracts/{contract_no:str}/transitions": {"json": {"to": "terminated", "reason": "用户申请终止合同"}},
    "POST /api/v1/contracts/{contract_no:str}/payments": {"json": {"amount_fen": 100, "paid_on": "2026-11-25"}},
    "POST /api/v1/contracts/{contract_no:str}/attachments": {
        "files": {"file": ("通知单.pdf", INSTALLATION_MATERIALS[0][2], "application/pdf")}, "data": {"kind": "notice"}},
    "POST /api/v1/archive-handovers/{batch_id:int}/accept": {},
    "POST /api/v1/archive-handovers/{batch_id:int}/return": {"json": {"reason": "材料不齐退回补充"}},
    "POST /api/v1/archives/{archive_no:str}/addenda": {"json": {"text": "补充说明：用户地址门牌号变更。"}},
    "POST /api/v1/archive-access-requests/{request_id:int}/decisions": {"json": {"decision": "reject", "reason": "用途不明确"}},
    "POST /api/v1/meters/{serial:str}/readings": {"json": {"value": "10.000", "read_on": "2026-11-20"}},
    "POST /api/v1/meter-readings/{reading_id:int}/review": {"json": {"decision": "accept", "reason": "现场核实无误"}},
    # Disposal batches are BRANCHLESS; their bodies are here for the tests that borrow this table.
    "POST /api/v1/disposals/{batch_id:int}/witnesses": {"json": {"witnesses": ["finance", "auditor"]}},
}


def _kind_of(route: Route) -> str | None:
    """The object kind a route is about, or None when it is exempt (branchless)."""
    if any(route.template.startswith(prefix) for prefix in BRANCHLESS if prefix.startswith("/")):
        return None
    names = [name for name, _ in route.params]
    if any(name in BRANCHLESS for name in names):
        return None
    unknown = [name for name in names if name not in OBJECTS]
    assert not unknown, f"{route}: add {unknown} to OBJECTS or BRANCHLESS in this test"
    return OBJECTS[names[0]]


async def _other_branch_objects(client, login) -> dict[str, Any]:
    """One of everything at 东城 (DC): customer, contract with materials, handover, archive, lookup, correction,
    meter and reading."""
    desk = await login("frontdesk")
    finance = await login("finance")
    archivist = await login("archivist")
    answer = await client.post("/api/v1/price-standards", headers=finance, json={
        "code": "JZ-2026", "name": "居民及非居民燃气工程安装收费标准", "approval_ref": "价格〔2026〕12号",
        "effective_from": "2026-01-01", "items": PRICE_ITEMS})
    assert answer.status_code == 201, answer.text
    answer = await client.post("/api/v1/customers", headers=desk, json=customer_body("residential", branch="DC"))
    assert answer.status_code == 201, answer.text
    account_no = answer.json()["account_no"]
    answer = await client.post("/api/v1/contracts", headers=desk, json=installation(account_no))
    assert answer.status_code == 201, answer.text
    contract_no = answer.json()["contract_no"]
    for step, body in (("submit", None), ("sign", None), ("transitions", {"to": "active", "reason": "开工"}),
                       ("transitions", {"to": "fulfilled", "reason": "验收合格并通气"})):
        answer = await client.post(f"/api/v1/contracts/{contract_no}/{step}", headers=desk, json=body)
        assert answer.status_code == 200, answer.text
    file_id = None
    for kind, name, data in INSTALLATION_MATERIALS:
        answer = await client.post(f"/api/v1/contracts/{contract_no}/attachments", headers=desk,
                                   files={"file": (name, data if data is not None else xlsx(), "application/octet-stream")},
                                   data={"kind": kind})
        assert answer.status_code == 201, answer.text
        file_id = file_id or answer.json()["file_id"]
    answer = await client.post("/api/v1/archive-handovers", headers=desk, json={"contract_nos": [contract_no]})
    assert answer.status_code == 201, answer.text
    batch_id = answer.json()["id"]
    answer = await client.post(f"/api/v1/archive-handovers/{batch_id}/accept", headers=archivist)
    assert answer.status_code == 200, answer.text
    archive_no = answer.json()["contracts"][0]["archive_no"]
    answer = await client.post("/api/v1/archive-access-requests", headers=desk, json={
        "archive_no": archive_no, "purpose": "核对用户安装合同条款"})
    assert answer.status_code == 201, answer.text
    request_id = answer.json()["id"]
    answer = await client.post(f"/api/v1/customers/{account_no}/corrections", headers=desk, json={
        "field": "name", "new_value": "张三丰更正", "reason": "身份证姓名登记有误"})
    assert answer.status_code == 201, answer.text
    correction_id = answer.json()["id"]
    answer = await client.post(f"/api/v1/customers/{account_no}/meters", headers=desk,
                               json=BODIES["POST /api/v1/customers/{account_no:str}/meters"]["json"])
    assert answer.status_code == 201, answer.text
    serial = answer.json()["serial"]
    answer = await client.post(f"/api/v1/meters/{serial}/readings", headers=desk,
                               json={"value": "5.000", "read_on": "2026-11-10"})
    assert answer.status_code == 201, answer.text
    reading_id = answer.json()["id"]
    return {"account_no": account_no, "contract_no": contract_no, "archive_no": archive_no, "file_id": file_id,
            "batch_id": batch_id, "request_id": request_id, "correction_id": correction_id, "serial": serial,
            "reading_id": reading_id}


async def _branch_scoped_logins(ctx, client, roles) -> dict[str, dict[str, str]]:
    """A person of every role at 西城 (XC) who sees only 西城 (all_branches false)."""
    people = [{"username": f"xc-{role.replace('_', '-')}", "display_name": f"西城{role}", "role": role, "branch": "XC",
               "password": DEMO_PASSWORD, "must_change_password": False} for role in roles]
    async with db.unit_of_work(ctx.engine):
        await staff_fixtures.add_missing(branches=[], people=people, hash_password=ctx.hasher.hash)
    logins = {}
    for person in people:
        answer = await client.post("/api/v1/auth/login", json={"username": person["username"], "password": DEMO_PASSWORD})
        assert answer.status_code == 200, answer.text
        logins[person["role"]] = {"Authorization": f"Bearer {answer.json()['token']}"}
    return logins


def _shape(answer) -> tuple[int, Any, Any]:
    if answer.headers.get("content-type", "").startswith("application/json"):
        body = answer.json()
        if isinstance(body, dict):
            return answer.status_code, body.get("code"), body.get("field")
    return answer.status_code, None, None


async def test_another_branchs_objects_answer_exactly_like_missing_ones(app, client, login, ctx):
    """R-PM-03: a 西城 person learns nothing about 东城's customers, contracts, archives and requests."""
    routes = [r for r in api_routes(app) if r.params and _kind_of(r) is not None]
    assert len(routes) > 25, "the object routes were not found"
    bodyless = [str(r) for r in routes if r.method in UNSAFE and str(r) not in BODIES]
    assert not bodyless, f"add a valid body for these object routes to BODIES: {bodyless}"
    objects = await _other_branch_objects(client, login)
    roles = sorted({role for r in routes for role in allowed_roles(r.declaration)} - {"sysadmin"})
    xc = await _branch_scoped_logins(ctx, client, roles)
    # Well-formed numbers that name nothing, so a format check cannot answer first.
    absent = {name: MISSING[kind] for route in routes for name, kind in route.params}
    absent["archive_no"] = re.sub(r"\d+$", lambda m: "9" * len(m.group()), objects["archive_no"])
    wrong = []
    checked = 0
    for route in routes:
        body = BODIES.get(str(route), {})
        for role in sorted(allowed_roles(route.declaration) & set(xc)):
            missing = await client.request(route.method, route.url(absent), headers=xc[role], **body)
            theirs = await client.request(route.method, route.url(objects), headers=xc[role], **body)
            if _shape(missing)[0] != 404:
                wrong.append(f"{route} as {role}: a missing object answers {_shape(missing)}, expected 404")
            elif _shape(theirs) != _shape(missing):
                wrong.append(f"{route} as {role}: 东城's object answers {_shape(theirs)}, a missing one {_shape(missing)}")
            checked += 1
    # The pages (cookie sessions) keep the same promise.
    pages = [r for r in page_routes(app) if r.params and _kind_of(r) is not None]
    assert len(pages) > 8, "the object pages were not found"
    for role in sorted(xc):
        await page_login(client, f"xc-{role.replace('_', '-')}")
        for route in pages:
            missing = await client.get(route.url(absent), follow_redirects=False)
            theirs = await client.get(route.url(objects), follow_redirects=False)
            if theirs.status_code != missing.status_code or theirs.status_code == 200:
                wrong.append(f"page {route} as {role}: 东城's object {theirs.status_code}, a missing one {missing.status_code}")
            checked += 1
    assert not wrong, "\n".join(wrong)
    assert checked > 100
    # Not vacuous: the same objects are there for the people of their own branch.
    desk = await login("frontdesk")
    for path in (f"/api/v1/customers/{objects['account_no']}", f"/api/v1/contracts/{objects['contract_no']}",
                 f"/api/v1/archive-access-requests/{objects['request_id']}"):
        assert (await client.get(path, headers=desk)).status_code == 200, path


async def test_a_declaration_lets_in_everyone_the_service_lets_in(client, login):
    """The declaration must not narrow a route: readers of contracts list the types and price standards
    their forms offer (contract_type.admin and price_standard.write are not the only ways in)."""
    desk = await login("frontdesk")
    assert (await client.get("/api/v1/contract-types", headers=desk)).status_code == 200
    assert (await client.get("/api/v1/price-standards", headers=desk)).status_code == 200
    assert (await client.get("/api/v1/contract-types", headers=await login("sysadmin"))).status_code == 200

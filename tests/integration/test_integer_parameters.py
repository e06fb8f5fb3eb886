"""Integers beyond what the database holds, in every route's path and query (issue 14 finding 9).

Generated from the route table, like the authorisation matrix: every route (API and pages) with an
integer path or query parameter gets 10**20, -10**20 and -99999999999999999999 from a person the
route lets in. The API answers a query parameter with 422 ``validation.invalid`` and a path id
with 404 ``not_found`` (a path names an object, and a number no row can have names nothing), each
as {code, message, field} naming the parameter; the pages answer a path id with 404 and read a
query number they cannot use as no filter. Never a 500, and nothing written.
"""

from __future__ import annotations

import inspect
import re
import types
import typing
from typing import Any

import pytest

from crm.app import create_app
from crm.route_access import allowed_roles
from crm.staff.roles import ROLES
from tests.integration.test_authorization_matrix import (
    BODIES,
    DEMO_LOGIN,
    MISSING,
    UNSAFE,
    _table_counts,
    api_routes,
)
from tests.integration.test_pages import csrf_token, page_login

HUGE = (10**20, -(10**20), -99999999999999999999)
QUERY_READ = re.compile(r"""query_params\.get\(\s*["'](\w+)["']""")


def _is_int(annotation: Any) -> bool:
    if annotation is int:
        return True
    if typing.get_origin(annotation) is typing.Annotated:
        return _is_int(typing.get_args(annotation)[0])
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        return any(_is_int(a) for a in typing.get_args(annotation))
    return False


def _int_parameters(app) -> list[tuple[str, str, Any, list[str], list[str]]]:
    """(method, path template, handler, int path parameters, int query parameters) of every route."""
    found = []
    for route in app.routes:
        path_names = set(route.path_parameters)
        for handler in getattr(route, "route_handlers", ()):
            ints = [n for n, f in handler.parsed_fn_signature.parameters.items() if _is_int(f.annotation)]
            if not ints:
                continue
            for method in sorted(handler.http_methods - {"OPTIONS", "HEAD"}):
                found.append((method, route.path, handler, [n for n in ints if n in path_names],
                              [n for n in ints if n not in path_names]))
    return found


def _url(template: str, values: dict[str, Any]) -> str:
    return re.sub(r"{(\w+):(\w+)}", lambda m: str(values.get(m.group(1), MISSING[m.group(2)])), template)


@pytest.fixture
def app(ctx):
    return create_app(ctx=ctx)


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_every_integer_parameter_declares_its_bounds(app):
    """Issue 14 finding 9: each one is a crm.http_params type (``Year | None`` would drop the bounds)."""
    unbounded = [
        f"{method} {template} {name}"
        for method, template, handler, path_ints, query_ints in _int_parameters(app)
        for name in path_ints + query_ints
        if (kwarg := handler.parsed_fn_signature.parameters[name].kwarg_definition) is None
        or kwarg.ge is None or kwarg.le is None
    ]
    assert not unbounded, f"use a crm.http_params type for: {unbounded}"


def _expect(answer, *, status: int, field: str) -> str | None:
    if answer.status_code != status:
        return f"{answer.status_code} {answer.text[:120]}, expected {status}"
    body = answer.json()
    if set(body) != {"code", "message", "field"} or body["field"] != field or not body["message"]:
        return f"answer {body}, expected {{code, message, field={field!r}}}"
    return None


async def test_the_api_refuses_integers_the_database_cannot_hold(app, client, login, ctx):
    """Issue 14 finding 9: GET /api/v1/audit-events?after_seq=-99999999999999999999 was a 500."""
    routes = [r for r in _int_parameters(app) if r[1].startswith("/api/")]
    assert any(query for *_, query in routes) and any(path for *_, path, _ in routes), "the route table was not read"
    declarations = {(r.method, r.template): r.declaration for r in api_routes(app)}
    headers: dict[str, dict[str, str]] = {}
    before = _table_counts(ctx.settings.database_url[len("sqlite:///"):]) if ctx.settings.database_url.startswith("sqlite") else None
    wrong = []
    for method, template, _handler, path_ints, query_ints in routes:
        role = sorted(allowed_roles(declarations[(method, template)]) & set(ROLES))[0]
        headers.setdefault(role, await login(DEMO_LOGIN[role]))
        body = BODIES.get(f"{method} {template}", {"json": {}} if method in UNSAFE else {})
        for value in HUGE:
            for name in path_ints:
                answer = await client.request(method, _url(template, {name: value}), headers=headers[role], **body)
                if problem := _expect(answer, status=404, field=name):
                    wrong.append(f"{method} {template} {name}={value} as {role}: {problem}")
            for name in query_ints:
                answer = await client.request(method, _url(template, {}), params={name: str(value)},
                                              headers=headers[role], **body)
                if problem := _expect(answer, status=422, field=name):
                    wrong.append(f"{method} {template} ?{name}={value} as {role}: {problem}")
    assert not wrong, "\n".join(wrong)
    if before is not None:
        assert _table_counts(ctx.settings.database_url[len("sqlite:///"):]) == before, "a refused request wrote something"


def _page_query_names(app) -> set[str]:
    """Every query parameter a page reads, whether declared or read from request.query_params."""
    names: set[str] = set()
    for route in app.routes:
        for handler in getattr(route, "route_handlers", ()):
            module = inspect.getmodule(handler.fn)
            names |= set(QUERY_READ.findall(inspect.getsource(module)))
    return names


async def test_the_pages_refuse_integers_the_database_cannot_hold(app, client):
    """Issue 14 finding 9, in the pages: a path id no row can have is 404, a query number is ignored."""
    pages = [r for r in _int_parameters(app) if not r[1].startswith(("/api/", "/schema"))]
    assert len(pages) > 8, "the page routes were not found"
    query_names = _page_query_names(app) | {n for *_, query in pages for n in query}
    assert {"page", "before"} <= query_names, query_names
    lists = [route.path for route in app.routes if not route.path.startswith(("/api/", "/schema", "/static"))
             and "{" not in route.path and any("GET" in h.http_methods for h in getattr(route, "route_handlers", ()))]
    wrong = []
    for role, username in DEMO_LOGIN.items():
        await page_login(client, username)
        token = csrf_token((await client.get("/")).text)
        for value in HUGE:
            for method, template, _handler, path_ints, _query in pages:
                for name in path_ints:
                    data = {"data": {"_csrf_token": token}} if method in UNSAFE else {}
                    answer = await client.request(method, _url(template, {name: value}), follow_redirects=False, **data)
                    if answer.status_code != 404:
                        wrong.append(f"page {method} {template} {name}={value} as {role}: {answer.status_code}")
            for path in lists:
                answer = await client.get(path, params={n: str(value) for n in query_names}, follow_redirects=False)
                if answer.status_code >= 500:
                    wrong.append(f"page GET {path}?…={value} as {role}: {answer.status_code}")
    assert not wrong, "\n".join(wrong)

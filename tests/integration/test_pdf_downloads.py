"""Every file the application hands out answers alike (SPEC §9, R-AR-06; crm.web.downloads).

The table below says how to call each download route of the app — every route whose path
ends in ".pdf", API and pages, and the stored-material downloads. The route table of
``create_app`` is walked: a new PDF route missing from the table fails the first test, so it
cannot escape the checks of the second, which calls each one against the archives demo
(archives.fixtures: contracts, handovers, filed records, lookups, through the use cases) plus
a disposal proposal and a departure, and checks the answer and its headers.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote

import pytest

from archives import attachments, departure, disposal, handover, lookups, records
from crm import db, seed
from crm.app import create_app
from crm.context import CLI, build_context
from crm.security.keyring import generate_keyring
from crm.seed import actor_for
from crm.settings import Settings
from crm.staff import fixtures as staff_fixtures
from tests.conftest import FIXTURES
from tests.integration.test_pages import page_login, submit


@dataclass(frozen=True)
class Call:
    """How to fetch one download: as whom, through which door, at which URL.

    ``url`` is formatted with the demo's values (:func:`demo_values`). ``via`` is "api"
    (bearer token), "page" (a page session, GET) or "form" (a page session, POST of
    ``form`` with the CSRF token of ``form_page``).
    """

    username: str
    via: str
    url: str
    media_type: str = "application/pdf"
    form: tuple[tuple[str, str], ...] = ()
    form_page: str = ""


DOWNLOADS: dict[str, Call] = {
    # the customer side (crm)
    "/api/v1/customers/{account_no:str}/sheet.pdf": Call("frontdesk", "api", "/api/v1/customers/{account_no}/sheet.pdf"),
    "/customers/{account_no:str}/sheet.pdf": Call("frontdesk", "page", "/customers/{account_no}/sheet.pdf"),
    "/customers/{account_no:str}/sheet-full.pdf": Call(
        "frontdesk", "form", "/customers/{account_no}/sheet-full.pdf",
        form=(("reason", "用户本人到柜台申请打印完整信息"),), form_page="/customers/{account_no}",
    ),
    # contracts
    "/api/v1/contracts/{contract_no:str}/document.pdf": Call("frontdesk", "api", "/api/v1/contracts/{contract_no}/document.pdf"),
    "/contracts/{contract_no:str}/document.pdf": Call("frontdesk", "page", "/contracts/{contract_no}/document.pdf"),
    # archives
    "/api/v1/archive-handovers/{batch_id:int}/list.pdf": Call("archivist", "api", "/api/v1/archive-handovers/{batch_id}/list.pdf"),
    "/handovers/{batch_id:int}/list.pdf": Call("archivist", "page", "/handovers/{batch_id}/list.pdf"),
    "/api/v1/archives/catalogue.pdf": Call("archivist", "api", "/api/v1/archives/catalogue.pdf?year={year}"),
    "/archives/catalogue.pdf": Call("archivist", "page", "/archives/catalogue.pdf?year={year}"),
    "/api/v1/archives/{archive_no:str}/record.pdf": Call("archivist", "api", "/api/v1/archives/{archive_no}/record.pdf"),
    "/archives/{archive_no:str}/record.pdf": Call("archivist", "page", "/archives/{archive_no}/record.pdf"),
    "/api/v1/archive-access-requests/register.pdf": Call(
        "archivist", "api", "/api/v1/archive-access-requests/register.pdf?from={period_from}&to={period_to}"
    ),
    "/lookups/register.pdf": Call("archivist", "page", "/lookups/register.pdf?from={period_from}&to={period_to}"),
    "/api/v1/disposals/{batch_id:int}/register.pdf": Call("archivist", "api", "/api/v1/disposals/{disposal_id}/register.pdf"),
    "/disposals/{batch_id:int}/register.pdf": Call("archivist", "page", "/disposals/{disposal_id}/register.pdf"),
    "/api/v1/staff/{username:str}/departure/list.pdf": Call("gm", "api", "/api/v1/staff/{leaver}/departure/list.pdf"),
    "/departures/{username:str}/list.pdf": Call("gm", "page", "/departures/{leaver}/list.pdf"),
    # stored materials: the same helper, with the file's own media type
    "/api/v1/contracts/{contract_no:str}/attachments/{file_id:str}": Call(
        "frontdesk", "api", "/api/v1/contracts/{waiting_contract_no}/attachments/{waiting_file_id}"
    ),
    "/contracts/{contract_no:str}/materials/{file_id:str}": Call(
        "frontdesk", "page", "/contracts/{waiting_contract_no}/materials/{waiting_file_id}"
    ),
    "/api/v1/archives/{archive_no:str}/files/{file_id:str}": Call(
        "archivist", "api", "/api/v1/archives/{archive_no}/files/{archive_file_id}"
    ),
    "/archives/{archive_no:str}/files/{file_id:str}": Call("archivist", "page", "/archives/{archive_no}/files/{archive_file_id}"),
}


def test_every_pdf_route_is_in_the_table(tmp_path):
    """A PDF route added to the app without a row here fails, so none escapes the header checks."""
    settings = Settings.from_env({"CRM_DATA_DIR": str(tmp_path)}).with_(database_url=f"sqlite:///{tmp_path}/crm.sqlite3")
    app = create_app(ctx=build_context(settings, keyring=generate_keyring()))

    pdf_routes = {route.path for route in app.routes if route.path.endswith(".pdf")}

    assert pdf_routes, "the app serves no PDF at all: the walk is looking in the wrong place"
    assert pdf_routes - DOWNLOADS.keys() == set(), "PDF routes without a row in DOWNLOADS"
    assert {p for p in DOWNLOADS if p.endswith(".pdf")} == pdf_routes, "rows in DOWNLOADS for routes that are gone"
    assert DOWNLOADS.keys() <= {route.path for route in app.routes}


async def demo_values(ctx) -> dict[str, str]:
    """The demo's archive room, plus a disposal proposal and a departure; the values the URLs need."""
    await seed.load_demo_customers(ctx, FIXTURES / "demo")
    await seed.load_package_demos(ctx, FIXTURES / "demo")
    archivist, desk = await actor_for(username="archivist"), await actor_for(username="frontdesk")

    filed = sorted((await records.search_archives(ctx=ctx, actor=archivist)).items, key=lambda a: a.archive_no)
    due = await records.due_for_disposal(ctx=ctx, actor=archivist)
    proposed = await disposal.propose(ctx=ctx, actor=archivist, archive_nos=[due[0].archive_no],
                                      reason="保管期满，经鉴定无保存价值", origin=CLI)
    kept = next(a for a in filed if a.archive_no != due[0].archive_no)
    archive = await records.get_archive(ctx=ctx, actor=archivist, archive_no=kept.archive_no, origin=CLI)
    waiting = (await handover.list_handovers(ctx=ctx, actor=archivist, status="submitted"))[0]
    waiting_contract = (await handover.get_handover(ctx=ctx, actor=archivist, batch_id=waiting.id)).contracts[0]
    # Still at the front desk (handed over, not yet accepted): its materials are the contract's.
    waiting_files = await attachments.list_attachments(ctx=ctx, actor=desk, contract_no=waiting_contract.contract_no)
    requested_on = sorted(r.requested_at.date() for r in await lookups.list_requests(ctx=ctx, actor=archivist))
    # A colleague of the front desk leaves (the demo's own people stay, to sign in below).
    async with db.unit_of_work(ctx.engine):
        await staff_fixtures.add_missing(branches=[], hash_password=ctx.hasher.hash, people=[{
            "username": "frontdesk3", "display_name": "何静", "role": "front_desk", "branch": "DC",
            "password": "Lin-Shi-2026-Qiu!"}])
    await departure.depart(ctx=ctx, actor=await actor_for(username="gm"), username="frontdesk3",
                           successor="frontdesk", origin=CLI)
    return {
        "account_no": kept.account_no,
        "contract_no": kept.contract_no,
        "batch_id": str(waiting.id),
        "year": str(kept.year),
        "archive_no": quote(kept.archive_no, safe=""),
        "archive_file_id": archive.files[0].file_id,
        "period_from": requested_on[0].isoformat(),
        "period_to": requested_on[-1].isoformat(),
        "disposal_id": str(proposed.id),
        "leaver": "frontdesk3",
        "waiting_contract_no": waiting_contract.contract_no,
        "waiting_file_id": waiting_files[0].file_id,
    }


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_every_download_is_an_attachment_that_is_neither_cached_nor_sniffed(ctx, client, login):
    """200, the file itself, a UTF-8 file name (RFC 6266/5987), ``no-store`` once, ``nosniff``."""
    values = await demo_values(ctx)
    bearer: dict[str, dict[str, str]] = {}
    session = ""

    problems: dict[str, str] = {}
    for route, call in DOWNLOADS.items():
        url = call.url.format(**values)
        if call.via == "api":
            if call.username not in bearer:
                bearer[call.username] = await login(call.username)
            response = await client.get(url, headers=bearer[call.username])
        else:
            if session != call.username:
                await page_login(client, call.username)
                session = call.username
            if call.via == "form":
                response = await submit(client, url, dict(call.form), form_page=call.form_page.format(**values))
            else:
                response = await client.get(url)

        if response.status_code != 200:
            problems[route] = f"{response.status_code}: {response.text[:200]}"
            continue
        headers = response.headers
        found = {
            "body": response.content[:4] == b"%PDF" if call.media_type == "application/pdf" else bool(response.content),
            "media type": headers["content-type"].split(";")[0] == call.media_type,
            "attachment": headers.get("content-disposition", "").startswith("attachment; filename=\""),
            "UTF-8 name": "filename*=UTF-8''" in headers.get("content-disposition", ""),
            "no-store once": headers.get_list("cache-control") == ["no-store"],
            "nosniff": headers.get("x-content-type-options") == "nosniff",
        }
        if not all(found.values()):
            problems[route] = f"{[name for name, ok in found.items() if not ok]} in {dict(headers)}"

    assert problems == {}

"""离职交接 pages (R-AR-07, R-ST-05) for the general manager: pick who leaves, see what they hand over, name
the successor, confirm, print the handover list.

Each handler makes the same service call as its API twin (/api/v1/staff/{username}/departure);
the rules (same role, active successor, not oneself, one transaction) are archives.departure's.
"""

from __future__ import annotations

from urllib.parse import quote

from litestar import Request, Response, get, post
from litestar.response import Redirect, Template

from archives import departure
from archives.pages import page_labels
from crm.accounts.lifecycle import STATUS_LABELS as CUSTOMER_STATUS_LABELS
from crm.context import AppContext, Origin
from crm.errors import Conflict, InvalidInput, NotFound
from crm.http_errors import status_for
from crm.staff.access import Actor
from crm.web.downloads import file_response
from crm.web.render import NavEntry, field_errors, form_values, render, see_other

NAV = (NavEntry(key="nav.departures", href="/departures", capability="staff.departure"),)
# A clerk may look after thousands of accounts: the page shows the first ones, the printed list all.
SHOWN_ROWS = 100


def departure_href(username: str) -> str:
    return f"/departures/{quote(username, safe='')}"


@get("/departures", include_in_schema=False)
async def departures_page(request: Request, ctx: AppContext, actor: Actor) -> Template:
    overview = await departure.departure_overview(ctx=ctx, actor=actor)
    return await render(request, "archives/departures.html", actor=actor, departure_href=departure_href,
                        **overview, **page_labels())


async def _person_page(
    request: Request, ctx: AppContext, actor: Actor, username: str, *, status: int = 200,
    errors: dict[str, str] | None = None, values: dict[str, str] | None = None,
) -> Template:
    prepared = await departure.prepare_departure(ctx=ctx, actor=actor, username=username)
    return await render(
        request, "archives/departure.html", actor=actor, status=status,
        page_path=departure_href(prepared["person"]["username"]), departure_href=departure_href,
        customer_statuses=CUSTOMER_STATUS_LABELS, errors=errors or {}, values=values or {}, shown_rows=SHOWN_ROWS,
        **prepared,
        **page_labels(),
    )


@get("/departures/{username:str}", include_in_schema=False)
async def departure_page(request: Request, ctx: AppContext, actor: Actor, username: str) -> Template:
    return await _person_page(request, ctx, actor, username)


@post("/departures/{username:str}", include_in_schema=False)
async def confirm_departure(
    request: Request, ctx: AppContext, actor: Actor, origin: Origin, username: str
) -> Template | Redirect:
    """交接并停用账号: the lists pass to the successor and the account is disabled, all or nothing."""
    values = form_values(await request.form(), ("successor",))
    try:
        done = await departure.depart(ctx=ctx, actor=actor, username=username, successor=values["successor"],
                                      origin=origin)
    except (InvalidInput, Conflict) as exc:
        return await _person_page(request, ctx, actor, username, status=status_for(exc),
                                  errors=field_errors(exc, default_field="successor"), values=values)
    except NotFound as exc:
        if exc.field != "successor":
            raise
        return await _person_page(request, ctx, actor, username, status=status_for(exc),
                                  errors=field_errors(exc), values=values)
    return see_other(f"{departure_href(done['username'])}?done=departure_done")


@get("/departures/{username:str}/list.pdf", include_in_schema=False)
async def departure_list_pdf(ctx: AppContext, actor: Actor, username: str) -> Response[bytes]:
    pdf = await departure.departure_list_pdf(ctx=ctx, actor=actor, username=username)
    return file_response(content=pdf, filename=f"departure-{username}.pdf")


ROUTES = [departures_page, departure_page, confirm_departure, departure_list_pdf]

"""Rendering helpers shared by every page: common context, navigation, form errors."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Mapping, Sequence

import jinja2
from litestar import Request
from litestar.response import Redirect, Template

from crm.common.money import format_amount
from crm import db
from crm.context import AppContext
from crm.errors import DomainError
from crm.common.local_time import local_text as _local
from crm.staff import grants
from crm.staff.access import Actor
from crm.staff.roles import ROLE_LABELS
from crm.web import i18n
from crm.web.session import here


# Messages shown after a redirect, chosen by a fixed key so nothing typed travels in the URL:
# only "done" values naming a "flash.*" entry of the catalog are shown.


def flash_key(done: str | None) -> str | None:
    if not done or len(done) > 64:
        return None
    key = f"flash.{done}"
    return key if key in i18n.catalog(i18n.DEFAULT_LANGUAGE) else None


@dataclass(frozen=True)
class NavEntry:
    """One link of the main navigation, shown only to holders of ``capability``.

    ``badge`` counts what waits for the reader (approvals, say): called as ``badge(actor=)``,
    the owning package's service returns its count as a query (``crm.db.counts``), or None
    when nothing can wait for this actor. It is called only for actors who see the link, and
    the counts of every visible link are answered by one statement per page.
    """

    key: str
    href: str
    capability: str
    badge: Callable[..., Any] | None = None
    # A link for something that rarely waits (a witness confirmation): shown only while its badge counts.
    only_when_waiting: bool = False


@dataclass(frozen=True)
class NavItem:
    key: str
    href: str
    active: bool
    badge: int = 0


# The app state key under which crm/app.py registers the navigation of other packages' pages:
# crm never imports them, so their links arrive from the wiring.
EXTRA_NAV_STATE = "extra_nav"

_NAV = (
    NavEntry(key="nav.customers", href="/customers", capability="customer.read"),
    NavEntry(key="nav.open_account", href="/customers/new", capability="customer.create"),
    NavEntry(key="nav.corrections", href="/corrections", capability="customer.correct.approve"),
    NavEntry(key="nav.audit", href="/audit", capability="audit.read"),
    NavEntry(key="nav.staff", href="/staff", capability="staff.admin"),
    # The general manager's approval inbox (contracts' page) also holds the grants (R-ST-06).
    NavEntry(key="nav.approvals", href="/approvals", capability="staff.grant.approve", badge=grants.pending_count_query),
)


def _visible(actor: Actor, entries: Sequence[NavEntry], badges: Mapping[str, int]) -> list[NavEntry]:
    # One link per address: a page open to two capabilities (archive search: the archive room's
    # archive.read and everyone's archive.request) has one entry per capability.
    visible: list[NavEntry] = []
    for entry in entries:
        if entry.only_when_waiting and not badges.get(entry.href):
            continue
        if entry.capability in actor.capabilities and all(v.href != entry.href for v in visible):
            visible.append(entry)
    return visible


def navigation(
    actor: Actor, path: str, entries: Sequence[NavEntry] = _NAV, badges: Mapping[str, int] | None = None
) -> list[NavItem]:
    counts = badges or {}
    visible = _visible(actor, entries, counts)
    # The longest matching prefix is the active item ("/customers/new" beats "/customers").
    best = max(
        (entry for entry in visible if path == entry.href or path.startswith(entry.href + "/")),
        key=lambda entry: len(entry.href),
        default=None,
    )
    return [NavItem(key=e.key, href=e.href, active=(e is best), badge=counts.get(e.href, 0)) for e in visible]


async def _page_navigation(request: Request, actor: Actor, path: str) -> list[NavItem]:
    entries = (*_NAV, *request.app.state.get(EXTRA_NAV_STATE, ()))
    # Every entry the actor holds counts towards its link's badge: one link may gather what waits
    # for several capabilities (the approval inbox: contracts and grants).
    hrefs: list[str] = []
    queries = []
    for entry in entries:
        query = entry.badge(actor=actor) if entry.badge is not None and entry.capability in actor.capabilities else None
        if query is not None:
            hrefs.append(entry.href)
            queries.append(query)
    badges: dict[str, int] = {}
    if queries:
        ctx: AppContext = request.app.state.ctx
        for href, count in zip(hrefs, await db.counts(ctx.engine, queries)):
            badges[href] = badges.get(href, 0) + count
    return navigation(actor, path, entries, badges)


def home_for(actor: Actor) -> str:
    """The first page this role can use: customers for the counter, the audit trail for auditors."""
    for entry in _NAV:
        if entry.capability in actor.capabilities:
            return entry.href
    return "/home"


def request_lang(request: Request) -> str:
    return i18n.normalise_lang(request.cookies.get(i18n.LANG_COOKIE))


async def render(
    request: Request,
    template: str,
    *,
    actor: Actor | None = None,
    status: int = 200,
    page_path: str | None = None,
    **context: Any,
) -> Template:
    """A page with the common frame: language, navigation, the person logged in."""
    lang = request_lang(request)
    path = request.scope["path"]
    flash = request.query_params.get("done")
    common: dict[str, Any] = {
        "lang": lang,
        "html_lang": i18n.html_lang(lang),
        "actor": actor,
        "nav": await _page_navigation(request, actor, path) if actor else [],
        # Where the language switch returns to: POST results go back to their GET page.
        "here": page_path or (here(request) if request.method == "GET" else path),
        "flash": flash_key(flash),
    }
    if actor is not None:
        common["role_label"] = i18n.label(lang, ROLE_LABELS.get(actor.role))
        branch = await request.app.state.ctx.branches.by_code(actor.branch_code)
        common["branch_label"] = branch.name if branch else actor.branch_code
    # The security headers (no-store, no framing, the CSP) are the app's, crm.http_headers.
    return Template(template_name=template, context={**common, **context}, status_code=status)


def see_other(path: str) -> Redirect:
    return Redirect(path=path, status_code=303)


def field_errors(exc: DomainError, *, default_field: str = "_form") -> dict[str, str]:
    """Field name -> bilingual message, for inline display next to each input."""
    errors: dict[str, str] = {}
    for error in getattr(exc, "errors", None) or []:
        errors.setdefault(error.field or default_field, error.message)
    if not errors:
        errors[exc.field or default_field] = exc.message
    return errors


def page_number(raw: str | None) -> int:
    """The ?page= of a list: 1 for anything that is not a page number, at most 100,000."""
    try:
        return max(1, min(int(raw or 1), 100_000))
    except ValueError:
        return 1


def form_list(form: Any, name: str) -> list[str]:
    """Every text value submitted under ``name`` (ticked boxes, repeated inputs), in form order."""
    return [v for v in form.getall(name, []) if isinstance(v, str)]


def form_values(form: Mapping[str, Any], names: tuple[str, ...]) -> dict[str, str]:
    """The submitted text values of ``names``; anything that is not text counts as empty."""
    values = {}
    for name in names:
        value = form.get(name)
        values[name] = value if isinstance(value, str) else ""
    return values


# ---- Jinja helpers -------------------------------------------------------------------------


@jinja2.pass_context
def _t(context: Mapping[str, Any], key: str, **values: Any) -> str:
    return i18n.translate(context.get("lang", i18n.DEFAULT_LANGUAGE), key, **values)


@jinja2.pass_context
def _pick(context: Mapping[str, Any], message: str | None) -> str:
    return i18n.pick(context.get("lang", i18n.DEFAULT_LANGUAGE), message)


@jinja2.pass_context
def _lbl(context: Mapping[str, Any], pair: tuple[str, str] | str | None) -> str:
    return i18n.label(context.get("lang", i18n.DEFAULT_LANGUAGE), pair)



def configure_environment(environment: jinja2.Environment) -> None:
    environment.globals["t"] = _t
    environment.filters["pick"] = _pick
    environment.filters["lbl"] = _lbl
    environment.filters["local"] = _local
    environment.filters["yuan"] = format_amount
    environment.trim_blocks = True
    environment.lstrip_blocks = True

"""Rendering helpers shared by every page: common context, navigation, form errors."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Mapping

import jinja2
from litestar import Request
from litestar.response import Redirect, Template

from crm.errors import DomainError
from crm.staff.access import Actor
from crm.staff.roles import ROLE_LABELS
from crm.web import i18n
from crm.web.session import here

BEIJING = dt.timezone(dt.timedelta(hours=8))

# Pages show personal data: never cache them, never frame them, never leak the URL onwards.
PAGE_HEADERS = {
    "Cache-Control": "no-store",
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
    ),
}

# Messages shown after a redirect, chosen by a fixed key so nothing typed travels in the URL.
FLASH_KEYS = frozenset(
    {
        "opened",
        "updated",
        "status_changed",
        "meter_added",
        "appliance_added",
        "correction_requested",
        "correction_approved",
        "correction_rejected",
        "password_changed",
    }
)


@dataclass(frozen=True)
class NavItem:
    key: str
    href: str
    active: bool


_NAV = (
    # (catalog key, href, capability, path prefix that marks it active)
    ("nav.customers", "/customers", "customer.read", "/customers"),
    ("nav.open_account", "/customers/new", "customer.create", "/customers/new"),
    ("nav.corrections", "/corrections", "customer.correct.approve", "/corrections"),
    ("nav.audit", "/audit", "audit.read", "/audit"),
)


def navigation(actor: Actor, path: str) -> list[NavItem]:
    items = []
    for key, href, capability, prefix in _NAV:
        if capability in actor.capabilities:
            items.append(NavItem(key=key, href=href, active=False))
    # The longest matching prefix is the active item ("/customers/new" beats "/customers").
    best = max(
        (item for item in items if path == item.href or path.startswith(item.href + "/")),
        key=lambda item: len(item.href),
        default=None,
    )
    return [NavItem(key=i.key, href=i.href, active=(i is best)) for i in items]


def home_for(actor: Actor) -> str:
    """The first page this role can use: customers for the counter, the audit trail for auditors."""
    for _, href, capability, _ in _NAV:
        if capability in actor.capabilities:
            return href
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
        "nav": navigation(actor, path) if actor else [],
        # Where the language switch returns to: POST results go back to their GET page.
        "here": page_path or (here(request) if request.method == "GET" else path),
        "flash": f"flash.{flash}" if flash in FLASH_KEYS else None,
    }
    if actor is not None:
        common["role_label"] = i18n.label(lang, ROLE_LABELS.get(actor.role))
        branch = await request.app.state.ctx.branches.by_code(actor.branch_code)
        common["branch_label"] = branch.name if branch else actor.branch_code
    return Template(template_name=template, context={**common, **context}, status_code=status, headers=PAGE_HEADERS)


def see_other(path: str) -> Redirect:
    return Redirect(path=path, status_code=303, headers={"Cache-Control": "no-store"})


def field_errors(exc: DomainError, *, default_field: str = "_form") -> dict[str, str]:
    """Field name -> bilingual message, for inline display next to each input."""
    errors: dict[str, str] = {}
    for error in getattr(exc, "errors", None) or []:
        errors.setdefault(error.field or default_field, error.message)
    if not errors:
        errors[exc.field or default_field] = exc.message
    return errors


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


def _local(value: dt.datetime | dt.date | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=dt.timezone.utc)
        return value.astimezone(BEIJING).strftime(fmt)
    return value.isoformat()


def _yuan(fen: int | None) -> str:
    fen = fen or 0
    sign = "-" if fen < 0 else ""
    yuan, cents = divmod(abs(fen), 100)
    return f"{sign}{yuan:,}.{cents:02d}"


def configure_environment(environment: jinja2.Environment) -> None:
    environment.globals["t"] = _t
    environment.filters["pick"] = _pick
    environment.filters["lbl"] = _lbl
    environment.filters["local"] = _local
    environment.filters["yuan"] = _yuan
    environment.trim_blocks = True
    environment.lstrip_blocks = True

"""Customer pages (SPEC §2): search, open an account, the customer page and its forms.

Every handler makes the same service call as its API twin (crm/accounts/api.py); a refused
form is shown again with the service's own messages next to the fields. Scope, permissions
and clearance are decided in the services: another branch's customer raises NotFound there
and becomes the 404 page here (R-PM-03).
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Mapping
from urllib.parse import quote

from litestar import Request, Response, get, post
from litestar.response import Redirect, Template

from crm.accounts import corrections, equipment, service, sheet
from crm.accounts.customer_rules import CATEGORY_ID_TYPES, CATEGORY_LABELS, FIELD_LABELS, ID_TYPE_LABELS, CustomerInput
from crm.accounts.lifecycle import FREEZE_CAUSE_LABELS, STATUS_LABELS, allowed_targets
from crm.accounts.meter_rules import APPLIANCE_KIND_LABELS, METER_MODELS, METER_TYPE_LABELS, ApplianceInput, MeterInput
from crm.accounts.service import DuplicateIdNumber
from crm.context import AppContext, Origin
from crm.errors import Conflict, InvalidInput, RateLimited
from crm.http_errors import status_for
from crm.staff import directory as staff_directory
from crm.staff.access import Actor, can_reveal, in_scope, require
from crm.staff.roles import FIELD_CLASSES
from crm.web import i18n
from crm.web.downloads import file_response
from crm.web.render import field_errors, form_values, page_number, render, request_lang, see_other

CUSTOMER_FIELDS = (
    "category", "name", "id_type", "id_number", "phone", "contact_name", "contact_phone",
    "province", "city", "district", "street", "detail", "branch", "delivery_notice_no", "acceptance_drawing_no",
)
METER_FIELDS = ("serial", "model", "meter_type", "installed_date", "initial_reading", "seal_no")
APPLIANCE_FIELDS = ("kind", "brand", "model", "installed_date")
# Sensitive values that can be revealed, with the label of each (R-PM-02).
REVEALABLE = (
    ("id_number", ("证件号码", "ID number")),
    ("phone", ("联系电话", "Phone")),
    ("contact_phone", ("联系人电话", "Contact phone")),
    ("address_detail", ("详细地址", "Address detail")),
)
CORRECTABLE = ("name", "id_number")
HISTORY_FIELD_LABELS = {
    **FIELD_LABELS,
    "address_detail": FIELD_LABELS["detail"],
    "status": ("状态", "Status"),
    "meter": ("表具", "Meter"),
    "appliance": ("燃气具", "Appliance"),
}


def _text(form: Mapping[str, Any], name: str) -> str:
    value = form.get(name)
    return value if isinstance(value, str) else ""


def _date(value: str, field: str) -> tuple[dt.date | None, dict[str, str]]:
    """Form text to a date: parsing the browser's yyyy-mm-dd is the form's job, not a rule."""
    value = value.strip()
    if not value:
        return None, {}
    try:
        return dt.date.fromisoformat(value), {}
    except ValueError:
        return None, {field: i18n.both("form.invalid_date")}


# ---- search --------------------------------------------------------------------------------

SEARCH_TEMPLATE = "customers/list.html"


def _search_context(**extra: Any) -> dict[str, Any]:
    context = {
        "statuses": STATUS_LABELS,
        "categories": CATEGORY_LABELS,
        "q": "",
        "status_filter": "",
        "sensitive": {"id_number": "", "phone": ""},
        "mode": "text",
        "result": None,
        "errors": {},
    }
    context.update(extra)
    return context


@get("/customers", include_in_schema=False)
async def customer_list(request: Request, ctx: AppContext, actor: Actor) -> Template:
    q = request.query_params.get("q") or ""
    status = request.query_params.get("status") or ""
    page = page_number(request.query_params.get("page"))
    try:
        result = await service.search_customers(ctx=ctx, actor=actor, query=q[:100], status=status or None, page=page)
    except InvalidInput as exc:
        return await render(
            request, SEARCH_TEMPLATE, actor=actor, status=status_for(exc),
            **_search_context(q=q, status_filter=status, errors=field_errors(exc)),
        )
    return await render(request, SEARCH_TEMPLATE, actor=actor, **_search_context(q=q, status_filter=status, result=result))


@post("/customers/search", include_in_schema=False)
async def customer_search(request: Request, ctx: AppContext, actor: Actor) -> Template:
    """ID number and phone searches are POSTed: sensitive values never travel in a URL."""
    form = await request.form()
    values = form_values(form, ("id_number", "phone", "status", "page"))
    sensitive = {"id_number": values["id_number"], "phone": values["phone"]}
    context = dict(mode="sensitive", status_filter=values["status"], sensitive=sensitive)
    if not values["id_number"].strip() and not values["phone"].strip():
        return await render(
            request, SEARCH_TEMPLATE, actor=actor, status=422, page_path="/customers",
            **_search_context(**context, errors={"id_number": i18n.both("search.need_id_or_phone")}),
        )
    try:
        result = await service.search_customers(
            ctx=ctx, actor=actor, id_number=values["id_number"][:40], phone=values["phone"][:40],
            status=values["status"] or None, page=page_number(values["page"]),
        )
    except InvalidInput as exc:
        return await render(
            request, SEARCH_TEMPLATE, actor=actor, status=status_for(exc), page_path="/customers",
            **_search_context(**context, errors=field_errors(exc)),
        )
    return await render(
        request, SEARCH_TEMPLATE, actor=actor, page_path="/customers", **_search_context(**context, result=result)
    )


# ---- opening an account ----------------------------------------------------------------------

NEW_TEMPLATE = "customers/new.html"


async def _new_form(
    request: Request, actor: Actor, *, values: dict[str, str], errors: dict[str, str], status: int = 200,
    duplicate_of: str | None = None,
) -> Template:
    branches = [b for b in await staff_directory.list_branches() if in_scope(actor, b["id"])]
    return await render(
        request,
        NEW_TEMPLATE,
        actor=actor,
        status=status,
        page_path="/customers/new",
        values=values,
        errors=errors,
        duplicate_of=duplicate_of,
        branches=branches,
        categories=CATEGORY_LABELS,
        id_types=ID_TYPE_LABELS,
        category_id_types=CATEGORY_ID_TYPES,
        labels=FIELD_LABELS,
    )


@get("/customers/new", include_in_schema=False)
async def new_customer_form(request: Request, actor: Actor) -> Template:
    # Show the refusal before the clerk types a whole form; open_account checks again.
    require(actor, "customer.create")
    values = {name: "" for name in CUSTOMER_FIELDS}
    values.update(category="residential", id_type="resident_id", branch=actor.branch_code)
    return await _new_form(request, actor, values=values, errors={})


@post("/customers/new", include_in_schema=False)
async def open_account(request: Request, ctx: AppContext, actor: Actor, origin: Origin) -> Template | Redirect:
    values = form_values(await request.form(), CUSTOMER_FIELDS)
    try:
        customer = await service.open_account(ctx=ctx, actor=actor, data=CustomerInput(**values), origin=origin)
    except DuplicateIdNumber as exc:
        return await _new_form(
            request, actor, values=values, errors=field_errors(exc), status=409, duplicate_of=exc.existing_account_no
        )
    except (InvalidInput, Conflict) as exc:
        return await _new_form(request, actor, values=values, errors=field_errors(exc), status=status_for(exc))
    return see_other(f"/customers/{quote(customer.account_no)}?done=opened")


# ---- the customer page -----------------------------------------------------------------------

DETAIL_TEMPLATE = "customers/detail.html"


async def _customer_page(
    request: Request,
    ctx: AppContext,
    actor: Actor,
    account_no: str,
    *,
    status: int = 200,
    errors: dict[str, dict[str, str]] | None = None,
    values: dict[str, dict[str, str]] | None = None,
    revealed: Any = None,
) -> Template:
    """The customer with meters, appliances and history: the reads behind the API's four GETs."""
    customer = await service.get_customer(ctx=ctx, actor=actor, account_no=account_no)
    meters = await equipment.list_meters(ctx=ctx, actor=actor, account_no=customer.account_no)
    appliances = await equipment.list_appliances(ctx=ctx, actor=actor, account_no=customer.account_no)
    history = await service.history(ctx=ctx, actor=actor, account_no=customer.account_no)
    masked = {
        "id_number": customer.id_number,
        "phone": customer.phone,
        "contact_phone": customer.contact_phone,
        "address_detail": customer.address.detail,
    }
    sensitive = [
        {"field": field, "label": pair, "value": masked[field] or "", "can_reveal": bool(masked[field]) and can_reveal(actor=actor, field=field)}
        for field, pair in REVEALABLE
        if field != "contact_phone" or masked[field]
    ]
    caps = actor.capabilities
    open_account_ = customer.status != "closed"
    lang = request_lang(request)
    targets = allowed_targets(customer.status) if "customer.transition" in caps else ()
    correctable = CORRECTABLE if "customer.correct.request" in caps and open_account_ else ()

    def options(pairs: Mapping[str, tuple[str, str]], keys: Any = None) -> list[tuple[str, str]]:
        return [(key, i18n.label(lang, pairs[key])) for key in (keys if keys is not None else pairs)]

    return await render(
        request,
        DETAIL_TEMPLATE,
        actor=actor,
        status=status,
        page_path=f"/customers/{quote(customer.account_no)}",
        c=customer,
        meters=meters,
        appliances=appliances,
        history=list(reversed(history)),
        sensitive=sensitive,
        revealed=revealed,
        errors=errors or {},
        values=values or {},
        targets=targets,
        status_target_options=options(STATUS_LABELS, targets),
        freeze_cause_options=options(FREEZE_CAUSE_LABELS),
        meter_type_options=options(METER_TYPE_LABELS),
        appliance_kind_options=options(APPLIANCE_KIND_LABELS),
        correction_options=options(FIELD_LABELS, correctable),
        statuses=STATUS_LABELS,
        categories=CATEGORY_LABELS,
        id_types=ID_TYPE_LABELS,
        freeze_causes=FREEZE_CAUSE_LABELS,
        meter_types=METER_TYPE_LABELS,
        meter_models=METER_MODELS,
        appliance_kinds=APPLIANCE_KIND_LABELS,
        labels=FIELD_LABELS,
        history_labels=HISTORY_FIELD_LABELS,
        correctable=correctable,
        can_edit="customer.update" in caps and open_account_,
        can_add_meter="meter.write" in caps and open_account_,
        can_add_appliance="appliance.write" in caps and open_account_,
        can_print="customer.sheet" in caps,
        can_print_full="customer.sheet" in caps and all(can_reveal(actor=actor, field=f) for f in FIELD_CLASSES if f != "bank_account"),
    )


async def _refused(
    request: Request, ctx: AppContext, actor: Actor, account_no: str, form: str, exc: Exception, values: dict[str, str]
) -> Template:
    return await _customer_page(
        request, ctx, actor, account_no, status=status_for(exc),
        errors={form: field_errors(exc)}, values={form: values},
    )


@get("/customers/{account_no:str}", include_in_schema=False)
async def customer_detail(request: Request, ctx: AppContext, actor: Actor, account_no: str) -> Template:
    return await _customer_page(request, ctx, actor, account_no)


@post("/customers/{account_no:str}/reveal", include_in_schema=False)
async def reveal(request: Request, ctx: AppContext, actor: Actor, origin: Origin, account_no: str) -> Template:
    """查看完整信息: the full value is in this response only, never stored in the page's URL (R-PM-02)."""
    values = form_values(await request.form(), ("field", "reason"))
    try:
        revealed = await service.reveal(
            ctx=ctx, actor=actor, account_no=account_no, field=values["field"], reason=values["reason"], origin=origin
        )
    except (InvalidInput, RateLimited) as exc:
        return await _refused(request, ctx, actor, account_no, f"reveal_{values['field']}", exc, values)
    return await _customer_page(request, ctx, actor, account_no, revealed=revealed)


@post("/customers/{account_no:str}/status", include_in_schema=False)
async def change_status(request: Request, ctx: AppContext, actor: Actor, origin: Origin, account_no: str) -> Template | Redirect:
    values = form_values(await request.form(), ("to", "reason", "cause", "version"))
    try:
        customer = await service.transition(
            ctx=ctx, actor=actor, account_no=account_no, to=values["to"], reason=values["reason"],
            cause=values["cause"] or None, expected_version=_version(values["version"]), origin=origin,
        )
    except (InvalidInput, Conflict) as exc:
        return await _refused(request, ctx, actor, account_no, "status", exc, values)
    return see_other(f"/customers/{quote(customer.account_no)}?done=status_changed")


@post("/customers/{account_no:str}/meters", include_in_schema=False)
async def add_meter(request: Request, ctx: AppContext, actor: Actor, origin: Origin, account_no: str) -> Template | Redirect:
    values = form_values(await request.form(), METER_FIELDS)
    installed, date_error = _date(values["installed_date"], "installed_date")
    if date_error:
        return await _customer_page(request, ctx, actor, account_no, status=422, errors={"meter": date_error}, values={"meter": values})
    data = MeterInput(
        serial=values["serial"], model=values["model"], meter_type=values["meter_type"], installed_date=installed,
        initial_reading=values["initial_reading"], seal_no=values["seal_no"],
    )
    try:
        await equipment.add_meter(ctx=ctx, actor=actor, account_no=account_no, data=data, origin=origin)
    except (InvalidInput, Conflict) as exc:
        return await _refused(request, ctx, actor, account_no, "meter", exc, values)
    return see_other(f"/customers/{quote(account_no)}?done=meter_added#meters")


@post("/customers/{account_no:str}/appliances", include_in_schema=False)
async def add_appliance(
    request: Request, ctx: AppContext, actor: Actor, origin: Origin, account_no: str
) -> Template | Redirect:
    values = form_values(await request.form(), APPLIANCE_FIELDS)
    installed, date_error = _date(values["installed_date"], "installed_date")
    if date_error:
        return await _customer_page(
            request, ctx, actor, account_no, status=422, errors={"appliance": date_error}, values={"appliance": values}
        )
    data = ApplianceInput(kind=values["kind"], brand=values["brand"], model=values["model"], installed_date=installed)
    try:
        await equipment.add_appliance(ctx=ctx, actor=actor, account_no=account_no, data=data, origin=origin)
    except (InvalidInput, Conflict) as exc:
        return await _refused(request, ctx, actor, account_no, "appliance", exc, values)
    return see_other(f"/customers/{quote(account_no)}?done=appliance_added#appliances")


@post("/customers/{account_no:str}/corrections", include_in_schema=False)
async def request_correction(
    request: Request, ctx: AppContext, actor: Actor, origin: Origin, account_no: str
) -> Template | Redirect:
    values = form_values(await request.form(), ("field", "new_value", "reason"))
    try:
        await corrections.request_correction(
            ctx=ctx, actor=actor, account_no=account_no, field=values["field"], new_value=values["new_value"],
            reason=values["reason"], origin=origin,
        )
    except (InvalidInput, Conflict) as exc:
        errors = field_errors(exc)
        # The rules name the customer field ("name", "id_number"); the form has one value box.
        for name in ("name", "id_number", "id_type"):
            if name in errors:
                errors.setdefault("new_value", errors.pop(name))
        return await _customer_page(
            request, ctx, actor, account_no, status=status_for(exc), errors={"correction": errors}, values={"correction": values}
        )
    return see_other(f"/customers/{quote(account_no)}?done=correction_requested")


# ---- editing contact and address details -----------------------------------------------------

EDIT_TEMPLATE = "customers/edit.html"
# Prefilled with the current values and sent as typed, so clearing an optional one clears it.
EDIT_PLAIN_FIELDS = ("contact_name", "province", "city", "district", "street", "delivery_notice_no", "acceptance_drawing_no")
# Start empty and are sent only when typed: blank keeps the current value (R-PM-02).
EDIT_SENSITIVE_FIELDS = ("phone", "contact_phone", "detail")


def _version(value: str) -> int | None:
    value = value.strip()
    return int(value) if value.isascii() and value.isdigit() and len(value) <= 12 else None


async def _edit_form(
    request: Request,
    ctx: AppContext,
    actor: Actor,
    account_no: str,
    *,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> Template:
    """The form over the current plain values; sensitive ones appear masked only (R-PM-02)."""
    customer = await service.get_customer(ctx=ctx, actor=actor, account_no=account_no)
    if values is None:
        address = customer.address
        values = {
            "contact_name": customer.contact_name or "",
            "province": address.province or "",
            "city": address.city or "",
            "district": address.district or "",
            "street": address.street or "",
            "delivery_notice_no": customer.delivery_notice_no or "",
            "acceptance_drawing_no": customer.acceptance_drawing_no or "",
            **{name: "" for name in EDIT_SENSITIVE_FIELDS},
            "version": str(customer.version),
        }
    return await render(
        request,
        EDIT_TEMPLATE,
        actor=actor,
        status=status,
        page_path=f"/customers/{quote(customer.account_no)}/edit",
        c=customer,
        values=values,
        errors=errors or {},
        masked={"phone": customer.phone, "contact_phone": customer.contact_phone, "detail": customer.address.detail},
        editable=customer.status != "closed",
        categories=CATEGORY_LABELS,
        statuses=STATUS_LABELS,
    )


@get("/customers/{account_no:str}/edit", include_in_schema=False)
async def edit_customer_form(request: Request, ctx: AppContext, actor: Actor, account_no: str) -> Template:
    # Show the refusal before the clerk types a whole form; update_customer checks again.
    require(actor, "customer.update")
    return await _edit_form(request, ctx, actor, account_no)


@post("/customers/{account_no:str}/edit", include_in_schema=False)
async def update_customer(
    request: Request, ctx: AppContext, actor: Actor, origin: Origin, account_no: str
) -> Template | Redirect:
    """修改联系信息, the twin of PATCH /api/v1/customers/{no} (R-AC-08): name and ID go through corrections."""
    values = form_values(await request.form(), (*EDIT_PLAIN_FIELDS, *EDIT_SENSITIVE_FIELDS, "version"))
    version = _version(values["version"])
    if version is None:
        # Without the version the form was not loaded from this page: saving it could undo someone's change.
        return await _edit_form(
            request, ctx, actor, account_no, status=422, errors={"version": i18n.both("edit.no_version")}, values=values
        )
    changes = CustomerInput(
        **{name: values[name] for name in EDIT_PLAIN_FIELDS},
        **{name: values[name] for name in EDIT_SENSITIVE_FIELDS if values[name].strip()},
    )
    try:
        customer = await service.update_customer(
            ctx=ctx, actor=actor, account_no=account_no, changes=changes, expected_version=version, origin=origin
        )
    except (InvalidInput, Conflict) as exc:
        # StaleUpdate (409) names the "version" field: the form then offers to reload.
        return await _edit_form(request, ctx, actor, account_no, status=status_for(exc), errors=field_errors(exc), values=values)
    return see_other(f"/customers/{quote(customer.account_no)}?done=updated")


def _pdf(number: str, pdf: bytes, suffix: str = "") -> Response[bytes]:
    return file_response(content=pdf, filename=f"customer-{number}{suffix}.pdf")


@get("/customers/{account_no:str}/sheet.pdf", include_in_schema=False)
async def sheet_pdf(ctx: AppContext, actor: Actor, origin: Origin, account_no: str) -> Response[bytes]:
    """打印用户信息 with masked values, through the page session."""
    number, pdf = await sheet.customer_sheet_pdf(ctx=ctx, actor=actor, account_no=account_no, full=False, origin=origin)
    return _pdf(number, pdf)


@post("/customers/{account_no:str}/sheet-full.pdf", include_in_schema=False)
async def sheet_full_pdf(
    request: Request, ctx: AppContext, actor: Actor, origin: Origin, account_no: str
) -> Response[bytes] | Template:
    """The full copy: reveal rights and a stated reason, watermarked and logged."""
    values = form_values(await request.form(), ("reason",))
    try:
        number, pdf = await sheet.customer_sheet_pdf(
            ctx=ctx, actor=actor, account_no=account_no, full=True, reason=values["reason"], origin=origin
        )
    except (InvalidInput, RateLimited) as exc:
        return await _refused(request, ctx, actor, account_no, "sheet", exc, values)
    return _pdf(number, pdf, "-full")


ROUTES = [
    customer_list,
    customer_search,
    new_customer_form,
    open_account,
    customer_detail,
    reveal,
    change_status,
    add_meter,
    add_appliance,
    request_correction,
    edit_customer_form,
    update_customer,
    sheet_pdf,
    sheet_full_pdf,
]

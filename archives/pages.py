"""Archive pages (SPEC §5, R-AR-01..03, R-AR-06): materials, handover, acceptance, search, lookups.

Each handler makes the same service call as its API twin (archives/api.py); permissions,
branch scope (another branch's archive is the 404 page) and every rule are the services'.
A refused form is shown again with the service's own message next to its field.

- The contract page gets a "合同资料" section (CONTRACT_SECTIONS, wired by crm/app.py through
  contracts.pages.CONTRACT_SECTIONS_STATE) listing the materials with an upload form.
- 移交归档 (/handover): the front desk's finished contracts and its batches.
- 待接收移交 (/handovers): the archivist's batches; a batch page accepts or returns it.
- 档案查询 (/archives): the catalogue; an archive page, or the lookup request form without a grant.
- 查阅审批 (/lookups) and 我的查阅 (/lookups/mine).

Archive numbers contain "·": every link is built with urllib.parse.quote.
Disposal (销毁) and the fixity check (完整性检查) have their pages in archives.disposal_pages.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import quote

from litestar import Request, Response, get, post
from litestar.datastructures import UploadFile
from litestar.response import Redirect, Template

from archives import attachments, documents, handover, lookups, records
from archives.access_rules import REQUEST_STATUS_LABELS, GrantExpired, NoGrant
from archives.handover_rules import HANDOVER_STATUS_LABELS
from archives.materials import ATTACHMENT_KINDS, KIND_LABELS, missing_materials
from archives.retention import RETENTION_LABELS
from contracts import pages as contract_pages
from contracts.lifecycle import STATUS_LABELS as CONTRACT_STATUS_LABELS
from crm.context import AppContext, Origin
from crm.errors import Conflict, DomainError, InvalidInput, NotFound
from crm.http_errors import status_for
from crm.http_params import RecordId
from crm.common.local_time import BEIJING
from crm.staff.access import Actor, require, require_any
from crm.staff.roles import ROLE_LABELS
from crm.web import i18n
from crm.web.downloads import file_response
from crm.web.render import (
    NavEntry, field_errors, form_list, form_values, page_number, render, request_lang, see_other,
)


def archive_href(archive_no: str) -> str:
    return f"/archives/{quote(archive_no, safe='')}"


def contract_href(contract_no: str) -> str:
    return f"/contracts/{quote(contract_no, safe='')}"


def page_labels() -> dict[str, Any]:
    return {
        "kinds": KIND_LABELS,
        "handover_statuses": HANDOVER_STATUS_LABELS,
        "request_statuses": REQUEST_STATUS_LABELS,
        "contract_statuses": CONTRACT_STATUS_LABELS,
        "retentions": RETENTION_LABELS,
        "roles": ROLE_LABELS,
        "archive_href": archive_href,
        "contract_href": contract_href,
    }


# The badges are the services' counts, answered together by one statement per page (crm.web.render).
NAV = (
    NavEntry(key="nav.handover", href="/handover", capability="archive.handover"),
    NavEntry(key="nav.handovers", href="/handovers", capability="archive.receive",
             badge=handover.submitted_count_query),
    NavEntry(key="nav.archives", href="/archives", capability="archive.read"),
    NavEntry(key="nav.archives", href="/archives", capability="archive.request"),
    NavEntry(key="nav.lookups", href="/lookups", capability="archive.access.decide",
             badge=lookups.waiting_count_query),
    NavEntry(key="nav.my_lookups", href="/lookups/mine", capability="archive.request"),
)


# ---- the materials section of the contract page -------------------------------------------------


async def materials_section(*, request: Request, ctx: AppContext, actor: Actor, contract: Any) -> dict[str, Any]:
    """合同资料: the files, the upload form while the contract is not archived, its archive number once it is."""
    lang = request_lang(request)
    files = await attachments.list_attachments(ctx=ctx, actor=actor, contract_no=contract.contract_no)
    archived = contract.status == "archived"
    archive_no = None
    if archived and {"archive.read", "archive.request"} & set(actor.capabilities):
        found = await records.search_archives(ctx=ctx, actor=actor, contract_no=contract.contract_no)
        archive_no = found.items[0].archive_no if found.items else None
    present = {f.kind for f in files if not f.destroyed}
    return {
        "template": "archives/_materials.html",
        "files": files,
        "archived": archived,
        "archive_no": archive_no,
        "missing": missing_materials(contract_type=contract.type, kinds_present=present),
        "can_upload": not archived and "attachment.upload" in actor.capabilities,
        "kind_options": [(k, i18n.label(lang, KIND_LABELS[k])) for k in ATTACHMENT_KINDS],
        "base": contract_href(contract.contract_no),
        **page_labels(),
    }


CONTRACT_SECTIONS = (materials_section,)


@post("/contracts/{contract_no:str}/materials", include_in_schema=False)
async def upload_material(
    request: Request, ctx: AppContext, actor: Actor, origin: Origin, contract_no: str
) -> Template | Redirect:
    """上传合同资料 (multipart): a refused file is shown next to the file input."""
    form = await request.form()
    kind = form.get("kind") if isinstance(form.get("kind"), str) else ""
    upload = form.get("file")
    try:
        if not isinstance(upload, UploadFile) or not upload.filename:
            raise InvalidInput("请选择要上传的文件 / Choose a file to upload", field="file",
                               code="attachment.no_file")
        await attachments.attach_file(ctx=ctx, actor=actor, contract_no=contract_no, kind=kind,
                                      filename=upload.filename, data=await upload.read(), origin=origin)
    except (InvalidInput, Conflict) as exc:
        errors = field_errors(exc, default_field="file")
        if "contract_no" in errors:
            errors.setdefault("_form", errors.pop("contract_no"))
        return await contract_pages.contract_page(
            request, ctx, actor, contract_no, status=status_for(exc),
            errors={"materials": errors}, values={"materials": {"kind": kind}},
        )
    return see_other(f"{contract_href(contract_no)}?done=material_uploaded#materials")


@get("/contracts/{contract_no:str}/materials/{file_id:str}", include_in_schema=False)
async def download_material(
    ctx: AppContext, actor: Actor, origin: Origin, contract_no: str, file_id: str
) -> Response[bytes]:
    meta, data = await attachments.download_contract_file(ctx=ctx, actor=actor, contract_no=contract_no,
                                                          file_id=file_id, origin=origin)
    return file_response(content=data, filename=meta.filename, media_type=meta.media_type)


# ---- 移交归档: the front desk ----------------------------------------------------------------------


async def _handover_page(
    request: Request, ctx: AppContext, actor: Actor, *, status: int = 200, errors: dict[str, str] | None = None,
    chosen: list[str] | None = None, note: str = "", missing: dict[str, list[str]] | None = None,
) -> Template:
    desk = await handover.handover_desk(ctx=ctx, actor=actor)
    return await render(
        request, "archives/handover.html", actor=actor, status=status, page_path="/handover",
        candidates=desk.candidates, batches=desk.batches,
        errors=errors or {}, chosen=set(chosen or ()), note=note, refused_missing=missing or {}, **page_labels(),
    )


@get("/handover", include_in_schema=False)
async def handover_page(request: Request, ctx: AppContext, actor: Actor) -> Template:
    return await _handover_page(request, ctx, actor)


@post("/handover", include_in_schema=False)
async def submit_handover(request: Request, ctx: AppContext, actor: Actor, origin: Origin) -> Template | Redirect:
    """移交: the ticked contracts in one batch; what is missing is shown per contract."""
    form = await request.form()
    chosen = form_list(form, "contract_nos")
    note = form_values(form, ("note",))["note"]
    try:
        batch = await handover.create_handover(ctx=ctx, actor=actor, contract_nos=chosen, note=note, origin=origin)
    except (InvalidInput, Conflict) as exc:
        errors = field_errors(exc, default_field="contract_nos")
        return await _handover_page(request, ctx, actor, status=status_for(exc), errors=errors, chosen=chosen,
                                    note=note, missing=getattr(exc, "missing", None))
    return see_other(f"/handovers/{batch.id}?done=handover_submitted")


# ---- 待接收移交: the archivist ------------------------------------------------------------------------


@get("/handovers", include_in_schema=False)
async def handovers_page(request: Request, ctx: AppContext, actor: Actor) -> Template:
    """The batches of the reader's scope, those waiting first."""
    require(actor, "archive.receive")
    batches = await handover.list_handovers(ctx=ctx, actor=actor)
    waiting = [b for b in batches if b.status == "submitted"]
    decided = [b for b in reversed(batches) if b.status != "submitted"][:50]
    return await render(request, "archives/handovers.html", actor=actor, waiting=waiting, decided=decided,
                        **page_labels())


async def _batch_page(
    request: Request, ctx: AppContext, actor: Actor, batch_id: int, *, status: int = 200,
    errors: dict[str, str] | None = None, reason: str = "",
) -> Template:
    batch = await handover.get_handover(ctx=ctx, actor=actor, batch_id=batch_id)
    return await render(
        request, "archives/batch.html", actor=actor, status=status, page_path=f"/handovers/{batch.id}",
        batch=batch, can_decide=batch.status == "submitted" and "archive.receive" in actor.capabilities,
        errors=errors or {}, reason=reason, **page_labels(),
    )


def id_in_range(raw: int, *, not_found: NotFound) -> int:
    """Ids are database integers: a number beyond them is simply not found, never an overflow."""
    if not 1 <= raw <= 2**31 - 1:
        raise not_found
    return raw


def _batch_id(raw: int) -> int:
    return id_in_range(raw, not_found=NotFound(f"移交批次 {raw} 不存在 / Handover {raw} not found", field="id",
                                               code="handover.not_found"))


@get("/handovers/{batch_id:int}", include_in_schema=False)
async def batch_page(request: Request, ctx: AppContext, actor: Actor, batch_id: RecordId) -> Template:
    return await _batch_page(request, ctx, actor, _batch_id(batch_id))


@post("/handovers/{batch_id:int}/accept", include_in_schema=False)
async def accept_batch(
    request: Request, ctx: AppContext, actor: Actor, origin: Origin, batch_id: RecordId
) -> Template | Redirect:
    """接收: every contract gets its archive number, shown on the batch page."""
    try:
        await handover.accept_handover(ctx=ctx, actor=actor, batch_id=_batch_id(batch_id), origin=origin)
    except (InvalidInput, Conflict) as exc:
        return await _batch_page(request, ctx, actor, batch_id, status=status_for(exc),
                                 errors={"_form": exc.message})
    return see_other(f"/handovers/{batch_id}?done=handover_accepted")


@post("/handovers/{batch_id:int}/return", include_in_schema=False)
async def return_batch(
    request: Request, ctx: AppContext, actor: Actor, origin: Origin, batch_id: RecordId
) -> Template | Redirect:
    """退回 with a reason, which the front desk reads on its handover page."""
    reason = form_values(await request.form(), ("reason",))["reason"]
    try:
        await handover.return_handover(ctx=ctx, actor=actor, batch_id=_batch_id(batch_id), reason=reason,
                                       origin=origin)
    except (InvalidInput, Conflict) as exc:
        return await _batch_page(request, ctx, actor, batch_id, status=status_for(exc),
                                 errors=field_errors(exc, default_field="reason"), reason=reason)
    return see_other(f"/handovers/{batch_id}?done=handover_returned")


# ---- 档案查询 -------------------------------------------------------------------------------------

SEARCH_FIELDS = ("query", "year", "retention", "account_no", "contract_no")
_YEAR_ERROR = "年度应为四位数字 / The year is four digits"


def _search_values(source: Any) -> dict[str, str]:
    values = form_values(source, SEARCH_FIELDS)
    limits = {"query": 60, "year": 4, "retention": 3, "account_no": 16, "contract_no": 24}
    return {k: v.strip()[: limits[k]] for k, v in values.items()}


def _year(text: str) -> int | None:
    return int(text) if text.isdigit() and 1900 <= int(text) <= 2200 else None


async def _search_page(
    request: Request, ctx: AppContext, actor: Actor, values: dict[str, str], *, id_number: str | None = None,
    page: int = 1, errors: dict[str, str] | None = None,
) -> Template:
    require_any(actor, ("archive.request", "archive.read"))
    errors = dict(errors or {})
    year = _year(values["year"])
    if values["year"] and year is None:
        errors["year"] = _YEAR_ERROR
    if values["retention"] and values["retention"] not in RETENTION_LABELS:
        errors["retention"] = "未知的保管期限 / Unknown retention period"
    searched = any(values.values()) or bool(id_number)
    result = None
    if searched and not ({"year", "retention"} & set(errors)):
        result = await records.search_archives(
            ctx=ctx, actor=actor, query=values["query"] or None, year=year, retention=values["retention"] or None,
            account_no=values["account_no"] or None, contract_no=values["contract_no"] or None,
            id_number=id_number or None, page=page,
        )
    lang = request_lang(request)
    return await render(
        request, "archives/search.html", actor=actor, status=422 if errors else 200, page_path="/archives",
        values=values, errors=errors, result=result, by_id_number=bool(id_number),
        retention_options=[(code, i18n.label(lang, pair)) for code, pair in RETENTION_LABELS.items()],
        can_print="archive.read" in actor.capabilities, **page_labels(),
    )


@get("/archives", include_in_schema=False)
async def search_page(request: Request, ctx: AppContext, actor: Actor) -> Template:
    return await _search_page(request, ctx, actor, _search_values(request.query_params),
                              page=page_number(request.query_params.get("page")))


@get("/archives/catalogue.pdf", include_in_schema=False)
async def catalogue_pdf(request: Request, ctx: AppContext, actor: Actor) -> Template | Response[bytes]:
    """案卷目录 of a year; a year that is not one is shown next to the field on the search page."""
    text = (request.query_params.get("year") or "").strip()[:4]
    year = _year(text)
    if year is None:
        return await _search_page(request, ctx, actor, _search_values({}), errors={"catalogue_year": _YEAR_ERROR})
    pdf = await documents.catalogue_pdf(ctx=ctx, actor=actor, year=year)
    return file_response(content=pdf, filename=f"catalogue-{year}.pdf")


@post("/archives/search", include_in_schema=False)
async def search_by_id_number(request: Request, ctx: AppContext, actor: Actor) -> Template:
    """By the customer's ID number, which travels in the body only (never in a URL or a log line)."""
    form = await request.form()
    id_number = form_values(form, ("id_number",))["id_number"].strip()[:40]
    return await _search_page(request, ctx, actor, _search_values(form), id_number=id_number)


async def _archive_page(
    request: Request, ctx: AppContext, actor: Actor, origin: Origin, archive_no: str, *, status: int = 200,
    errors: dict[str, str] | None = None, values: dict[str, str] | None = None,
) -> Template:
    """The record, or — without a grant — the form to request a lookup."""
    context: dict[str, Any] = {"archive": None, "refusal": None, "my_requests": []}
    try:
        context["archive"] = await records.get_archive(ctx=ctx, actor=actor, archive_no=archive_no, origin=origin)
        number = context["archive"].archive_no
    except (NoGrant, GrantExpired) as exc:
        # The number as the service spells it, and the reader's own requests for it.
        number = (await records.search_archives(ctx=ctx, actor=actor, query=archive_no)).items
        number = number[0].archive_no if number else archive_no
        context["refusal"] = exc.message
        context["my_requests"] = [r for r in await lookups.list_requests(ctx=ctx, actor=actor, mine=True)
                                  if r.archive_no == number]
    return await render(
        request, "archives/archive.html", actor=actor, status=status, page_path=archive_href(number),
        archive_no=number, errors=errors or {}, values=values or {"days": "7"},
        can_request="archive.request" in actor.capabilities,
        can_addend=context["archive"] is not None and "archive.read" in actor.capabilities, **context, **page_labels(),
    )


@get("/archives/{archive_no:str}", include_in_schema=False)
async def archive_page(request: Request, ctx: AppContext, actor: Actor, origin: Origin, archive_no: str) -> Template:
    return await _archive_page(request, ctx, actor, origin, archive_no)


@post("/archives/{archive_no:str}/addenda", include_in_schema=False)
async def add_addendum(
    request: Request, ctx: AppContext, actor: Actor, origin: Origin, archive_no: str
) -> Template | Redirect:
    """更正附注: the record stays as accepted; the correction is listed beside it."""
    values = form_values(await request.form(), ("text",))
    try:
        archive = await records.add_addendum(ctx=ctx, actor=actor, archive_no=archive_no, text=values["text"],
                                             origin=origin)
    except InvalidInput as exc:
        return await _archive_page(request, ctx, actor, origin, archive_no, status=status_for(exc),
                                   errors=field_errors(exc, default_field="text"), values=values)
    return see_other(f"{archive_href(archive.archive_no)}?done=addendum_added")


@get("/archives/{archive_no:str}/files/{file_id:str}", include_in_schema=False)
async def download_archive_file(
    ctx: AppContext, actor: Actor, origin: Origin, archive_no: str, file_id: str
) -> Response[bytes]:
    meta, data = await records.download_file(ctx=ctx, actor=actor, archive_no=archive_no, file_id=file_id,
                                             origin=origin)
    return file_response(content=data, filename=meta.filename, media_type=meta.media_type)


@get("/archives/{archive_no:str}/record.pdf", include_in_schema=False)
async def record_pdf(ctx: AppContext, actor: Actor, origin: Origin, archive_no: str) -> Response[bytes]:
    number, pdf = await documents.record_pdf(ctx=ctx, actor=actor, archive_no=archive_no, origin=origin)
    return file_response(content=pdf, filename=f"archive-{number}.pdf")


@get("/handovers/{batch_id:int}/list.pdf", include_in_schema=False)
async def handover_list_pdf(ctx: AppContext, actor: Actor, batch_id: RecordId) -> Response[bytes]:
    number, pdf = await documents.handover_list_pdf(ctx=ctx, actor=actor, batch_id=batch_id)
    return file_response(content=pdf, filename=f"handover-{number}.pdf")


@post("/archives/{archive_no:str}/lookup", include_in_schema=False)
async def request_lookup(
    request: Request, ctx: AppContext, actor: Actor, origin: Origin, archive_no: str
) -> Template | Redirect:
    """申请查(借)阅 with a purpose and a number of days."""
    values = form_values(await request.form(), ("purpose", "days"))
    try:
        days_text = values["days"].strip()
        if not days_text.isdigit() or len(days_text) > 4:
            raise InvalidInput("天数应为整数 / The number of days is a whole number", field="days",
                               code="access.invalid_days")
        await lookups.request_lookup(ctx=ctx, actor=actor, archive_no=archive_no, purpose=values["purpose"],
                                     days=int(days_text), origin=origin)
    except (InvalidInput, Conflict) as exc:
        return await _archive_page(request, ctx, actor, origin, archive_no, status=status_for(exc),
                                   errors=field_errors(exc, default_field="purpose"), values=values)
    return see_other("/lookups/mine?done=lookup_requested")


# ---- 查阅审批 and 我的查阅 ------------------------------------------------------------------------------


async def _lookups_page(
    request: Request, ctx: AppContext, actor: Actor, *, status: int = 200,
    errors: dict[int, dict[str, str]] | None = None, values: dict[int, dict[str, str]] | None = None,
    register_errors: dict[str, str] | None = None,
) -> Template:
    queue = await lookups.decision_queue(ctx=ctx, actor=actor)
    lang = request_lang(request)
    return await render(
        request, "archives/lookups.html", actor=actor, status=status, page_path="/lookups",
        to_decide=queue.to_decide, others=queue.others, errors=errors or {}, values=values or {},
        register_errors=register_errors or {}, can_print="archive.read" in actor.capabilities,
        register_values=_register_period(request, ctx),
        decision_options=[("approve", i18n.label(lang, ("批准", "Approve"))),
                          ("reject", i18n.label(lang, ("驳回", "Reject")))],
        **page_labels(),
    )


@get("/lookups", include_in_schema=False)
async def lookups_page(request: Request, ctx: AppContext, actor: Actor) -> Template:
    return await _lookups_page(request, ctx, actor)


def _register_period(request: Request, ctx: AppContext) -> dict[str, str]:
    """The period asked for, or by default this month so far (Beijing time)."""
    today = ctx.now().astimezone(BEIJING).date()
    return {"from": request.query_params.get("from", today.replace(day=1).isoformat())[:10],
            "to": request.query_params.get("to", today.isoformat())[:10]}


def _date(text: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat((text or "").strip()[:10])
    except ValueError:
        return None


@get("/lookups/register.pdf", include_in_schema=False)
async def lookup_register_pdf(request: Request, ctx: AppContext, actor: Actor) -> Template | Response[bytes]:
    """查(借)阅登记簿 for a period; a date that is not one, or a period the service refuses, is shown on /lookups."""
    start, end = _date(request.query_params.get("from")), _date(request.query_params.get("to"))
    try:
        if start is None or end is None:
            raise InvalidInput("请填写起止日期 / Enter both dates", field="from" if start is None else "to",
                               code="lookup_register.invalid_period")
        pdf = await documents.lookup_register_pdf(ctx=ctx, actor=actor, start=start, end=end)
    except InvalidInput as exc:
        return await _lookups_page(request, ctx, actor, status=status_for(exc),
                                   register_errors=field_errors(exc, default_field="to"))
    return file_response(content=pdf, filename=f"lookup-register-{start}-{end}.pdf")


@post("/lookups/{request_id:int}/decision", include_in_schema=False)
async def decide_lookup(
    request: Request, ctx: AppContext, actor: Actor, origin: Origin, request_id: RecordId
) -> Template | Redirect:
    values = form_values(await request.form(), ("decision", "reason"))
    try:
        id_in_range(request_id, not_found=NotFound("查阅申请不存在 / Lookup request not found", field="id",
                                                   code="access.not_found"))
        await lookups.decide_request(ctx=ctx, actor=actor, request_id=request_id, decision=values["decision"],
                                     reason=values["reason"], origin=origin)
    except (InvalidInput, Conflict) as exc:
        return await _lookups_page(request, ctx, actor, status=status_for(exc),
                                   errors={request_id: field_errors(exc, default_field="reason")},
                                   values={request_id: values})
    except DomainError as exc:
        if isinstance(exc, NotFound) or status_for(exc) != 403:
            raise
        return await _lookups_page(request, ctx, actor, status=403, errors={request_id: {"_form": exc.message}},
                                   values={request_id: values})
    return see_other("/lookups?done=lookup_decided")


@get("/lookups/mine", include_in_schema=False)
async def my_lookups_page(request: Request, ctx: AppContext, actor: Actor) -> Template:
    require(actor, "archive.request")
    mine = await lookups.list_requests(ctx=ctx, actor=actor, mine=True)
    return await render(request, "archives/my_lookups.html", actor=actor, requests=mine, now=ctx.now(),
                        **page_labels())


ROUTES = [
    upload_material,
    download_material,
    handover_page,
    submit_handover,
    handovers_page,
    batch_page,
    accept_batch,
    return_batch,
    search_page,
    catalogue_pdf,
    search_by_id_number,
    archive_page,
    add_addendum,
    download_archive_file,
    record_pdf,
    handover_list_pdf,
    request_lookup,
    lookups_page,
    lookup_register_pdf,
    decide_lookup,
    my_lookups_page,
]

"""Archives API under /api/v1: attachments, handovers, archive records, fixity.

One service call per handler. Archive numbers contain "·": clients percent-encode it in URLs
(%C2%B7); the path arrives decoded, and the services also accept the usual look-alikes.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from litestar import Controller, Response, get, post
from litestar.datastructures import UploadFile
from litestar.enums import RequestEncodingType
from litestar.params import Body, Parameter
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED

from archives import attachments, departure, disposal, documents, fixity, handover, lookups, records, schemas
from crm.route_access import AUTHENTICATED, requires
from crm.context import AppContext, Origin
from crm.http_errors import NO_STORE
from crm.http_params import OptionalYear, PageNumber, RecordId, Year
from crm.staff.access import Actor
from crm.web.downloads import file_response


@dataclass
class AttachmentUpload:
    """The multipart form: the file and its kind (letter, drawing, approval, budget, notice …)."""

    file: UploadFile
    kind: str = ""


class AttachmentController(Controller):
    path = "/api/v1/contracts"
    cache_control = NO_STORE
    tags = ["archives"]

    @post("/{contract_no:str}/attachments", status_code=HTTP_201_CREATED, opt=requires("attachment.upload"))
    async def upload(
        self,
        contract_no: str,
        ctx: AppContext,
        actor: Actor,
        origin: Origin,
        data: AttachmentUpload = Body(media_type=RequestEncodingType.MULTI_PART),
    ) -> schemas.Attachment:
        return await attachments.attach_file(ctx=ctx, actor=actor, contract_no=contract_no, kind=data.kind,
                                             filename=data.file.filename or "", data=await data.file.read(),
                                             origin=origin)

    @get("/{contract_no:str}/attachments", opt=requires("contract.read"))
    async def list_files(self, contract_no: str, ctx: AppContext, actor: Actor) -> list[schemas.Attachment]:
        return await attachments.list_attachments(ctx=ctx, actor=actor, contract_no=contract_no)

    @get("/{contract_no:str}/attachments/{file_id:str}", media_type="application/octet-stream", opt=requires("contract.read"))
    async def download(
        self, contract_no: str, file_id: str, ctx: AppContext, actor: Actor, origin: Origin
    ) -> Response[bytes]:
        meta, content = await attachments.download_contract_file(ctx=ctx, actor=actor, contract_no=contract_no,
                                                                 file_id=file_id, origin=origin)
        return file_response(content=content, filename=meta.filename, media_type=meta.media_type)


class HandoverController(Controller):
    path = "/api/v1/archive-handovers"
    cache_control = NO_STORE
    tags = ["archives"]

    @post("/", status_code=HTTP_201_CREATED, opt=requires("archive.handover"))
    async def create(self, data: schemas.HandoverCreate, ctx: AppContext, actor: Actor, origin: Origin) -> schemas.Handover:
        return await handover.create_handover(ctx=ctx, actor=actor, contract_nos=data.contract_nos, note=data.note,
                                              origin=origin)

    @get("/", opt=requires("archive.handover", "archive.receive"))
    async def list_batches(
        self, ctx: AppContext, actor: Actor, status: str | None = Parameter(default=None, max_length=16)
    ) -> list[schemas.HandoverSummary]:
        return await handover.list_handovers(ctx=ctx, actor=actor, status=status)

    @get("/{batch_id:int}", opt=requires("archive.handover", "archive.receive"))
    async def get_batch(self, ctx: AppContext, actor: Actor, batch_id: RecordId) -> schemas.Handover:
        return await handover.get_handover(ctx=ctx, actor=actor, batch_id=batch_id)

    @get("/{batch_id:int}/list.pdf", media_type="application/pdf", opt=requires("archive.handover", "archive.receive"))
    async def list_pdf(self, ctx: AppContext, actor: Actor, batch_id: RecordId) -> Response[bytes]:
        number, pdf = await documents.handover_list_pdf(ctx=ctx, actor=actor, batch_id=batch_id)
        return file_response(content=pdf, filename=f"handover-{number}.pdf")

    @post("/{batch_id:int}/accept", status_code=HTTP_200_OK, opt=requires("archive.receive"))
    async def accept(self, ctx: AppContext, actor: Actor, origin: Origin, batch_id: RecordId) -> schemas.Handover:
        return await handover.accept_handover(ctx=ctx, actor=actor, batch_id=batch_id, origin=origin)

    @post("/{batch_id:int}/return", status_code=HTTP_200_OK, opt=requires("archive.receive"))
    async def return_batch(
        self, data: schemas.HandoverReturn, ctx: AppContext, actor: Actor, origin: Origin, batch_id: RecordId
    ) -> schemas.Handover:
        return await handover.return_handover(ctx=ctx, actor=actor, batch_id=batch_id, reason=data.reason,
                                              origin=origin)


class ArchiveController(Controller):
    path = "/api/v1/archives"
    cache_control = NO_STORE
    tags = ["archives"]

    @get("/", opt=requires("archive.read", "archive.request"))
    async def search(
        self,
        ctx: AppContext,
        actor: Actor,
        text: str | None = Parameter(query="query", default=None, max_length=60),
        year: OptionalYear = None,
        category: str | None = Parameter(default=None, max_length=8),
        account_no: str | None = Parameter(default=None, max_length=16),
        contract_no: str | None = Parameter(default=None, max_length=24),
        retention: str | None = Parameter(default=None, max_length=4),
        page: PageNumber = 1,
    ) -> schemas.ArchivePage:
        return await records.search_archives(ctx=ctx, actor=actor, query=text, year=year, category=category,
                                             account_no=account_no, contract_no=contract_no, retention=retention,
                                             page=page)

    @get("/due-for-disposal", opt=requires("archive.read"))
    async def due(self, ctx: AppContext, actor: Actor) -> list[schemas.ArchiveSummary]:
        return await records.due_for_disposal(ctx=ctx, actor=actor)

    @get("/catalogue.pdf", media_type="application/pdf", opt=requires("archive.read"))
    async def catalogue(
        self, ctx: AppContext, actor: Actor, year: Year
    ) -> Response[bytes]:
        pdf = await documents.catalogue_pdf(ctx=ctx, actor=actor, year=year)
        return file_response(content=pdf, filename=f"catalogue-{year}.pdf")

    @post("/search", status_code=HTTP_200_OK, opt=requires("archive.read", "archive.request"))
    async def search_by_body(self, data: schemas.ArchiveSearch, ctx: AppContext, actor: Actor) -> schemas.ArchivePage:
        return await records.search_archives(
            ctx=ctx, actor=actor, query=data.query, year=data.year, category=data.category,
            account_no=data.account_no, contract_no=data.contract_no, id_number=data.id_number,
            retention=data.retention, page=data.page,
        )

    @post("/fixity-check", status_code=HTTP_200_OK, opt=requires("archive.fixity"))
    async def fixity_check(self, ctx: AppContext, actor: Actor, origin: Origin) -> schemas.FixityReport:
        return await fixity.run_fixity_check(ctx=ctx, actor=actor, origin=origin)

    @get("/fixity-checks", opt=requires("archive.fixity"))
    async def fixity_history(self, ctx: AppContext, actor: Actor) -> list[schemas.FixityRun]:
        return await fixity.fixity_history(ctx=ctx, actor=actor)

    @get("/{archive_no:str}", opt=requires("archive.read", "archive.request"))
    async def get_archive(self, archive_no: str, ctx: AppContext, actor: Actor, origin: Origin) -> schemas.Archive:
        return await records.get_archive(ctx=ctx, actor=actor, archive_no=archive_no, origin=origin)

    @post("/{archive_no:str}/addenda", status_code=HTTP_201_CREATED, opt=requires("archive.read"))
    async def add_addendum(
        self, archive_no: str, data: schemas.AddendumCreate, ctx: AppContext, actor: Actor, origin: Origin
    ) -> schemas.Archive:
        return await records.add_addendum(ctx=ctx, actor=actor, archive_no=archive_no, text=data.text, origin=origin)

    @get("/{archive_no:str}/record.pdf", media_type="application/pdf", opt=requires("archive.read", "archive.request"))
    async def record_pdf(self, archive_no: str, ctx: AppContext, actor: Actor, origin: Origin) -> Response[bytes]:
        number, pdf = await documents.record_pdf(ctx=ctx, actor=actor, archive_no=archive_no, origin=origin)
        return file_response(content=pdf, filename=f"archive-{number}.pdf")

    @get("/{archive_no:str}/files/{file_id:str}", media_type="application/octet-stream", opt=requires("archive.read", "archive.request"))
    async def download(
        self, archive_no: str, file_id: str, ctx: AppContext, actor: Actor, origin: Origin
    ) -> Response[bytes]:
        meta, content = await records.download_file(ctx=ctx, actor=actor, archive_no=archive_no, file_id=file_id,
                                                    origin=origin)
        return file_response(content=content, filename=meta.filename, media_type=meta.media_type)


class AccessRequestController(Controller):
    path = "/api/v1/archive-access-requests"
    cache_control = NO_STORE
    tags = ["archives"]

    @post("/", status_code=HTTP_201_CREATED, opt=requires("archive.request"))
    async def create(
        self, data: schemas.AccessRequestCreate, ctx: AppContext, actor: Actor, origin: Origin
    ) -> schemas.AccessRequestOut:
        return await lookups.request_lookup(ctx=ctx, actor=actor, archive_no=data.archive_no, purpose=data.purpose,
                                            days=data.days, origin=origin)

    @get("/", opt=requires("archive.request", "archive.access.decide"))
    async def list_requests(
        self, ctx: AppContext, actor: Actor, mine: bool = False,
        status: str | None = Parameter(default=None, max_length=16),
    ) -> list[schemas.AccessRequestOut]:
        return await lookups.list_requests(ctx=ctx, actor=actor, mine=mine, status=status)

    @get("/register.pdf", media_type="application/pdf", opt=requires("archive.read"))
    async def register_pdf(
        self, ctx: AppContext, actor: Actor, start: dt.date = Parameter(query="from"),
        end: dt.date = Parameter(query="to"),
    ) -> Response[bytes]:
        pdf = await documents.lookup_register_pdf(ctx=ctx, actor=actor, start=start, end=end)
        return file_response(content=pdf, filename=f"lookup-register-{start}-{end}.pdf")

    @get("/{request_id:int}", opt=requires("archive.request", "archive.access.decide"))
    async def get_request(self, ctx: AppContext, actor: Actor, request_id: RecordId) -> schemas.AccessRequestOut:
        return await lookups.get_request(ctx=ctx, actor=actor, request_id=request_id)

    @post("/{request_id:int}/decisions", status_code=HTTP_200_OK, opt=requires("archive.access.decide"))
    async def decide(
        self, data: schemas.AccessDecision, ctx: AppContext, actor: Actor, origin: Origin,
        request_id: RecordId,
    ) -> schemas.AccessRequestOut:
        return await lookups.decide_request(ctx=ctx, actor=actor, request_id=request_id, decision=data.decision,
                                            reason=data.reason, origin=origin)


class DisposalController(Controller):
    path = "/api/v1/disposals"
    cache_control = NO_STORE
    tags = ["archives"]

    @post("/", status_code=HTTP_201_CREATED, opt=requires("archive.dispose"))
    async def propose(self, data: schemas.DisposalCreate, ctx: AppContext, actor: Actor, origin: Origin) -> schemas.Disposal:
        return await disposal.propose(ctx=ctx, actor=actor, archive_nos=data.archive_nos, reason=data.reason,
                                      origin=origin)

    @get("/", opt=requires("archive.dispose", "archive.dispose.approve"))
    async def list_batches(
        self, ctx: AppContext, actor: Actor, status: str | None = Parameter(default=None, max_length=16)
    ) -> list[schemas.DisposalSummary]:
        return await disposal.list_disposals(ctx=ctx, actor=actor, status=status)

    @get("/{batch_id:int}", opt=requires("archive.dispose", "archive.dispose.approve"))
    async def get_batch(self, ctx: AppContext, actor: Actor, batch_id: RecordId) -> schemas.Disposal:
        return await disposal.get_disposal(ctx=ctx, actor=actor, batch_id=batch_id)

    @get("/{batch_id:int}/register.pdf", media_type="application/pdf", opt=requires("archive.dispose", "archive.dispose.approve"))
    async def register_pdf(self, ctx: AppContext, actor: Actor, batch_id: RecordId) -> Response[bytes]:
        number, pdf = await documents.destruction_register_pdf(ctx=ctx, actor=actor, batch_id=batch_id)
        return file_response(content=pdf, filename=f"destruction-{number}.pdf")

    @post("/{batch_id:int}/decisions", status_code=HTTP_200_OK, opt=requires("archive.dispose.approve"))
    async def decide(
        self, data: schemas.DisposalDecision, ctx: AppContext, actor: Actor, origin: Origin, batch_id: RecordId
    ) -> schemas.Disposal:
        return await disposal.decide(ctx=ctx, actor=actor, batch_id=batch_id, decision=data.decision,
                                     reason=data.reason, origin=origin)

    @post("/{batch_id:int}/witnesses", status_code=HTTP_200_OK, opt=requires("archive.dispose"))
    async def name_witnesses(
        self, data: schemas.DisposalWitnesses, ctx: AppContext, actor: Actor, origin: Origin, batch_id: RecordId
    ) -> schemas.Disposal:
        return await disposal.name_witnesses(ctx=ctx, actor=actor, batch_id=batch_id, witnesses=data.witnesses,
                                             origin=origin)

    # Any login: the witnesses are whoever the archivist named; the service answers 404 to the rest.
    @post("/{batch_id:int}/witness", status_code=HTTP_200_OK, opt=requires(AUTHENTICATED))
    async def confirm_witness(self, ctx: AppContext, actor: Actor, origin: Origin, batch_id: RecordId) -> schemas.Disposal:
        return await disposal.confirm_witness(ctx=ctx, actor=actor, batch_id=batch_id, origin=origin)

    # No body: the witnesses are the ones who confirmed (a list typed here would be names, not people).
    @post("/{batch_id:int}/execute", status_code=HTTP_200_OK, opt=requires("archive.dispose"))
    async def execute(self, ctx: AppContext, actor: Actor, origin: Origin, batch_id: RecordId) -> schemas.Disposal:
        return await disposal.execute(ctx=ctx, actor=actor, batch_id=batch_id, origin=origin)


class DepartureController(Controller):
    # Under the staff member it concerns; served here because it spans customers, contracts and archives.
    path = "/api/v1/staff"
    cache_control = NO_STORE
    tags = ["staff"]

    @get("/{username:str}/departure", opt=requires("staff.departure"))
    async def plan(self, username: str, ctx: AppContext, actor: Actor) -> schemas.Departure:
        return schemas.Departure(**await departure.plan_departure(ctx=ctx, actor=actor, username=username))

    @post("/{username:str}/departure", status_code=HTTP_200_OK, opt=requires("staff.departure"))
    async def depart(
        self, username: str, data: schemas.DepartureRequest, ctx: AppContext, actor: Actor, origin: Origin
    ) -> schemas.Departure:
        return schemas.Departure(**await departure.depart(ctx=ctx, actor=actor, username=username,
                                                          successor=data.successor, origin=origin))

    @get("/{username:str}/departure/list.pdf", media_type="application/pdf", opt=requires("staff.departure"))
    async def list_pdf(self, username: str, ctx: AppContext, actor: Actor) -> Response[bytes]:
        pdf = await departure.departure_list_pdf(ctx=ctx, actor=actor, username=username)
        return file_response(content=pdf, filename=f"departure-{username}.pdf")


CONTROLLERS = [
    AttachmentController, HandoverController, ArchiveController, AccessRequestController, DisposalController,
    DepartureController,
]

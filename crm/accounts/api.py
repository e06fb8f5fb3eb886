"""Customer API: /api/v1/customers. One service call per handler."""

from __future__ import annotations

from litestar import Controller, Response, get, patch, post
from litestar.params import Parameter
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED

from crm.route_access import requires
from crm.accounts import corrections, equipment, schemas, service, sheet
from crm.accounts.customer_rules import CustomerInput
from crm.accounts.meter_rules import ApplianceInput, MeterInput
from crm.http_errors import NO_STORE
from crm.http_params import PageNumber, RecordId
from crm.context import AppContext, Origin
from crm.staff.access import Actor
from crm.web.downloads import file_response


def customer_input(data: schemas.CustomerCreate | schemas.CustomerUpdate) -> CustomerInput:
    address = data.address or schemas.Address()
    fields = {
        name: getattr(data, name, None)
        for name in (
            "category", "name", "id_type", "id_number", "phone", "contact_name", "contact_phone",
            "branch", "delivery_notice_no", "acceptance_drawing_no",
        )
    }
    return CustomerInput(
        **fields,
        province=address.province,
        city=address.city,
        district=address.district,
        street=address.street,
        detail=address.detail,
    )


class CustomerController(Controller):
    path = "/api/v1/customers"
    # Personal data and tokens must not linger in browser or proxy caches.
    cache_control = NO_STORE
    tags = ["customers"]

    @post("/", status_code=HTTP_201_CREATED, opt=requires("customer.create"))
    async def open_account(
        self, data: schemas.CustomerCreate, ctx: AppContext, actor: Actor, origin: Origin
    ) -> schemas.Created:
        customer = await service.open_account(ctx=ctx, actor=actor, data=customer_input(data), origin=origin)
        return schemas.Created(account_no=customer.account_no, status=customer.status, customer=customer)

    @get("/", opt=requires("customer.read"))
    async def list_customers(
        self,
        ctx: AppContext,
        actor: Actor,
        # "query" is reserved by Litestar for the whole query string, hence the alias.
        text: str | None = Parameter(query="query", default=None, max_length=100),
        status: str | None = None,
        page: PageNumber = 1,
        after: str | None = Parameter(query="after", default=None, max_length=16),
    ) -> schemas.CustomerPage:
        return await service.search_customers(ctx=ctx, actor=actor, query=text, status=status, page=page, after=after)

    @post("/search", status_code=HTTP_200_OK, opt=requires("customer.read"))
    async def search(self, data: schemas.CustomerSearch, ctx: AppContext, actor: Actor) -> schemas.CustomerPage:
        return await service.search_customers(
            ctx=ctx, actor=actor, query=data.query, id_number=data.id_number, phone=data.phone,
            status=data.status, page=data.page, after=data.after,
        )

    @get("/{account_no:str}", opt=requires("customer.read"))
    async def get_customer(self, account_no: str, ctx: AppContext, actor: Actor) -> schemas.Customer:
        return await service.get_customer(ctx=ctx, actor=actor, account_no=account_no)

    @patch("/{account_no:str}", opt=requires("customer.update"))
    async def update_customer(
        self, account_no: str, data: schemas.CustomerUpdate, ctx: AppContext, actor: Actor, origin: Origin
    ) -> schemas.Customer:
        return await service.update_customer(
            ctx=ctx, actor=actor, account_no=account_no, changes=customer_input(data),
            expected_version=data.version, origin=origin,
        )

    @post("/{account_no:str}/reveal", status_code=HTTP_200_OK, opt=requires("customer.reveal"))
    async def reveal(
        self, account_no: str, data: schemas.RevealRequest, ctx: AppContext, actor: Actor, origin: Origin
    ) -> schemas.Revealed:
        return await service.reveal(
            ctx=ctx, actor=actor, account_no=account_no, field=data.field, reason=data.reason, origin=origin
        )

    @post("/{account_no:str}/transitions", status_code=HTTP_200_OK, opt=requires("customer.transition"))
    async def transition(
        self, account_no: str, data: schemas.TransitionRequest, ctx: AppContext, actor: Actor, origin: Origin
    ) -> schemas.Customer:
        return await service.transition(
            ctx=ctx, actor=actor, account_no=account_no, to=data.to, reason=data.reason, cause=data.cause,
            expected_version=data.version, origin=origin,
        )

    @get("/{account_no:str}/history", opt=requires("customer.read"))
    async def history(self, account_no: str, ctx: AppContext, actor: Actor) -> list[schemas.HistoryEntry]:
        return await service.history(ctx=ctx, actor=actor, account_no=account_no)

    @post("/{account_no:str}/meters", status_code=HTTP_201_CREATED, opt=requires("meter.write"))
    async def add_meter(
        self, account_no: str, data: schemas.MeterCreate, ctx: AppContext, actor: Actor, origin: Origin
    ) -> schemas.MeterOut:
        return await equipment.add_meter(
            ctx=ctx, actor=actor, account_no=account_no, origin=origin,
            data=MeterInput(
                serial=data.serial, model=data.model, meter_type=data.meter_type,
                installed_date=data.installed_date, initial_reading=data.initial_reading, seal_no=data.seal_no,
            ),
        )

    @get("/{account_no:str}/meters", opt=requires("customer.read"))
    async def list_meters(self, account_no: str, ctx: AppContext, actor: Actor) -> list[schemas.MeterOut]:
        return await equipment.list_meters(ctx=ctx, actor=actor, account_no=account_no)

    @post("/{account_no:str}/appliances", status_code=HTTP_201_CREATED, opt=requires("appliance.write"))
    async def add_appliance(
        self, account_no: str, data: schemas.ApplianceCreate, ctx: AppContext, actor: Actor, origin: Origin
    ) -> schemas.ApplianceOut:
        return await equipment.add_appliance(
            ctx=ctx, actor=actor, account_no=account_no, origin=origin,
            data=ApplianceInput(kind=data.kind, brand=data.brand, model=data.model, installed_date=data.installed_date),
        )

    @get("/{account_no:str}/appliances", opt=requires("customer.read"))
    async def list_appliances(self, account_no: str, ctx: AppContext, actor: Actor) -> list[schemas.ApplianceOut]:
        return await equipment.list_appliances(ctx=ctx, actor=actor, account_no=account_no)

    @get("/{account_no:str}/sheet.pdf", media_type="application/pdf", opt=requires("customer.sheet"))
    async def sheet_pdf(
        self, account_no: str, ctx: AppContext, actor: Actor, origin: Origin, copy: str = "masked", reason: str | None = None
    ) -> Response[bytes]:
        number, pdf = await sheet.customer_sheet_pdf(
            ctx=ctx, actor=actor, account_no=account_no, full=(copy == "full"), reason=reason, origin=origin
        )
        return file_response(content=pdf, filename=f"customer-{number}.pdf")

    @post("/{account_no:str}/corrections", status_code=HTTP_201_CREATED, opt=requires("customer.correct.request"))
    async def request_correction(
        self, account_no: str, data: schemas.CorrectionCreate, ctx: AppContext, actor: Actor, origin: Origin
    ) -> schemas.Correction:
        return await corrections.request_correction(
            ctx=ctx, actor=actor, account_no=account_no, field=data.field, new_value=data.new_value,
            reason=data.reason, origin=origin,
        )


class CorrectionController(Controller):
    path = "/api/v1/corrections"
    # Personal data and tokens must not linger in browser or proxy caches.
    cache_control = NO_STORE
    tags = ["customers"]

    @get("/", opt=requires("customer.correct.approve"))
    async def list_corrections(self, ctx: AppContext, actor: Actor, status: str = "pending") -> list[schemas.Correction]:
        return await corrections.list_corrections(ctx=ctx, actor=actor, status=status)

    @post("/{correction_id:int}/decision", status_code=HTTP_200_OK, opt=requires("customer.correct.approve"))
    async def decide(
        self, correction_id: RecordId, data: schemas.CorrectionDecision, ctx: AppContext, actor: Actor, origin: Origin
    ) -> schemas.Correction:
        return await corrections.decide_correction(
            ctx=ctx, actor=actor, correction_id=correction_id, approve=data.approve, reason=data.reason, origin=origin
        )

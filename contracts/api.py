"""Contracts API under /api/v1: contracts, approvals, price standards, budget estimates, ledger.

One service call per handler; every rule and permission check lives behind it.
"""

from __future__ import annotations

import datetime as dt

from litestar import Controller, Response, get, patch, post
from litestar.params import Parameter
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED, HTTP_202_ACCEPTED

from contracts import catalogue, document, inbox, ledger, pricing, schemas, service
from crm.route_access import AUTHENTICATED, requires
from crm.context import AppContext, Origin
from crm.http_errors import NO_STORE
from crm.http_params import PageNumber
from crm.staff.access import Actor
from crm.staff.api import GrantOut
from crm.web.downloads import file_response


class ContractController(Controller):
    path = "/api/v1/contracts"
    cache_control = NO_STORE
    tags = ["contracts"]

    @post("/", status_code=HTTP_201_CREATED, opt=requires("contract.draft"))
    async def draft(self, data: schemas.ContractCreate, ctx: AppContext, actor: Actor, origin: Origin) -> schemas.Contract:
        return await service.draft_contract(ctx=ctx, actor=actor, data=data, origin=origin)

    @post("/preview", status_code=HTTP_200_OK, opt=requires("contract.draft"))
    async def preview(self, data: schemas.ContractCreate, ctx: AppContext, actor: Actor) -> schemas.ContractPreview:
        return await service.preview_contract(ctx=ctx, actor=actor, data=data)

    @get("/", opt=requires("contract.read"))
    async def list_contracts(
        self,
        ctx: AppContext,
        actor: Actor,
        status: str | None = Parameter(default=None, max_length=20),
        account_no: str | None = Parameter(default=None, max_length=16),
        text: str | None = Parameter(query="query", default=None, max_length=40),
        page: PageNumber = 1,
    ) -> schemas.ContractPage:
        return await service.list_contracts(ctx=ctx, actor=actor, status=status, account_no=account_no, query=text,
                                            page=page)

    @get("/{contract_no:str}", opt=requires("contract.read"))
    async def get_contract(self, contract_no: str, ctx: AppContext, actor: Actor) -> schemas.Contract:
        return await service.get_contract(ctx=ctx, actor=actor, contract_no=contract_no)

    @patch("/{contract_no:str}", opt=requires("contract.draft"))
    async def revise(
        self, contract_no: str, data: schemas.ContractRevision, ctx: AppContext, actor: Actor, origin: Origin
    ) -> schemas.Contract:
        return await service.revise_draft(ctx=ctx, actor=actor, contract_no=contract_no, data=data,
                                          expected_version=data.version, origin=origin)

    @post("/{contract_no:str}/submit", status_code=HTTP_200_OK, opt=requires("contract.draft"))
    async def submit(self, contract_no: str, ctx: AppContext, actor: Actor, origin: Origin) -> schemas.Contract:
        return await service.submit(ctx=ctx, actor=actor, contract_no=contract_no, origin=origin)

    @post("/{contract_no:str}/decisions", status_code=HTTP_200_OK, opt=requires("contract.decide"))
    async def decide(
        self, contract_no: str, data: schemas.DecisionRequest, ctx: AppContext, actor: Actor, origin: Origin
    ) -> schemas.Contract:
        return await service.decide(ctx=ctx, actor=actor, contract_no=contract_no, decision=data.decision,
                                    reason=data.reason, step=data.step, origin=origin)

    @post("/{contract_no:str}/sign", status_code=HTTP_200_OK, opt=requires("contract.sign"))
    async def sign(self, contract_no: str, ctx: AppContext, actor: Actor, origin: Origin) -> schemas.Contract:
        return await service.sign(ctx=ctx, actor=actor, contract_no=contract_no, origin=origin)

    @post("/{contract_no:str}/transitions", status_code=HTTP_200_OK, opt=requires("contract.transition"))
    async def transition(
        self, contract_no: str, data: schemas.TransitionRequest, ctx: AppContext, actor: Actor, origin: Origin
    ) -> schemas.Contract:
        return await service.transition(ctx=ctx, actor=actor, contract_no=contract_no, to=data.to, reason=data.reason,
                                        origin=origin)

    @get("/{contract_no:str}/document.pdf", media_type="application/pdf", opt=requires("contract.read"))
    async def document_pdf(self, contract_no: str, ctx: AppContext, actor: Actor, origin: Origin) -> Response[bytes]:
        number, pdf = await document.contract_pdf(ctx=ctx, actor=actor, contract_no=contract_no, origin=origin)
        return file_response(content=pdf, filename=f"contract-{number}.pdf")

    @post("/{contract_no:str}/payments", status_code=HTTP_201_CREATED, opt=requires("fee_payment.record"))
    async def record_payment(
        self, contract_no: str, data: schemas.PaymentCreate, ctx: AppContext, actor: Actor, origin: Origin
    ) -> schemas.PaymentOut:
        return await ledger.record_payment(ctx=ctx, actor=actor, contract_no=contract_no, amount_fen=data.amount_fen,
                                           paid_on=data.paid_on, channel=data.channel, reference=data.reference,
                                           origin=origin)


class ApprovalController(Controller):
    path = "/api/v1/approvals"
    cache_control = NO_STORE
    tags = ["contracts"]

    @get("/inbox", opt=requires(AUTHENTICATED))
    async def inbox(
        self, ctx: AppContext, actor: Actor, page: PageNumber = 1
    ) -> schemas.Inbox:
        return await inbox.inbox(ctx=ctx, actor=actor, page=page)


class PriceStandardController(Controller):
    path = "/api/v1/price-standards"
    tags = ["contracts"]

    @get("/", opt=requires("contract.read", "price_standard.write"))
    async def list_standards(
        self, ctx: AppContext, actor: Actor, on: dt.date | None = Parameter(query="on", default=None)
    ) -> list[schemas.PriceStandardOut]:
        return await pricing.list_price_standards(ctx=ctx, actor=actor, on=on)

    @post("/", status_code=HTTP_201_CREATED, opt=requires("price_standard.write"))
    async def create_standard(
        self, data: schemas.PriceStandardCreate, ctx: AppContext, actor: Actor, origin: Origin
    ) -> schemas.PriceStandardOut:
        return await pricing.create_price_standard(ctx=ctx, actor=actor, data=data, origin=origin)


class BudgetEstimateController(Controller):
    path = "/api/v1/budget-estimates"
    cache_control = NO_STORE
    tags = ["contracts"]

    @post("/", status_code=HTTP_201_CREATED, opt=requires("budget_estimate.write"))
    async def record(
        self, data: schemas.BudgetEstimateCreate, ctx: AppContext, actor: Actor, origin: Origin
    ) -> schemas.BudgetEstimateOut:
        return await pricing.record_budget_estimate(ctx=ctx, actor=actor, data=data, origin=origin)


class ContractTypeController(Controller):
    path = "/api/v1/contract-types"
    tags = ["contracts"]

    @get("/", opt=requires("contract_type.admin", "contract.read"))
    async def list_types(self, ctx: AppContext, actor: Actor) -> list[schemas.ContractTypeOut]:
        return await catalogue.list_types(ctx=ctx, actor=actor)

    # Both wait for the general manager's approval (R-ST-06): the answer is the pending request.
    @post("/", status_code=HTTP_202_ACCEPTED, opt=requires("contract_type.admin"))
    async def create_type(self, data: schemas.ContractTypeIn, ctx: AppContext, actor: Actor, origin: Origin) -> GrantOut:
        return GrantOut(**await catalogue.request_type(ctx=ctx, actor=actor, data=data, origin=origin))

    @patch("/{code:str}", status_code=HTTP_202_ACCEPTED, opt=requires("contract_type.admin"))
    async def update_type(
        self, code: str, data: schemas.ContractTypeUpdate, ctx: AppContext, actor: Actor, origin: Origin
    ) -> GrantOut:
        return GrantOut(**await catalogue.request_type_change(ctx=ctx, actor=actor, code=code, data=data, origin=origin))


class InstallationBalanceController(Controller):
    # Under the customer it describes; served here because crm never imports contracts.
    path = "/api/v1/customers"
    cache_control = NO_STORE
    tags = ["contracts"]

    @get("/{account_no:str}/installation-balance", opt=requires("contract.read"))
    async def balance(self, account_no: str, ctx: AppContext, actor: Actor) -> schemas.InstallationBalance:
        return await ledger.installation_balance(ctx=ctx, actor=actor, account_no=account_no)


CONTROLLERS = [
    ContractController,
    ApprovalController,
    PriceStandardController,
    BudgetEstimateController,
    ContractTypeController,
    InstallationBalanceController,
]

"""Staff API: /api/v1/auth/* (login, activation), /api/v1/staff (accounts), /api/v1/staff-grants (R-ST-06)."""

from __future__ import annotations

import datetime as dt
from typing import Literal

import msgspec
from litestar import Controller, Request, get, patch, post
from litestar.status_codes import HTTP_200_OK, HTTP_202_ACCEPTED, HTTP_204_NO_CONTENT

from crm.route_access import AUTHENTICATED, PUBLIC, requires
from crm.http_errors import NO_STORE
from crm.context import AppContext, Origin
from crm.http_auth import bearer_token
from crm.http_params import RecordId
from crm.staff import activation, admin, grants, service
from crm.staff.access import Actor
from crm.staff.roles import ROLE_LABELS


GrantStatus = Literal["pending", "approved", "rejected", "used", "all"]


class LoginRequest(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    username: str
    password: str


class Me(msgspec.Struct, kw_only=True):
    username: str
    display_name: str
    role: str
    role_label: str
    branch: str
    all_branches: bool
    capabilities: list[str]
    clearance: str


class LoginResponse(msgspec.Struct, kw_only=True):
    token: str
    token_type: str
    must_change_password: bool
    expires_at: dt.datetime
    staff: Me


class PasswordChange(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    current_password: str
    new_password: str


def me_of(actor) -> Me:
    labels = ROLE_LABELS.get(actor.role, (actor.role, actor.role))
    return Me(
        username=actor.username,
        display_name=actor.display_name,
        role=actor.role,
        role_label=labels[0] if isinstance(labels, tuple) else str(labels),
        branch=actor.branch_code,
        all_branches=actor.all_branches,
        capabilities=sorted(actor.capabilities),
        clearance=actor.clearance,
    )


class AuthController(Controller):
    path = "/api/v1/auth"
    # Personal data and tokens must not linger in browser or proxy caches.
    cache_control = NO_STORE
    tags = ["auth"]

    @post("/login", status_code=HTTP_200_OK, opt=requires(PUBLIC))
    async def login(self, data: LoginRequest, ctx: AppContext, origin: Origin) -> LoginResponse:
        result = await service.login(ctx=ctx, username=data.username, password=data.password, kind="api", origin=origin)
        return LoginResponse(
            token=result.token,
            token_type="bearer",
            must_change_password=result.must_change_password,
            expires_at=result.expires_at,
            staff=me_of(result.actor),
        )

    @post("/logout", status_code=HTTP_204_NO_CONTENT, opt=requires(AUTHENTICATED))
    async def logout(self, request: Request, ctx: AppContext, origin: Origin, session: service.Authenticated) -> None:
        await service.logout(ctx=ctx, token=bearer_token(request), origin=origin)

    @post("/password", status_code=HTTP_204_NO_CONTENT, opt=requires(AUTHENTICATED))
    async def change_password(
        self, data: PasswordChange, ctx: AppContext, origin: Origin, session: service.Authenticated
    ) -> None:
        await service.change_password(
            ctx=ctx,
            actor=session.actor,
            current_password=data.current_password,
            new_password=data.new_password,
            session_id=session.session_id,
            origin=origin,
        )

    @post("/activate", status_code=HTTP_204_NO_CONTENT, opt=requires(PUBLIC))
    async def activate(self, data: ActivationRequest, ctx: AppContext, origin: Origin) -> None:
        """A new person's first step: the one-time code and a password of their own (R-ST-06)."""
        await activation.activate(ctx=ctx, username=data.username, code=data.code, new_password=data.new_password,
                                  origin=origin)

    @get("/me", opt=requires(AUTHENTICATED))
    async def me(self, session: service.Authenticated) -> Me:
        return me_of(session.actor)


class ActivationRequest(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    username: str
    code: str
    new_password: str


class StaffCreate(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """No password: the new person sets their own with the activation code (R-ST-06)."""

    username: str
    display_name: str
    role: str
    branch: str
    all_branches: bool = False


class StaffChangeRequest(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    role: str | None = None
    branch: str | None = None
    all_branches: bool | None = None


class GrantOut(msgspec.Struct, kw_only=True):
    id: int
    kind: str
    kind_label: str
    subject: str
    summary: str
    payload: dict
    status: str
    status_label: str
    requested_by: str | None
    requested_at: dt.datetime
    decided_by: str | None
    decided_at: dt.datetime | None
    decision_note: str | None
    # Only in the answer to the approval of a new account, once; only its hash is kept.
    activation_code: str | None
    activation_expires_at: dt.datetime | None
    activated_at: dt.datetime | None


class GrantDecision(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    note: str | None = None


class GrantRejection(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    reason: str


class StaffOut(msgspec.Struct, kw_only=True):
    username: str
    display_name: str
    role: str
    branch: str
    all_branches: bool
    active: bool
    status: str
    must_change_password: bool
    locked_until: dt.datetime | None


class DisableRequest(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    reason: str


class StaffController(Controller):
    path = "/api/v1/staff"
    # Personal data and tokens must not linger in browser or proxy caches.
    cache_control = NO_STORE
    tags = ["staff"]

    @get("/", opt=requires("staff.admin"))
    async def list_staff(self, ctx: AppContext, actor: Actor) -> list[StaffOut]:
        return [StaffOut(**row) for row in await admin.list_staff(ctx=ctx, actor=actor)]

    @post("/", status_code=HTTP_202_ACCEPTED, opt=requires("staff.admin"))
    async def create_staff(self, data: StaffCreate, ctx: AppContext, actor: Actor, origin: Origin) -> GrantOut:
        """Files the request: the account exists once the general manager approves it."""
        grant = await admin.request_new_staff(
            ctx=ctx, actor=actor, username=data.username, display_name=data.display_name, role=data.role,
            branch=data.branch, all_branches=data.all_branches, origin=origin,
        )
        return GrantOut(**grant)

    @patch("/{username:str}", status_code=HTTP_202_ACCEPTED, opt=requires("staff.admin"))
    async def change_staff(
        self, username: str, data: StaffChangeRequest, ctx: AppContext, actor: Actor, origin: Origin
    ) -> GrantOut:
        grant = await admin.request_change(
            ctx=ctx, actor=actor, username=username, role=data.role, branch=data.branch,
            all_branches=data.all_branches, origin=origin,
        )
        return GrantOut(**grant)

    @post("/{username:str}/disable", status_code=HTTP_200_OK, opt=requires("staff.admin"))
    async def disable_staff(
        self, username: str, data: DisableRequest, ctx: AppContext, actor: Actor, origin: Origin
    ) -> StaffOut:
        return StaffOut(**await admin.disable_staff(ctx=ctx, actor=actor, username=username, reason=data.reason, origin=origin))


_GRANT_READERS = requires(grants.APPROVE, "staff.admin", "contract_type.admin")


class GrantController(Controller):
    """Requests under a second approver (R-ST-06): the sysadmin follows them, the general manager decides."""

    path = "/api/v1/staff-grants"
    cache_control = NO_STORE
    tags = ["staff"]

    @get("/", opt=_GRANT_READERS)
    async def list_grants(self, ctx: AppContext, actor: Actor, status: GrantStatus = "pending") -> list[GrantOut]:
        rows = await grants.list_grants(ctx=ctx, actor=actor, status=None if status == "all" else status)
        return [GrantOut(**row) for row in rows]

    @get("/{grant_id:int}", opt=_GRANT_READERS)
    async def get_grant(self, grant_id: RecordId, ctx: AppContext, actor: Actor) -> GrantOut:
        return GrantOut(**await grants.get_grant(ctx=ctx, actor=actor, grant_id=grant_id))

    @post("/{grant_id:int}/approve", status_code=HTTP_200_OK, opt=requires(grants.APPROVE))
    async def approve(self, grant_id: RecordId, data: GrantDecision, ctx: AppContext, actor: Actor, origin: Origin) -> GrantOut:
        return GrantOut(**await grants.approve(ctx=ctx, actor=actor, grant_id=grant_id, note=data.note, origin=origin))

    @post("/{grant_id:int}/activation-code", status_code=HTTP_200_OK, opt=requires(grants.APPROVE))
    async def reissue_code(self, grant_id: RecordId, ctx: AppContext, actor: Actor, origin: Origin) -> GrantOut:
        """A lost or expired activation code replaced; the answer carries the new one, once."""
        return GrantOut(**await grants.reissue_activation(ctx=ctx, actor=actor, grant_id=grant_id, origin=origin))

    @post("/{grant_id:int}/reject", status_code=HTTP_200_OK, opt=requires(grants.APPROVE))
    async def reject(self, grant_id: RecordId, data: GrantRejection, ctx: AppContext, actor: Actor, origin: Origin) -> GrantOut:
        return GrantOut(**await grants.reject(ctx=ctx, actor=actor, grant_id=grant_id, reason=data.reason, origin=origin))

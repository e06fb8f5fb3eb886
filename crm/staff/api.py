"""Staff authentication API: /api/v1/auth/*."""

from __future__ import annotations

import datetime as dt

import msgspec
from litestar import Controller, Request, get, post
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED, HTTP_204_NO_CONTENT

from crm.route_access import AUTHENTICATED, PUBLIC, requires
from crm.http_errors import NO_STORE
from crm.context import AppContext, Origin
from crm.http_auth import bearer_token
from crm.staff import admin, service
from crm.staff.access import Actor
from crm.staff.roles import ROLE_LABELS


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

    @get("/me", opt=requires(AUTHENTICATED))
    async def me(self, session: service.Authenticated) -> Me:
        return me_of(session.actor)


class StaffCreate(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    username: str
    display_name: str
    role: str
    branch: str
    initial_password: str
    all_branches: bool = False


class StaffOut(msgspec.Struct, kw_only=True):
    username: str
    display_name: str
    role: str
    branch: str
    all_branches: bool
    active: bool
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

    @post("/", status_code=HTTP_201_CREATED, opt=requires("staff.admin"))
    async def create_staff(self, data: StaffCreate, ctx: AppContext, actor: Actor, origin: Origin) -> StaffOut:
        row = await admin.create_staff(
            ctx=ctx, actor=actor, username=data.username, display_name=data.display_name, role=data.role,
            branch=data.branch, all_branches=data.all_branches, initial_password=data.initial_password, origin=origin,
        )
        return StaffOut(**row)

    @post("/{username:str}/disable", status_code=HTTP_200_OK, opt=requires("staff.admin"))
    async def disable_staff(
        self, username: str, data: DisableRequest, ctx: AppContext, actor: Actor, origin: Origin
    ) -> StaffOut:
        return StaffOut(**await admin.disable_staff(ctx=ctx, actor=actor, username=username, reason=data.reason, origin=origin))

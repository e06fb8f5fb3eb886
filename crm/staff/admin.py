"""Staff accounts administered by the sysadmin (SPEC §1, R-ST-01, R-ST-02, R-ST-05)."""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Any

from crm import db
from crm.audit import service as audit
from crm.common.reasons import clean_reason
from crm.context import AppContext, Origin
from crm.errors import Conflict, InvalidInput, NotFound
from crm.staff import grants
from crm.staff.access import Actor, require
from crm.staff.grant_rules import StaffChange, check_role, check_staff_change, check_username
from crm.staff.roles import ROLE_LABELS
from crm.staff.tables import Branch, Staff, StaffSession


class StaffNotFound(NotFound):
    code = "staff.not_found"


class DuplicateUsername(Conflict):
    code = "staff.duplicate_username"


def _view(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "username": row["username"],
        "display_name": row["display_name"],
        "role": row["role"],
        "branch": row["branch.code"],
        "all_branches": row["all_branches"],
        "active": row["active"],
        "status": _status(row),
        "must_change_password": row["must_change_password"],
        "locked_until": row["locked_until"],
    }


_COLUMNS = (Staff.all_columns(), Staff.branch.code)


def _status(row: dict[str, Any]) -> str:
    # An approved account stays off until its owner sets a password with the activation code.
    if row["active"]:
        return "active"
    return "disabled" if row["disabled_at"] is not None else "awaiting_activation"


async def list_staff(*, ctx: AppContext, actor: Actor) -> list[dict[str, Any]]:
    require(actor, "staff.admin")
    return [_view(r) for r in await Staff.select(*_COLUMNS).order_by(Staff.username)]


class UnknownBranch(InvalidInput):
    code = "staff.unknown_branch"


async def _branch_id(code: str) -> int:
    row = await Branch.select(Branch.id).where(Branch.code == code).first()
    if row is None:
        raise UnknownBranch(f"营业网点 {code} 不存在 / Unknown branch {code}", field="branch")
    return row["id"]


async def request_new_staff(
    *,
    ctx: AppContext,
    actor: Actor,
    username: str,
    display_name: str,
    role: str,
    branch: str,
    all_branches: bool,
    origin: Origin,
) -> dict[str, Any]:
    """A new account waits for a second person's approval (R-ST-06); nobody chooses its password.

    On approval the account is made inactive, and its owner activates it with the one-time code
    the approver hands over, setting a password only they know.
    """
    require(actor, "staff.admin")
    username = check_username(username)
    display_name = (display_name or "").strip()
    if not 1 <= len(display_name) <= 100:
        raise InvalidInput("请填写姓名 / Name is required", field="display_name", code="validation.required")
    check_role(role)
    async with db.unit_of_work(ctx.engine):
        await _branch_id(branch)
        if await Staff.exists().where(Staff.username == username) or await grants.pending_subject(
            kind=NEW_STAFF, subject=username
        ):
            raise DuplicateUsername(f"用户名 {username} 已存在 / Username {username} is taken", field="username")
        return await grants.file_request(
            ctx=ctx, actor=actor, kind=NEW_STAFF, subject=username, origin=origin,
            payload={"username": username, "display_name": display_name, "role": role, "branch": branch,
                     "all_branches": bool(all_branches)},
        )


async def request_change(
    *,
    ctx: AppContext,
    actor: Actor,
    username: str,
    role: str | None = None,
    branch: str | None = None,
    all_branches: bool | None = None,
    origin: Origin,
) -> dict[str, Any]:
    """A role or branch-scope change waits for a second person's approval (R-ST-06)."""
    require(actor, "staff.admin")
    async with db.unit_of_work(ctx.engine):
        row = await Staff.select(*_COLUMNS).where(Staff.username == username).first()
        if row is None or not row["active"]:
            raise StaffNotFound(f"员工 {username} 不存在或已停用 / Staff {username} not found or disabled", field="username")
        if branch is not None:
            await _branch_id(branch)
        change = check_staff_change(
            change=StaffChange(role=role, branch=branch, all_branches=all_branches),
            current=StaffChange(role=row["role"], branch=row["branch.code"], all_branches=row["all_branches"]),
        )
        payload = {"username": username, **{k: v for k, v in vars(change).items() if v is not None}}
        return await grants.file_request(
            ctx=ctx, actor=actor, kind=STAFF_CHANGE, subject=username, payload=payload, origin=origin
        )


async def _create_approved(*, ctx: AppContext, payload: dict[str, Any], now: dt.datetime) -> int | None:
    """Inactive and without a usable password until its owner activates it (crm.staff.activation)."""
    if await Staff.exists().where(Staff.username == payload["username"]):
        raise DuplicateUsername(f"用户名 {payload['username']} 已存在 / Username {payload['username']} is taken", field="username")
    branch_id = await _branch_id(payload["branch"])
    await Staff.insert(
        Staff(
            username=payload["username"],
            display_name=payload["display_name"],
            role=payload["role"],
            branch=branch_id,
            all_branches=payload["all_branches"],
            # A secret nobody holds: the only way in is the activation code.
            password_hash=ctx.hasher.hash(secrets.token_urlsafe(32)),
            must_change_password=False,
            active=False,
        )
    )
    return None


async def _change_approved(*, ctx: AppContext, payload: dict[str, Any], now: dt.datetime) -> int | None:
    row = await Staff.select(Staff.id, Staff.active).where(Staff.username == payload["username"]).first()
    if row is None or not row["active"]:
        raise StaffNotFound(f"员工 {payload['username']} 不存在或已停用 / Staff {payload['username']} not found or disabled",
                            field="username")
    changes: dict[Any, Any] = {}
    if "role" in payload:
        changes[Staff.role] = check_role(payload["role"])
    if "all_branches" in payload:
        changes[Staff.all_branches] = bool(payload["all_branches"])
    if "branch" in payload:
        changes[Staff.branch] = await _branch_id(payload["branch"])
    await Staff.update(changes).where(Staff.id == row["id"])
    return row["id"]


def _role_text(role: str) -> tuple[str, str]:
    return ROLE_LABELS.get(role, (role, role))


def _describe_new(p: dict[str, Any]) -> tuple[str, str]:
    zh, en = _role_text(p["role"])
    scope = ("，全部网点", ", all branches") if p.get("all_branches") else ("", "")
    return (f"新员工 {p['username']}（{p['display_name']}）：{zh}，{p['branch']}{scope[0]}",
            f"New staff {p['username']} ({p['display_name']}): {en}, {p['branch']}{scope[1]}")


def _describe_change(p: dict[str, Any]) -> tuple[str, str]:
    zh: list[str] = []
    en: list[str] = []
    if "role" in p:
        role_zh, role_en = _role_text(p["role"])
        zh.append(f"角色改为 {role_zh}")
        en.append(f"role to {role_en}")
    if "branch" in p:
        zh.append(f"网点改为 {p['branch']}")
        en.append(f"branch to {p['branch']}")
    if "all_branches" in p:
        zh.append("可查看全部网点" if p["all_branches"] else "仅本网点")
        en.append("all branches" if p["all_branches"] else "own branch only")
    return (f"{p['username']}：{'，'.join(zh)}", f"{p['username']}: {', '.join(en)}")


NEW_STAFF = "staff.create"
STAFF_CHANGE = "staff.change"
grants.register_kind(grants.GrantKind(
    kind=NEW_STAFF, label=("新建员工账号", "New staff account"), request_capabilities=("staff.admin",),
    apply=_create_approved, describe=_describe_new, activates=True,
))
grants.register_kind(grants.GrantKind(
    kind=STAFF_CHANGE, label=("变更角色或网点范围", "Role or branch-scope change"), request_capabilities=("staff.admin",),
    apply=_change_approved, describe=_describe_change,
))


async def deactivate(*, staff_id: int, now: dt.datetime) -> None:
    """Inside the caller's unit of work: the account is off and its sessions end (never deleted, R-ST-05).

    The caller clears ctx.session_cache for the staff member after the commit.
    """
    await Staff.update({Staff.active: False, Staff.disabled_at: now}).where(Staff.id == staff_id)
    await StaffSession.update({StaffSession.revoked_at: now}).where(
        (StaffSession.staff == staff_id) & StaffSession.revoked_at.is_null()
    )


async def disable_staff(*, ctx: AppContext, actor: Actor, username: str, reason: str, origin: Origin) -> dict[str, Any]:
    """Accounts of people who leave are disabled, never deleted (R-ST-05); their sessions end now."""
    require(actor, "staff.admin")
    reason = clean_reason(value=reason, purpose="staff_disable")
    now = ctx.now()
    async with db.unit_of_work(ctx.engine):
        row = await Staff.select(Staff.id, Staff.disabled_at).where(Staff.username == username).first()
        if row is None:
            raise StaffNotFound(f"员工 {username} 不存在 / Staff {username} not found", field="username")
        if row["id"] == actor.staff_id:
            raise Conflict("不能停用本人账号 / You cannot disable your own account", code="staff.self_disable")
        if row["disabled_at"] is not None:
            raise Conflict("该账号已停用 / The account is already disabled", code="staff.already_disabled")
        await deactivate(staff_id=row["id"], now=now)
        await audit.append(
            ctx=ctx, action="admin.staff_disable", actor=actor.username, origin=origin, target=username,
            details={"reason": reason},
        )
        updated = await Staff.select(*_COLUMNS).where(Staff.id == row["id"]).first()
    ctx.session_cache.forget_staff(row["id"])
    return _view(updated)

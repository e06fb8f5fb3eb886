"""Staff accounts administered by the sysadmin (SPEC §1, R-ST-01, R-ST-02, R-ST-05)."""

from __future__ import annotations

import datetime as dt

import re
from typing import Any

from crm import db
from crm.audit import service as audit
from crm.common.reasons import clean_reason
from crm.context import AppContext, Origin
from crm.errors import Conflict, InvalidInput, NotFound
from crm.security.passwords import check_password_policy
from crm.staff.access import Actor, require
from crm.staff.roles import ROLES
from crm.staff.tables import Branch, Staff, StaffSession

_USERNAME = re.compile(r"^[a-z][a-z0-9_.-]{2,31}$")


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
        "must_change_password": row["must_change_password"],
        "locked_until": row["locked_until"],
    }


_COLUMNS = (Staff.all_columns(), Staff.branch.code)


async def list_staff(*, ctx: AppContext, actor: Actor) -> list[dict[str, Any]]:
    require(actor, "staff.admin")
    return [_view(r) for r in await Staff.select(*_COLUMNS).order_by(Staff.username)]


async def create_staff(
    *,
    ctx: AppContext,
    actor: Actor,
    username: str,
    display_name: str,
    role: str,
    branch: str,
    all_branches: bool,
    initial_password: str,
    origin: Origin,
) -> dict[str, Any]:
    """One account per person; the initial password must be changed at first login."""
    require(actor, "staff.admin")
    username = (username or "").strip().lower()
    display_name = (display_name or "").strip()
    if not _USERNAME.match(username):
        raise InvalidInput(
            "用户名须为 3–32 位小写字母、数字或 ._- 且以字母开头 / Username: 3–32 lowercase letters, digits or ._-, starting with a letter",
            field="username", code="staff.invalid_username",
        )
    if not 1 <= len(display_name) <= 100:
        raise InvalidInput("请填写姓名 / Name is required", field="display_name", code="validation.required")
    if role not in ROLES:
        raise InvalidInput(f"未知角色 {role} / Unknown role {role}", field="role", code="staff.unknown_role")
    check_password_policy(password=initial_password or "", context=(username, display_name))
    async with db.unit_of_work(ctx.engine):
        branch_row = await Branch.select(Branch.id).where(Branch.code == branch).first()
        if branch_row is None:
            raise InvalidInput(f"营业网点 {branch} 不存在 / Unknown branch {branch}", field="branch", code="staff.unknown_branch")
        if await Staff.exists().where(Staff.username == username):
            raise DuplicateUsername(f"用户名 {username} 已存在 / Username {username} is taken", field="username")
        await Staff.insert(
            Staff(
                username=username,
                display_name=display_name,
                role=role,
                branch=branch_row["id"],
                all_branches=all_branches,
                password_hash=ctx.hasher.hash(initial_password),
                must_change_password=True,
            )
        )
        await audit.append(
            ctx=ctx, action="admin.staff_create", actor=actor.username, origin=origin, target=username,
            details={"role": role, "branch": branch, "all_branches": all_branches},
        )
        row = await Staff.select(*_COLUMNS).where(Staff.username == username).first()
    return _view(row)


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
        row = await Staff.select(Staff.id, Staff.active).where(Staff.username == username).first()
        if row is None:
            raise StaffNotFound(f"员工 {username} 不存在 / Staff {username} not found", field="username")
        if row["id"] == actor.staff_id:
            raise Conflict("不能停用本人账号 / You cannot disable your own account", code="staff.self_disable")
        if not row["active"]:
            raise Conflict("该账号已停用 / The account is already disabled", code="staff.already_disabled")
        await deactivate(staff_id=row["id"], now=now)
        await audit.append(
            ctx=ctx, action="admin.staff_disable", actor=actor.username, origin=origin, target=username,
            details={"reason": reason},
        )
        updated = await Staff.select(*_COLUMNS).where(Staff.id == row["id"]).first()
    ctx.session_cache.forget_staff(row["id"])
    return _view(updated)

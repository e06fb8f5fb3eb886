"""Login, sessions and passwords for staff (R-ST-01..03)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from crm import db
from crm.audit import service as audit
from crm.context import AppContext, Origin
from crm.errors import AccountLocked, AuthenticationFailed, InvalidInput, NotFound, PermissionDenied
from crm.security.lockout import is_locked, register_failure
from crm.security.passwords import check_password_policy
from crm.security.tokens import hash_token, new_session_token, session_expiry
from crm.common.local_time import local_text
from crm.staff.access import Actor
from crm.staff.tables import Branch, Staff, StaffSession

SESSION_KINDS = ("api", "web")
# Writing last_seen on every request would turn each read into a write; a minute is finer
# than the 30-minute idle limit needs.
_TOUCH_EVERY = dt.timedelta(seconds=60)


class InvalidCredentials(AuthenticationFailed):
    code = "auth.invalid_credentials"


class SessionExpired(AuthenticationFailed):
    code = "auth.session_expired"


class PasswordChangeRequired(PermissionDenied):
    code = "auth.password_change_required"


class SamePassword(InvalidInput):
    code = "password.unchanged"


@dataclass(frozen=True)
class LoginResult:
    token: str
    must_change_password: bool
    actor: Actor
    expires_at: dt.datetime


@dataclass(frozen=True)
class Authenticated:
    actor: Actor
    must_change_password: bool
    session_id: int


def _actor(row: dict[str, Any]) -> Actor:
    return Actor(
        staff_id=row["id"],
        username=row["username"],
        display_name=row["display_name"],
        role=row["role"],
        branch_id=row["branch"],
        branch_code=row["branch.code"],
        all_branches=row["all_branches"],
    )


class UnknownStaff(NotFound):
    code = "staff.unknown"


class StaffDisabled(PermissionDenied):
    """A person who has left keeps no authority, not even through the command line (R-ST-05)."""

    code = "staff.disabled"


async def command_actor(*, ctx: AppContext, username: str, origin: Origin) -> Actor:
    """The staff member whose authority a command (`crm import`, `crm export`) acts with.

    Commands have no login: the operator, who already holds the database and the keyring,
    names the person, and that person's role, branch scope and clearance then apply. A
    disabled account is refused, and the refusal audited like any denial (R-PM-05).
    """
    name = (username or "").strip()
    row = await Staff.select(
        Staff.id, Staff.username, Staff.display_name, Staff.role, Staff.branch, Staff.branch.code,
        Staff.all_branches, Staff.active,
    ).where(Staff.username == name).first()
    if row is None:
        raise UnknownStaff(f"员工账号 {name!r} 不存在 / No staff account named {name!r}", field="as")
    if not row["active"]:
        error = StaffDisabled(f"员工账号 {name} 已停用 / The staff account {name} is disabled", field="as")
        await audit.record_denial(ctx=ctx, username=name, origin=origin, code=error.code, target="cli")
        raise error
    return _actor(row)


async def login(*, ctx: AppContext, username: str, password: str, kind: str, origin: Origin) -> LoginResult:
    """Check the password, count failures, lock after too many, open a session."""
    now = ctx.now()
    username = (username or "").strip()
    refusal: AuthenticationFailed | AccountLocked | None = None
    async with db.unit_of_work(ctx.engine):
        staff = await db.locking(Staff.select().where(Staff.username == username), ctx.engine).first()
        if staff is None or not staff["active"]:
            # Hash anyway so response time does not reveal which usernames exist.
            ctx.hasher.verify_unknown_user(password=password)
            refusal = InvalidCredentials("用户名或密码错误 / Wrong username or password")
        elif is_locked(locked_until=staff["locked_until"], now=now):
            refusal = AccountLocked(_locked_message(staff["locked_until"]))
        elif not ctx.hasher.verify(password_hash=staff["password_hash"], password=password):
            count, locked_until = register_failure(
                failed_count=staff["failed_logins"], now=now, policy=ctx.lockout_policy
            )
            await Staff.update({Staff.failed_logins: count, Staff.locked_until: locked_until}).where(
                Staff.id == staff["id"]
            )
            refusal = (
                AccountLocked(_locked_message(locked_until))
                if locked_until
                else InvalidCredentials("用户名或密码错误 / Wrong username or password")
            )
        if refusal is not None:
            await audit.append(
                ctx=ctx,
                action="auth.login",
                actor=username[:64] or None,
                origin=origin,
                outcome="failure",
                details={"code": refusal.code, "kind": kind},
            )
    if refusal is not None:
        raise refusal

    branch = await Branch.select(Branch.code).where(Branch.id == staff["branch"]).first()
    staff["branch.code"] = branch["code"]
    token = new_session_token()
    async with db.unit_of_work(ctx.engine):
        await Staff.update({Staff.failed_logins: 0, Staff.locked_until: None}).where(Staff.id == staff["id"])
        await StaffSession.insert(
            StaffSession(
                token_hash=hash_token(token=token),
                staff=staff["id"],
                kind=kind,
                created_at=now,
                last_seen_at=now,
                source_ip=origin.source_ip,
            )
        )
        await audit.append(
            ctx=ctx, action="auth.login", actor=staff["username"], origin=origin, details={"kind": kind}
        )
    return LoginResult(
        token=token,
        must_change_password=staff["must_change_password"],
        actor=_actor(staff),
        expires_at=now + ctx.session_policy.absolute,
    )


def _locked_message(until: dt.datetime | None) -> str:
    when = local_text(until, "%H:%M")
    return f"登录失败次数过多，账号已锁定至 {when}（北京时间） / Too many failed logins: account locked until {when} (UTC+8)"


_SESSION_BY_TOKEN = db.CachedSelect(
    lambda token_hash: StaffSession.select(
        StaffSession.id,
        StaffSession.created_at,
        StaffSession.last_seen_at,
        StaffSession.revoked_at,
        StaffSession.kind,
        # Only what authorisation needs: every column converted costs time on every request.
        StaffSession.staff.id,
        StaffSession.staff.username,
        StaffSession.staff.display_name,
        StaffSession.staff.role,
        StaffSession.staff.branch,
        StaffSession.staff.all_branches,
        StaffSession.staff.active,
        StaffSession.staff.must_change_password,
        StaffSession.staff.branch.code,
    ).where(StaffSession.token_hash == token_hash),
    params=1,
    first=True,
)


async def authenticate(
    *, ctx: AppContext, token: str | None, kind: str, allow_password_change_pending: bool = False
) -> Authenticated:
    """Resolve a bearer token or cookie to the acting staff member."""
    if not token:
        raise AuthenticationFailed("请先登录 / Please log in")
    now = ctx.now()
    token_hash = hash_token(token=token)
    row = ctx.session_cache.get(token_hash)
    if row is None:
        row = await _SESSION_BY_TOKEN.run(ctx.engine, token_hash)
        if row is not None:
            ctx.session_cache.put(token_hash, row)
    if row is None or row["revoked_at"] is not None or row["kind"] != kind or not row["staff.active"]:
        raise AuthenticationFailed("登录已失效，请重新登录 / Session not valid, please log in again")
    expired = session_expiry(
        created_at=row["created_at"], last_seen_at=row["last_seen_at"], now=now, policy=ctx.session_policy
    )
    if expired:
        raise SessionExpired("登录已超时，请重新登录 / Session expired, please log in again")
    if now - row["last_seen_at"] >= _TOUCH_EVERY:
        await StaffSession.update({StaffSession.last_seen_at: now}).where(StaffSession.id == row["id"])
        row["last_seen_at"] = now
    actor = row.get("actor")
    if actor is None:
        # Built once per cached row: the role checks in Actor's constructor run per login, not per request.
        actor = row["actor"] = Actor(
            staff_id=row["staff.id"],
            username=row["staff.username"],
            display_name=row["staff.display_name"],
            role=row["staff.role"],
            branch_id=row["staff.branch"],
            branch_code=row["staff.branch.code"],
            all_branches=row["staff.all_branches"],
        )
    if row["staff.must_change_password"] and not allow_password_change_pending:
        raise PasswordChangeRequired("首次登录请先修改密码 / Change your initial password first")
    return Authenticated(actor=actor, must_change_password=row["staff.must_change_password"], session_id=row["id"])


async def logout(*, ctx: AppContext, token: str | None, origin: Origin) -> None:
    if not token:
        return
    async with db.unit_of_work(ctx.engine):
        row = await StaffSession.select(StaffSession.id, StaffSession.staff.username).where(
            (StaffSession.token_hash == hash_token(token=token)) & StaffSession.revoked_at.is_null()
        ).first()
        if row is None:
            return
        await StaffSession.update({StaffSession.revoked_at: ctx.now()}).where(StaffSession.id == row["id"])
        await audit.append(ctx=ctx, action="auth.logout", actor=row["staff.username"], origin=origin)
    ctx.session_cache.forget(hash_token(token=token))


async def change_password(
    *, ctx: AppContext, actor: Actor, current_password: str, new_password: str, session_id: int, origin: Origin
) -> None:
    """Verify the old password, apply the policy, and end every other session of this person."""
    staff = await Staff.select(Staff.password_hash).where(Staff.id == actor.staff_id).first()
    if staff is None or not ctx.hasher.verify(password_hash=staff["password_hash"], password=current_password or ""):
        await audit.append_alone(
            ctx=ctx, action="auth.password_change", actor=actor.username, origin=origin, outcome="failure"
        )
        raise InvalidInput(
            "当前密码不正确 / Current password is wrong", field="current_password", code="auth.invalid_credentials"
        )
    check_password_policy(password=new_password or "", context=(actor.username, actor.display_name))
    if new_password == current_password:
        raise SamePassword("新密码不能与当前密码相同 / The new password must differ from the current one", field="new_password")
    now = ctx.now()
    async with db.unit_of_work(ctx.engine):
        await Staff.update(
            {
                Staff.password_hash: ctx.hasher.hash(new_password),
                Staff.must_change_password: False,
                Staff.password_changed_at: now,
            }
        ).where(Staff.id == actor.staff_id)
        await StaffSession.update({StaffSession.revoked_at: now}).where(
            (StaffSession.staff == actor.staff_id)
            & (StaffSession.id != session_id)
            & StaffSession.revoked_at.is_null()
        )
        await audit.append(ctx=ctx, action="auth.password_change", actor=actor.username, origin=origin)
    ctx.session_cache.forget_staff(actor.staff_id)

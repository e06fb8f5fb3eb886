"""Login, sessions and passwords for staff (R-ST-01..03)."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import Any

from crm import db
from crm.audit import service as audit
from crm.context import AppContext, Origin
from crm.errors import (
    AccountLocked,
    AuthenticationFailed,
    DomainError,
    InvalidInput,
    NotFound,
    PermissionDenied,
    RateLimited,
)
from crm.security.blind_index import blind_index
from crm.security.lockout import (
    Failure,
    LockoutPolicy,
    account_lock_after_failure,
    address_lock_end,
    is_locked,
    throttle_wait,
)
from crm.security.passwords import check_password_policy
from crm.security.tokens import hash_token, new_session_token, session_expiry
from crm.common.local_time import local_text
from crm.staff.access import Actor
from crm.staff.tables import Branch, LoginFailure, Staff, StaffSession

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
    """Check the password, count failures per name and address, open a session.

    Every refusal before a correct password reads the same (R-ST-03): wrong password, unknown
    or disabled name, locked account. The hash is checked in each of those cases, so neither
    the answer nor its time tells them apart; a lock is told only to whoever knows the password.
    """
    now = ctx.now()
    username = (username or "").strip()
    address = _address(origin)
    policy = ctx.lockout_policy
    refusal: DomainError | None = None
    async with db.unit_of_work(ctx.engine):
        # The throttle is the address's alone, so it answers every name alike and costs no hash.
        wait = throttle_wait(failed_at=await _failures_from(address, now=now, policy=policy), now=now, policy=policy)
        if wait is not None:
            refusal = _throttled(wait)
        else:
            staff = await db.locking(Staff.select().where(Staff.username == username), ctx.engine).first()
            known = staff is not None and staff["active"]
            if known:
                correct = ctx.hasher.verify(password_hash=staff["password_hash"], password=password)
            else:
                ctx.hasher.verify_unknown_user(password=password)
                correct = False
            key = _username_key(ctx, username)
            if not correct:
                await _count_failure(ctx, key=key, address=address, staff=staff if known else None, now=now)
                refusal = _invalid_credentials()
            else:
                locked_until = await _locked_until(key=key, address=address, staff=staff, now=now, policy=policy)
                if locked_until is not None:
                    refusal = AccountLocked(_locked_message(locked_until))
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
        # A success forgets this address's failures on this name only: others' still count.
        await LoginFailure.delete().where((LoginFailure.username_key == key) & (LoginFailure.source_ip == address))
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


class LoginThrottled(RateLimited):
    """Too many failures from one address, whatever names it tried (ASVS 2.2.1; HTTP 429).

    The same for every name, so it reveals nothing about which exist; ``retry_after`` is in
    whole seconds.
    """

    code = "auth.throttled"

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


def _invalid_credentials() -> InvalidCredentials:
    return InvalidCredentials("用户名或密码错误 / Wrong username or password")


def _throttled(wait: dt.timedelta) -> LoginThrottled:
    seconds = max(1, math.ceil(wait.total_seconds()))
    return LoginThrottled(
        f"登录失败次数过多，请 {seconds} 秒后再试 / Too many failed logins: try again in {seconds} seconds",
        retry_after=seconds,
    )


def _address(origin: Origin) -> str:
    return (origin.source_ip or "unknown")[:64]


def _username_key(ctx: AppContext, username: str) -> str:
    # The prefix keeps an empty name indexable: it is counted like any other.
    return blind_index(keyring=ctx.keyring, value=f"u:{username}", purpose="login-failure")


async def _failures_from(address: str, *, now: dt.datetime, policy: LockoutPolicy) -> list[dt.datetime]:
    rows = await LoginFailure.select(LoginFailure.failed_at).where(
        (LoginFailure.source_ip == address) & (LoginFailure.failed_at > now - policy.throttle_window)
    )
    return [r["failed_at"] for r in rows]


async def _failures_of(key: str, *, now: dt.datetime, policy: LockoutPolicy) -> list[Failure]:
    rows = await LoginFailure.select(LoginFailure.source_ip, LoginFailure.failed_at).where(
        (LoginFailure.username_key == key) & (LoginFailure.failed_at > now - policy.lookback)
    )
    return [Failure(address=r["source_ip"], at=r["failed_at"]) for r in rows]


async def _locked_until(
    *, key: str, address: str, staff: dict[str, Any], now: dt.datetime, policy: LockoutPolicy
) -> dt.datetime | None:
    """The end of the lock on this account for this address: its own, or the account-wide one."""
    failures = await _failures_of(key, now=now, policy=policy)
    ends = [
        address_lock_end(failed_at=[f.at for f in failures if f.address == address], now=now, policy=policy),
        staff["locked_until"] if is_locked(locked_until=staff["locked_until"], now=now) else None,
    ]
    return max((e for e in ends if e is not None), default=None)


async def _count_failure(
    ctx: AppContext, *, key: str, address: str, staff: dict[str, Any] | None, now: dt.datetime
) -> None:
    """Record a failed password check; lock the account for everyone when enough addresses fail.

    Unknown names are recorded too, so the statements (and their time) do not depend on
    whether the name exists, and they feed the address's throttle.
    """
    policy = ctx.lockout_policy
    await LoginFailure.insert(LoginFailure(username_key=key, source_ip=address, failed_at=now))
    await LoginFailure.delete().where(LoginFailure.failed_at <= now - policy.lookback)
    failures = await _failures_of(key, now=now, policy=policy)
    if staff is None:
        return
    changes: dict[Any, Any] = {Staff.failed_logins: len(failures)}
    account_until = account_lock_after_failure(failures=failures, now=now, policy=policy)
    if account_until is not None and not is_locked(locked_until=staff["locked_until"], now=now):
        # The account-wide lock is the one the sysadmin sees in the staff list.
        changes[Staff.locked_until] = account_until
    await Staff.update(changes).where(Staff.id == staff["id"])


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
    """Verify the old password, apply the policy, and end every other session of this person.

    Wrong current passwords count as failed logins from this address (R-ST-03): a borrowed
    session must not become an unlimited password guesser. The person is logged in, so a
    lock is told plainly here.
    """
    now = ctx.now()
    address = _address(origin)
    key = _username_key(ctx, actor.username)
    refusal: DomainError | None = None
    async with db.unit_of_work(ctx.engine):
        staff = await db.locking(
            Staff.select(Staff.id, Staff.password_hash, Staff.locked_until).where(Staff.id == actor.staff_id),
            ctx.engine,
        ).first()
        locked_until = (
            await _locked_until(key=key, address=address, staff=staff, now=now, policy=ctx.lockout_policy)
            if staff is not None
            else None
        )
        if locked_until is not None:
            refusal = AccountLocked(_locked_message(locked_until))
        elif staff is None or not ctx.hasher.verify(password_hash=staff["password_hash"], password=current_password or ""):
            await _count_failure(ctx, key=key, address=address, staff=staff, now=now)
            refusal = InvalidInput(
                "当前密码不正确 / Current password is wrong", field="current_password", code="auth.invalid_credentials"
            )
        if refusal is not None:
            await audit.append(
                ctx=ctx, action="auth.password_change", actor=actor.username, origin=origin, outcome="failure",
                details={"code": refusal.code},
            )
    if refusal is not None:
        raise refusal
    check_password_policy(password=new_password or "", context=(actor.username, actor.display_name))
    if new_password == current_password:
        raise SamePassword("新密码不能与当前密码相同 / The new password must differ from the current one", field="new_password")
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

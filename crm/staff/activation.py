"""A new person activates their approved account with the one-time code (R-ST-06).

The approver hands the code over (shown once on approval); its owner types it with their
username and chooses the password, which nobody else ever saw. Every refusal has the same
answer whatever was wrong (unknown name, wrong code, a code already used), so the form tells
no one which accounts exist; an expired code is told as such only to whoever holds it.
"""

from __future__ import annotations

from crm import db
from crm.audit import service as audit
from crm.context import AppContext, Origin
from crm.errors import InvalidInput
from crm.security.passwords import check_password_policy
from crm.security.tokens import hash_token
from crm.staff.grant_rules import ACTIVATION_CODE_PATTERN, normalise_activation_code
from crm.staff.tables import Staff, StaffGrant

__all__ = ["ActivationExpired", "ActivationInvalid", "activate"]


class ActivationInvalid(InvalidInput):
    code = "activation.invalid"


class ActivationExpired(InvalidInput):
    code = "activation.expired"


_INVALID = "激活码无效或已使用 / The activation code is not valid or has been used"


async def activate(*, ctx: AppContext, username: str, code: str, new_password: str, origin: Origin) -> None:
    name = (username or "").strip().lower()
    typed = normalise_activation_code(code)
    now = ctx.now()
    refusal: InvalidInput | None = None
    async with db.unit_of_work(ctx.engine):
        grant = None
        if ACTIVATION_CODE_PATTERN.match(typed):
            grant = await db.locking(
                StaffGrant.select(StaffGrant.id, StaffGrant.subject, StaffGrant.activation_expires_at,
                                  StaffGrant.activated_at).where(StaffGrant.activation_hash == hash_token(token=typed)),
                ctx.engine,
            ).first()
        staff = await Staff.select(Staff.id, Staff.display_name, Staff.active, Staff.disabled_at).where(
            Staff.username == name
        ).first()
        if (
            grant is None or grant["subject"] != name or grant["activated_at"] is not None
            or staff is None or staff["active"] or staff["disabled_at"] is not None
        ):
            refusal = ActivationInvalid(_INVALID, field="code")
        elif now >= grant["activation_expires_at"]:
            refusal = ActivationExpired(
                "激活码已过期，请联系总经理重新办理 / The activation code has expired: ask the general manager for a new one",
                field="code",
            )
        else:
            check_password_policy(password=new_password or "", context=(name, staff["display_name"]))
            await Staff.update(
                {
                    Staff.password_hash: ctx.hasher.hash(new_password),
                    Staff.active: True,
                    Staff.must_change_password: False,
                    Staff.password_changed_at: now,
                }
            ).where(Staff.id == staff["id"])
            await StaffGrant.update({StaffGrant.activated_at: now}).where(StaffGrant.id == grant["id"])
            await audit.append(ctx=ctx, action="auth.activate", actor=name, origin=origin, details={"grant": grant["id"]})
    if refusal is not None:
        await audit.append_alone(
            ctx=ctx, action="auth.activate", actor=name[:64] or None, origin=origin, outcome="failure",
            details={"code": refusal.code},
        )
        raise refusal

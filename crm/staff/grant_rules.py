"""Who may decide a grant, and what a new person's activation looks like (R-ST-06).

Pure: no Piccolo, no Litestar, no clock. A grant is a change of who may do what (a new
account, a role or branch-scope change, a contract type's creation or change). Every such
change waits for a second person, whatever the role: which roles read customer data changes
with each new package, and a rule that lists them would open quietly when one is added.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from crm.errors import Conflict, InvalidInput, PermissionDenied
from crm.staff.roles import ROLES

__all__ = [
    "ACTIVATION_CODE_PATTERN",
    "GRANT_STATUSES",
    "ActivationPolicy",
    "GrantAlreadyDecided",
    "OwnGrant",
    "StaffChange",
    "check_decider",
    "check_pending",
    "check_staff_change",
    "check_username",
    "normalise_activation_code",
]

# "used": a one-time permission (a full export) once its holder has used it.
GRANT_STATUSES = ("pending", "approved", "rejected", "used")
GRANT_STATUS_LABELS: dict[str, tuple[str, str]] = {
    "pending": ("待审批", "Waiting for approval"),
    "approved": ("已批准", "Approved"),
    "rejected": ("已驳回", "Rejected"),
    "used": ("已使用", "Used"),
}

_USERNAME = re.compile(r"^[a-z][a-z0-9_.-]{2,31}$")
# Ten characters of Crockford's base32 (no I, L, O, U): about 50 bits, read aloud at a counter
# without confusion, and far beyond guessing within the code's validity.
ACTIVATION_CODE_PATTERN = re.compile(r"^[0-9A-HJKMNP-TV-Z]{10}$")


class OwnGrant(PermissionDenied):
    code = "grant.own_request"


class GrantAlreadyDecided(Conflict):
    code = "grant.already_decided"


class InvalidUsername(InvalidInput):
    code = "staff.invalid_username"


class UnknownRole(InvalidInput):
    code = "staff.unknown_role"


class NothingToChange(InvalidInput):
    code = "grant.no_change"


@dataclass(frozen=True)
class ActivationPolicy:
    valid_for: dt.timedelta = dt.timedelta(hours=72)

    def expires_at(self, *, approved_at: dt.datetime) -> dt.datetime:
        return approved_at + self.valid_for


@dataclass(frozen=True)
class StaffChange:
    """The requested values; None leaves a value as it is."""

    role: str | None = None
    branch: str | None = None
    all_branches: bool | None = None


def check_username(username: str) -> str:
    name = (username or "").strip().lower()
    if not _USERNAME.match(name):
        raise InvalidUsername(
            "用户名须为 3–32 位小写字母、数字或 ._- 且以字母开头 / Username: 3–32 lowercase letters, digits or ._-, "
            "starting with a letter",
            field="username",
        )
    return name


def check_role(role: str) -> str:
    if role not in ROLES:
        raise UnknownRole(f"未知角色 {role} / Unknown role {role}", field="role")
    return role


def check_staff_change(*, change: StaffChange, current: StaffChange) -> StaffChange:
    """The values that differ from ``current``; a request that changes nothing is refused."""
    if change.role is not None:
        check_role(change.role)
    differs = StaffChange(
        role=change.role if change.role not in (None, current.role) else None,
        branch=change.branch if change.branch not in (None, current.branch) else None,
        all_branches=change.all_branches if change.all_branches not in (None, current.all_branches) else None,
    )
    if differs == StaffChange():
        raise NothingToChange("申请内容与现状相同 / The request changes nothing", field="role")
    return differs


def check_pending(*, status: str) -> None:
    if status != "pending":
        raise GrantAlreadyDecided("该申请已处理 / This request has already been decided", field="status")


def check_decider(*, requested_by: int, decider: int) -> None:
    """Never the requester: the whole point is a second person (R-ST-06)."""
    if requested_by == decider:
        raise OwnGrant("不能审批本人提出的申请 / You cannot decide your own request", field="grant")


def normalise_activation_code(code: str) -> str:
    """What the person typed, as the code was printed: upper case, no spaces or dashes."""
    return re.sub(r"[\s-]", "", code or "").upper()

"""Looking up and borrowing archives (查(借)阅, R-AR-06).

A request states its purpose and for how many days it is wanted. The archivist decides first;
a restricted record then also needs the general manager, because the general manager alone
authorises access to restricted archives (§1). Nobody decides their own request and nobody
decides both steps, so at least two other people have seen every restricted lookup. A grant
runs from the moment of approval for the requested number of days: [approved_at, valid_until).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import datetime, timedelta

from crm.common.reasons import clean_reason
from crm.errors import Conflict, InvalidInput, PermissionDenied
from crm.staff.roles import ROLE_LABELS

__all__ = [
    "DECISIONS",
    "DECISION_LABELS",
    "MAX_DAYS",
    "MIN_DAYS",
    "REQUEST_STATUSES",
    "REQUEST_STATUS_LABELS",
    "AlreadyDecided",
    "Decision",
    "GrantExpired",
    "InvalidDays",
    "NoGrant",
    "OneStepPerPerson",
    "OutOfOrder",
    "OwnRequest",
    "RequestState",
    "UnknownDecision",
    "WrongRole",
    "awaiting_role",
    "check_decision_reason",
    "check_grant",
    "check_request",
    "decide",
    "grant_until",
]

REQUEST_STATUSES = ("pending", "approved", "rejected")

REQUEST_STATUS_LABELS: dict[str, tuple[str, str]] = {
    "pending": ("待审批", "Pending"),
    "approved": ("已批准", "Approved"),
    "rejected": ("已驳回", "Rejected"),
}

DECISIONS = ("approve", "reject")

DECISION_LABELS: dict[str, tuple[str, str]] = {
    "approve": ("同意", "Approve"),
    "reject": ("驳回", "Reject"),
}

MIN_DAYS, MAX_DAYS = 1, 30

_ARCHIVIST = "archivist"
_GENERAL_MANAGER = "general_manager"


# ---- errors -------------------------------------------------------------------------------


class InvalidDays(InvalidInput):
    code = "access.invalid_days"

    def __init__(self, message: str, *, field: str | None = "days", code: str | None = None) -> None:
        super().__init__(message, field=field, code=code)


class UnknownDecision(InvalidInput):
    code = "access.unknown_decision"

    def __init__(self, message: str, *, field: str | None = "decision", code: str | None = None) -> None:
        super().__init__(message, field=field, code=code)


class OwnRequest(PermissionDenied):
    code = "access.own_request"


class OneStepPerPerson(PermissionDenied):
    code = "access.one_step_per_person"


class WrongRole(PermissionDenied):
    code = "access.wrong_role"


class AlreadyDecided(Conflict):
    code = "access.already_decided"


class OutOfOrder(Conflict):
    code = "access.out_of_order"


class NoGrant(PermissionDenied):
    code = "access.no_grant"


class GrantExpired(PermissionDenied):
    code = "access.grant_expired"


def _role(role: str) -> tuple[str, str]:
    return ROLE_LABELS.get(role, (role, role))


# ---- the request --------------------------------------------------------------------------


def _check_days(days: int) -> None:
    if isinstance(days, bool) or not isinstance(days, int) or not MIN_DAYS <= days <= MAX_DAYS:
        raise InvalidDays(
            f"查阅期限须为 {MIN_DAYS}–{MAX_DAYS} 天 / The lookup period must be {MIN_DAYS} to {MAX_DAYS} days"
        )


def check_request(*, purpose: str | None, days: int) -> str:
    """The cleaned purpose; the lookup register (查阅登记) must say why each record was read."""
    cleaned = clean_reason(value=purpose, purpose="lookup_purpose")
    _check_days(days)
    return cleaned


def check_decision_reason(*, decision: str, reason: str | None) -> str | None:
    """The cleaned reason to record; a rejection must say why, an approval may."""
    return clean_reason(value=reason, purpose="lookup_rejection", required=decision == "reject")


# ---- decisions ----------------------------------------------------------------------------


@dataclass(frozen=True)
class RequestState:
    status: str
    restricted: bool
    requester_id: int
    archivist_id: int | None = None  # who decided the first step
    general_manager_id: int | None = None  # who decided the second step (restricted records)


@dataclass(frozen=True)
class Decision:
    """What one decision did: the request's new state and the cleaned reason to store and audit."""

    state: RequestState
    reason: str | None


def awaiting_role(*, state: RequestState) -> str | None:
    """The role whose decision the request waits for; None once it is decided.

    The archivist's step is done exactly when archivist_id is set, so the state needs no
    separate step field that could disagree with it.
    """
    if state.status not in REQUEST_STATUS_LABELS:
        raise ValueError(f"unknown request status {state.status!r}; expected one of {REQUEST_STATUSES}")
    if state.status != "pending":
        return None
    if state.archivist_id is None:
        return _ARCHIVIST
    if not state.restricted or state.general_manager_id is not None:
        raise ValueError(f"inconsistent pending request {state!r}: every needed decision is already recorded")
    return _GENERAL_MANAGER


def decide(
    *, state: RequestState, actor_id: int, actor_role: str, decision: str, reason: str | None
) -> Decision:
    """Record one decision: the new state, and the reason as it is to be stored and audited.

    Refusals, in order: unknown decision; already decided (whoever asks); missing reason;
    the requester; the archivist of step one trying step two; the general manager before the
    archivist on a restricted record; any other role.
    """
    if decision not in DECISIONS:
        raise UnknownDecision("审批意见须为同意或驳回 / The decision must be approve or reject")
    awaiting = awaiting_role(state=state)
    if awaiting is None:
        zh, en = REQUEST_STATUS_LABELS[state.status]
        raise AlreadyDecided(f"该查阅申请{zh}，不能再次审批 / This lookup request is already {en.lower()}")
    cleaned = check_decision_reason(decision=decision, reason=reason)
    if actor_id == state.requester_id:
        raise OwnRequest("不能审批自己的查阅申请 / You cannot decide on your own lookup request")
    if actor_id == state.archivist_id:
        raise OneStepPerPerson(
            "您已审批过本申请的上一步骤，须由另一人审批 / "
            "You decided the previous step of this request; someone else must decide this one"
        )
    if actor_role != awaiting:
        awaiting_zh, awaiting_en = _role(awaiting)
        if awaiting == _ARCHIVIST and actor_role == _GENERAL_MANAGER and state.restricted:
            raise OutOfOrder(f"请等待{awaiting_zh}先审批 / The {awaiting_en.lower()} must decide first")
        raise WrongRole(
            f"当前须由{awaiting_zh}审批 / This request is waiting for the {awaiting_en.lower()}"
        )

    if awaiting == _ARCHIVIST:
        if decision == "reject":
            status = "rejected"
        else:
            status = "pending" if state.restricted else "approved"
        return Decision(state=dataclasses.replace(state, status=status, archivist_id=actor_id), reason=cleaned)
    status = "approved" if decision == "approve" else "rejected"
    return Decision(state=dataclasses.replace(state, status=status, general_manager_id=actor_id), reason=cleaned)


# ---- the grant ----------------------------------------------------------------------------


def grant_until(*, approved_at: datetime, days: int) -> datetime:
    """The end of the grant, exclusive: exactly ``days`` × 24 hours after the approval."""
    _check_days(days)
    return approved_at + timedelta(days=days)


def _moment(value: datetime) -> str:
    return value.isoformat(sep=" ", timespec="minutes")


def check_grant(*, now: datetime, valid_until: datetime | None) -> None:
    """Refuse a view or download without a current grant."""
    if valid_until is None:
        raise NoGrant("您没有查阅该档案的有效授权，请先提交查阅申请 / You have no grant for this archive; request one first")
    if now >= valid_until:
        raise GrantExpired(
            f"查阅授权已于 {_moment(valid_until)} 到期，请重新申请 / "
            f"Your grant expired at {_moment(valid_until)}; request a new one"
        )

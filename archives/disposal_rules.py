"""Disposal batches (销毁, R-AR-05).

The archivist proposes a batch of records whose retention has run out (archives.retention);
the general manager approves or rejects it; the archivist who will execute names at least two
witnesses (监销人), each of whom confirms with their own login; only then is the batch destroyed
and written to the destruction register (销毁清册), which is kept permanently. There is no other way to destroy a record (不得随意处置、销毁、遗失), so every
step here refuses rather than skips.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from crm.common.reasons import clean_reason
from crm.errors import Conflict, InvalidInput, PermissionDenied
from crm.staff.roles import ROLE_LABELS, ROLES

__all__ = [
    "APPROVER_ROLE",
    "DECISIONS",
    "DISPOSAL_STATUSES",
    "DISPOSAL_STATUS_LABELS",
    "MIN_WITNESSES",
    "WITNESS_ROLES",
    "AlreadyDecided",
    "AlreadyWitnessed",
    "Decision",
    "NotApproved",
    "UnknownDecision",
    "WitnessIsExecutor",
    "WitnessNotEligible",
    "WitnessesRequired",
    "WitnessesUnconfirmed",
    "WrongRole",
    "check_appraisal",
    "check_confirmation",
    "check_decision_reason",
    "check_execute",
    "check_nomination",
    "check_witness_roles",
    "decide",
]

DISPOSAL_STATUSES = ("proposed", "approved", "rejected", "executed")

DISPOSAL_STATUS_LABELS: dict[str, tuple[str, str]] = {
    "proposed": ("待审批", "Proposed"),
    "approved": ("已批准", "Approved"),
    "rejected": ("已驳回", "Rejected"),
    "executed": ("已销毁", "Destroyed"),
}

DECISIONS = ("approve", "reject")
APPROVER_ROLE = "general_manager"
MIN_WITNESSES = 2
# 监销 is supervision by people answerable for the company's records: any business role. The
# system administrator is left out: they make and reset the logins a confirmation rests on, so
# the same hand would otherwise both create a witness and stand in for one.
WITNESS_ROLES = frozenset(ROLES) - {"sysadmin"}


class UnknownDecision(InvalidInput):
    code = "disposal.unknown_decision"

    def __init__(self, message: str, *, field: str | None = "decision", code: str | None = None) -> None:
        super().__init__(message, field=field, code=code)


class WrongRole(PermissionDenied):
    code = "disposal.wrong_role"


class AlreadyDecided(Conflict):
    code = "disposal.already_decided"


class NotApproved(Conflict):
    code = "disposal.not_approved"


class WitnessesRequired(InvalidInput):
    code = "disposal.witnesses_required"

    def __init__(self, message: str, *, field: str | None = "witnesses", code: str | None = None) -> None:
        super().__init__(message, field=field, code=code)


class WitnessNotEligible(InvalidInput):
    code = "disposal.witness_not_eligible"

    def __init__(self, message: str, *, field: str | None = "witnesses", code: str | None = None) -> None:
        super().__init__(message, field=field, code=code)


class AlreadyWitnessed(Conflict):
    code = "disposal.already_witnessed"


class WitnessesUnconfirmed(Conflict):
    code = "disposal.witnesses_unconfirmed"

    def __init__(self, message: str, *, field: str | None = "witnesses", code: str | None = None) -> None:
        super().__init__(message, field=field, code=code)


class WitnessIsExecutor(InvalidInput):
    code = "disposal.witness_is_executor"

    def __init__(self, message: str, *, field: str | None = "witnesses", code: str | None = None) -> None:
        super().__init__(message, field=field, code=code)


def _status(status: str) -> tuple[str, str]:
    if status not in DISPOSAL_STATUS_LABELS:
        raise ValueError(f"unknown disposal status {status!r}; expected one of {DISPOSAL_STATUSES}")
    return DISPOSAL_STATUS_LABELS[status]


def check_appraisal(*, reason: str | None) -> str:
    """The cleaned appraisal (鉴定意见): the destruction register keeps why each batch was proposed."""
    return clean_reason(value=reason, purpose="disposal_appraisal")


def check_decision_reason(*, decision: str, reason: str | None) -> str | None:
    """The cleaned reason to record; a rejection must tell the archivist why."""
    return clean_reason(value=reason, purpose="disposal_rejection", required=decision == "reject")


@dataclass(frozen=True)
class Decision:
    """What the general manager's decision did: the batch's new status and the cleaned reason to store and audit."""

    status: str
    reason: str | None


def decide(*, status: str, actor_role: str, decision: str, reason: str | None) -> Decision:
    """The batch's status after the general manager's decision, with the reason as it is to be recorded."""
    if decision not in DECISIONS:
        raise UnknownDecision("审批意见须为同意或驳回 / The decision must be approve or reject")
    if actor_role != APPROVER_ROLE:
        zh, en = ROLE_LABELS[APPROVER_ROLE]
        raise WrongRole(f"档案销毁须由{zh}审批 / Only the {en.lower()} may approve the destruction of archives")
    if status != "proposed":
        zh, en = _status(status)
        raise AlreadyDecided(f"该销毁批次{zh}，不能再次审批 / This disposal batch is already {en.lower()}")
    cleaned = check_decision_reason(decision=decision, reason=reason)
    return Decision(status="approved" if decision == "approve" else "rejected", reason=cleaned)


def _username(value: str | None) -> str:
    # Usernames are stored stripped and lower-case (crm.staff.admin); compare them the same way.
    return (value or "").strip().lower()


def _require_approved(status: str) -> None:
    if status != "approved":
        zh, en = _status(status)
        raise NotApproved(
            f"只有经总经理批准、尚未销毁的批次才能安排监销，本批次{zh} / "
            f"Only a batch approved by the general manager and not yet destroyed can be witnessed; this one is {en.lower()}"
        )


def check_nomination(*, status: str, executor_username: str, witnesses: Sequence[str]) -> tuple[str, ...]:
    """The witnesses the executing archivist names: stripped, lower-cased, de-duplicated in order.

    Two at least; more are kept and all returned, because everyone who watched signs the
    register. Whether each name is an active staff member of a role that may witness
    (``check_witness_roles``) is looked up by the service layer.
    """
    _require_approved(status)
    if isinstance(witnesses, str):
        raise TypeError("witnesses must be a sequence of usernames, not one string")
    executor = _username(executor_username)
    cleaned: dict[str, None] = {}
    for witness in witnesses:
        name = _username(witness)
        if name:
            cleaned.setdefault(name, None)
    # Named before counting: "you cannot witness yourself" says more than "one witness short".
    if executor in cleaned:
        raise WitnessIsExecutor(
            f"执行销毁的 {executor} 不能同时担任监销人 / {executor} carries out the destruction and cannot also witness it"
        )
    if len(cleaned) < MIN_WITNESSES:
        raise WitnessesRequired(
            f"销毁须有至少 {MIN_WITNESSES} 名不同的监销人在场 / "
            f"Destruction needs at least {MIN_WITNESSES} different witnesses"
        )
    return tuple(cleaned)


def check_witness_roles(*, roles: Mapping[str, str]) -> None:
    """Every named witness holds a role that may supervise a destruction (WITNESS_ROLES)."""
    barred = [name for name, role in roles.items() if role not in WITNESS_ROLES]
    if barred:
        names = ", ".join(barred)
        raise WitnessNotEligible(
            f"{names} 的岗位不能担任监销人 / {names} may not witness a destruction in their role"
        )


def check_confirmation(*, status: str, confirmed_at: object | None) -> None:
    """A named witness confirms once, while the batch still waits to be destroyed."""
    _require_approved(status)
    if confirmed_at is not None:
        raise AlreadyWitnessed("您已确认监销本批次 / You have already confirmed witnessing this batch")


def check_execute(*, status: str, executor_username: str, witnesses: Mapping[str, bool]) -> tuple[str, ...]:
    """The witnesses to sign the register, given each named one's own confirmation (username -> confirmed).

    A typed name is not a witness (issue 14 finding 7): the destruction waits until at least
    two named people, none of them the executor, have each confirmed with their own login.
    """
    if status != "approved":
        zh, en = _status(status)
        raise NotApproved(
            f"只有经总经理批准的销毁批次才能执行销毁，本批次{zh} / "
            f"Only a batch approved by the general manager can be destroyed; this one is {en.lower()}"
        )
    executor = _username(executor_username)
    if executor in witnesses:
        raise WitnessIsExecutor(
            f"执行销毁的 {executor} 是本批次的监销人，不能同时执行 / {executor} is named to witness this batch "
            "and cannot also carry it out"
        )
    if len(witnesses) < MIN_WITNESSES:
        raise WitnessesUnconfirmed(
            f"请先指定至少 {MIN_WITNESSES} 名监销人并由其本人确认 / Name at least {MIN_WITNESSES} witnesses "
            "and have each confirm with their own login first"
        )
    waiting = [name for name, confirmed in witnesses.items() if not confirmed]
    if waiting:
        names = ", ".join(waiting)
        raise WitnessesUnconfirmed(
            f"监销人 {names} 尚未本人确认（或已不在职），不能执行销毁 / Witness {names} has not confirmed "
            "(or has left the staff); the destruction waits for every witness"
        )
    return tuple(witnesses)

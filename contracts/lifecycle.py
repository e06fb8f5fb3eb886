"""Contract lifecycle and approval decisions (R-CT-10, R-CT-11).

draft → pending_approval → approved → signed → active → fulfilled | terminated → archived.
The approval chain is walked strictly in order and a rejection or return sends the contract
back to draft, where a new submission starts a fresh chain: nobody can approve around a step,
and the separation-of-duties checks (R-CT-10) live here so every caller gets them.
Branch scope ("a holder of the role in the contract's branch") is the service layer's job.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass

from contracts import approval
from crm.common.reasons import clean_reason
from crm.errors import Conflict, InvalidInput, PermissionDenied
from crm.staff.roles import ROLE_LABELS

__all__ = [
    "ARCHIVABLE_STATUSES",
    "DECISIONS",
    "DECISION_LABELS",
    "STATUSES",
    "STATUS_LABELS",
    "STEP_STATUSES",
    "STEP_STATUS_LABELS",
    "TRANSITIONS",
    "UNDECIDED_STEP_STATUSES",
    "AlreadyDecided",
    "ChainState",
    "Decision",
    "IN_PROGRESS_STATUSES",
    "IllegalTransition",
    "NotApproved",
    "NotArchivable",
    "NotDraft",
    "NotPending",
    "OneStepPerPerson",
    "OutOfOrder",
    "OwnContract",
    "StepMoved",
    "StepState",
    "UnknownDecision",
    "UnknownStatus",
    "WrongRole",
    "allowed_targets",
    "check_decision_reason",
    "check_revisable",
    "check_sign",
    "check_transition",
    "current_step",
    "decide",
    "submit",
]

STATUSES = ("draft", "pending_approval", "approved", "signed", "active", "fulfilled", "terminated", "archived")

STATUS_LABELS: dict[str, tuple[str, str]] = {
    "draft": ("草稿", "Draft"),
    "pending_approval": ("待审批", "Pending approval"),
    "approved": ("已审批", "Approved"),
    "signed": ("已签订", "Signed"),
    "active": ("履行中", "Active"),
    "fulfilled": ("履行完毕", "Fulfilled"),
    "terminated": ("已终止", "Terminated"),
    "archived": ("已归档", "Archived"),
}

# Only the moves made by hand through the transitions endpoint. Submission, decisions and
# signing have their own functions below; archiving belongs to the archives handover.
TRANSITIONS: dict[str, tuple[str, ...]] = {
    "draft": (),
    "pending_approval": (),
    "approved": (),
    "signed": ("active", "terminated"),
    "active": ("fulfilled", "terminated"),
    "fulfilled": (),
    "terminated": (),
    "archived": (),
}

# The archive handover is the only way to `archived`, and only from a finished contract: one in
# progress may still change, and an archived one never does (R-AR-04, 第十条).
ARCHIVABLE_STATUSES = ("fulfilled", "terminated")

# Work a departing drafter hands to a successor (R-ST-05): everything not yet finished.
IN_PROGRESS_STATUSES = ("draft", "pending_approval", "approved", "signed", "active")

DECISIONS = ("approve", "reject", "return")

DECISION_LABELS: dict[str, tuple[str, str]] = {
    "approve": ("同意", "Approve"),
    "reject": ("驳回", "Reject"),
    "return": ("退回修改", "Return for revision"),
}

STEP_STATUSES = ("waiting", "pending", "approved", "rejected", "returned")

STEP_STATUS_LABELS: dict[str, tuple[str, str]] = {
    "waiting": ("未到达", "Waiting"),
    "pending": ("待审批", "Pending"),
    "approved": ("已同意", "Approved"),
    "rejected": ("已驳回", "Rejected"),
    "returned": ("已退回", "Returned"),
}

# Steps still to be decided: the drafter copied onto them keeps the drafter from deciding (R-CT-10).
UNDECIDED_STEP_STATUSES = ("waiting", "pending")

_DECISION_STEP_STATUS = {"approve": "approved", "reject": "rejected", "return": "returned"}


# ---- errors -------------------------------------------------------------------------------


class IllegalTransition(Conflict):
    code = "contract.illegal_transition"

    def __init__(self, message: str, *, field: str | None = "to", code: str | None = None) -> None:
        super().__init__(message, field=field, code=code)


class UnknownStatus(InvalidInput):
    code = "contract.unknown_status"

    def __init__(self, message: str, *, field: str | None = "to", code: str | None = None) -> None:
        super().__init__(message, field=field, code=code)


class NotDraft(Conflict):
    code = "contract.not_draft"


class NotPending(Conflict):
    code = "contract.not_pending"


class NotApproved(Conflict):
    code = "contract.not_approved"


class NotArchivable(Conflict):
    """A contract not finished (or already archived) cannot become archived."""

    code = "contract.not_archivable"


class UnknownDecision(InvalidInput):
    code = "approval.unknown_decision"

    def __init__(self, message: str, *, field: str | None = "decision", code: str | None = None) -> None:
        super().__init__(message, field=field, code=code)


class OwnContract(PermissionDenied):
    code = "approval.own_contract"


class OneStepPerPerson(PermissionDenied):
    code = "approval.one_step_per_person"


class OutOfOrder(Conflict):
    code = "approval.out_of_order"


class WrongRole(PermissionDenied):
    code = "approval.wrong_role"


class StepMoved(Conflict):
    """The approver decided on a step that is no longer the current one (a stale page)."""

    code = "approval.step_moved"

    def __init__(self, message: str, *, field: str | None = "step", code: str | None = None) -> None:
        super().__init__(message, field=field, code=code)


class AlreadyDecided(Conflict):
    """Someone else holding the approver's role decided that step first."""

    code = "approval.already_decided"

    def __init__(self, message: str, *, field: str | None = "decision", code: str | None = None) -> None:
        super().__init__(message, field=field, code=code)


def _status(status: str) -> tuple[str, str]:
    return STATUS_LABELS.get(status, (status, status))


def _role(role: str) -> tuple[str, str]:
    return ROLE_LABELS.get(role, (role, role))


# ---- manual transitions -------------------------------------------------------------------


def allowed_targets(current: str) -> tuple[str, ...]:
    """Statuses the transitions endpoint may move a contract to, in display order."""
    if current not in TRANSITIONS:
        raise UnknownStatus(f"未知的合同状态 {current!r} / Unknown contract status {current!r}", field="status")
    return TRANSITIONS[current]


def check_transition(*, current: str, to: str, reason: str | None) -> str:
    """Refuse an illegal manual move; return the cleaned reason for the history record."""
    if to not in STATUS_LABELS:
        raise UnknownStatus(f"未知的目标状态 {to!r} / Unknown target status {to!r}")
    if to not in allowed_targets(current):
        (from_zh, from_en), (to_zh, to_en) = _status(current), _status(to)
        raise IllegalTransition(
            f"合同不能从“{from_zh}”变为“{to_zh}” / A contract cannot go from {from_en.lower()} to {to_en.lower()}"
        )
    return clean_reason(value=reason, purpose="contract_transition")


# ---- approval chain -----------------------------------------------------------------------


@dataclass(frozen=True)
class StepState:
    seq: int
    role: str
    status: str
    decided_by: int | None = None


@dataclass(frozen=True)
class ChainState:
    status: str
    drafter_id: int
    steps: tuple[StepState, ...]


def current_step(*, state: ChainState) -> StepState | None:
    """The step awaiting a decision, if any."""
    return next((step for step in state.steps if step.status == "pending"), None)


def submit(*, state: ChainState, chain: Sequence[approval.ChainStep]) -> ChainState:
    """Start a fresh chain from draft; with no steps the contract is approved at once (第四条)."""
    if state.status != "draft":
        zh, en = _status(state.status)
        raise NotDraft(f"只有草稿可以提交审批，本合同为“{zh}” / Only a draft can be submitted; this contract is {en.lower()}")
    steps = tuple(
        StepState(seq=index, role=step.role, status="pending" if index == 1 else "waiting")
        for index, step in enumerate(chain, start=1)
    )
    return ChainState(status="pending_approval" if steps else "approved", drafter_id=state.drafter_id, steps=steps)


def check_revisable(*, status: str) -> None:
    """Only a draft is edited (one returned or rejected is a draft again); later the text is what was approved."""
    if status != "draft":
        zh, en = _status(status)
        raise NotDraft(f"只有草稿可以修改，本合同为“{zh}” / Only a draft can be revised; this contract is {en.lower()}")


def check_decision_reason(*, decision: str, reason: str | None) -> str | None:
    """The cleaned reason to record; reject and return must say why, approval may (a bare "可")."""
    return clean_reason(value=reason, purpose="approval_decision", required=decision != "approve")


@dataclass(frozen=True)
class Decision:
    """What one decision did: the new chain state, the decided step, and the reason to store and audit."""

    state: ChainState
    step: StepState
    reason: str | None


def _check_still_open(*, state: ChainState, expected_step: int | None, actor_role: str) -> None:
    # A decision that lost a race, or was made on a stale page, says so (409) instead of
    # surfacing as a confusing role or order error from the checks after it.
    pending = current_step(state=state)
    if expected_step is not None and (pending is None or pending.seq != expected_step):
        raise StepMoved(
            f"第 {expected_step} 步已不是当前审批步骤，请刷新后再看 / "
            f"Step {expected_step} is no longer the current step; reload"
        )
    if any(step.role == actor_role and step.status in UNDECIDED_STEP_STATUSES for step in state.steps):
        return
    decided = next((step for step in state.steps if step.role == actor_role and step.decided_by is not None), None)
    if decided is not None:
        raise AlreadyDecided(f"第 {decided.seq} 步已由他人审批 / Step {decided.seq} has already been decided")


def decide(
    *, state: ChainState, expected_step: int | None, actor_id: int, actor_role: str, decision: str,
    reason: str | None,
) -> Decision:
    """Record one decision on the current step (R-CT-10).

    ``expected_step`` is the step (its seq) the approver saw and is deciding; None means the
    current one, whichever it is. Refusals, in order: the step moved on or the actor's role
    already decided (only while pending); not pending; unknown decision; reason missing or too
    long; the drafter; a second step for one person; out of order; wrong role.
    """
    if state.status == "pending_approval":
        _check_still_open(state=state, expected_step=expected_step, actor_role=actor_role)
    if state.status != "pending_approval":
        zh, en = _status(state.status)
        raise NotPending(f"合同当前为“{zh}”，不在审批中 / The contract is {en.lower()}, not awaiting approval")
    if decision not in DECISIONS:
        raise UnknownDecision(
            f"审批意见须为同意、驳回或退回修改 / The decision must be one of {', '.join(DECISIONS)}"
        )
    cleaned = check_decision_reason(decision=decision, reason=reason)
    if actor_id == state.drafter_id:
        raise OwnContract("不能审批自己草拟的合同 / You cannot decide on a contract you drafted")
    if any(step.decided_by == actor_id for step in state.steps):
        raise OneStepPerPerson(
            "您已审批过本合同的另一步骤，每人只能审批一步 / "
            "You already decided another step of this contract; one person decides one step"
        )
    pending = current_step(state=state)
    if pending is None:
        raise ValueError("a contract pending approval must have a pending step")
    if actor_role != pending.role:
        role_zh, role_en = _role(pending.role)
        if any(step.status == "waiting" and step.role == actor_role for step in state.steps):
            raise OutOfOrder(
                f"请等待{role_zh}先审批 / The {role_en.lower()} must decide first"
            )
        raise WrongRole(f"当前步骤须由{role_zh}审批 / The current step must be decided by the {role_en.lower()}")

    decided = dataclasses.replace(pending, status=_DECISION_STEP_STATUS[decision], decided_by=actor_id)
    steps = list(state.steps)
    position = steps.index(pending)
    steps[position] = decided
    if decision != "approve":
        status = "draft"
    elif position + 1 < len(steps):
        steps[position + 1] = dataclasses.replace(steps[position + 1], status="pending")
        status = "pending_approval"
    else:
        status = "approved"
    return Decision(state=ChainState(status=status, drafter_id=state.drafter_id, steps=tuple(steps)),
                    step=decided, reason=cleaned)


def check_sign(*, status: str) -> None:
    """Only a fully approved contract may be signed (R-CT-11)."""
    if status != "approved":
        zh, en = _status(status)
        raise NotApproved(f"合同审批通过后才能签订，当前为“{zh}” / Only an approved contract can be signed; this one is {en.lower()}")

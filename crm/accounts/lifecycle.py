"""Customer account lifecycle (R-AC-07).

pending → active → frozen → closed (注销), with unfreezing back to active. Every move needs a
stated reason because the history is what an auditor or a court reads later; closing needs a
settled balance because a closed account can no longer be billed or refunded.
"""

from __future__ import annotations

from crm.common.money import format_plain
from crm.common.reasons import clean_reason
from crm.errors import Conflict, InvalidInput

__all__ = [
    "BalanceUnsettled",
    "FREEZE_CAUSES",
    "FREEZE_CAUSE_LABELS",
    "FreezeCauseRequired",
    "IllegalTransition",
    "STATUSES",
    "STATUS_LABELS",
    "TRANSITIONS",
    "UnknownStatus",
    "allowed_targets",
    "check_transition",
]

STATUSES = ("pending", "active", "frozen", "closed")

STATUS_LABELS: dict[str, tuple[str, str]] = {
    "pending": ("待开通", "Pending"),
    "active": ("正常", "Active"),
    "frozen": ("冻结", "Frozen"),
    "closed": ("已注销", "Closed"),
}

TRANSITIONS: dict[str, tuple[str, ...]] = {
    "pending": ("active", "closed"),
    "active": ("frozen", "closed"),
    "frozen": ("active", "closed"),
    # Closed is final: a returning customer opens a new account, so history stays intact.
    "closed": (),
}

FREEZE_CAUSES = ("arrears", "safety", "request")

FREEZE_CAUSE_LABELS: dict[str, tuple[str, str]] = {
    "arrears": ("欠费", "Arrears"),
    "safety": ("安全隐患", "Safety hazard"),
    "request": ("用户申请", "Customer request"),
}

class IllegalTransition(Conflict):
    """The account's current status does not allow the requested move."""

    code = "customer.illegal_transition"

    def __init__(self, message: str, *, field: str | None = "to", code: str | None = None) -> None:
        super().__init__(message, field=field, code=code)


class UnknownStatus(InvalidInput):
    """A status name outside STATUSES."""

    code = "customer.unknown_status"

    def __init__(self, message: str, *, field: str | None = "to", code: str | None = None) -> None:
        super().__init__(message, field=field, code=code)


class FreezeCauseRequired(InvalidInput):
    code = "customer.freeze_cause_required"

    def __init__(self, message: str, *, field: str | None = "cause", code: str | None = None) -> None:
        super().__init__(message, field=field, code=code)


class BalanceUnsettled(Conflict):
    code = "customer.balance_unsettled"

    def __init__(self, message: str, *, field: str | None = None, code: str | None = None) -> None:
        super().__init__(message, field=field, code=code)


def _label(status: str) -> str:
    zh, en = STATUS_LABELS[status]
    return f"{zh}/{en}"


def allowed_targets(current: str) -> tuple[str, ...]:
    """Statuses reachable from ``current``, in display order."""
    if current not in TRANSITIONS:
        raise UnknownStatus(f"未知的账户状态 {current!r} / Unknown account status {current!r}", field="status")
    return TRANSITIONS[current]


def check_transition(*, current: str, target: str, reason: str, cause: str | None, balance_fen: int) -> str:
    """Refuse an illegal status change; return the cleaned reason for the history record."""
    if target not in STATUS_LABELS:
        raise UnknownStatus(f"未知的目标状态 {target!r} / Unknown target status {target!r}")
    if target not in allowed_targets(current):
        if current == target:
            message = f"账户已是{STATUS_LABELS[target][0]}状态 / The account is already {STATUS_LABELS[target][1].lower()}"
        else:
            message = (
                f"账户不能从“{STATUS_LABELS[current][0]}”变为“{STATUS_LABELS[target][0]}” / "
                f"An account cannot go from {_label(current)} to {_label(target)}"
            )
        raise IllegalTransition(message)

    normalised = clean_reason(value=reason, purpose="customer_status")

    if target == "frozen" and cause not in FREEZE_CAUSES:
        choices = "、".join(zh for zh, _ in FREEZE_CAUSE_LABELS.values())
        raise FreezeCauseRequired(
            f"冻结须选择原因类别：{choices} / Freezing needs a cause: {', '.join(FREEZE_CAUSES)}"
        )

    if target == "closed" and balance_fen != 0:
        raise BalanceUnsettled(
            f"账户余额 {format_plain(balance_fen)} 元未结清，不能注销 / "
            f"The balance of CNY {format_plain(balance_fen)} must be settled before closing"
        )
    return normalised

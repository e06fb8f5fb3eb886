"""Access checks for a logged-in staff member (R-PM-01..03).

Pure functions over an Actor value: Litestar guards and the service layer both call these, so
the API and the web pages share one decision.
"""

from __future__ import annotations

from dataclasses import dataclass

from crm.errors import InvalidInput, PermissionDenied
from crm.staff.roles import (
    CAPABILITY_LABELS,
    FIELD_CLASSES,
    ROLE_CLEARANCE,
    ROLE_LABELS,
    ROLES,
    capabilities_of,
    clearance_allows,
)

__all__ = [
    "Actor",
    "ClearanceTooLow",
    "MissingCapability",
    "UnknownField",
    "can",
    "in_scope",
    "require",
    "require_any",
    "require_reveal",
]

REVEAL_CAPABILITY = "customer.reveal"


@dataclass(frozen=True)
class Actor:
    staff_id: int
    username: str
    display_name: str
    role: str
    branch_id: int
    branch_code: str
    all_branches: bool

    def __post_init__(self) -> None:
        # An unknown role is a data error; failing here beats denying everything later, silently.
        if self.role not in ROLES:
            raise ValueError(f"unknown role {self.role!r}; expected one of {ROLES}")

    @property
    def capabilities(self) -> frozenset[str]:
        return capabilities_of(self.role)

    @property
    def clearance(self) -> str:
        return ROLE_CLEARANCE[self.role]


class MissingCapability(PermissionDenied):
    code = "permission.denied"


class ClearanceTooLow(PermissionDenied):
    code = "permission.clearance"


class UnknownField(InvalidInput):
    code = "customer.unknown_field"

    def __init__(self, message: str, *, field: str | None = "field", code: str | None = None) -> None:
        super().__init__(message, field=field, code=code)


def can(actor: Actor, capability: str) -> bool:
    return capability in actor.capabilities


def require(actor: Actor, capability: str) -> None:
    """Raise MissingCapability unless the actor's role grants ``capability``."""
    if can(actor, capability):
        return
    role_zh, role_en = ROLE_LABELS[actor.role]
    what_zh, what_en = CAPABILITY_LABELS.get(capability, (capability, capability))
    raise MissingCapability(
        f"{role_zh}无权执行此操作：{what_zh} / The {role_en.lower()} role may not do this: {what_en.lower()}"
    )


def require_any(actor: Actor, capabilities: tuple[str, ...]) -> None:
    """Raise MissingCapability unless the actor's role grants one of ``capabilities`` (the first is named)."""
    if any(can(actor, capability) for capability in capabilities):
        return
    require(actor, capabilities[0])


def in_scope(actor: Actor, branch_id: int) -> bool:
    """True when the record's branch is the actor's own, or the actor has all-branch scope."""
    return actor.all_branches or actor.branch_id == branch_id


def can_reveal(*, actor: Actor, field: str) -> bool:
    """Whether ``require_reveal`` would let the actor see the full value of ``field``: pages offer the button only then."""
    field_class = FIELD_CLASSES.get(field)
    return (
        field_class is not None
        and can(actor, REVEAL_CAPABILITY)
        and clearance_allows(clearance=actor.clearance, field_class=field_class)
    )


def require_reveal(*, actor: Actor, field: str) -> None:
    """Raise unless the actor may see the full value of ``field`` (R-PM-02)."""
    field_class = FIELD_CLASSES.get(field)
    if field_class is None:
        raise UnknownField(
            f"字段 {field!r} 不是可查看的敏感字段 / {field!r} is not a sensitive field that can be revealed"
        )
    require(actor, REVEAL_CAPABILITY)
    if not clearance_allows(clearance=actor.clearance, field_class=field_class):
        raise ClearanceTooLow(
            "你的查询权限等级不足以查看该字段的完整内容 / "
            f"Your clearance ({actor.clearance}) is too low to reveal this field ({field_class})"
        )

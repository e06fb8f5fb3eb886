"""Who approves, drafts and signs a contract (R-CT-04, regulation 第四条/第五条/第九条).

The chain is a table a manager can read line by line against the regulation: each row is one
case of 第四条 with the role it brings in. A contract's chain is every applying row, ordered
by seniority and merged per role, so adding a case means adding a row, never a branch in code.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from crm.errors import PermissionDenied
from crm.staff.roles import ROLE_LABELS

__all__ = [
    "DRAFTER_ROLES",
    "FAMILIES",
    "PAYMENT_KINDS",
    "REASON_LABELS",
    "ROLE_ORDER",
    "RULES",
    "SIGNER_ROLES",
    "ChainFacts",
    "ChainStep",
    "DrafterNotAllowed",
    "Rule",
    "SignerNotAllowed",
    "approval_chain",
    "check_drafter",
    "check_signer",
]

# Contract types (installation, alarm_installation, residential_supply, ...) are data; each
# names one of these families, and only families carry rules.
FAMILIES = ("installation", "supply", "take_or_pay")

PAYMENT_KINDS = ("single", "installments", "none")


@dataclass(frozen=True)
class ChainFacts:
    family: str
    customer_category: str
    payment_kind: str  # "single" | "installments" | "none"
    installation_fees_unsettled: bool = False
    property_dispute: bool = False


@dataclass(frozen=True)
class ChainStep:
    role: str
    reasons: tuple[str, ...]  # rule keys, in RULES order


@dataclass(frozen=True)
class Rule:
    key: str
    role: str
    zh: str
    en: str
    applies: Callable[[ChainFacts], bool]


# ---- the approval table (第四条) ------------------------------------------------------------
#
# No row applies to a scattered residential installation paid at once, nor to a supply
# contract with settled installation fees: the front desk signs those directly.
#
# Row 1 names what is exempt rather than what is included: the regulation only lists
# commercial and collective installations, but industrial customers and upstream suppliers are
# no less "non-scattered" than a shop, so only a residential installation skips the manager.
# An unknown category therefore also gets the manager — the safe side of a data mistake.

RULES: tuple[Rule, ...] = (
    Rule(
        key="non_residential_installation",
        role="market_manager",
        zh="商业、集体等非居民用户安装合同由市场部经理审核签字",
        en="Installation for a non-residential customer is reviewed by the market manager",
        applies=lambda f: f.family == "installation" and f.customer_category != "residential",
    ),
    Rule(
        key="installments",
        role="operations_vp",
        zh="分批付款的安装合同由经营副总签字审批",
        en="Installation paid in installments is approved by the VP of operations",
        applies=lambda f: f.family == "installation" and f.payment_kind == "installments",
    ),
    Rule(
        key="property_dispute",
        role="operations_vp",
        zh="涉及产权归属争议的由经营副总审核确定",
        en="A property-ownership dispute is ruled on by the VP of operations",
        applies=lambda f: f.property_dispute,
    ),
    Rule(
        key="unsettled_installation_fees",
        role="general_manager",
        zh="未结清安装费用需要送气的由总经理审批签字",
        en="Supply while installation fees are unsettled is approved by the general manager",
        applies=lambda f: f.family == "supply" and f.installation_fees_unsettled,
    ),
    Rule(
        key="take_or_pay",
        role="general_manager",
        zh="照付不议合同由总经理审核签订",
        en="A take-or-pay contract is reviewed and signed by the general manager",
        applies=lambda f: f.family == "take_or_pay",
    ),
)

# Junior before senior, so the general manager sees a contract the others have already cleared.
ROLE_ORDER = ("market_manager", "operations_vp", "general_manager")

REASON_LABELS: dict[str, tuple[str, str]] = {rule.key: (rule.zh, rule.en) for rule in RULES}

# Who may write and who may sign, per family (第四条, 第九条: 经营副总草拟，总经理审核签订).
DRAFTER_ROLES: dict[str, frozenset[str]] = {
    "installation": frozenset({"front_desk"}),
    "supply": frozenset({"front_desk"}),
    "take_or_pay": frozenset({"operations_vp"}),
}

SIGNER_ROLES: dict[str, frozenset[str]] = {
    "installation": frozenset({"front_desk"}),
    "supply": frozenset({"front_desk"}),
    "take_or_pay": frozenset({"general_manager"}),
}

# Rules grouped under their role once at import, so a call only evaluates predicates.
_RULES_BY_ROLE: tuple[tuple[str, tuple[Rule, ...]], ...] = tuple(
    (role, tuple(rule for rule in RULES if rule.role == role)) for role in ROLE_ORDER
)
_FAMILY_SET = frozenset(FAMILIES)
_PAYMENT_KIND_SET = frozenset(PAYMENT_KINDS)

# A row whose role is missing from ROLE_ORDER would be dropped silently; fail at import instead.
if not {rule.role for rule in RULES} <= set(ROLE_ORDER) or len(REASON_LABELS) != len(RULES):
    raise RuntimeError("every rule needs a unique key and a role listed in ROLE_ORDER")


def approval_chain(*, facts: ChainFacts) -> tuple[ChainStep, ...]:
    """The approval steps for a contract, in ROLE_ORDER; empty when the front desk signs alone.

    An unknown family or payment kind is a configuration error (a contract type or form out of
    step with this table), not something the user typed, hence ValueError: silently returning
    no steps would let a contract skip its approvers.
    """
    if facts.family not in _FAMILY_SET:
        raise ValueError(f"unknown contract family {facts.family!r}; expected one of {FAMILIES}")
    if facts.payment_kind not in _PAYMENT_KIND_SET:
        raise ValueError(f"unknown payment kind {facts.payment_kind!r}; expected one of {PAYMENT_KINDS}")
    steps = []
    for role, rules in _RULES_BY_ROLE:
        reasons = tuple(rule.key for rule in rules if rule.applies(facts))
        if reasons:
            steps.append(ChainStep(role=role, reasons=reasons))
    return tuple(steps)


class DrafterNotAllowed(PermissionDenied):
    code = "contract.drafter_not_allowed"


class SignerNotAllowed(PermissionDenied):
    code = "contract.signer_not_allowed"


def _roles_text(roles: frozenset[str]) -> tuple[str, str]:
    labels = [ROLE_LABELS.get(role, (role, role)) for role in sorted(roles)]
    return "、".join(zh for zh, _ in labels), " or ".join(en.lower() for _, en in labels)


def _family_roles(table: dict[str, frozenset[str]], family: str) -> frozenset[str]:
    try:
        return table[family]
    except KeyError:
        raise ValueError(f"unknown contract family {family!r}; expected one of {FAMILIES}") from None


def check_drafter(*, family: str, role: str) -> None:
    """Refuse a draft by a role the regulation does not entrust with this family."""
    allowed = _family_roles(DRAFTER_ROLES, family)
    if role not in allowed:
        zh, en = _roles_text(allowed)
        raise DrafterNotAllowed(f"此类合同只能由{zh}草拟 / Only the {en} may draft this kind of contract")


def check_signer(*, family: str, role: str) -> None:
    """Refuse a signature by a role the regulation does not entrust with this family."""
    allowed = _family_roles(SIGNER_ROLES, family)
    if role not in allowed:
        zh, en = _roles_text(allowed)
        raise SignerNotAllowed(f"此类合同只能由{zh}签订 / Only the {en} may sign this kind of contract")

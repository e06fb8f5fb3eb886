"""Roles, capabilities and clearance levels (R-PM-01).

Kept as plain tables so a manager can read who may do what without reading code, and so a
test can hold every role against every table.
"""

from __future__ import annotations

__all__ = [
    "CAPABILITIES",
    "CAPABILITY_LABELS",
    "CLEARANCES",
    "CLEARANCE_LABELS",
    "FIELD_CLASSES",
    "ROLES",
    "ROLE_CLEARANCE",
    "ROLE_LABELS",
    "capabilities_of",
    "clearance_allows",
]

ROLES = (
    "front_desk",
    "market_manager",
    "operations_vp",
    "general_manager",
    "finance",
    "archivist",
    "sysadmin",
    "auditor",
)

ROLE_LABELS: dict[str, tuple[str, str]] = {
    "front_desk": ("业务人员/营业厅", "Front desk"),
    "market_manager": ("市场部经理", "Market manager"),
    "operations_vp": ("经营副总", "Vice president of operations"),
    "general_manager": ("总经理", "General manager"),
    "finance": ("财务部", "Finance"),
    "archivist": ("档案管理人员", "Archivist"),
    "sysadmin": ("网络管理员", "System administrator"),
    "auditor": ("内部审计", "Internal auditor"),
}

# Ordered from least to most sensitive; a clearance sees its own level and everything below.
CLEARANCES = ("public", "internal", "confidential", "restricted")

CLEARANCE_LABELS: dict[str, tuple[str, str]] = {
    "public": ("公开", "Public"),
    "internal": ("内部", "Internal"),
    "confidential": ("秘密", "Confidential"),
    "restricted": ("机密", "Restricted"),
}

CAPABILITY_LABELS: dict[str, tuple[str, str]] = {
    "customer.read": ("查看用户", "View customers"),
    "customer.create": ("开户", "Open accounts"),
    "customer.update": ("修改用户信息", "Update customer details"),
    "customer.transition": ("冻结/恢复/注销", "Freeze, reactivate, close"),
    "customer.reveal": ("查看完整敏感信息", "Reveal full sensitive values"),
    "customer.correct.request": ("提交信息更正", "Request corrections"),
    "customer.correct.approve": ("审批信息更正", "Approve corrections"),
    "customer.sheet": ("打印用户信息", "Print customer sheet"),
    "meter.write": ("录入表务信息", "Record meters"),
    "appliance.write": ("录入燃气具信息", "Record appliances"),
    "audit.read": ("查阅审计日志", "Read the audit trail"),
    "staff.admin": ("管理员工账户", "Administer staff accounts"),
    "contract.read": ("查看合同", "View contracts"),
    "contract.draft": ("起草合同", "Draft contracts"),
    "contract.decide": ("审批合同", "Decide contract approvals"),
    "contract.sign": ("签订合同", "Sign contracts"),
    "contract.transition": ("合同履行/终止", "Start, fulfil or terminate contracts"),
    "fee_payment.record": ("登记安装费收款", "Record installation-fee payments"),
    "price_standard.write": ("维护价格标准", "Maintain price standards"),
    "budget_estimate.write": ("录入预算测定金额", "Record budget estimates"),
    "contract_type.admin": ("维护合同类别", "Maintain contract types"),
    "attachment.upload": ("上传合同资料", "Upload contract materials"),
    "archive.handover": ("移交归档", "Hand contracts over to the archive"),
    "archive.receive": ("接收归档", "Receive archive handovers"),
    "archive.read": ("查阅档案（档案室）", "Read archives (archive room)"),
    "archive.request": ("申请查(借)阅", "Request archive lookups"),
    "archive.fixity": ("档案完整性检查", "Run archive fixity checks"),
    "archive.access.decide": ("审批查(借)阅", "Decide archive lookups"),
    "archive.dispose": ("提出并执行档案销毁", "Propose and carry out archive disposal"),
    "archive.dispose.approve": ("批准档案销毁", "Approve archive disposal"),
    "staff.departure": ("离职交接", "Hand over a leaving colleague's work"),
    "staff.grant.approve": ("审批人员授权", "Approve staff and configuration grants"),
    "tariff.read": ("查看价格", "Read tariffs"),
    "tariff.write": ("维护价格", "Maintain tariffs"),
    "meter.reading": ("录入抄表读数", "Record meter readings"),
    "meter.reading.review": ("复核异常抄表读数", "Review flagged meter readings"),
}

_MANAGER = frozenset(
    {
        "customer.read", "customer.reveal", "customer.sheet", "customer.correct.approve", "contract.read",
        "contract.decide", "archive.request",
        # Tariffs are the price bureau's public prices: whoever answers for bills may read them.
        "tariff.read",
    }
)

CAPABILITIES: dict[str, frozenset[str]] = {
    "front_desk": frozenset(
        {
            "customer.read",
            "customer.create",
            "customer.update",
            "customer.transition",
            "customer.reveal",
            "customer.correct.request",
            "customer.sheet",
            "meter.write",
            "appliance.write",
            "contract.read",
            "contract.draft",
            "contract.sign",
            "contract.transition",
            "fee_payment.record",
            "attachment.upload",
            "archive.handover",
            "archive.request",
            "tariff.read",
            # Readings are entered at the counter; a flagged one is reviewed by another person
            # (finance, or a colleague of the branch), never by whoever recorded it.
            "meter.reading",
            "meter.reading.review",
        }
    ),
    "market_manager": _MANAGER,
    # The VP drafts take-or-pay contracts (第四条); which family each role may draft or sign
    # is contracts.approval's business, not a capability.
    "operations_vp": _MANAGER | {"contract.draft", "contract.transition"},
    # The general manager also authorises lookups of restricted archives and every destruction (R-AR-05/06).
    "general_manager": _MANAGER | {
        "customer.transition", "contract.sign", "contract.transition", "archive.access.decide", "archive.dispose.approve",
        # 离职交接 moves customers and contracts between people: it needs someone who sees them all.
        "staff.departure",
        # Who may read customer data or decide approvals is itself decided by a second person
        # (R-ST-06): the sysadmin requests, the general manager approves.
        "staff.grant.approve",
    },
    # Finance freezes accounts in arrears and closes settled ones, and keeps the price standards
    # and the budget department's estimates the installation fees are computed from (R-CT-06).
    "finance": frozenset(
        {
            "customer.read", "customer.reveal", "customer.sheet", "customer.transition", "contract.read",
            "fee_payment.record", "price_standard.write", "budget_estimate.write", "archive.request",
            "tariff.read", "tariff.write", "meter.reading.review",
        }
    ),
    # The archive room: receives, numbers and keeps the records, and checks their integrity.
    "archivist": frozenset(
        {
            "customer.read", "customer.sheet", "contract.read", "attachment.upload", "archive.receive", "archive.read",
            "archive.fixity", "archive.access.decide", "archive.dispose",
        }
    ),
    # Separation of duties: whoever manages accounts and keys must not also read customer data.
    # Contract types are configuration without personal data.
    "sysadmin": frozenset({"staff.admin", "contract_type.admin"}),
    # Auditors read the billing records, tariffs among them (issue 15 item 9); they change nothing.
    "auditor": frozenset({"audit.read", "tariff.read"}),
}

ROLE_CLEARANCE: dict[str, str] = {
    "front_desk": "confidential",
    "market_manager": "confidential",
    "operations_vp": "confidential",
    "general_manager": "restricted",
    "finance": "confidential",
    "archivist": "confidential",
    "sysadmin": "public",
    "auditor": "internal",
}

FIELD_CLASSES: dict[str, str] = {
    "id_number": "confidential",
    "phone": "confidential",
    "contact_phone": "confidential",
    "address_detail": "confidential",
    "bank_account": "restricted",
}


def capabilities_of(role: str) -> frozenset[str]:
    """The capabilities of ``role``; ValueError for an unknown role rather than a silent deny."""
    try:
        return CAPABILITIES[role]
    except KeyError:
        raise ValueError(f"unknown role {role!r}; expected one of {ROLES}") from None


def _rank(level: str) -> int:
    try:
        return CLEARANCES.index(level)
    except ValueError:
        raise ValueError(f"unknown clearance level {level!r}; expected one of {CLEARANCES}") from None


def clearance_allows(*, clearance: str, field_class: str) -> bool:
    """True when a viewer with ``clearance`` may see values of ``field_class``."""
    return _rank(clearance) >= _rank(field_class)

"""Handing contracts over to the archive (移交, R-AR-01, R-AR-02).

第十条: the front desk hands over fulfilled or no longer performed contracts with their
materials; the archivist checks the batch and accepts or returns it, once. An active contract
stays with the front desk because it may still change, and an accepted record never does
(R-AR-04).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence

from contracts.lifecycle import ARCHIVABLE_STATUSES, STATUS_LABELS as CONTRACT_STATUS_LABELS
from crm.common.reasons import clean_reason
from crm.errors import Conflict, InvalidInput

__all__ = [
    "ARCHIVABLE_CONTRACT_STATUSES",
    "HANDOVER_STATUSES",
    "HANDOVER_STATUS_LABELS",
    "MAX_BATCH",
    "MAX_CONTRACT_NO_LENGTH",
    "AlreadyArchived",
    "AlreadyDecided",
    "EmptyBatch",
    "InvalidContractNo",
    "NotArchivable",
    "TooManyInBatch",
    "check_archivable",
    "check_batch",
    "check_decidable",
    "check_return_reason",
]

HANDOVER_STATUSES = ("submitted", "accepted", "returned")

HANDOVER_STATUS_LABELS: dict[str, tuple[str, str]] = {
    "submitted": ("待接收", "Submitted"),
    "accepted": ("已接收", "Accepted"),
    "returned": ("已退回", "Returned"),
}

# Contracts' own rule (contracts.lifecycle), which contracts.archiving.mark_archived enforces again.
ARCHIVABLE_CONTRACT_STATUSES = ARCHIVABLE_STATUSES

MAX_BATCH = 200
MAX_CONTRACT_NO_LENGTH = 64


class NotArchivable(Conflict):
    code = "handover.contract_not_finished"


class AlreadyArchived(NotArchivable):
    """A subclass so callers catching NotArchivable still catch it; its own code says why."""

    code = "handover.already_archived"


class AlreadyDecided(Conflict):
    code = "handover.already_decided"


class _BatchError(InvalidInput):
    def __init__(self, message: str, *, field: str | None = "contract_nos", code: str | None = None) -> None:
        super().__init__(message, field=field, code=code)


class EmptyBatch(_BatchError):
    code = "handover.empty"


class TooManyInBatch(_BatchError):
    code = "handover.too_many"


class InvalidContractNo(_BatchError):
    code = "handover.invalid_contract_no"


def _contract_status(status: str) -> tuple[str, str]:
    return CONTRACT_STATUS_LABELS.get(status, (status, status))


def check_archivable(*, contract_no: str, status: str) -> None:
    """Only a fulfilled or terminated contract goes to the archive (第十条)."""
    if status in ARCHIVABLE_CONTRACT_STATUSES:
        return
    if status == "archived":
        raise AlreadyArchived(f"合同 {contract_no} 已归档 / Contract {contract_no} is already archived")
    zh, en = _contract_status(status)
    raise NotArchivable(
        f"合同 {contract_no} 当前为“{zh}”，只有履行完毕或已终止的合同才能移交归档 / "
        f"Contract {contract_no} is {en.lower()}; only fulfilled or terminated contracts can be archived"
    )


def check_decidable(*, status: str) -> None:
    """A batch is accepted or returned once; a second click or a second archivist gets a conflict."""
    if status == "submitted":
        return
    if status not in HANDOVER_STATUS_LABELS:
        raise ValueError(f"unknown handover status {status!r}; expected one of {HANDOVER_STATUSES}")
    zh, en = HANDOVER_STATUS_LABELS[status]
    raise AlreadyDecided(f"该移交批次{zh}，不能再次处理 / This handover batch is already {en.lower()}")


def check_return_reason(*, reason: str | None) -> str:
    """The cleaned reason; the front desk must learn what to fix before handing over again."""
    return clean_reason(value=reason, purpose="handover_return")


def check_batch(*, contract_nos: Sequence[str]) -> tuple[str, ...]:
    """The contract numbers of a batch: stripped, de-duplicated in order, within MAX_BATCH.

    A list is usually pasted from a spreadsheet, so blank lines are dropped rather than refused,
    and full-width characters typed through a Chinese IME and lower case are folded
    (NFKC, upper case): contract numbers are generated in upper-case ASCII (HT-SCB-2026-00001).
    """
    if isinstance(contract_nos, str):
        raise TypeError("contract_nos must be a sequence of contract numbers, not one string")
    cleaned: dict[str, None] = {}
    for raw in contract_nos:
        number = unicodedata.normalize("NFKC", raw or "").strip().upper()
        if not number:
            continue
        if len(number) > MAX_CONTRACT_NO_LENGTH or any(unicodedata.category(ch) == "Cc" for ch in number):
            shown = repr(number[:MAX_CONTRACT_NO_LENGTH])
            raise InvalidContractNo(f"合同编号 {shown} 无效 / The contract number {shown} is invalid")
        cleaned.setdefault(number, None)
    if not cleaned:
        raise EmptyBatch("移交清单中至少要有一份合同 / A handover batch needs at least one contract")
    if len(cleaned) > MAX_BATCH:
        raise TooManyInBatch(
            f"每批最多移交 {MAX_BATCH} 份合同，本批 {len(cleaned)} 份，请分批移交 / "
            f"A batch may hold at most {MAX_BATCH} contracts, this one has {len(cleaned)}; split it"
        )
    return tuple(cleaned)

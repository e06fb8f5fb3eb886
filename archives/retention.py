"""Retention periods and when a record may be destroyed (R-AR-05).

The period counts from 1 January of the year after the records' year (保管期限从文件形成之次年
1月1日起算, DA/T 22 and archives-law practice), so every record of one year falls due on the same
day and a D10 record of 2026 is due on 2037-01-01, whatever its month. Being due only makes a
record eligible for a disposal batch; destruction itself needs the general manager's approval
and two witnesses (archives.disposal_rules).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from archives.numbering import RETENTION_CODES
from crm.errors import Conflict

__all__ = [
    "DEFAULT_RETENTION",
    "RETENTION_BY_CONTRACT_TYPE",
    "RETENTION_CODES",
    "RETENTION_LABELS",
    "RETENTION_YEARS",
    "NotYetDue",
    "PermanentRecord",
    "check_disposable",
    "disposal_due_date",
    "is_due",
    "retention_for",
]

RETENTION_LABELS: dict[str, tuple[str, str]] = {
    "Y": ("永久", "Permanent"),
    "D30": ("30年", "30 years"),
    "D10": ("10年", "10 years"),
}

# None: never due.
RETENTION_YEARS: dict[str, int | None] = {"Y": None, "D30": 30, "D10": 10}

# Contracts with lasting legal weight (supply and installation, which outlive the pipes they
# describe) keep 30 years; an alarm installation is a small one-off job; a take-or-pay contract
# binds the company's gas purchases and volumes and is kept for good.
RETENTION_BY_CONTRACT_TYPE: dict[str, str] = {
    "installation": "D30",
    "alarm_installation": "D10",
    "residential_supply": "D30",
    "commercial_supply": "D30",
    "take_or_pay": "Y",
}

# Contract types are data (可根据业务调整情况增减合同类别), so a new type may reach the archive
# before anyone adds it to the table. 30 years is the usual term for contracts in the national
# filing scope (企业文件材料归档范围和档案保管期限规定) and the longest fixed term here: a wrong
# guess keeps records too long, never too short, and unlike Y it still surfaces the records for
# an appraisal one day instead of silently keeping them for ever.
DEFAULT_RETENTION = "D30"

if set(RETENTION_LABELS) != set(RETENTION_CODES) or set(RETENTION_YEARS) != set(RETENTION_CODES):
    raise RuntimeError("every retention code needs a label and a period")


def _check_code(retention: str) -> None:
    if retention not in RETENTION_YEARS:
        raise ValueError(f"unknown retention code {retention!r}; expected one of {RETENTION_CODES}")


def retention_for(*, contract_type: str, table: Mapping[str, str] | None = None) -> str:
    """The retention code for a contract type; DEFAULT_RETENTION for a type missing from the table.

    A table value outside RETENTION_CODES is a configuration error, hence ValueError.
    """
    chosen = (RETENTION_BY_CONTRACT_TYPE if table is None else table).get(contract_type, DEFAULT_RETENTION)
    _check_code(chosen)
    return chosen


def disposal_due_date(*, retention: str, archive_year: int) -> date | None:
    """The first day the records may be proposed for destruction; None for permanent ones."""
    _check_code(retention)
    years = RETENTION_YEARS[retention]
    if years is None:
        return None
    return date(archive_year + 1 + years, 1, 1)


def is_due(*, retention: str, archive_year: int, today: date) -> bool:
    due = disposal_due_date(retention=retention, archive_year=archive_year)
    return due is not None and today >= due


class PermanentRecord(Conflict):
    code = "disposal.permanent_record"


class NotYetDue(Conflict):
    code = "disposal.not_due"


def check_disposable(*, archive_no: str, retention: str, archive_year: int, today: date) -> None:
    """Refuse to put a record in a disposal batch before its period has run out."""
    due = disposal_due_date(retention=retention, archive_year=archive_year)
    if due is None:
        raise PermanentRecord(
            f"档案 {archive_no} 为永久保管，不得销毁 / Archive {archive_no} is kept permanently and cannot be destroyed"
        )
    if today < due:
        zh, en = RETENTION_LABELS[retention]
        raise NotYetDue(
            f"档案 {archive_no} 保管期限为{zh}，{due.isoformat()} 起方可销毁 / "
            f"Archive {archive_no} is kept {en}; it may be destroyed from {due.isoformat()}"
        )

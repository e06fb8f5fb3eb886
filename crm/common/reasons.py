"""One rule for "state a reason" (R-AC-07, R-PM-02, R-CT-10, R-CT-11, R-AR-02, R-AR-05, R-AR-06, R-ST-05).

Wherever a person must say why (a reveal, a status change, a rejection, a disposal appraisal…)
the history and the audit trail keep their words, and an auditor or a court reads them later.
So every purpose cleans the text the same way and has its limits in the one table below; the
cleaned value this rule returns is the value callers store and audit, never the raw input.

Limits are counted in characters after cleaning. Most purposes allow 2–500. A reveal, a full
print and a full export allow at most 200: they are a sentence in an audit line, not a
statement. A lookup purpose needs at least 5, because the lookup register must say what the
record is wanted for (R-AR-06). An optional remark (an approval's "可") has no minimum: only a
required reason has a floor, but every reason has the ceiling.

Length alone let "ok" and ".." through as the reason for revealing an ID number (issue 14
finding 4). So a required reason also needs substance: ``min_substance`` different letters,
digits or Chinese characters — punctuation does not count and a repeated character counts once,
so "....", "aaaa" and "ok" fall short — unless it cites a ticket or case number such as
GD-20261207, which names the paperwork behind it. A reveal, a full print and a full export need
4 (they open personal data; "核对身份" is four); every other required reason needs 1, which
refuses only punctuation — text that says nothing at all.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal, overload

from crm.errors import InvalidInput

__all__ = ["NO_SUBSTANCE", "REASON_LIMITS", "InvalidReason", "ReasonLimits", "clean_reason", "normalise_reason", "substance"]

NO_SUBSTANCE = "reason.no_substance"


@dataclass(frozen=True)
class ReasonLimits:
    min_length: int
    max_length: int
    required_code: str
    too_long_code: str
    ask: tuple[str, str]  # the request as a sentence, limits appended: ("退回须说明原因", "Returning a batch needs a reason")
    noun: tuple[str, str] = ("原因", "reason")
    field: str = "reason"
    # Different letters, digits or ideographs a required reason needs, unless it cites a ticket.
    min_substance: int = 1


# The codes are the ones the API already answers with; where a purpose had a single code for
# both refusals (reveal, export, correction, staff, disposal appraisal) it keeps it.
REASON_LIMITS: dict[str, ReasonLimits] = {
    "reveal": ReasonLimits(2, 200, "reveal.reason_required", "reveal.reason_required",
                           ("查看完整信息须填写事由", "State a reason to see the full value"), noun=("事由", "reason"),
                           min_substance=4),
    "full_print": ReasonLimits(2, 200, "reveal.reason_required", "reveal.reason_required",
                               ("打印完整信息须填写事由", "State a reason to print full values"), noun=("事由", "reason"),
                               min_substance=4),
    "full_export": ReasonLimits(2, 200, "export.reason_required", "export.reason_required",
                                ("导出完整信息须填写事由", "A full export needs a reason"), noun=("事由", "reason"),
                                min_substance=4),
    "customer_status": ReasonLimits(2, 500, "customer.reason_required", "customer.reason_too_long",
                                    ("请填写状态变更原因", "A reason for the status change is required")),
    "correction": ReasonLimits(2, 500, "correction.reason_required", "correction.reason_required",
                               ("请填写更正事由", "Give a reason for the correction"), noun=("事由", "reason")),
    "correction_rejection": ReasonLimits(2, 500, "correction.reason_required", "correction.reason_required",
                                         ("驳回须说明原因", "A rejection needs a reason")),
    "staff_disable": ReasonLimits(2, 500, "staff.reason_required", "staff.reason_required",
                                  ("请填写停用原因", "State why the account is disabled")),
    "contract_transition": ReasonLimits(2, 500, "contract.reason_required", "contract.reason_too_long",
                                        ("请填写原因", "A reason is required")),
    "approval_decision": ReasonLimits(2, 500, "approval.reason_required", "approval.reason_too_long",
                                      ("请填写原因", "Rejecting or returning needs a reason")),
    "lookup_purpose": ReasonLimits(5, 500, "access.purpose_required", "access.purpose_too_long",
                                   ("请说明查阅用途", "State the purpose of the lookup"),
                                   noun=("查阅用途", "purpose"), field="purpose"),
    "lookup_rejection": ReasonLimits(2, 500, "access.reason_required", "access.reason_too_long",
                                     ("驳回须说明原因", "A rejection needs a reason")),
    "handover_return": ReasonLimits(2, 500, "handover.reason_required", "handover.reason_too_long",
                                    ("退回须说明原因", "Returning a batch needs a reason")),
    "disposal_appraisal": ReasonLimits(2, 500, "disposal.reason_required", "disposal.reason_required",
                                       ("请填写销毁鉴定意见", "State the appraisal"), noun=("鉴定意见", "appraisal")),
    "disposal_rejection": ReasonLimits(2, 500, "disposal.reason_required", "disposal.reason_too_long",
                                       ("驳回须说明原因", "A rejection needs a reason")),
    "reading_review": ReasonLimits(2, 500, "reading.reason_required", "reading.reason_too_long",
                                   ("复核抄表读数须说明理由", "Reviewing a reading needs a reason")),
}


class InvalidReason(InvalidInput):
    """A reason missing, too short or too long; the code says for which purpose (REASON_LIMITS)."""

    code = "reason.invalid"

    def __init__(self, message: str, *, field: str | None = "reason", code: str | None = None) -> None:
        super().__init__(message, field=field, code=code)


# Runs of blanks inside a line (tabs, the full-width space an IME types) become one space; line
# breaks a person typed into a textarea stay, but not more than one empty line in a row.
_BLANKS = re.compile(r"[^\S\n]+")
_EMPTY_LINES = re.compile(r"\n{3,}")
# A ticket or case number (工单号, 案件号): two or more capitals, an optional dash, three or more digits.
_TICKET = re.compile(r"(?<![A-Za-z])[A-Z]{2,}-?\d{3,}")


def substance(text: str) -> int:
    """How many different letters, digits and ideographs the text has: what it says, not how long it is."""
    return len({c.casefold() for c in text if c.isalnum()})


def normalise_reason(value: str | None) -> str:
    """The text as it is stored: trimmed, blanks collapsed, CR/LF made LF; "" for none."""
    text = (value or "").replace("\r\n", "\n").replace("\r", "\n")
    lines = (_BLANKS.sub(" ", line).strip() for line in text.split("\n"))
    return _EMPTY_LINES.sub("\n\n", "\n".join(lines)).strip()


@overload
def clean_reason(*, value: str | None, purpose: str, required: Literal[True] = ..., field: str | None = ...) -> str: ...


@overload
def clean_reason(*, value: str | None, purpose: str, required: bool, field: str | None = ...) -> str | None: ...


def clean_reason(*, value: str | None, purpose: str, required: bool = True, field: str | None = None) -> str | None:
    """The cleaned reason to store and audit, or None when an optional one is left blank.

    Raises InvalidReason with the purpose's code: a required reason shorter than its minimum
    (blank included), or any reason longer than its maximum.
    """
    limits = REASON_LIMITS.get(purpose)
    if limits is None:
        raise ValueError(f"unknown reason purpose {purpose!r}; expected one of {sorted(REASON_LIMITS)}")
    cleaned = normalise_reason(value)
    where = field or limits.field
    if not cleaned and not required:
        return None
    if required and len(cleaned) < limits.min_length:
        ask_zh, ask_en = limits.ask
        raise InvalidReason(
            f"{ask_zh}（{limits.min_length}–{limits.max_length} 个字） / "
            f"{ask_en} ({limits.min_length} to {limits.max_length} characters)",
            field=where, code=limits.required_code,
        )
    if len(cleaned) > limits.max_length:
        noun_zh, noun_en = limits.noun
        raise InvalidReason(
            f"{noun_zh}最多 {limits.max_length} 个字，现有 {len(cleaned)} 个字 / "
            f"The {noun_en} may have at most {limits.max_length} characters; this one has {len(cleaned)}",
            field=where, code=limits.too_long_code,
        )
    if required and substance(cleaned) < limits.min_substance and not _TICKET.search(cleaned):
        ask_zh, ask_en = limits.ask
        raise InvalidReason(
            f"{ask_zh}：请写明具体事由（至少 {limits.min_substance} 个不同的汉字、字母或数字，或工单号如 GD-20261207） / "
            f"{ask_en}: say what it is for (at least {limits.min_substance} different letters, digits or "
            "characters, or a ticket number such as GD-20261207)",
            field=where, code=NO_SUBSTANCE,
        )
    return cleaned

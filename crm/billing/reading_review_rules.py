"""Reviewing a flagged reading (R-BL-02): who may, and what a decision makes of it. Pure.

A flagged reading waits (``pending``) until a person other than its recorder accepts it, and
only then may a bill be issued from it, or rejects it: a rejected reading is kept, marked, and
left out of the meter's history, so the next reading is measured from the one before it.
"""

from __future__ import annotations

from crm.errors import Conflict, InvalidInput, PermissionDenied

__all__ = ["DECISIONS", "ReadingNotPending", "ReviewDecisionInvalid", "ReviewOwnReading", "review_outcome"]

# decision -> the review_status it leaves
DECISIONS = {"accept": "accepted", "reject": "rejected"}


class ReviewDecisionInvalid(InvalidInput):
    code = "reading.invalid_decision"


class ReviewOwnReading(PermissionDenied):
    """Four eyes: whoever typed a reading that looks wrong is the last person to judge it."""

    code = "reading.review_own"


class ReadingNotPending(Conflict):
    code = "reading.not_pending"


def review_outcome(*, decision: str, status: str, recorded_by: int, reviewer_id: int) -> str:
    """The reading's new review_status; refuses an unknown decision, a second review, one's own reading."""
    outcome = DECISIONS.get((decision or "").strip())
    if outcome is None:
        raise ReviewDecisionInvalid("复核结论须为 accept 或 reject / The decision must be accept or reject",
                                    field="decision")
    if status != "pending":
        raise ReadingNotPending("该读数不在待复核状态 / This reading is not waiting for review", field="id")
    if recorded_by == reviewer_id:
        raise ReviewOwnReading("不能复核自己录入的读数 / You cannot review a reading you recorded", field="id")
    return outcome

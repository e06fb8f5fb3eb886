"""Reading values as typed and the review of flagged readings (R-BL-02, issue 15 items 2 and 11)."""

from __future__ import annotations

import pytest

from crm.billing.reading_review_rules import ReadingNotPending, ReviewDecisionInvalid, ReviewOwnReading, review_outcome
from crm.billing.reading_values import ReadingValueInvalid, parse_value_milli


@pytest.mark.parametrize(("typed", "milli"), [
    ("1234.567", 1234567), ("0", 0), ("12", 12000), (12, 12000), ("  7.5 ", 7500), ("１２.３", 12300),
])
def test_a_value_in_whole_units_becomes_thousandths(typed, milli):
    assert parse_value_milli(typed) == milli


@pytest.mark.parametrize("typed", ["-1", "1.2345", "1e3", "", None, True, 1.5, "1,000", "1234567890123"])
def test_anything_else_is_refused_on_its_field(typed):
    with pytest.raises(ReadingValueInvalid) as refused:
        parse_value_milli(typed, field="new_initial_value")
    assert (refused.value.code, refused.value.field) == ("reading.invalid_value", "new_initial_value")


@pytest.mark.parametrize(("decision", "outcome"), [("accept", "accepted"), ("reject", "rejected"), (" accept ", "accepted")])
def test_a_second_person_accepts_or_rejects_a_pending_reading(decision, outcome):
    assert review_outcome(decision=decision, status="pending", recorded_by=1, reviewer_id=2) == outcome


@pytest.mark.parametrize(("decision", "status", "reviewer", "refusal"), [
    ("approve", "pending", 2, ReviewDecisionInvalid),
    ("accept", "none", 2, ReadingNotPending),
    ("reject", "accepted", 2, ReadingNotPending),
    ("accept", "pending", 1, ReviewOwnReading),
])
def test_refusals(decision, status, reviewer, refusal):
    """Four eyes: never the recorder's own; a reading is reviewed once; only accept or reject."""
    with pytest.raises(refusal):
        review_outcome(decision=decision, status=status, recorded_by=1, reviewer_id=reviewer)

"""Customer account lifecycle (R-AC-07)."""

from __future__ import annotations

import pytest
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from crm.accounts.lifecycle import (
    FREEZE_CAUSES,
    STATUS_LABELS,
    STATUSES,
    TRANSITIONS,
    BalanceUnsettled,
    FreezeCauseRequired,
    IllegalTransition,
    UnknownStatus,
    allowed_targets,
    check_transition,
)
from crm.common.reasons import InvalidReason
from crm.errors import Conflict, InvalidInput

ALLOWED = {
    ("pending", "active"),
    ("pending", "closed"),
    ("active", "frozen"),
    ("frozen", "active"),
    ("active", "closed"),
    ("frozen", "closed"),
}


def _move(current: str, target: str, **overrides: object) -> str:
    arguments: dict[str, object] = {
        "current": current,
        "target": target,
        "reason": "用户申请",
        "cause": "request",
        "balance_fen": 0,
    }
    arguments.update(overrides)
    return check_transition(**arguments)  # type: ignore[arg-type]


class TestTransitionTable:
    @pytest.mark.parametrize(("current", "target"), sorted(ALLOWED))
    def test_listed_transitions_are_allowed(self, current: str, target: str) -> None:
        """R-AC-07: pending → active → frozen → closed, and unfreezing."""

        reason = _move(current, target)

        assert reason == "用户申请"

    @pytest.mark.parametrize(
        ("current", "target"),
        [(c, t) for c in STATUSES for t in STATUSES if (c, t) not in ALLOWED],
    )
    def test_every_other_pair_is_an_illegal_transition(self, current: str, target: str) -> None:
        """R-AC-07: including staying put and leaving closed."""

        with pytest.raises(IllegalTransition) as caught:
            _move(current, target)

        assert caught.value.code == "customer.illegal_transition"
        assert caught.value.field == "to"
        assert isinstance(caught.value, Conflict)

    def test_allowed_targets_match_the_table(self) -> None:
        """R-AC-07: the UI offers exactly the legal moves."""

        offered = {(c, t) for c in STATUSES for t in allowed_targets(c)}

        assert offered == ALLOWED

    def test_closed_is_final(self) -> None:
        """R-AC-07: closed records are retained, never reopened."""

        targets = allowed_targets("closed")

        assert targets == ()

    def test_every_status_has_chinese_and_english_labels(self) -> None:
        """R-AC-07: 待开通, 正常, 冻结, 已注销."""

        chinese = [STATUS_LABELS[s][0] for s in STATUSES]

        assert chinese == ["待开通", "正常", "冻结", "已注销"]
        assert set(TRANSITIONS) == set(STATUSES)

    @pytest.mark.parametrize(("current", "target"), [("active", "deleted"), ("archived", "active")])
    def test_unknown_status_is_refused(self, current: str, target: str) -> None:
        """R-AC-07: only the four statuses exist."""

        with pytest.raises(UnknownStatus) as caught:
            _move(current, target)

        assert caught.value.code == "customer.unknown_status"
        assert isinstance(caught.value, InvalidInput)


class TestReason:
    @pytest.mark.parametrize("reason", ["", "   ", "a", " 欠 "])
    def test_blank_or_one_character_reason_is_refused(self, reason: str) -> None:
        """R-AC-07: every transition needs a reason."""

        with pytest.raises(InvalidReason) as caught:
            _move("active", "frozen", reason=reason)

        assert caught.value.code == "customer.reason_required"
        assert caught.value.field == "reason"

    def test_reason_is_returned_stripped(self) -> None:
        """R-AC-07: the recorded reason has no stray whitespace."""

        reason = _move("active", "frozen", reason="  连续三个月欠费  ", cause="arrears")

        assert reason == "连续三个月欠费"

    def test_reason_of_500_characters_is_accepted(self) -> None:
        """R-AC-07: the limit is inclusive."""

        reason = _move("active", "frozen", reason="欠" * 500)

        assert len(reason) == 500

    def test_reason_over_500_characters_is_refused(self) -> None:
        """R-AC-07: reasons are notes, not documents."""

        with pytest.raises(InvalidReason) as caught:
            _move("active", "frozen", reason="欠" * 501)

        assert caught.value.code == "customer.reason_too_long"
        assert caught.value.field == "reason"


class TestFreezing:
    @pytest.mark.parametrize("cause", FREEZE_CAUSES)
    def test_each_listed_cause_allows_freezing(self, cause: str) -> None:
        """R-AC-07: arrears, safety or the customer's request."""

        reason = _move("active", "frozen", cause=cause)

        assert reason

    @pytest.mark.parametrize("cause", [None, "", "bored"])
    def test_freezing_without_a_known_cause_is_refused(self, cause: str | None) -> None:
        """R-AC-07: the freeze cause decides how the account may be unfrozen."""

        with pytest.raises(FreezeCauseRequired) as caught:
            _move("active", "frozen", cause=cause)

        assert caught.value.code == "customer.freeze_cause_required"
        assert caught.value.field == "cause"

    def test_other_transitions_need_no_cause(self) -> None:
        """R-AC-07: a cause only classifies freezes."""

        reason = _move("frozen", "active", cause=None)

        assert reason == "用户申请"


class TestClosing:
    @pytest.mark.parametrize("balance_fen", [1, -1, 12_345])
    def test_closing_with_an_unsettled_balance_is_refused(self, balance_fen: int) -> None:
        """R-AC-07: closing requires a settled balance, debt or credit alike."""

        with pytest.raises(BalanceUnsettled) as caught:
            _move("active", "closed", balance_fen=balance_fen)

        assert caught.value.code == "customer.balance_unsettled"
        assert isinstance(caught.value, Conflict)

    def test_message_shows_the_balance_in_yuan(self) -> None:
        """R-AC-07: the clerk sees how much is outstanding."""

        with pytest.raises(BalanceUnsettled) as caught:
            _move("frozen", "closed", balance_fen=-12_345)

        assert "-123.45" in caught.value.message

    def test_balance_does_not_matter_for_freezing(self) -> None:
        """R-AC-07: arrears are exactly why accounts get frozen."""

        reason = _move("active", "frozen", cause="arrears", balance_fen=50_000)

        assert reason == "用户申请"


class AccountLifecycleMachine(RuleBasedStateMachine):
    """R-AC-07: any sequence of attempts keeps the account in a legal state."""

    def __init__(self) -> None:
        super().__init__()
        self.status = "pending"
        self.history: list[str] = ["pending"]

    @rule(
        wanted=st.sampled_from(STATUSES),
        cause=st.sampled_from((None, *FREEZE_CAUSES)),
        balance_fen=st.sampled_from((0, 0, 100, -100)),
    )
    def attempt(self, wanted: str, cause: str | None, balance_fen: int) -> None:
        legal = (self.status, wanted) in ALLOWED
        needs_cause = wanted == "frozen" and cause is None
        needs_settlement = wanted == "closed" and balance_fen != 0

        try:
            check_transition(
                current=self.status, target=wanted, reason="状态变更", cause=cause, balance_fen=balance_fen
            )
        except IllegalTransition:
            assert not legal
        except FreezeCauseRequired:
            assert legal and needs_cause
        except BalanceUnsettled:
            assert legal and needs_settlement
        else:
            assert legal and not needs_cause and not needs_settlement
            self.status = wanted
            self.history.append(wanted)

    @invariant()
    def closed_is_never_left(self) -> None:
        if "closed" in self.history:
            assert self.history[-1] == "closed"
            assert self.history.count("closed") == 1


TestAccountLifecycleMachine = AccountLifecycleMachine.TestCase

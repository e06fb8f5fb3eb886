"""Contract lifecycle, submission and approval decisions (R-CT-10, R-CT-11)."""

from __future__ import annotations

import pytest

from contracts.approval import ChainStep
from contracts.lifecycle import (
    DECISION_LABELS,
    DECISIONS,
    STATUS_LABELS,
    STATUSES,
    STEP_STATUS_LABELS,
    STEP_STATUSES,
    TRANSITIONS,
    AlreadyDecided,
    ChainState,
    IllegalTransition,
    NotApproved,
    NotDraft,
    NotPending,
    OneStepPerPerson,
    OutOfOrder,
    OwnContract,
    StepMoved,
    StepState,
    UnknownDecision,
    UnknownStatus,
    WrongRole,
    allowed_targets,
    check_decision_reason,
    check_revisable,
    check_sign,
    check_transition,
    current_step,
    decide,
    submit,
)
from crm.common.reasons import InvalidReason
from crm.errors import Conflict, InvalidInput, PermissionDenied

DRAFTER = 1
MANAGER = 10
OTHER_MANAGER = 11
VP = 20
GM = 30

ALLOWED = {("signed", "active"), ("signed", "terminated"), ("active", "fulfilled"), ("active", "terminated")}

TWO_STEPS = (
    ChainStep(role="market_manager", reasons=("non_residential_installation",)),
    ChainStep(role="operations_vp", reasons=("installments",)),
)
DRAFT = ChainState(status="draft", drafter_id=DRAFTER, steps=())


def _submitted() -> ChainState:
    return submit(state=DRAFT, chain=TWO_STEPS)


def _decide(state: ChainState, actor_id: int, role: str, decision: str = "approve", reason: str | None = None):
    outcome = decide(state=state, expected_step=None, actor_id=actor_id, actor_role=role, decision=decision, reason=reason)
    return outcome.state, outcome.step


class TestLabels:
    def test_statuses_have_chinese_labels(self) -> None:
        """R-CT-11: 草稿 … 已归档."""

        chinese = [STATUS_LABELS[s][0] for s in STATUSES]

        assert chinese == ["草稿", "待审批", "已审批", "已签订", "履行中", "履行完毕", "已终止", "已归档"]
        assert set(TRANSITIONS) == set(STATUSES)

    def test_decisions_have_chinese_labels(self) -> None:
        """R-CT-10: approve, reject or return for revision."""

        chinese = [DECISION_LABELS[d][0] for d in DECISIONS]

        assert chinese == ["同意", "驳回", "退回修改"]
        assert set(STEP_STATUS_LABELS) == set(STEP_STATUSES)


class TestTransitions:
    @pytest.mark.parametrize(("current", "to"), sorted(ALLOWED))
    def test_listed_manual_transitions_are_allowed(self, current: str, to: str) -> None:
        """R-CT-11: signed → active → fulfilled | terminated."""

        reason = check_transition(current=current, to=to, reason="  用户已通气  ")

        assert reason == "用户已通气"

    @pytest.mark.parametrize(
        ("current", "to"), [(c, t) for c in STATUSES for t in STATUSES if (c, t) not in ALLOWED]
    )
    def test_every_other_pair_is_illegal(self, current: str, to: str) -> None:
        """R-CT-11: approval, signing and archiving have their own doors."""

        with pytest.raises(IllegalTransition) as caught:
            check_transition(current=current, to=to, reason="原因")

        assert caught.value.code == "contract.illegal_transition"
        assert caught.value.field == "to"
        assert isinstance(caught.value, Conflict)

    def test_allowed_targets_match_the_table(self) -> None:
        """R-CT-11."""

        offered = {(c, t) for c in STATUSES for t in allowed_targets(c)}

        assert offered == ALLOWED

    def test_unknown_target_is_refused(self) -> None:
        """R-CT-11."""

        with pytest.raises(UnknownStatus) as caught:
            check_transition(current="active", to="cancelled", reason="原因")

        assert caught.value.code == "contract.unknown_status"
        assert caught.value.field == "to"
        assert isinstance(caught.value, InvalidInput)

    @pytest.mark.parametrize("reason", [None, "", "  ", "a"])
    def test_every_transition_needs_a_reason(self, reason: str | None) -> None:
        """R-CT-11: the history is read later by an auditor."""

        with pytest.raises(InvalidReason) as caught:
            check_transition(current="active", to="terminated", reason=reason)

        assert caught.value.code == "contract.reason_required"
        assert caught.value.field == "reason"

    def test_reason_over_500_characters_is_refused(self) -> None:
        """R-CT-11."""

        with pytest.raises(InvalidReason) as caught:
            check_transition(current="active", to="terminated", reason="因" * 501)

        assert caught.value.code == "contract.reason_too_long"

    def test_reason_of_500_characters_is_accepted(self) -> None:
        """R-CT-11: the limit is inclusive."""

        reason = check_transition(current="active", to="terminated", reason="因" * 500)

        assert len(reason) == 500


class TestSubmit:
    def test_submission_starts_the_chain_at_its_first_step(self) -> None:
        """R-CT-11: draft → pending approval."""

        state = submit(state=DRAFT, chain=TWO_STEPS)

        assert state.status == "pending_approval"
        assert state.steps == (
            StepState(seq=1, role="market_manager", status="pending"),
            StepState(seq=2, role="operations_vp", status="waiting"),
        )
        assert current_step(state=state) == state.steps[0]

    def test_empty_chain_is_approved_at_once(self) -> None:
        """R-CT-04: the front desk signs a residential contract directly."""

        state = submit(state=DRAFT, chain=())

        assert state.status == "approved"
        assert state.steps == ()

    @pytest.mark.parametrize("status", [s for s in STATUSES if s != "draft"])
    def test_only_a_draft_can_be_submitted(self, status: str) -> None:
        """R-CT-11."""

        with pytest.raises(NotDraft) as caught:
            submit(state=ChainState(status=status, drafter_id=DRAFTER, steps=()), chain=TWO_STEPS)

        assert caught.value.code == "contract.not_draft"
        assert isinstance(caught.value, Conflict)

    def test_resubmission_after_return_starts_a_fresh_chain(self) -> None:
        """R-CT-11: rejected/returned go back to draft; a new submission starts a new chain."""
        approved_first, _ = _decide(_submitted(), MANAGER, "market_manager")
        returned, _ = _decide(approved_first, VP, "operations_vp", "return", "请补充图纸")

        state = submit(state=returned, chain=TWO_STEPS)

        assert [s.status for s in state.steps] == ["pending", "waiting"]
        assert all(s.decided_by is None for s in state.steps)


class TestDecide:
    def test_approving_every_step_in_order_approves_the_contract(self) -> None:
        """R-CT-10: each step decided by a holder of its role."""
        after_manager, first = _decide(_submitted(), MANAGER, "market_manager")

        after_vp, second = _decide(after_manager, VP, "operations_vp")

        assert first == StepState(seq=1, role="market_manager", status="approved", decided_by=MANAGER)
        assert after_manager.status == "pending_approval"
        assert after_manager.steps[1].status == "pending"
        assert second == StepState(seq=2, role="operations_vp", status="approved", decided_by=VP)
        assert after_vp.status == "approved"

    @pytest.mark.parametrize(("decision", "step_status"), [("reject", "rejected"), ("return", "returned")])
    def test_reject_or_return_sends_the_contract_back_to_draft(self, decision: str, step_status: str) -> None:
        """R-CT-11: rejected/returned go back to draft, later steps stay waiting."""

        state, step = _decide(_submitted(), MANAGER, "market_manager", decision, "  费用依据不足  ")

        assert state.status == "draft"
        assert step.status == step_status and step.decided_by == MANAGER
        assert state.steps[1].status == "waiting"

    def test_approval_may_carry_a_short_remark(self) -> None:
        """R-CT-10: the reason is only required for reject and return."""

        remark = check_decision_reason(decision="approve", reason=" 可 ")

        assert remark == "可"
        assert check_decision_reason(decision="approve", reason="  ") is None
        assert check_decision_reason(decision="reject", reason=" 不符合 ") == "不符合"

    @pytest.mark.parametrize("status", [s for s in STATUSES if s != "pending_approval"])
    def test_deciding_a_contract_not_pending_is_refused(self, status: str) -> None:
        """R-CT-10: two people deciding the last step at once — the loser gets a conflict."""
        state = ChainState(status=status, drafter_id=DRAFTER, steps=_submitted().steps)

        with pytest.raises(NotPending) as caught:
            _decide(state, MANAGER, "market_manager")

        assert caught.value.code == "contract.not_pending"
        assert isinstance(caught.value, Conflict)

    def test_unknown_decision_is_refused(self) -> None:
        """R-CT-10: approve, reject or return only."""

        with pytest.raises(UnknownDecision) as caught:
            _decide(_submitted(), MANAGER, "market_manager", "maybe", "再看看")

        assert caught.value.code == "approval.unknown_decision"
        assert caught.value.field == "decision"
        assert isinstance(caught.value, InvalidInput)

    @pytest.mark.parametrize("decision", ["reject", "return"])
    @pytest.mark.parametrize("reason", [None, "", "  ", "否"])
    def test_reject_or_return_without_a_reason_is_refused(self, decision: str, reason: str | None) -> None:
        """R-CT-10: reject (reason required), return for revision."""

        with pytest.raises(InvalidReason) as caught:
            _decide(_submitted(), MANAGER, "market_manager", decision, reason)

        assert caught.value.code == "approval.reason_required"
        assert caught.value.field == "reason"

    def test_overlong_decision_reason_is_refused(self) -> None:
        """R-CT-10."""

        with pytest.raises(InvalidReason) as caught:
            _decide(_submitted(), MANAGER, "market_manager", "reject", "否" * 501)

        assert caught.value.code == "approval.reason_too_long"

    def test_drafter_cannot_decide_their_own_contract(self) -> None:
        """R-CT-10: the drafter never approves their own contract, whatever their role."""

        with pytest.raises(OwnContract) as caught:
            _decide(_submitted(), DRAFTER, "market_manager")

        assert caught.value.code == "approval.own_contract"
        assert isinstance(caught.value, PermissionDenied)

    def test_one_person_decides_at_most_one_step(self) -> None:
        """R-CT-10: even when they hold the next step's role too (e.g. an acting VP)."""
        after_manager, _ = _decide(_submitted(), MANAGER, "market_manager")

        with pytest.raises(OneStepPerPerson) as caught:
            _decide(after_manager, MANAGER, "operations_vp")

        assert caught.value.code == "approval.one_step_per_person"
        assert isinstance(caught.value, PermissionDenied)

    def test_later_step_cannot_decide_before_its_turn(self) -> None:
        """R-CT-10: the VP waits for the market manager."""

        with pytest.raises(OutOfOrder) as caught:
            _decide(_submitted(), VP, "operations_vp")

        assert caught.value.code == "approval.out_of_order"
        assert isinstance(caught.value, Conflict)
        assert "市场部经理" in caught.value.message

    def test_role_with_no_step_in_the_chain_is_refused(self) -> None:
        """R-CT-10: each step is decided by a holder of its role."""

        with pytest.raises(WrongRole) as caught:
            _decide(_submitted(), GM, "general_manager")

        assert caught.value.code == "approval.wrong_role"
        assert isinstance(caught.value, PermissionDenied)

    def test_second_holder_of_a_decided_role_hears_it_is_already_decided(self) -> None:
        """R-CT-10: the market manager's step is done; the other manager lost the race (409), not a role error."""
        after_manager, _ = _decide(_submitted(), MANAGER, "market_manager")

        with pytest.raises(AlreadyDecided) as caught:
            _decide(after_manager, OTHER_MANAGER, "market_manager")

        assert caught.value.code == "approval.already_decided"
        assert caught.value.field == "decision"
        assert isinstance(caught.value, Conflict)
        assert "第 1 步" in caught.value.message

    def test_a_decision_on_a_step_that_moved_on_is_refused(self) -> None:
        """R-CT-10: a stale inbox page names step 1; step 2 is now current, whoever decides it."""
        after_manager, _ = _decide(_submitted(), MANAGER, "market_manager")

        with pytest.raises(StepMoved) as caught:
            decide(state=after_manager, expected_step=1, actor_id=VP, actor_role="operations_vp",
                   decision="approve", reason=None)

        assert caught.value.code == "approval.step_moved"
        assert caught.value.field == "step"
        assert isinstance(caught.value, Conflict)

    def test_a_decision_on_a_step_that_is_not_yet_current_is_refused(self) -> None:
        """R-CT-10: nobody decides step 2 while step 1 waits, even naming it."""

        with pytest.raises(StepMoved):
            decide(state=_submitted(), expected_step=2, actor_id=VP, actor_role="operations_vp",
                   decision="approve", reason=None)

    def test_the_expected_step_when_it_is_current_is_decided(self) -> None:
        """R-CT-10."""

        outcome = decide(state=_submitted(), expected_step=1, actor_id=MANAGER, actor_role="market_manager",
                         decision="approve", reason=None)

        assert outcome.step == StepState(seq=1, role="market_manager", status="approved", decided_by=MANAGER)
        assert outcome.state.steps[1].status == "pending"

    def test_a_step_moved_on_is_reported_before_the_other_checks(self) -> None:
        """R-CT-10: the drafter on a stale page hears that the page is stale first."""
        after_manager, _ = _decide(_submitted(), MANAGER, "market_manager")

        with pytest.raises(StepMoved):
            decide(state=after_manager, expected_step=1, actor_id=DRAFTER, actor_role="market_manager",
                   decision="maybe", reason=None)

    def test_the_cleaned_reason_is_returned_for_storing(self) -> None:
        """R-CT-10: the reason stored on the step and audited is the cleaned one, not the raw input."""

        outcome = decide(state=_submitted(), expected_step=1, actor_id=MANAGER, actor_role="market_manager",
                         decision="return", reason="  请补充\t 施工图纸  ")

        assert outcome.reason == "请补充 施工图纸"
        assert outcome.state.status == "draft"
        assert outcome.step.status == "returned"

    def test_an_approval_without_a_remark_returns_no_reason(self) -> None:
        """R-CT-10: the remark is optional on approval; blank is stored as none."""

        outcome = decide(state=_submitted(), expected_step=None, actor_id=MANAGER, actor_role="market_manager",
                         decision="approve", reason="   ")

        assert outcome.reason is None

    def test_checks_run_in_the_documented_order(self) -> None:
        """R-CT-10: the drafter with a bad decision hears about the decision first."""

        with pytest.raises(UnknownDecision):
            _decide(_submitted(), DRAFTER, "operations_vp", "maybe")


class TestSign:
    def test_approved_contract_may_be_signed(self) -> None:
        """R-CT-11: approved → signed."""

        check_sign(status="approved")

    @pytest.mark.parametrize("status", [s for s in STATUSES if s != "approved"])
    def test_anything_else_may_not_be_signed(self, status: str) -> None:
        """R-CT-11: no signature before the whole chain has approved."""

        with pytest.raises(NotApproved) as caught:
            check_sign(status=status)

        assert caught.value.code == "contract.not_approved"
        assert isinstance(caught.value, Conflict)


class TestRevise:
    def test_a_draft_may_be_revised(self) -> None:
        """A returned or rejected contract is a draft again, so this covers revision after a decision."""

        check_revisable(status="draft")

    @pytest.mark.parametrize("status", [s for s in STATUSES if s != "draft"])
    def test_anything_else_may_not_be_revised(self, status: str) -> None:
        """What is under approval or signed is what the approvers saw: no edits around the chain."""

        with pytest.raises(NotDraft) as caught:
            check_revisable(status=status)

        assert caught.value.code == "contract.not_draft"
        assert STATUS_LABELS[status][0] in caught.value.message

"""Any sequence of submissions and decisions keeps the separation of duties (R-CT-10, R-CT-11).

A pool of staff — the drafter among them, two holders of each approver role, people acting in
two roles, and roles that approve nothing — tries every decision in every order; the
invariants below must hold after each attempt, successful or refused.
"""

from __future__ import annotations

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from contracts.approval import FAMILIES, PAYMENT_KINDS, ChainFacts, approval_chain
from contracts.lifecycle import (
    DECISIONS,
    AlreadyDecided,
    ChainState,
    NotApproved,
    NotDraft,
    NotPending,
    OneStepPerPerson,
    OutOfOrder,
    OwnContract,
    StepMoved,
    UnknownDecision,
    WrongRole,
    check_sign,
    decide,
    submit,
)
from crm.common.reasons import InvalidReason
from crm.errors import DomainError

ACTORS = (
    (1, "front_desk"),
    (2, "front_desk"),
    (3, "market_manager"),
    (4, "market_manager"),
    (5, "operations_vp"),
    (6, "operations_vp"),
    (7, "general_manager"),
    (8, "general_manager"),
    (9, "finance"),
    # People standing in for a second role: the only way one person could reach two steps.
    (3, "operations_vp"),
    (5, "general_manager"),
)
ACTOR_IDS = tuple(sorted({actor_id for actor_id, _ in ACTORS}))
DECIDED = frozenset({"approved", "rejected", "returned"})

facts_strategy = st.builds(
    ChainFacts,
    family=st.sampled_from(FAMILIES),
    customer_category=st.sampled_from(("residential", "commercial", "collective", "industrial", "upstream_supplier")),
    payment_kind=st.sampled_from(PAYMENT_KINDS),
    installation_fees_unsettled=st.booleans(),
    property_dispute=st.booleans(),
)
# Mostly approvals, so chains get walked to the end rather than bounced on the first step.
decision_strategy = st.sampled_from(("approve", "approve", "approve", "reject", "return", "abstain"))
reason_strategy = st.sampled_from((None, "", " 否 ", "资料不全，请补充", "  资料不全，\u3000请补充  "))
# None is "whichever step is current"; a number is the step an approver's page showed.
expected_step_strategy = st.one_of(st.none(), st.integers(min_value=1, max_value=4))


def _expected_error(
    state: ChainState, expected_step: int | None, actor_id: int, role: str, decision: str, reason: str | None
) -> type | None:
    """The refusal R-CT-10 calls for, worked out from the rules as written, in their order."""
    if state.status == "pending_approval":
        current = next(step for step in state.steps if step.status == "pending")
        if expected_step is not None and expected_step != current.seq:
            return StepMoved
        roles_undecided = {step.role for step in state.steps if step.status in ("pending", "waiting")}
        roles_decided = {step.role for step in state.steps if step.decided_by is not None}
        if role not in roles_undecided and role in roles_decided:
            return AlreadyDecided
    if state.status != "pending_approval":
        return NotPending
    if decision not in DECISIONS:
        return UnknownDecision
    if decision != "approve" and len((reason or "").strip()) < 2:
        return InvalidReason
    if actor_id == state.drafter_id:
        return OwnContract
    if actor_id in {step.decided_by for step in state.steps}:
        return OneStepPerPerson
    pending = next(step for step in state.steps if step.status == "pending")
    if role == pending.role:
        return None
    if role in {step.role for step in state.steps if step.seq > pending.seq}:
        return OutOfOrder
    return WrongRole


class DecisionMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.state = ChainState(status="draft", drafter_id=1, steps=())
        self.deciders: list[int] = []  # everyone who decided a step of the current chain

    @initialize(drafter=st.sampled_from(ACTOR_IDS))
    def draft_contract(self, drafter: int) -> None:
        self.state = ChainState(status="draft", drafter_id=drafter, steps=())

    @rule(facts=facts_strategy)
    def submit_contract(self, facts: ChainFacts) -> None:
        chain = approval_chain(facts=facts)
        was_draft = self.state.status == "draft"

        try:
            new_state = submit(state=self.state, chain=chain)
        except NotDraft:
            assert not was_draft
            return

        assert was_draft
        assert [step.role for step in new_state.steps] == [step.role for step in chain]
        self.state = new_state
        self.deciders = []

    @rule(
        actor=st.sampled_from(ACTORS),
        decision=decision_strategy,
        reason=reason_strategy,
        expected_step=expected_step_strategy,
    )
    def decide_step(self, actor: tuple[int, str], decision: str, reason: str | None, expected_step: int | None) -> None:
        actor_id, role = actor
        before = self.state
        expected = _expected_error(before, expected_step, actor_id, role, decision, reason)

        try:
            outcome = decide(
                state=before, expected_step=expected_step, actor_id=actor_id, actor_role=role, decision=decision,
                reason=reason,
            )
        except DomainError as refused:
            assert type(refused) is expected, f"expected {expected}, got {refused!r}"
            return

        assert expected is None
        after, decided = outcome.state, outcome.step
        assert outcome.reason == (" ".join((reason or "").split()) or None)
        assert expected_step is None or decided.seq == expected_step
        index = decided.seq - 1
        assert before.steps[index].status == "pending"
        assert all(step.status == "approved" for step in before.steps[:index])
        assert decided.decided_by == actor_id and decided.role == role
        assert after.steps[index] == decided
        if decision == "approve":
            assert after.status == ("approved" if decided.seq == len(after.steps) else "pending_approval")
        else:
            assert after.status == "draft"
        self.state = after
        self.deciders.append(actor_id)

    @rule()
    def try_to_sign(self) -> None:
        try:
            check_sign(status=self.state.status)
        except NotApproved:
            assert self.state.status != "approved"
        else:
            assert self.state.status == "approved"

    @precondition(lambda self: self.state.status == "approved")
    @rule(drafter=st.sampled_from(ACTOR_IDS))
    def start_next_contract(self, drafter: int) -> None:
        self.state = ChainState(status="draft", drafter_id=drafter, steps=())
        self.deciders = []

    @invariant()
    def no_step_is_decided_before_the_earlier_ones_are_approved(self) -> None:
        steps = self.state.steps
        for index, step in enumerate(steps):
            if step.status in DECIDED or step.status == "pending":
                assert all(earlier.status == "approved" for earlier in steps[:index])
        assert sum(step.status == "pending" for step in steps) <= 1

    @invariant()
    def no_person_decides_two_steps_of_one_chain(self) -> None:
        recorded = [step.decided_by for step in self.state.steps if step.decided_by is not None]
        assert len(recorded) == len(set(recorded))
        assert len(self.deciders) == len(set(self.deciders))
        assert sorted(recorded) == sorted(self.deciders)

    @invariant()
    def the_drafter_never_decides(self) -> None:
        assert self.state.drafter_id not in self.deciders

    @invariant()
    def approved_exactly_when_every_step_is_approved(self) -> None:
        steps = self.state.steps
        if steps:
            assert (self.state.status == "approved") == all(step.status == "approved" for step in steps)
        else:
            assert self.state.status in ("draft", "approved")

    @invariant()
    def pending_approval_has_one_pending_step(self) -> None:
        if self.state.status == "pending_approval":
            assert sum(step.status == "pending" for step in self.state.steps) == 1

    @invariant()
    def a_rejected_or_returned_chain_is_back_in_draft(self) -> None:
        if any(step.status in ("rejected", "returned") for step in self.state.steps):
            assert self.state.status == "draft"


TestDecisionStateMachine = DecisionMachine.TestCase
TestDecisionStateMachine.settings = settings(max_examples=200, stateful_step_count=30, deadline=None)

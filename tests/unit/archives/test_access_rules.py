"""Lookup and borrowing requests, decisions and grants (R-AR-06)."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from archives.access_rules import (
    DECISIONS,
    MAX_DAYS,
    MIN_DAYS,
    REQUEST_STATUS_LABELS,
    REQUEST_STATUSES,
    AlreadyDecided,
    Decision,
    GrantExpired,
    InvalidDays,
    NoGrant,
    OneStepPerPerson,
    OutOfOrder,
    OwnRequest,
    RequestState,
    UnknownDecision,
    WrongRole,
    awaiting_role,
    check_decision_reason,
    check_grant,
    check_request,
    decide,
    grant_until,
)
from crm.common.reasons import InvalidReason
from crm.errors import Conflict, DomainError, InvalidInput, PermissionDenied

CLERK = 1
ARCHIVIST = 2
OTHER_ARCHIVIST = 3
GM = 4

TZ = dt.timezone(dt.timedelta(hours=8))
APPROVED_AT = dt.datetime(2026, 3, 1, 9, 30, tzinfo=TZ)


def _pending(*, restricted: bool, requester: int = CLERK) -> RequestState:
    return RequestState(status="pending", restricted=restricted, requester_id=requester)


def _decide(
    state: RequestState, actor_id: int, role: str, decision: str = "approve", reason: str | None = None
) -> RequestState:
    return decide(state=state, actor_id=actor_id, actor_role=role, decision=decision, reason=reason).state


class TestLabels:
    def test_request_statuses_have_chinese_labels(self) -> None:
        """R-AR-06."""

        assert [REQUEST_STATUS_LABELS[s][0] for s in REQUEST_STATUSES] == ["待审批", "已批准", "已驳回"]


class TestRequest:
    def test_the_purpose_is_stripped(self) -> None:
        """R-AR-06: a request states its purpose."""

        assert check_request(purpose="  核对安装费用结算  ", days=7) == "核对安装费用结算"

    @pytest.mark.parametrize("purpose", [None, "", "    ", "查一下"])
    def test_a_missing_or_short_purpose_is_refused(self, purpose: str | None) -> None:
        """R-AR-06: at least five characters."""

        with pytest.raises(InvalidReason) as caught:
            check_request(purpose=purpose, days=7)

        assert caught.value.code == "access.purpose_required"
        assert caught.value.field == "purpose"
        assert isinstance(caught.value, InvalidInput)

    def test_five_and_five_hundred_characters_are_the_bounds(self) -> None:
        """R-AR-06: 5..500 characters."""

        assert check_request(purpose="核对合同金", days=1) == "核对合同金"
        assert len(check_request(purpose="查" * 500, days=1)) == 500
        with pytest.raises(InvalidReason) as caught:
            check_request(purpose="查" * 501, days=1)

        assert caught.value.code == "access.purpose_too_long"

    @pytest.mark.parametrize("days", [MIN_DAYS, 7, MAX_DAYS])
    def test_one_to_thirty_days_may_be_requested(self, days: int) -> None:
        """R-AR-06: the grant is time-limited."""

        check_request(purpose="核对安装费用结算", days=days)

    @pytest.mark.parametrize("days", [0, -1, 31, 365, True, 7.5, None])
    def test_other_periods_are_refused(self, days: object) -> None:
        """R-AR-06."""

        with pytest.raises(InvalidDays) as caught:
            check_request(purpose="核对安装费用结算", days=days)  # type: ignore[arg-type]

        assert caught.value.code == "access.invalid_days"
        assert caught.value.field == "days"


class TestDecisions:
    def test_the_archivist_alone_grants_an_ordinary_record(self) -> None:
        """R-AR-06: approved by the archivist."""

        after = _decide(_pending(restricted=False), ARCHIVIST, "archivist")

        assert after == RequestState(status="approved", restricted=False, requester_id=CLERK, archivist_id=ARCHIVIST)

    def test_a_restricted_record_stays_pending_after_the_archivist(self) -> None:
        """R-AR-06: restricted records also need the general manager."""

        after = _decide(_pending(restricted=True), ARCHIVIST, "archivist")

        assert after.status == "pending"
        assert after.archivist_id == ARCHIVIST
        assert awaiting_role(state=after) == "general_manager"

    def test_a_restricted_record_is_granted_after_the_general_manager(self) -> None:
        """R-AR-06: both approvals in."""

        after = _decide(_decide(_pending(restricted=True), ARCHIVIST, "archivist"), GM, "general_manager")

        assert after.status == "approved"
        assert (after.archivist_id, after.general_manager_id) == (ARCHIVIST, GM)

    def test_the_archivist_may_reject_with_a_reason(self) -> None:
        """R-AR-06."""

        after = _decide(_pending(restricted=True), ARCHIVIST, "archivist", "reject", "用途与档案无关")

        assert after.status == "rejected"
        assert awaiting_role(state=after) is None

    def test_the_general_manager_may_reject_after_the_archivist(self) -> None:
        """R-AR-06."""

        state = _decide(_pending(restricted=True), ARCHIVIST, "archivist")

        after = _decide(state, GM, "general_manager", "reject", "不予批准")

        assert (after.status, after.general_manager_id) == ("rejected", GM)

    @pytest.mark.parametrize("reason", [None, "", " ", "否"])
    def test_a_rejection_needs_a_reason(self, reason: str | None) -> None:
        """R-AR-06."""

        with pytest.raises(InvalidReason) as caught:
            _decide(_pending(restricted=False), ARCHIVIST, "archivist", "reject", reason)

        assert caught.value.code == "access.reason_required"
        assert caught.value.field == "reason"

    def test_an_approval_may_carry_a_remark(self) -> None:
        """R-AR-06."""

        assert check_decision_reason(decision="approve", reason="  可 ") == "可"
        assert check_decision_reason(decision="approve", reason=None) is None

    def test_a_rejection_returns_its_cleaned_reason_with_the_new_state(self) -> None:
        """R-AR-06: what the service stores and audits is the reason as decide cleaned it."""

        decided = decide(state=_pending(restricted=False), actor_id=ARCHIVIST, actor_role="archivist",
                         decision="reject", reason="  用途与档案无关 \n")

        assert decided == Decision(
            state=RequestState(status="rejected", restricted=False, requester_id=CLERK, archivist_id=ARCHIVIST),
            reason="用途与档案无关",
        )

    @pytest.mark.parametrize("reason, recorded", [("  可 ", "可"), ("   ", None), (None, None)])
    def test_an_approval_returns_its_remark_cleaned_or_none(self, reason: str | None, recorded: str | None) -> None:
        """R-AR-06: the general manager's step too."""
        state = _decide(_pending(restricted=True), ARCHIVIST, "archivist")

        decided = decide(state=state, actor_id=GM, actor_role="general_manager", decision="approve", reason=reason)

        assert (decided.state.status, decided.reason) == ("approved", recorded)

    def test_the_requester_never_decides_their_own_request(self) -> None:
        """R-AR-06: an archivist asking to read a record does not approve it."""

        with pytest.raises(OwnRequest) as caught:
            _decide(_pending(restricted=False, requester=ARCHIVIST), ARCHIVIST, "archivist")

        assert caught.value.code == "access.own_request"
        assert isinstance(caught.value, PermissionDenied)

    def test_a_general_manager_requester_needs_another_general_manager(self) -> None:
        """R-AR-06."""
        state = _decide(_pending(restricted=True, requester=GM), ARCHIVIST, "archivist")

        with pytest.raises(OwnRequest):
            _decide(state, GM, "general_manager")

    def test_the_general_manager_before_the_archivist_is_out_of_order(self) -> None:
        """R-AR-06: the archivist decides first."""

        with pytest.raises(OutOfOrder) as caught:
            _decide(_pending(restricted=True), GM, "general_manager")

        assert caught.value.code == "access.out_of_order"
        assert isinstance(caught.value, Conflict)

    def test_the_general_manager_has_nothing_to_decide_on_an_ordinary_record(self) -> None:
        """R-AR-06."""

        with pytest.raises(WrongRole) as caught:
            _decide(_pending(restricted=False), GM, "general_manager")

        assert caught.value.code == "access.wrong_role"
        assert isinstance(caught.value, PermissionDenied)

    @pytest.mark.parametrize("role", ["front_desk", "finance", "auditor", "sysadmin", "market_manager"])
    def test_other_roles_have_nothing_to_decide(self, role: str) -> None:
        """R-AR-06."""

        with pytest.raises(WrongRole):
            _decide(_pending(restricted=True), 9, role)

    def test_a_second_archivist_cannot_take_the_general_managers_step(self) -> None:
        """R-AR-06."""
        state = _decide(_pending(restricted=True), ARCHIVIST, "archivist")

        with pytest.raises(WrongRole):
            _decide(state, OTHER_ARCHIVIST, "archivist")

    def test_one_person_does_not_decide_both_steps(self) -> None:
        """R-AR-06: someone acting as archivist and general manager still counts once."""
        state = _decide(_pending(restricted=True), ARCHIVIST, "archivist")

        with pytest.raises(OneStepPerPerson) as caught:
            _decide(state, ARCHIVIST, "general_manager")

        assert caught.value.code == "access.one_step_per_person"

    @pytest.mark.parametrize("status", ["approved", "rejected"])
    def test_a_decided_request_is_not_decided_again(self, status: str) -> None:
        """R-AR-06."""
        state = RequestState(status=status, restricted=False, requester_id=CLERK, archivist_id=ARCHIVIST)

        with pytest.raises(AlreadyDecided) as caught:
            _decide(state, OTHER_ARCHIVIST, "archivist")

        assert caught.value.code == "access.already_decided"
        assert isinstance(caught.value, Conflict)

    def test_an_unknown_decision_is_refused(self) -> None:
        """R-AR-06: approve or reject."""

        with pytest.raises(UnknownDecision) as caught:
            _decide(_pending(restricted=False), ARCHIVIST, "archivist", "return", "补充用途")

        assert caught.value.code == "access.unknown_decision"
        assert caught.value.field == "decision"

    @pytest.mark.parametrize(
        "state",
        [
            RequestState(status="lent", restricted=False, requester_id=CLERK),
            RequestState(status="pending", restricted=False, requester_id=CLERK, archivist_id=ARCHIVIST),
        ],
    )
    def test_an_impossible_state_is_a_programming_error(self, state: RequestState) -> None:
        """R-AR-06."""

        with pytest.raises(ValueError):
            _decide(state, OTHER_ARCHIVIST, "archivist")


class TestGrant:
    def test_a_grant_runs_for_the_requested_days(self) -> None:
        """R-AR-06: valid from approval for ``days`` days."""

        assert grant_until(approved_at=APPROVED_AT, days=7) == dt.datetime(2026, 3, 8, 9, 30, tzinfo=TZ)

    def test_a_grant_period_outside_the_limits_is_refused(self) -> None:
        """R-AR-06."""

        with pytest.raises(InvalidDays):
            grant_until(approved_at=APPROVED_AT, days=31)

    def test_a_current_grant_allows_viewing(self) -> None:
        """R-AR-06."""
        valid_until = grant_until(approved_at=APPROVED_AT, days=7)

        check_grant(now=valid_until - dt.timedelta(microseconds=1), valid_until=valid_until)

    def test_no_grant_is_refused(self) -> None:
        """R-AR-06."""

        with pytest.raises(NoGrant) as caught:
            check_grant(now=APPROVED_AT, valid_until=None)

        assert caught.value.code == "access.no_grant"
        assert isinstance(caught.value, PermissionDenied)

    def test_a_grant_has_expired_at_its_end(self) -> None:
        """R-AR-06: [approved_at, valid_until), the message gives the expiry."""
        valid_until = grant_until(approved_at=APPROVED_AT, days=7)

        with pytest.raises(GrantExpired) as caught:
            check_grant(now=valid_until, valid_until=valid_until)

        assert caught.value.code == "access.grant_expired"
        assert isinstance(caught.value, PermissionDenied)
        assert "2026-03-08 09:30" in caught.value.message


# ---- any sequence of decisions (Hypothesis) -------------------------------------------------

ACTORS = (
    (1, "front_desk"),
    (2, "archivist"),
    (3, "archivist"),
    (4, "general_manager"),
    (5, "general_manager"),
    (6, "finance"),
    (7, "auditor"),
    # People standing in for a second role: the only way one person could reach both steps.
    (2, "general_manager"),
    (4, "archivist"),
)
ACTOR_IDS = tuple(sorted({actor_id for actor_id, _ in ACTORS}))
decision_strategy = st.sampled_from(("approve", "approve", "approve", "reject", "return"))
reason_strategy = st.sampled_from((None, "", " 否 ", "用途与档案无关"))


def _expected_error(state: RequestState, actor_id: int, role: str, decision: str, reason: str | None) -> type | None:
    """The refusal R-AR-06 calls for, worked out from the rules as written, in their order."""
    if decision not in DECISIONS:
        return UnknownDecision
    if state.status != "pending":
        return AlreadyDecided
    if decision == "reject" and len((reason or "").strip()) < 2:
        return InvalidReason
    if actor_id == state.requester_id:
        return OwnRequest
    if actor_id == state.archivist_id:
        return OneStepPerPerson
    needed = "archivist" if state.archivist_id is None else "general_manager"
    if role == needed:
        return None
    if needed == "archivist" and role == "general_manager" and state.restricted:
        return OutOfOrder
    return WrongRole


class AccessDecisionMachine(RuleBasedStateMachine):
    state: RequestState
    decisions: list[tuple[int, str, str]]

    @initialize(restricted=st.booleans(), requester=st.sampled_from(ACTOR_IDS))
    def new_request(self, restricted: bool, requester: int) -> None:
        self.state = RequestState(status="pending", restricted=restricted, requester_id=requester)
        self.decisions = []

    @rule(
        actor=st.sampled_from(ACTORS),
        decision=decision_strategy,
        reason=reason_strategy,
    )
    def try_to_decide(self, actor: tuple[int, str], decision: str, reason: str | None) -> None:
        actor_id, role = actor
        before = self.state
        expected = _expected_error(before, actor_id, role, decision, reason)

        try:
            after = decide(state=before, actor_id=actor_id, actor_role=role, decision=decision, reason=reason).state
        except DomainError as refused:
            assert type(refused) is expected, f"expected {expected}, got {refused!r}"
            return

        assert expected is None
        assert before.status == "pending"
        self.state = after
        self.decisions.append((actor_id, role, decision))

    @precondition(lambda self: self.state.status != "pending")
    @rule(restricted=st.booleans(), requester=st.sampled_from(ACTOR_IDS))
    def start_next_request(self, restricted: bool, requester: int) -> None:
        self.new_request(restricted=restricted, requester=requester)

    @invariant()
    def a_restricted_record_is_approved_only_by_an_archivist_and_a_general_manager(self) -> None:
        if self.state.status == "approved" and self.state.restricted:
            assert [(role, decision) for _, role, decision in self.decisions] == [
                ("archivist", "approve"),
                ("general_manager", "approve"),
            ]
            assert self.state.archivist_id is not None and self.state.general_manager_id is not None
            assert self.state.archivist_id != self.state.general_manager_id

    @invariant()
    def an_ordinary_record_is_approved_by_the_archivist_alone(self) -> None:
        if self.state.status == "approved" and not self.state.restricted:
            assert [(role, decision) for _, role, decision in self.decisions] == [("archivist", "approve")]
            assert self.state.general_manager_id is None

    @invariant()
    def the_requester_never_decides(self) -> None:
        deciders = [actor_id for actor_id, _, _ in self.decisions]
        assert self.state.requester_id not in deciders
        assert self.state.requester_id not in (self.state.archivist_id, self.state.general_manager_id)

    @invariant()
    def nothing_is_decided_twice(self) -> None:
        roles = [role for _, role, _ in self.decisions]
        assert len(roles) == len(set(roles)) <= 2
        deciders = [actor_id for actor_id, _, _ in self.decisions]
        assert len(deciders) == len(set(deciders))
        # Nothing follows a rejection or a final approval.
        for index, (_, role, decision) in enumerate(self.decisions[:-1]):
            assert decision == "approve" and role == "archivist" and self.state.restricted, index

    @invariant()
    def the_recorded_deciders_match_the_decisions(self) -> None:
        by_role = {role: actor_id for actor_id, role, _ in self.decisions}
        assert self.state.archivist_id == by_role.get("archivist")
        assert self.state.general_manager_id == by_role.get("general_manager")

    @invariant()
    def pending_exactly_while_an_approval_is_missing(self) -> None:
        assert self.state.status in REQUEST_STATUSES
        if self.state.status == "pending":
            assert all(decision == "approve" for _, _, decision in self.decisions)
            assert len(self.decisions) == (1 if self.state.restricted and self.state.archivist_id else 0)


TestAccessDecisionMachine = AccessDecisionMachine.TestCase
TestAccessDecisionMachine.settings = settings(max_examples=300, stateful_step_count=20, deadline=None)

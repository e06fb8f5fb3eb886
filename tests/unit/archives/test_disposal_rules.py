"""Disposal batches: proposal, approval, destruction before witnesses (R-AR-05)."""

from __future__ import annotations

import pytest

from archives.disposal_rules import (
    DISPOSAL_STATUS_LABELS,
    DISPOSAL_STATUSES,
    WITNESS_ROLES,
    AlreadyDecided,
    AlreadyWitnessed,
    Decision,
    NotApproved,
    UnknownDecision,
    WitnessesRequired,
    WitnessesUnconfirmed,
    WitnessIsExecutor,
    WitnessNotEligible,
    WrongRole,
    check_confirmation,
    check_decision_reason,
    check_execute,
    check_nomination,
    check_witness_roles,
    decide,
)
from crm.common.reasons import InvalidReason
from crm.errors import Conflict, InvalidInput, PermissionDenied
from crm.staff.roles import ROLES


class TestLabels:
    def test_disposal_statuses_have_chinese_labels(self) -> None:
        """R-AR-05: proposed → approved | rejected → executed."""

        assert [DISPOSAL_STATUS_LABELS[s][0] for s in DISPOSAL_STATUSES] == ["待审批", "已批准", "已驳回", "已销毁"]


class TestDecide:
    def test_the_general_manager_approves_a_proposed_batch(self) -> None:
        """R-AR-05: archivist proposes → general manager approves."""

        assert decide(status="proposed", actor_role="general_manager", decision="approve", reason=None) == Decision(
            status="approved", reason=None)

    def test_the_general_manager_rejects_with_a_reason(self) -> None:
        """R-AR-05."""

        decided = decide(status="proposed", actor_role="general_manager", decision="reject", reason="仍在诉讼中")

        assert decided == Decision(status="rejected", reason="仍在诉讼中")

    @pytest.mark.parametrize("role", [r for r in ROLES if r != "general_manager"])
    def test_no_other_role_decides(self, role: str) -> None:
        """R-AR-05: not even the archivist who proposed the batch."""

        with pytest.raises(WrongRole) as caught:
            decide(status="proposed", actor_role=role, decision="approve", reason=None)

        assert caught.value.code == "disposal.wrong_role"
        assert isinstance(caught.value, PermissionDenied)

    @pytest.mark.parametrize("status", ["approved", "rejected", "executed"])
    def test_only_a_proposed_batch_is_decided(self, status: str) -> None:
        """R-AR-05: a batch is decided once."""

        with pytest.raises(AlreadyDecided) as caught:
            decide(status=status, actor_role="general_manager", decision="approve", reason=None)

        assert caught.value.code == "disposal.already_decided"
        assert isinstance(caught.value, Conflict)
        assert DISPOSAL_STATUS_LABELS[status][0] in caught.value.message

    @pytest.mark.parametrize("reason", [None, "", "  ", "否"])
    def test_a_rejection_needs_a_reason(self, reason: str | None) -> None:
        """R-AR-05."""

        with pytest.raises(InvalidReason) as caught:
            decide(status="proposed", actor_role="general_manager", decision="reject", reason=reason)

        assert caught.value.code == "disposal.reason_required"
        assert caught.value.field == "reason"
        assert isinstance(caught.value, InvalidInput)

    def test_a_reason_over_500_characters_is_refused(self) -> None:
        """R-AR-05."""

        with pytest.raises(InvalidReason):
            decide(status="proposed", actor_role="general_manager", decision="reject", reason="否" * 501)

    def test_the_reason_is_stripped_for_the_record(self) -> None:
        """R-AR-05."""

        assert check_decision_reason(decision="reject", reason=" 仍在诉讼中 ") == "仍在诉讼中"
        assert check_decision_reason(decision="approve", reason="  ") is None

    @pytest.mark.parametrize("decision, reason, recorded", [
        ("reject", "  仍在诉讼中，暂缓销毁 \n", "仍在诉讼中，暂缓销毁"),
        ("approve", "  同意销毁 ", "同意销毁"),
        ("approve", "   ", None),
    ])
    def test_the_decision_carries_the_cleaned_reason_to_record(self, decision: str, reason: str, recorded) -> None:
        """R-AR-05: the service stores and audits the reason decide returns, cleaned once here."""

        decided = decide(status="proposed", actor_role="general_manager", decision=decision, reason=reason)

        assert decided.reason == recorded
        assert decided.reason == check_decision_reason(decision=decision, reason=reason)

    def test_an_unknown_decision_is_refused(self) -> None:
        """R-AR-05: approve or reject."""

        with pytest.raises(UnknownDecision) as caught:
            decide(status="proposed", actor_role="general_manager", decision="execute", reason=None)

        assert caught.value.code == "disposal.unknown_decision"

    def test_an_unknown_status_is_a_programming_error(self) -> None:
        """R-AR-05."""

        with pytest.raises(ValueError):
            decide(status="lost", actor_role="general_manager", decision="approve", reason=None)


class TestNomination:
    def test_an_approved_batch_gets_two_witnesses_named(self) -> None:
        """R-AR-05: two witnesses (监销人)."""

        witnesses = check_nomination(status="approved", executor_username="dangan", witnesses=["wang", "li"])

        assert witnesses == ("wang", "li")

    def test_witness_names_are_stripped_lower_cased_and_deduplicated(self) -> None:
        """R-AR-05: the same person typed twice is still one witness."""

        witnesses = check_nomination(
            status="approved", executor_username="dangan", witnesses=[" Wang ", "wang", "", "LI"]
        )

        assert witnesses == ("wang", "li")

    def test_more_than_two_witnesses_are_all_kept(self) -> None:
        """R-AR-05: everyone who watched signs the destruction register."""

        witnesses = check_nomination(status="approved", executor_username="dangan", witnesses=["wang", "li", "zhao"])

        assert witnesses == ("wang", "li", "zhao")

    @pytest.mark.parametrize("status", ["proposed", "rejected", "executed"])
    def test_only_an_approved_batch_gets_witnesses(self, status: str) -> None:
        """R-AR-05: nothing is destroyed any other way."""

        with pytest.raises(NotApproved) as caught:
            check_nomination(status=status, executor_username="dangan", witnesses=["wang", "li"])

        assert caught.value.code == "disposal.not_approved"
        assert isinstance(caught.value, Conflict)

    @pytest.mark.parametrize("witnesses", [[], ["wang"], ["wang", " WANG "], ["wang", "", "  "]])
    def test_fewer_than_two_distinct_witnesses_are_refused(self, witnesses: list[str]) -> None:
        """R-AR-05."""

        with pytest.raises(WitnessesRequired) as caught:
            check_nomination(status="approved", executor_username="dangan", witnesses=witnesses)

        assert caught.value.code == "disposal.witnesses_required"
        assert caught.value.field == "witnesses"
        assert isinstance(caught.value, InvalidInput)

    @pytest.mark.parametrize("witnesses", [["dangan", "wang", "li"], [" Dangan ", "wang"]])
    def test_the_executor_cannot_witness_their_own_destruction(self, witnesses: list[str]) -> None:
        """R-AR-05: a witness watches someone else."""

        with pytest.raises(WitnessIsExecutor) as caught:
            check_nomination(status="approved", executor_username="dangan", witnesses=witnesses)

        assert caught.value.code == "disposal.witness_is_executor"
        assert caught.value.field == "witnesses"
        assert "dangan" in caught.value.message

    def test_a_single_string_is_a_programming_error(self) -> None:
        """R-AR-05: a string would count its letters as witnesses."""

        with pytest.raises(TypeError):
            check_nomination(status="approved", executor_username="dangan", witnesses="wang")


class TestWitnessRoles:
    @pytest.mark.parametrize("role", sorted(WITNESS_ROLES))
    def test_every_business_role_may_witness(self, role: str) -> None:
        """R-AR-05: 监销 by people answerable for the records."""

        check_witness_roles(roles={"wang": role})

    def test_the_login_administrator_may_not(self) -> None:
        """R-AR-05: who makes the logins a confirmation rests on does not stand in for a witness."""

        with pytest.raises(WitnessNotEligible) as caught:
            check_witness_roles(roles={"wang": "finance", "zhou": "sysadmin"})

        assert caught.value.code == "disposal.witness_not_eligible" and caught.value.field == "witnesses"
        assert "zhou" in caught.value.message and "wang" not in caught.value.message
        assert set(ROLES) - WITNESS_ROLES == {"sysadmin"}


class TestConfirmation:
    def test_a_named_witness_confirms_an_approved_batch_once(self) -> None:
        """Issue 14 finding 7: each witness confirms with their own login."""

        check_confirmation(status="approved", confirmed_at=None)

        with pytest.raises(AlreadyWitnessed) as caught:
            check_confirmation(status="approved", confirmed_at="2037-11-22T09:00:00Z")
        assert caught.value.code == "disposal.already_witnessed" and isinstance(caught.value, Conflict)

    @pytest.mark.parametrize("status", ["proposed", "rejected", "executed"])
    def test_only_while_the_batch_waits_to_be_destroyed(self, status: str) -> None:
        """R-AR-05."""

        with pytest.raises(NotApproved):
            check_confirmation(status=status, confirmed_at=None)


class TestExecute:
    def test_an_approved_batch_is_destroyed_once_every_witness_confirmed(self) -> None:
        """Issue 14 finding 7 / R-AR-05: the register's witnesses are the ones who confirmed."""

        witnesses = check_execute(status="approved", executor_username="dangan", witnesses={"wang": True, "li": True})

        assert witnesses == ("wang", "li")

    @pytest.mark.parametrize("witnesses", [{}, {"wang": True}])
    def test_without_two_named_witnesses_nothing_is_destroyed(self, witnesses: dict[str, bool]) -> None:
        """Issue 14 finding 7: typed names are not witnesses; they must be named and confirm first."""

        with pytest.raises(WitnessesUnconfirmed) as caught:
            check_execute(status="approved", executor_username="dangan", witnesses=witnesses)

        assert caught.value.code == "disposal.witnesses_unconfirmed" and isinstance(caught.value, Conflict)

    def test_one_unconfirmed_witness_holds_the_destruction(self) -> None:
        """Issue 14 finding 7: the message names who is still awaited."""

        with pytest.raises(WitnessesUnconfirmed) as caught:
            check_execute(status="approved", executor_username="dangan", witnesses={"wang": True, "li": False})

        assert "li" in caught.value.message and "wang" not in caught.value.message

    def test_a_named_witness_cannot_carry_out_the_destruction(self) -> None:
        """R-AR-05: another archivist named as witness does not execute."""

        with pytest.raises(WitnessIsExecutor):
            check_execute(status="approved", executor_username="wang", witnesses={"wang": True, "li": True})

    @pytest.mark.parametrize("status", ["proposed", "rejected", "executed"])
    def test_only_an_approved_batch_is_destroyed(self, status: str) -> None:
        """R-AR-05: nothing is destroyed any other way."""

        with pytest.raises(NotApproved) as caught:
            check_execute(status=status, executor_username="dangan", witnesses={"wang": True, "li": True})

        assert caught.value.code == "disposal.not_approved"

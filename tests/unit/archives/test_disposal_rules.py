"""Disposal batches: proposal, approval, destruction before witnesses (R-AR-05)."""

from __future__ import annotations

import pytest

from archives.disposal_rules import (
    DISPOSAL_STATUS_LABELS,
    DISPOSAL_STATUSES,
    AlreadyDecided,
    Decision,
    NotApproved,
    UnknownDecision,
    WitnessesRequired,
    WitnessIsExecutor,
    WrongRole,
    check_decision_reason,
    check_execute,
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


class TestExecute:
    def test_an_approved_batch_is_destroyed_before_two_witnesses(self) -> None:
        """R-AR-05: two witnesses (监销人)."""

        witnesses = check_execute(status="approved", executor_username="dangan", witnesses=["wang", "li"])

        assert witnesses == ("wang", "li")

    def test_witness_names_are_stripped_lower_cased_and_deduplicated(self) -> None:
        """R-AR-05: the same person typed twice is still one witness."""

        witnesses = check_execute(
            status="approved", executor_username="dangan", witnesses=[" Wang ", "wang", "", "LI"]
        )

        assert witnesses == ("wang", "li")

    def test_more_than_two_witnesses_are_all_kept(self) -> None:
        """R-AR-05: everyone who watched signs the destruction register."""

        witnesses = check_execute(status="approved", executor_username="dangan", witnesses=["wang", "li", "zhao"])

        assert witnesses == ("wang", "li", "zhao")

    @pytest.mark.parametrize("status", ["proposed", "rejected", "executed"])
    def test_only_an_approved_batch_is_destroyed(self, status: str) -> None:
        """R-AR-05: nothing is destroyed any other way."""

        with pytest.raises(NotApproved) as caught:
            check_execute(status=status, executor_username="dangan", witnesses=["wang", "li"])

        assert caught.value.code == "disposal.not_approved"
        assert isinstance(caught.value, Conflict)

    @pytest.mark.parametrize("witnesses", [[], ["wang"], ["wang", " WANG "], ["wang", "", "  "]])
    def test_fewer_than_two_distinct_witnesses_are_refused(self, witnesses: list[str]) -> None:
        """R-AR-05."""

        with pytest.raises(WitnessesRequired) as caught:
            check_execute(status="approved", executor_username="dangan", witnesses=witnesses)

        assert caught.value.code == "disposal.witnesses_required"
        assert caught.value.field == "witnesses"
        assert isinstance(caught.value, InvalidInput)

    @pytest.mark.parametrize("witnesses", [["dangan", "wang", "li"], [" Dangan ", "wang"]])
    def test_the_executor_cannot_witness_their_own_destruction(self, witnesses: list[str]) -> None:
        """R-AR-05: a witness watches someone else."""

        with pytest.raises(WitnessIsExecutor) as caught:
            check_execute(status="approved", executor_username="dangan", witnesses=witnesses)

        assert caught.value.code == "disposal.witness_is_executor"
        assert caught.value.field == "witnesses"
        assert "dangan" in caught.value.message

    def test_a_single_string_is_a_programming_error(self) -> None:
        """R-AR-05: a string would count its letters as witnesses."""

        with pytest.raises(TypeError):
            check_execute(status="approved", executor_username="dangan", witnesses="wang")

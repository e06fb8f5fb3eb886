"""Handing contracts over to the archive (R-AR-01, R-AR-02)."""

from __future__ import annotations

import pytest

from archives.handover_rules import (
    ARCHIVABLE_CONTRACT_STATUSES,
    HANDOVER_STATUS_LABELS,
    HANDOVER_STATUSES,
    MAX_BATCH,
    AlreadyArchived,
    AlreadyDecided,
    EmptyBatch,
    InvalidContractNo,
    NotArchivable,
    TooManyInBatch,
    check_archivable,
    check_batch,
    check_decidable,
    check_return_reason,
)
from contracts.lifecycle import STATUSES as CONTRACT_STATUSES
from crm.common.reasons import InvalidReason
from crm.errors import Conflict, InvalidInput


class TestLabels:
    def test_handover_statuses_have_chinese_labels(self) -> None:
        """R-AR-02: 待接收, 已接收, 已退回."""

        chinese = [HANDOVER_STATUS_LABELS[s][0] for s in HANDOVER_STATUSES]

        assert chinese == ["待接收", "已接收", "已退回"]


class TestArchivable:
    @pytest.mark.parametrize("status", ARCHIVABLE_CONTRACT_STATUSES)
    def test_fulfilled_and_terminated_contracts_may_be_archived(self, status: str) -> None:
        """R-AR-01: 履行完毕或不再履行的合同."""

        check_archivable(contract_no="HT-SCB-2026-00001", status=status)

    @pytest.mark.parametrize(
        "status", [s for s in CONTRACT_STATUSES if s not in ("fulfilled", "terminated", "archived")]
    )
    def test_an_unfinished_contract_is_refused(self, status: str) -> None:
        """R-AR-01: an active contract may still change, so it stays with the front desk."""

        with pytest.raises(NotArchivable) as caught:
            check_archivable(contract_no="HT-SCB-2026-00001", status=status)

        assert caught.value.code == "handover.contract_not_finished"
        assert isinstance(caught.value, Conflict)
        assert "HT-SCB-2026-00001" in caught.value.message

    def test_the_message_names_the_contract_status(self) -> None:
        """R-AR-01."""

        with pytest.raises(NotArchivable) as caught:
            check_archivable(contract_no="HT-SCB-2026-00001", status="active")

        assert "履行中" in caught.value.message and "active" in caught.value.message

    def test_an_archived_contract_cannot_be_handed_over_again(self) -> None:
        """R-AR-01, R-AR-04: one contract, one archive record."""

        with pytest.raises(AlreadyArchived) as caught:
            check_archivable(contract_no="HT-SCB-2026-00001", status="archived")

        assert caught.value.code == "handover.already_archived"
        assert isinstance(caught.value, NotArchivable)


class TestDecidable:
    def test_a_submitted_batch_can_be_decided(self) -> None:
        """R-AR-02."""

        check_decidable(status="submitted")

    @pytest.mark.parametrize("status", ["accepted", "returned"])
    def test_a_decided_batch_cannot_be_decided_again(self, status: str) -> None:
        """R-AR-02: a second acceptance of the same batch is a conflict."""

        with pytest.raises(AlreadyDecided) as caught:
            check_decidable(status=status)

        assert caught.value.code == "handover.already_decided"
        assert isinstance(caught.value, Conflict)
        assert HANDOVER_STATUS_LABELS[status][0] in caught.value.message

    def test_an_unknown_status_is_a_programming_error(self) -> None:
        """R-AR-02."""

        with pytest.raises(ValueError):
            check_decidable(status="lost")


class TestReturnReason:
    def test_the_reason_is_stripped(self) -> None:
        """R-AR-02: the front desk learns what to fix."""

        assert check_return_reason(reason="  缺少竣工图纸  ") == "缺少竣工图纸"

    @pytest.mark.parametrize("reason", [None, "", "   ", "缺"])
    def test_a_missing_or_one_character_reason_is_refused(self, reason: str | None) -> None:
        """R-AR-02."""

        with pytest.raises(InvalidReason) as caught:
            check_return_reason(reason=reason)

        assert caught.value.code == "handover.reason_required"
        assert caught.value.field == "reason"
        assert isinstance(caught.value, InvalidInput)

    def test_two_and_five_hundred_characters_are_the_bounds(self) -> None:
        """R-AR-02: 2..500 characters."""

        assert check_return_reason(reason="缺图") == "缺图"
        assert check_return_reason(reason="图" * 500) == "图" * 500
        with pytest.raises(InvalidReason) as caught:
            check_return_reason(reason="图" * 501)

        assert caught.value.code == "handover.reason_too_long"
        assert caught.value.field == "reason"


class TestBatch:
    def test_numbers_are_stripped_and_deduplicated_in_order(self) -> None:
        """R-AR-02: a list pasted twice or with padding is still one list."""

        cleaned = check_batch(contract_nos=[" HT-SCB-2026-00002 ", "HT-SCB-2026-00001", "HT-SCB-2026-00002"])

        assert cleaned == ("HT-SCB-2026-00002", "HT-SCB-2026-00001")

    def test_blank_lines_are_dropped(self) -> None:
        """R-AR-02: a trailing empty row of a spreadsheet."""

        assert check_batch(contract_nos=["HT-SCB-2026-00001", "", "  "]) == ("HT-SCB-2026-00001",)

    def test_full_width_and_lower_case_numbers_are_folded(self) -> None:
        """R-AR-02: typed through a Chinese IME."""

        assert check_batch(contract_nos=["ｈｔ－ＳＣＢ－２０２６－０００１", "ht-scb-2026-0001"]) == ("HT-SCB-2026-0001",)

    @pytest.mark.parametrize("contract_nos", [[], [""], ["  ", "\t"]])
    def test_an_empty_batch_is_refused(self, contract_nos: list[str]) -> None:
        """R-AR-02."""

        with pytest.raises(EmptyBatch) as caught:
            check_batch(contract_nos=contract_nos)

        assert caught.value.code == "handover.empty"
        assert caught.value.field == "contract_nos"
        assert isinstance(caught.value, InvalidInput)

    def test_exactly_the_maximum_is_accepted(self) -> None:
        """R-AR-02: at most 200 contracts per batch."""

        cleaned = check_batch(contract_nos=[f"HT-SCB-2026-{n:05d}" for n in range(MAX_BATCH)])

        assert len(cleaned) == MAX_BATCH == 200

    def test_one_more_than_the_maximum_is_refused(self) -> None:
        """R-AR-02."""

        with pytest.raises(TooManyInBatch) as caught:
            check_batch(contract_nos=[f"HT-SCB-2026-{n:05d}" for n in range(MAX_BATCH + 1)])

        assert caught.value.code == "handover.too_many"
        assert caught.value.field == "contract_nos"
        assert "201" in caught.value.message

    def test_duplicates_do_not_count_towards_the_maximum(self) -> None:
        """R-AR-02."""

        numbers = [f"HT-SCB-2026-{n:05d}" for n in range(MAX_BATCH)]

        assert len(check_batch(contract_nos=numbers + numbers)) == MAX_BATCH

    @pytest.mark.parametrize("number", ["HT" + "-1" * 40, "HT-\x00-1"])
    def test_an_absurd_number_is_refused(self, number: str) -> None:
        """R-AR-02."""

        with pytest.raises(InvalidContractNo) as caught:
            check_batch(contract_nos=[number])

        assert caught.value.code == "handover.invalid_contract_no"

    def test_a_single_string_is_a_programming_error(self) -> None:
        """R-AR-02: a string is a sequence of characters, not of contract numbers."""

        with pytest.raises(TypeError):
            check_batch(contract_nos="HT-SCB-2026-00001")

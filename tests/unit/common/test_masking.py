"""Masked display of personal data (R-PM-02)."""

from __future__ import annotations

import pytest

from crm.common.masking import (
    mask_address_detail,
    mask_bank_account,
    mask_id_number,
    mask_phone,
    mask_value,
)


class TestMaskIdNumber:
    def test_resident_id_keeps_first_three_and_last_four(self) -> None:
        """R-PM-02: the shape shown in the specification."""

        masked = mask_id_number("310104199001011234")

        assert masked == "310***********1234"

    def test_credit_code_keeps_the_same_length(self) -> None:
        """R-PM-02: masked values keep their length so layouts do not shift."""

        masked = mask_id_number("91350100M000100Y43")

        assert masked == "913***********0Y43"

    @pytest.mark.parametrize("value", ["1234567", "12", ""])
    def test_short_legacy_values_are_hidden_entirely(self, value: str) -> None:
        """R-PM-02: keeping 3 + 4 characters of a short value would show nearly all of it."""

        masked = mask_id_number(value)

        assert masked == "*" * len(value)


class TestMaskPhone:
    def test_mobile_keeps_first_three_and_last_four(self) -> None:
        """R-PM-02: 138****5678."""

        masked = mask_phone("13812345678")

        assert masked == "138****5678"

    def test_landline_keeps_area_code_and_last_four(self) -> None:
        """R-PM-02: 021-****5678."""

        masked = mask_phone("021-12345678")

        assert masked == "021-****5678"

    def test_landline_extension_is_hidden(self) -> None:
        """R-PM-02: the extension narrows down a person; hide it."""

        masked = mask_phone("0571-8888666-123")

        assert masked == "0571-***8666-***"

    def test_non_canonical_input_is_masked_after_normalising(self) -> None:
        """R-PM-02: however the number was stored, the mask looks the same."""

        masked = mask_phone("+86 138 1234 5678")

        assert masked == "138****5678"

    @pytest.mark.parametrize(
        ("value", "masked"),
        [("12345678", "****5678"), ("1234", "****"), ("garbage", "*******"), ("4008208820", "******8820")],
    )
    def test_malformed_values_are_masked_without_error(self, value: str, masked: str) -> None:
        """R-PM-02: a legacy value must never crash a page or be shown in full."""

        result = mask_phone(value)

        assert result == masked


class TestMaskAddressDetail:
    def test_keeps_the_first_two_characters(self) -> None:
        """R-PM-02: 幸福小区3栋 -> 幸福 + asterisks."""

        masked = mask_address_detail("幸福小区3栋")

        assert masked == "幸福****"

    def test_short_detail_still_gets_three_asterisks(self) -> None:
        """R-PM-02: at least 3 asterisks so the length of short values is not obvious."""

        masked = mask_address_detail("幸福里")

        assert masked == "幸福***"

    @pytest.mark.parametrize(("value", "masked"), [("幸福", "幸***"), ("幸", "***")])
    def test_two_characters_or_fewer_are_never_shown_in_full(self, value: str, masked: str) -> None:
        """R-PM-02: more hidden, never less."""

        result = mask_address_detail(value)

        assert result == masked


class TestMaskBankAccount:
    @pytest.mark.parametrize("value", ["6222021234567890123", "6222 0212 3456 7890 123"])
    def test_only_the_last_four_digits_show(self, value: str) -> None:
        """R-PM-02: **** **** **** 0123."""

        masked = mask_bank_account(value)

        assert masked == "**** **** **** 0123"

    def test_four_digits_or_fewer_are_hidden_entirely(self) -> None:
        """R-PM-02: a 4-digit value would otherwise be shown in full."""

        masked = mask_bank_account("1234")

        assert masked == "**** **** **** ****"


class TestMaskValue:
    @pytest.mark.parametrize(
        ("kind", "value", "masked"),
        [
            ("id_number", "310104199001011234", "310***********1234"),
            ("phone", "13812345678", "138****5678"),
            ("contact_phone", "13812345678", "138****5678"),
            ("address_detail", "幸福小区", "幸福***"),
            ("bank_account", "6222021234567890123", "**** **** **** 0123"),
        ],
    )
    def test_dispatches_on_kind(self, kind: str, value: str, masked: str) -> None:
        """R-PM-02: one entry point for pages, PDFs and history."""

        result = mask_value(kind=kind, value=value)

        assert result == masked

    @pytest.mark.parametrize("value", [None, ""])
    def test_missing_values_pass_through(self, value: str | None) -> None:
        """R-PM-02: "not recorded" must stay distinguishable from "hidden"."""

        result = mask_value(kind="phone", value=value)

        assert result == value

    def test_unknown_kind_is_a_programming_error(self) -> None:
        """R-PM-02: an unknown kind must not silently show the value."""

        with pytest.raises(ValueError):
            mask_value(kind="name", value="张三")

"""Account numbers, 户号 (R-AC-09)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from crm.accounts.account_numbers import (
    InvalidAccountNumber,
    damm_check_digit,
    is_valid_account_no,
    make_account_no,
    validate_account_no,
)

SAMPLES = (
    make_account_no(branch_no=1, sequence=1),
    make_account_no(branch_no=12, sequence=34_567_890),
    make_account_no(branch_no=99, sequence=99_999_999),
)

branch_numbers = st.integers(min_value=1, max_value=99)
sequences = st.integers(min_value=1, max_value=99_999_999)


class TestDammCheckDigit:
    def test_published_example_572_gives_4(self) -> None:
        """R-AC-09: the worked example from the Damm algorithm's description."""

        digit = damm_check_digit("572")

        assert digit == "4"

    def test_non_digits_are_a_programming_error(self) -> None:
        """R-AC-09: only digits have a Damm check digit."""

        with pytest.raises(ValueError):
            damm_check_digit("12a")


class TestMakeAccountNo:
    def test_layout_is_branch_then_sequence_then_check_digit(self) -> None:
        """R-AC-09: 2-digit branch + 8-digit sequence + 1 check digit."""

        number = make_account_no(branch_no=3, sequence=42)

        assert number[:10] == "0300000042"
        assert len(number) == 11
        assert number[10] == damm_check_digit("0300000042")

    @pytest.mark.parametrize(
        ("branch_no", "sequence"),
        [(0, 1), (100, 1), (1, 0), (1, 100_000_000), (-1, 5), (True, 5)],
    )
    def test_out_of_range_parts_raise_value_error(self, branch_no: int, sequence: int) -> None:
        """R-AC-09: numbers outside the layout cannot be issued."""

        with pytest.raises(ValueError):
            make_account_no(branch_no=branch_no, sequence=sequence)

    @given(branch_no=branch_numbers, sequence=sequences)
    def test_every_issued_number_validates(self, branch_no: int, sequence: int) -> None:
        """R-AC-09: what we issue, we accept."""

        number = make_account_no(branch_no=branch_no, sequence=sequence)

        assert validate_account_no(number) == number


class TestTypingErrorsAreCaught:
    @pytest.mark.parametrize("number", SAMPLES)
    def test_every_single_digit_substitution_is_caught(self, number: str) -> None:
        """R-AC-09: all 10 x 10 wrong digits of a sample are refused."""
        variants = [
            number[:i] + d + number[i + 1 :] for i in range(len(number)) for d in "0123456789" if d != number[i]
        ]

        accepted = [v for v in variants if is_valid_account_no(v)]

        assert accepted == []

    @pytest.mark.parametrize("number", SAMPLES)
    def test_every_adjacent_transposition_is_caught(self, number: str) -> None:
        """R-AC-09: swapping two neighbouring different digits is refused."""
        variants = [
            number[:i] + number[i + 1] + number[i] + number[i + 2 :]
            for i in range(len(number) - 1)
            if number[i] != number[i + 1]
        ]

        accepted = [v for v in variants if is_valid_account_no(v)]

        assert accepted == []

    @given(
        branch_no=branch_numbers,
        sequence=sequences,
        position=st.integers(min_value=0, max_value=10),
        shift=st.integers(min_value=1, max_value=9),
    )
    def test_any_single_digit_error_is_caught(self, branch_no: int, sequence: int, position: int, shift: int) -> None:
        """R-AC-09: property form of the substitution guarantee."""
        number = make_account_no(branch_no=branch_no, sequence=sequence)
        wrong = str((int(number[position]) + shift) % 10)
        typo = number[:position] + wrong + number[position + 1 :]

        valid = is_valid_account_no(typo)

        assert not valid

    @given(branch_no=branch_numbers, sequence=sequences, position=st.integers(min_value=0, max_value=9))
    def test_any_adjacent_transposition_is_caught(self, branch_no: int, sequence: int, position: int) -> None:
        """R-AC-09: property form of the transposition guarantee."""
        number = make_account_no(branch_no=branch_no, sequence=sequence)
        swapped = number[:position] + number[position + 1] + number[position] + number[position + 2 :]

        valid = is_valid_account_no(swapped)

        assert valid == (swapped == number)


class TestValidateAccountNo:
    def test_spaces_and_dashes_are_removed(self) -> None:
        """R-AC-09: numbers copied from a bill keep their grouping."""
        number = SAMPLES[1]
        typed = f"{number[:2]}-{number[2:6]} {number[6:10]}-{number[10]}"

        result = validate_account_no(typed)

        assert result == number

    def test_full_width_digits_are_accepted(self) -> None:
        """R-AC-09: full-width digits typed through an IME mean the same number."""
        number = SAMPLES[1]
        typed = "".join(chr(ord(d) + 0xFEE0) for d in number)

        result = validate_account_no(typed)

        assert result == number

    def test_mistyped_number_explains_a_digit_was_probably_mistyped(self) -> None:
        """R-AC-09: the message tells the clerk what probably went wrong."""
        number = SAMPLES[1]
        typo = number[:4] + str((int(number[4]) + 1) % 10) + number[5:]

        with pytest.raises(InvalidAccountNumber) as caught:
            validate_account_no(typo)

        assert "输错" in caught.value.message
        assert caught.value.code == "customer.invalid_account_no"
        assert caught.value.field == "account_no"

    @pytest.mark.parametrize("value", ["", "1234567890", "123456789012", "1234567890a", "１２３４５６７８９０"])
    def test_wrong_shape_is_refused(self, value: str) -> None:
        """R-AC-09: exactly 11 ASCII digits."""

        with pytest.raises(InvalidAccountNumber) as caught:
            validate_account_no(value)

        assert "11" in caught.value.message

    def test_branch_zero_is_refused_even_with_a_fitting_check_digit(self) -> None:
        """R-AC-09: branch 00 is never issued."""
        body = "0012345678"

        valid = is_valid_account_no(body + damm_check_digit(body))

        assert not valid

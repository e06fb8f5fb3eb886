"""Identity numbers (R-AC-01)."""

from __future__ import annotations

import pytest

from crm.accounts.identity import (
    CREDIT_CODE_CHARSET,
    InvalidIdNumber,
    InvalidIdType,
    validate_credit_code,
    validate_identity,
    validate_resident_id,
)
from crm.errors import InvalidInput

GB11643_EXAMPLE = "11010519491231002X"
# Published codes: the GB 32100-2015 example, and two well-known companies' registrations.
GB32100_EXAMPLE = "91350100M000100Y43"
PUBLISHED_CREDIT_CODES = (GB32100_EXAMPLE, "914403001922038216", "91440300708461136T")
RESIDENT_DIGITS = "0123456789"


def _single_character_changes(value: str, alphabet: str):
    for position, original in enumerate(value):
        for replacement in alphabet:
            if replacement != original:
                yield value[:position] + replacement + value[position + 1 :]


class TestResidentId:
    def test_standard_example_is_accepted(self) -> None:
        """R-AC-01: the example printed in GB 11643-1999 passes."""

        result = validate_resident_id(GB11643_EXAMPLE)

        assert result == GB11643_EXAMPLE

    @pytest.mark.parametrize("value", ["110101199003074477", "11010119900307803X", "440524198001010013"])
    def test_other_valid_numbers_are_accepted(self, value: str) -> None:
        """R-AC-01: numbers whose check digit is right pass."""

        result = validate_resident_id(value)

        assert result == value

    def test_lower_case_x_and_surrounding_spaces_are_normalised(self) -> None:
        """R-AC-01: clerks type a lower-case x; the stored form is upper-case."""

        result = validate_resident_id("  11010519491231002x ")

        assert result == GB11643_EXAMPLE

    def test_full_width_digits_from_an_ime_are_normalised(self) -> None:
        """R-AC-01: full-width input means the same number."""

        result = validate_resident_id("１１０１０５１９４９１２３１００２Ｘ")

        assert result == GB11643_EXAMPLE

    def test_every_single_character_change_is_refused(self) -> None:
        """R-AC-01: MOD 11-2 catches every single-character typo."""
        variants = list(_single_character_changes(GB11643_EXAMPLE, RESIDENT_DIGITS + "X"))

        accepted = [v for v in variants if _accepts(validate_resident_id, v)]

        assert accepted == []

    def test_wrong_check_digit_says_so(self) -> None:
        """R-AC-01: a wrong check digit gets its own message."""

        with pytest.raises(InvalidIdNumber) as caught:
            validate_resident_id("110105194912310021")

        assert "校验位" in caught.value.message
        assert caught.value.code == "customer.invalid_id_number"
        assert caught.value.field == "id_number"

    @pytest.mark.parametrize("value", ["11010519491231002", "11010519491231002XX", ""])
    def test_wrong_length_says_how_long_it_was(self, value: str) -> None:
        """R-AC-01: a wrong length gets its own message."""

        with pytest.raises(InvalidIdNumber) as caught:
            validate_resident_id(value)

        assert f"{len(value)} 位" in caught.value.message

    @pytest.mark.parametrize(
        "birth",
        ["19490229", "19491301", "19491200", "18991231", "20230231"],
        ids=["not-a-leap-year", "month-13", "day-0", "before-1900", "feb-31"],
    )
    def test_impossible_birth_date_is_refused(self, birth: str) -> None:
        """R-AC-01: the birth date must be a real calendar date from 1900 on."""
        body = "110105" + birth + "002"
        number = body + _resident_check(body)

        with pytest.raises(InvalidIdNumber) as caught:
            validate_resident_id(number)

        assert "出生日期" in caught.value.message

    def test_historic_1880_example_is_refused_for_its_birth_year(self) -> None:
        """R-AC-01: the old 1880 example has a right check digit but a birth year before 1900."""

        with pytest.raises(InvalidIdNumber) as caught:
            validate_resident_id("440524188001010014")

        assert "出生日期" in caught.value.message

    def test_unknown_region_is_refused(self) -> None:
        """R-AC-01: the first two digits must be a province code."""
        body = "991005" + "19491231" + "002"
        number = body + _resident_check(body)

        with pytest.raises(InvalidIdNumber) as caught:
            validate_resident_id(number)

        assert "地区码" in caught.value.message

    def test_letter_inside_the_digits_is_refused(self) -> None:
        """R-AC-01: only the last character may be X."""

        with pytest.raises(InvalidIdNumber) as caught:
            validate_resident_id("1101051949123100X2")

        assert "17" in caught.value.message

    def test_custom_field_name_is_reported(self) -> None:
        """R-AC-01: callers validating another field get that field back."""

        with pytest.raises(InvalidIdNumber) as caught:
            validate_resident_id("123", field="contact_id")

        assert caught.value.field == "contact_id"


class TestCreditCode:
    @pytest.mark.parametrize("value", PUBLISHED_CREDIT_CODES)
    def test_published_codes_are_accepted(self, value: str) -> None:
        """R-AC-01: published GB 32100 codes pass."""

        result = validate_credit_code(value)

        assert result == value

    def test_lower_case_and_spaces_are_normalised(self) -> None:
        """R-AC-01: the stored form is upper-case without surrounding spaces."""

        result = validate_credit_code(" 91350100m000100y43 ")

        assert result == GB32100_EXAMPLE

    @pytest.mark.parametrize("value", PUBLISHED_CREDIT_CODES)
    def test_every_single_character_change_is_refused(self, value: str) -> None:
        """R-AC-01: the mod-31 check catches every single-character typo."""
        variants = list(_single_character_changes(value, CREDIT_CODE_CHARSET + "IOZSV"))

        accepted = [v for v in variants if _accepts(validate_credit_code, v)]

        assert accepted == []

    def test_letters_the_standard_never_uses_are_named(self) -> None:
        """R-AC-01: I, O, Z, S, V are not part of the alphabet."""

        with pytest.raises(InvalidIdNumber) as caught:
            validate_credit_code("91350100M000100O43")

        assert "O" in caught.value.message
        assert caught.value.code == "customer.invalid_id_number"

    def test_wrong_length_is_refused(self) -> None:
        """R-AC-01: a credit code has exactly 18 characters."""

        with pytest.raises(InvalidIdNumber) as caught:
            validate_credit_code("91350100M000100Y4")

        assert "17 位" in caught.value.message

    def test_wrong_check_character_says_so(self) -> None:
        """R-AC-01: a wrong check character gets its own message."""

        with pytest.raises(InvalidIdNumber) as caught:
            validate_credit_code("91350100M000100Y44")

        assert "校验位" in caught.value.message
        assert caught.value.field == "id_number"


class TestValidateIdentity:
    def test_resident_id_type_uses_the_resident_rules(self) -> None:
        """R-AC-01: individuals register with a resident ID."""

        result = validate_identity(id_type="resident_id", value="11010519491231002x")

        assert result == GB11643_EXAMPLE

    def test_credit_code_type_uses_the_credit_code_rules(self) -> None:
        """R-AC-01: organisations register with a credit code."""

        result = validate_identity(id_type="credit_code", value=GB32100_EXAMPLE)

        assert result == GB32100_EXAMPLE

    def test_a_resident_id_is_not_accepted_as_a_credit_code(self) -> None:
        """R-AC-01: the number is checked against the declared type."""

        with pytest.raises(InvalidIdNumber):
            validate_identity(id_type="credit_code", value=GB11643_EXAMPLE)

    def test_unknown_type_is_refused_on_the_type_field(self) -> None:
        """R-AC-01: only the two documents are accepted."""

        with pytest.raises(InvalidInput) as caught:
            validate_identity(id_type="passport", value="E12345678")

        assert isinstance(caught.value, InvalidIdType)
        assert caught.value.code == "customer.invalid_id_type"
        assert caught.value.field == "id_type"


def _accepts(validator, value: str) -> bool:
    try:
        validator(value)
    except InvalidIdNumber:
        return False
    return True


def _resident_check(body: str) -> str:
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    return "10X98765432"[sum(int(d) * w for d, w in zip(body, weights)) % 11]

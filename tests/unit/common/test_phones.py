"""Customer phone numbers (R-AC-01, R-AC-03, R-AC-06: one canonical form per number)."""

from __future__ import annotations

import pytest

from crm.common.phones import InvalidPhone, normalise_phone


class TestMobiles:
    @pytest.mark.parametrize(
        "typed",
        [
            "13812345678",
            " 138 1234 5678 ",
            "138-1234-5678",
            "+86 138 1234 5678",
            "+8613812345678",
            "8613812345678",
            "0086 138 1234 5678",
            "１３８１２３４５６７８",
        ],
    )
    def test_every_common_spelling_gives_eleven_digits(self, typed: str) -> None:
        """R-AC-06: the same mobile typed differently is one value, so duplicates are found."""

        result = normalise_phone(typed)

        assert result == "13812345678"

    @pytest.mark.parametrize("typed", ["13012345678", "15912345678", "19912345678"])
    def test_prefixes_13_to_19_are_accepted(self, typed: str) -> None:
        """R-AC-01: all current mobile ranges."""

        result = normalise_phone(typed)

        assert result == typed

    @pytest.mark.parametrize("typed", ["12812345678", "1381234567", "138123456789"])
    def test_wrong_prefix_or_length_is_refused(self, typed: str) -> None:
        """R-AC-01: a mobile is 11 digits starting 13-19."""

        with pytest.raises(InvalidPhone) as caught:
            normalise_phone(typed)

        assert caught.value.code == "customer.invalid_phone"

    def test_mobile_with_an_extension_is_refused(self) -> None:
        """Mobiles have no extensions; the extra digits are a typo."""

        with pytest.raises(InvalidPhone) as caught:
            normalise_phone("13812345678 转 12")

        assert "分机" in caught.value.message


class TestLandlines:
    @pytest.mark.parametrize(
        ("typed", "expected"),
        [
            ("021-12345678", "021-12345678"),
            ("02112345678", "021-12345678"),
            ("(021) 1234 5678", "021-12345678"),
            ("0571 8888 6666", "0571-88886666"),
            ("0571-8888-6666", "0571-88886666"),
            ("0755-2345678", "0755-2345678"),
            ("010-88886666", "010-88886666"),
            ("+86 21 1234 5678", "021-12345678"),
            ("０２１－１２３４５６７８", "021-12345678"),
        ],
    )
    def test_area_code_and_local_number_are_joined_by_one_dash(self, typed: str, expected: str) -> None:
        """R-AC-06: landlines have one canonical form."""

        result = normalise_phone(typed)

        assert result == expected

    @pytest.mark.parametrize(
        "typed", ["021-12345678-123", "021 12345678 转 123", "021-12345678 ext. 123", "02112345678#123"]
    )
    def test_extension_is_kept_after_a_second_dash(self, typed: str) -> None:
        """An extension reaches the right desk of a collective customer's office."""

        result = normalise_phone(typed)

        assert result == "021-12345678-123"

    @pytest.mark.parametrize("typed", ["021-1234567", "010-8888666", "0571-888866"])
    def test_local_number_of_wrong_length_is_refused(self, typed: str) -> None:
        """3-digit area codes take 8-digit numbers; 4-digit ones 7 or 8."""

        with pytest.raises(InvalidPhone):
            normalise_phone(typed)

    def test_landline_without_area_code_asks_for_one(self) -> None:
        """A bare local number cannot be dialled from another city."""

        with pytest.raises(InvalidPhone) as caught:
            normalise_phone("88886666")

        assert "区号" in caught.value.message

    def test_overlong_extension_is_refused(self) -> None:
        """Extensions have at most 6 digits."""

        with pytest.raises(InvalidPhone) as caught:
            normalise_phone("021-12345678-1234567")

        assert "分机" in caught.value.message


class TestRefusedNumbers:
    @pytest.mark.parametrize("typed", ["400-820-8820", "4008208820", "800-810-8888", "95588", "95105888"])
    def test_service_hotlines_are_not_customer_phones(self, typed: str) -> None:
        """A company hotline cannot reach the customer personally."""

        with pytest.raises(InvalidPhone) as caught:
            normalise_phone(typed)

        assert "服务热线" in caught.value.message

    def test_foreign_numbers_are_refused(self) -> None:
        """Only mainland numbers can receive the company's notices."""

        with pytest.raises(InvalidPhone) as caught:
            normalise_phone("+1 415 555 1234")

        assert "+86" in caught.value.message

    @pytest.mark.parametrize("typed", ["abc", "138.1234.5678", "138/1234/5678"])
    def test_letters_and_other_punctuation_are_refused(self, typed: str) -> None:
        """Only digits, spaces, dashes and +86."""

        with pytest.raises(InvalidPhone) as caught:
            normalise_phone(typed)

        assert "只能包含" in caught.value.message

    @pytest.mark.parametrize("typed", ["", "   "])
    def test_blank_is_refused(self, typed: str) -> None:
        """An empty phone is not a phone."""

        with pytest.raises(InvalidPhone) as caught:
            normalise_phone(typed)

        assert caught.value.field == "phone"

    def test_field_name_is_passed_through(self) -> None:
        """The contact phone reports errors on its own field."""

        with pytest.raises(InvalidPhone) as caught:
            normalise_phone("123", field="contact_phone")

        assert caught.value.field == "contact_phone"

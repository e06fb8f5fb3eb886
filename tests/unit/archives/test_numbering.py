"""Archive numbers in the DA/T 22-2015 shape (R-AR-03)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from archives.numbering import (
    DOT,
    DOT_LOOKALIKES,
    RETENTION_CODES,
    ArchiveNumber,
    InvalidArchiveCodes,
    InvalidArchiveNumber,
    check_codes,
    counter_key,
    next_number,
    parse_archive_no,
)
from crm.common.fields import InvalidFields
from crm.errors import InvalidInput

EXAMPLE = ArchiveNumber(fonds="Z001", category="HT", year=2026, retention="D30", department="SCB", item=7)
EXAMPLE_TEXT = "Z001-HT·2026-D30-SCB-0007"
SEQUENCE = {"fonds": "Z001", "category": "HT", "year": 2026, "retention": "D30", "department": "SCB"}


def _refusal(text: str) -> InvalidArchiveNumber:
    with pytest.raises(InvalidArchiveNumber) as caught:
        parse_archive_no(text=text)
    return caught.value


def _codes_errors(**overrides: object) -> dict[str, str]:
    arguments: dict[str, object] = {"fonds": "Z001", "category": "HT", "department": "SCB"}
    arguments.update(overrides)
    with pytest.raises(InvalidArchiveCodes) as caught:
        check_codes(**arguments)  # type: ignore[arg-type]
    return {error.field: error.code for error in caught.value.errors}


class TestFormatting:
    def test_the_spec_example_formats_canonically(self) -> None:
        """R-AR-03: Z001-HT·2026-D30-SCB-0007 with a middle dot U+00B7."""

        text = str(EXAMPLE)

        assert text == EXAMPLE_TEXT
        assert text[7] == "\u00b7" == DOT

    def test_item_is_zero_padded_to_four_digits(self) -> None:
        """R-AR-03: 件号 0001."""

        first = ArchiveNumber(fonds="0001", category="WS", year=2026, retention="Y", department="001", item=1)

        assert str(first) == "0001-WS·2026-Y-001-0001"

    def test_item_grows_wider_after_9999(self) -> None:
        """R-AR-03: the sequence never wraps or reuses a number."""

        wide = ArchiveNumber(fonds="Z001", category="HT", year=2026, retention="D10", department="SCB", item=12345)

        assert str(wide) == "Z001-HT·2026-D10-SCB-12345"

    def test_numbers_sort_in_catalogue_order(self) -> None:
        """R-AR-03: fonds, category, year, retention, department, then item."""

        numbers = [
            ArchiveNumber("Z001", "HT", 2026, "D30", "SCB", 10),
            ArchiveNumber("Z001", "HT", 2025, "D30", "SCB", 99),
            ArchiveNumber("Z001", "HT", 2026, "D30", "SCB", 9),
        ]

        assert [n.item for n in sorted(numbers)] == [99, 9, 10]

    def test_an_archive_number_is_immutable(self) -> None:
        """R-AR-04: accepted records never change."""

        with pytest.raises(AttributeError):
            EXAMPLE.item = 8  # type: ignore[misc]


class TestParsing:
    def test_the_canonical_text_parses(self) -> None:
        """R-AR-03."""

        parsed = parse_archive_no(text=EXAMPLE_TEXT)

        assert parsed == EXAMPLE

    @pytest.mark.parametrize("dot", DOT_LOOKALIKES)
    def test_every_look_alike_dot_is_accepted(self, dot: str) -> None:
        """R-AR-03: ・ • ‧ ･ and a plain full stop mean the middle dot."""

        parsed = parse_archive_no(text=f"Z001-HT{dot}2026-D30-SCB-0007")

        assert parsed == EXAMPLE
        assert str(parsed) == EXAMPLE_TEXT

    def test_the_look_alikes_are_the_ones_people_type(self) -> None:
        """R-AR-03: katakana, bullet, hyphenation point, half-width katakana, full stop."""

        assert set(DOT_LOOKALIKES) == {"\u30fb", "\u2022", "\u2027", "\uff65", "."}

    def test_surrounding_whitespace_and_lower_case_are_forgiven(self) -> None:
        """R-AR-03: pasted from a spreadsheet cell, typed in lower case."""

        parsed = parse_archive_no(text="  z001-ht·2026-d30-scb-0007\t\n")

        assert parsed == EXAMPLE

    def test_full_width_characters_from_an_ime_are_forgiven(self) -> None:
        """R-AR-03: Ｚ００１－ＨＴ typed in full-width mode."""

        parsed = parse_archive_no(text="Ｚ００１－ＨＴ・２０２６－Ｄ３０－ＳＣＢ－０００７")

        assert parsed == EXAMPLE

    def test_a_wide_item_parses(self) -> None:
        """R-AR-03."""

        parsed = parse_archive_no(text="Z001-HT·2026-D30-SCB-12345")

        assert parsed.item == 12345

    @pytest.mark.parametrize(
        ("text", "hint"),
        [
            ("", "required"),
            ("   ", "required"),
            ("Z001-HT2026-D30-SCB-0007", "middle dot"),
            ("Z001-HT··2026-D30-SCB-0007", "middle dot"),
            ("Z001-HT·2026-D30-SCB", "5 parts"),
            ("Z001-HT·2026-D30-SCB-0007-1", "5 parts"),
            ("Z001—HT·2026-D30-SCB-0007", "U+2014"),
            ("Z001–HT·2026-D30-SCB-0007", "U+2013"),
            ("Z001-HT。2026-D30-SCB-0007", "U+3002"),
            ("Z001-HT·2026-D30-ſCB-0007", "U+017F"),
            ("Z001 -HT·2026-D30-SCB-0007", "spaces"),
            ("Z01-HT·2026-D30-SCB-0007", "fonds"),
            ("ABCD-HT·2026-D30-SCB-0007", "fonds"),
            ("Z0001-HT·2026-D30-SCB-0007", "fonds"),
            ("Z001-H1·2026-D30-SCB-0007", "category"),
            ("Z001-HTXYZ·2026-D30-SCB-0007", "category"),
            ("Z001-·2026-D30-SCB-0007", "category"),
            ("Z001-HT·26-D30-SCB-0007", "year"),
            ("Z001-HT·0999-D30-SCB-0007", "year"),
            ("Z001-HT·20266-D30-SCB-0007", "year"),
            ("Z001-HT·2026-D20-SCB-0007", "retention"),
            ("Z001-HT·2026-30-SCB-0007", "retention"),
            ("Z001-HT·2026-D30-S-0007", "department"),
            ("Z001-HT·2026-D30-SCBSCBS-0007", "department"),
            ("Z001-HT·2026-D30-SCB-7", "item"),
            ("Z001-HT·2026-D30-SCB-007", "item"),
            ("Z001-HT·2026-D30-SCB-00007", "item"),
            ("Z001-HT·2026-D30-SCB-00A7", "item"),
            ("Z001-HT·2026-D30-SCB-0000", "0001"),
            ("Z001-HT·2026-D30-SCB-" + "1" * 60, "too long"),
        ],
    )
    def test_anything_else_is_refused_with_a_clear_message(self, text: str, hint: str) -> None:
        """R-AR-03: the message names the problem and shows the expected shape."""

        refused = _refusal(text)

        assert refused.code == "archive.invalid_number"
        assert refused.field == "archive_no"
        assert isinstance(refused, InvalidInput)
        assert hint in refused.message
        assert "Z001-HT·2026-D30-SCB-0007" in refused.message
        assert " / " in refused.message

    @given(
        fonds=st.from_regex(r"[A-Z0-9]{3}", fullmatch=True).flatmap(
            lambda three: st.sampled_from("0123456789").map(lambda digit: three + digit)
        ),
        category=st.from_regex(r"[A-Z]{1,4}", fullmatch=True),
        year=st.integers(1000, 9999),
        retention=st.sampled_from(RETENTION_CODES),
        department=st.from_regex(r"[A-Z0-9]{2,6}", fullmatch=True),
        item=st.integers(1, 10**7),
        dot=st.sampled_from((DOT, *DOT_LOOKALIKES)),
        lower=st.booleans(),
    )
    def test_every_valid_number_round_trips(
        self, fonds: str, category: str, year: int, retention: str, department: str, item: int, dot: str, lower: bool
    ) -> None:
        """R-AR-03: format → (re-typed) text → parse gives the same number and the same text."""
        number = ArchiveNumber(fonds, category, year, retention, department, item)
        typed = str(number).replace(DOT, dot)
        typed = typed.lower() if lower else typed

        parsed = parse_archive_no(text=f" {typed} ")

        assert parsed == number
        assert str(parsed) == str(number)


class TestCodes:
    @pytest.mark.parametrize("fonds", ["Z001", "0001", "Z109", "A1B2"])
    def test_four_digits_or_letters_with_digits_make_a_fonds(self, fonds: str) -> None:
        """R-AR-03: DA/T 22 全宗号, 4 digits or letters combined with digits."""

        check_codes(fonds=fonds, category="HT", department="SCB")

    @pytest.mark.parametrize("fonds", ["ABCD", "Z01", "Z0001", "z001", "Z-01", ""])
    def test_other_fonds_are_refused(self, fonds: str) -> None:
        """R-AR-03."""

        assert _codes_errors(fonds=fonds) == {"fonds": "archive.invalid_fonds"}

    @pytest.mark.parametrize("category", ["H", "HT", "WSKJ"])
    def test_one_to_four_capitals_make_a_category(self, category: str) -> None:
        """R-AR-03: 门类代码, HT = 合同."""

        check_codes(fonds="Z001", category=category, department="SCB")

    @pytest.mark.parametrize("category", ["", "ht", "H1", "ABCDE", "合同"])
    def test_other_categories_are_refused(self, category: str) -> None:
        """R-AR-03."""

        assert _codes_errors(category=category) == {"category": "archive.invalid_category"}

    @pytest.mark.parametrize("department", ["SC", "SCB", "001", "FGS01", "ABCDEF"])
    def test_two_to_six_capitals_or_digits_make_a_department(self, department: str) -> None:
        """R-AR-03: 机构(问题)代码."""

        check_codes(fonds="Z001", category="HT", department=department)

    @pytest.mark.parametrize("department", ["S", "ABCDEFG", "scb", "SC-B", "市场部"])
    def test_other_departments_are_refused(self, department: str) -> None:
        """R-AR-03."""

        assert _codes_errors(department=department) == {"department": "archive.invalid_department"}

    def test_every_wrong_code_is_reported_at_once(self) -> None:
        """R-AR-03: a settings form shows all of its mistakes together."""

        errors = _codes_errors(fonds="ABCD", category="h", department="x")

        assert errors == {
            "fonds": "archive.invalid_fonds",
            "category": "archive.invalid_category",
            "department": "archive.invalid_department",
        }

    def test_code_errors_are_invalid_fields(self) -> None:
        """R-AR-03: the multi-field error shape shared with customer forms."""

        with pytest.raises(InvalidFields) as caught:
            check_codes(fonds="ABCD", category="HT", department="SCB")

        assert caught.value.code == "archive.invalid_fonds"
        assert caught.value.field == "fonds"
        assert caught.value.as_dict()["errors"][0]["field"] == "fonds"


class TestSequences:
    def test_counter_key_names_the_sequence(self) -> None:
        """R-AR-03: gap-free per fonds/category/year/retention/department."""

        key = counter_key(**SEQUENCE)

        assert key == "Z001|HT|2026|D30|SCB"

    def test_counter_keys_differ_in_every_part(self) -> None:
        """R-AR-03: each part opens its own sequence."""

        variants = [
            {**SEQUENCE, "fonds": "Z002"},
            {**SEQUENCE, "category": "WS"},
            {**SEQUENCE, "year": 2027},
            {**SEQUENCE, "retention": "D10"},
            {**SEQUENCE, "department": "CWB"},
        ]

        keys = {counter_key(**SEQUENCE), *(counter_key(**v) for v in variants)}  # type: ignore[arg-type]

        assert len(keys) == 6

    def test_counter_key_refuses_bad_parts_so_no_parallel_sequence_opens(self) -> None:
        """R-AR-03: a typo must not start a second sequence for the same records."""

        with pytest.raises(InvalidArchiveCodes) as caught:
            counter_key(fonds="z001", category="HT", year=26, retention="D20", department="SCB")

        assert {e.field: e.code for e in caught.value.errors} == {
            "fonds": "archive.invalid_fonds",
            "year": "archive.invalid_year",
            "retention": "archive.invalid_retention",
        }

    def test_the_first_number_of_a_sequence_is_0001(self) -> None:
        """R-AR-03."""

        number = next_number(**SEQUENCE, last_item=0)

        assert str(number) == "Z001-HT·2026-D30-SCB-0001"

    def test_the_next_number_follows_the_last_without_a_gap(self) -> None:
        """R-AR-03: item = last item + 1."""

        number = next_number(**SEQUENCE, last_item=6)

        assert number == EXAMPLE

    def test_next_number_continues_past_9999(self) -> None:
        """R-AR-03: never reused, never wrapped."""

        number = next_number(**SEQUENCE, last_item=9999)

        assert str(number) == "Z001-HT·2026-D30-SCB-10000"

    @pytest.mark.parametrize("last_item", [-1, True, 1.0, None])
    def test_a_corrupt_counter_is_a_programming_error(self, last_item: object) -> None:
        """R-AR-03: the counter comes from the database, not from a user."""

        with pytest.raises(ValueError):
            next_number(**SEQUENCE, last_item=last_item)  # type: ignore[arg-type]

    def test_next_number_refuses_bad_codes(self) -> None:
        """R-AR-03."""

        with pytest.raises(InvalidArchiveCodes):
            next_number(**{**SEQUENCE, "retention": "D5"}, last_item=0)  # type: ignore[arg-type]

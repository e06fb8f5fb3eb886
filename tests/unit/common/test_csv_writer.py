"""The one CSV writer: formula cells written inert (issue 14 deliverable 4, finding 3; OWASP CSV injection)."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest

from crm.common.csv_writer import BOM, FORMULA_STARTS, CsvWriter, inert, restore


def written(*rows, header=("a", "b")) -> str:
    out = io.StringIO(newline="")
    writer = CsvWriter(out, header=header)
    for row in rows:
        writer.writerow(row)
    return out.getvalue()


def read_back(text: str) -> list[list[str]]:
    assert text.startswith(BOM)
    return list(csv.reader(io.StringIO(text[1:], newline="")))


class TestDangerousText:
    @pytest.mark.parametrize(
        ("cell", "expected"),
        [
            ('=HYPERLINK("http://x","y")', '\'=HYPERLINK("http://x","y")'),
            ("+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0"),
            ("-2+3", "'-2+3"),
            ("@SUM(1)", "'@SUM(1)"),
            ("\t=1+1", "'\t=1+1"),
            ("\r=1+1", "'\r=1+1"),
            ("=", "'="),
            ("-", "'-"),
            ("'=1+1", "''=1+1"),
        ],
    )
    def test_a_cell_starting_like_a_formula_gets_a_leading_quote(self, cell, expected):
        """Finding 3: every first character OWASP lists, the payloads of the review among them."""

        assert inert(cell) == expected

    def test_the_table_covers_every_first_character_the_rule_names(self):
        """Adding or dropping a character is a decision: this test and the rule change together."""

        assert set(FORMULA_STARTS) == {"=", "+", "-", "@", "\t", "\r"}


class TestHarmlessText:
    @pytest.mark.parametrize(
        "cell",
        [
            "张三丰",
            "幸福小区3号楼,2单元\"501\"室",
            "a=b",
            "1+1",
            " =1+1",
            "'quoted already",
            "13812345678",
            "",
            "SQ-2026-90001",
        ],
    )
    def test_other_text_is_written_unchanged(self, cell):
        assert inert(cell) == cell


class TestNonText:
    @pytest.mark.parametrize("value", [-5, 0, 12345, -1.5, Decimal("-12.50"), Decimal("3868.75")])
    def test_numbers_the_export_produces_stay_numbers(self, value):
        """A negative amount is ours, not a person's text: it stays summable (module docstring)."""

        assert inert(value) == value

    def test_none_is_an_empty_cell(self):
        assert inert(None) == ""

    def test_booleans_and_other_objects_are_written_as_text_and_neutralised_like_text(self):
        class Sneaky:
            def __str__(self) -> str:
                return "=1+1"

        assert (inert(True), inert(Sneaky())) == ("True", "'=1+1")

    def test_a_negative_number_written_as_text_is_neutralised(self):
        """Text cannot say who wrote it: an amount must be handed over as a number to stay one."""

        assert inert("-12.50") == "'-12.50"


class TestWriter:
    def test_a_file_is_a_bom_the_header_and_crlf_rows_quoted_by_the_csv_module(self):
        text = written(["张三,\"丰\"", 7], [None, "=1+1"])

        assert text == BOM + 'a,b\r\n"张三,""丰""",7\r\n,\'=1+1\r\n'
        assert read_back(text) == [["a", "b"], ["张三,\"丰\"", "7"], ["", "'=1+1"]]

    def test_an_empty_file_is_the_bom_and_the_header(self):
        assert written() == BOM + "a,b\r\n"

    def test_the_bytes_are_utf8_for_excel(self):
        """Excel in China reads a CSV without a BOM as GBK: the BOM makes the names readable."""

        data = written(["客户"]).encode("utf-8")

        assert data.startswith(b"\xef\xbb\xbf") and "客户".encode("utf-8") in data


class TestRestore:
    @pytest.mark.parametrize("cell", ['=HYPERLINK("http://x","y")', "+1", "-", "@x", "\tx", "\rx", "'=already", "plain", ""])
    def test_restore_gives_back_what_inert_was_given(self, cell):
        assert restore(inert(cell)) == cell

    def test_a_quote_before_harmless_text_is_data(self):
        assert restore("'quoted") == "'quoted"

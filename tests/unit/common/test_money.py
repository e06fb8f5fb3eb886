"""Money in fen, yuan at the edges, one rounding rule (R-CT-06, R-BL-01, R-BL-07)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from crm.common.money import format_amount, format_plain, format_yuan, line_amount_fen, parse_yuan, round_fen


class TestFormatting:
    @pytest.mark.parametrize(
        ("fen", "text"),
        [(0, "¥0.00"), (1, "¥0.01"), (123_456, "¥1,234.56"), (100_000_000, "¥1,000,000.00"), (-1, "-¥0.01")],
    )
    def test_fen_are_shown_as_yuan_with_thousands_separators(self, fen: int, text: str) -> None:
        """R-CT-06: money is integer fen, formatted only at the edges."""

        shown = format_yuan(fen)

        assert shown == text

    @pytest.mark.parametrize(("fen", "text"), [(None, "0.00"), (0, "0.00"), (397_500, "3,975.00"), (-12_345, "-123.45")])
    def test_table_amounts_have_separators_but_no_symbol(self, fen: int | None, text: str) -> None:
        assert format_amount(fen) == text

    @pytest.mark.parametrize(("fen", "text"), [(0, "0.00"), (386_875, "3868.75"), (-5, "-0.05")])
    def test_form_values_round_trip_through_parse(self, fen: int, text: str) -> None:

        shown = format_plain(fen)

        assert shown == text
        if fen >= 0:
            assert parse_yuan(shown) == fen


class TestParsing:
    @pytest.mark.parametrize(
        ("typed", "fen"),
        [("3868.75", 386_875), ("3,868.75", 386_875), ("¥3868.75", 386_875), ("￥1，000", 100_000), ("12", 1_200), ("  ", None)],
    )
    def test_what_a_clerk_types_becomes_fen(self, typed: str, fen: int | None) -> None:
        assert parse_yuan(typed) == fen

    @pytest.mark.parametrize("typed", ["1.234", "-5", "abc", "1e5", "1234567890123", "1.2.3"])
    def test_anything_else_is_refused(self, typed: str) -> None:
        with pytest.raises(ValueError):
            parse_yuan(typed)


class TestRounding:
    @pytest.mark.parametrize(
        ("exact", "fen"),
        [(Decimal("0.5"), 1), (Decimal("1.4999"), 1), (Decimal("2.5"), 3), (Decimal("-2.5"), -3), (Decimal("7"), 7)],
    )
    def test_half_a_fen_rounds_away_from_zero(self, exact: Decimal, fen: int) -> None:
        """R-BL-01: every line is rounded once to whole fen, half-up (四舍五入)."""
        assert round_fen(exact) == fen

    def test_a_non_finite_amount_is_a_bug_not_a_bill(self) -> None:
        with pytest.raises(ValueError):
            round_fen(Decimal("NaN"))

    @pytest.mark.parametrize(
        ("unit_price_fen", "quantity_milli", "fen"),
        [(3_333, 12_500, 41_663), (45_000, 1_000, 45_000), (1, 500, 1), (1, 499, 0), (Decimal("48.83"), 1_000, 49)],
    )
    def test_a_line_is_price_times_quantity_rounded_once(self, unit_price_fen, quantity_milli: int, fen: int) -> None:
        """3,333 fen × 12.5 m = 41,662.5 fen → 41,663; a 0.4883 元/kWh price is 48.83 fen a unit."""
        assert line_amount_fen(unit_price_fen=unit_price_fen, quantity_milli=quantity_milli) == fen

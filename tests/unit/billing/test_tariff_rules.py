"""Tariff versions as typed by finance: checks, versions, the stored form (R-BL-01, issue 15 items 1 and 11)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from crm.billing.tariff_rules import (
    Component,
    ComponentInput,
    Tariff,
    TariffCategoryChanged,
    TariffInput,
    TariffInvalid,
    TariffOverlap,
    Tier,
    TierInput,
    components_from_json,
    components_to_json,
    format_volume,
    in_force,
    parse_tariff,
    version_to_close,
)

GAS_TIERS = (TierInput(up_to="350", unit_price="2.61"), TierInput(up_to="500", unit_price="2.83"),
             TierInput(up_to=None, unit_price="3.61"))


def typed(**overrides) -> TariffInput:
    fields = dict(code="GAS-RES", name="居民管道天然气", customer_category="residential", unit="m³",
                  effective_from=dt.date(2026, 1, 1),
                  components=(ComponentInput(name="燃气费", kind="tiered", tiers=GAS_TIERS),))
    fields.update(overrides)
    return TariffInput(**fields)


def codes(error: TariffInvalid) -> list[tuple[str, str]]:
    return [(e.code, e.field) for e in error.errors]


def version(start: dt.date, end: dt.date | None, category: str = "residential") -> Tariff:
    return Tariff(code="GAS-RES", name="x", customer_category=category, unit="m³", effective_from=start,
                  effective_to=end)


class TestParsing:
    def test_a_three_tier_residential_tariff_reads_into_thousandths_and_exact_prices(self):
        """R-BL-01: annual cumulative tiers 0–350 / 350–500 / above 500 m³."""

        tariff = parse_tariff(typed(year_starts="07-01", extra_volume_per_person="50", household_base_persons=5))

        (component,) = tariff.components
        assert component.tiers == (Tier(350_000, Decimal("2.61")), Tier(500_000, Decimal("2.83")),
                                   Tier(None, Decimal("3.61")))
        assert tariff.year_starts == (7, 1)
        assert (tariff.extra_volume_per_person_milli, tariff.household_base_persons) == (50_000, 5)
        assert tariff.effective_to is None

    def test_a_flat_component_keeps_four_decimals(self):
        """Issue 15 item 1: power prices such as 0.4883 元/kWh are exact."""

        tariff = parse_tariff(typed(code="POWER-COM", customer_category="commercial", unit="kWh",
                                    components=(ComponentInput(name="电费", kind="flat", unit_price="0.4883"),)))

        assert tariff.components == (Component(name="电费", kind="flat", unit_price=Decimal("0.4883")),)
        assert (tariff.year_starts, tariff.household_base_persons) == ((1, 1), 4)

    @pytest.mark.parametrize(("tiers", "expected"), [
        ((TierInput("500", "2.61"), TierInput("350", "2.83"), TierInput(None, "3.61")),
         ("tariff.tiers_not_increasing", "components[0].tiers[1].up_to")),
        ((TierInput("350", "2.61"), TierInput("350", "2.83"), TierInput(None, "3.61")),
         ("tariff.tiers_not_increasing", "components[0].tiers[1].up_to")),
        ((TierInput(None, "2.61"), TierInput(None, "3.61")),
         ("tariff.tiers_not_increasing", "components[0].tiers[0].up_to")),
        ((TierInput("350", "2.61"), TierInput("500", "2.83")),
         ("tariff.last_tier_bounded", "components[0].tiers[1].up_to")),
        ((TierInput("350", "2.61"), TierInput(None, "2.83001")),
         ("tariff.invalid_price", "components[0].tiers[1].unit_price")),
        ((TierInput("350", "0"), TierInput(None, "2.83")),
         ("tariff.invalid_price", "components[0].tiers[0].unit_price")),
        ((TierInput("0", "2.61"), TierInput(None, "2.83")),
         ("tariff.tiers_not_increasing", "components[0].tiers[0].up_to")),
        ((TierInput("350.0001", "2.61"), TierInput(None, "2.83")),
         ("tariff.invalid_volume", "components[0].tiers[0].up_to")),
        ((), ("tariff.no_tiers", "components[0].tiers")),
    ], ids=["decreasing", "equal", "unbounded-not-last", "last-bounded", "five-decimals", "zero-price",
            "zero-bound", "volume-four-decimals", "no-tiers"])
    def test_bad_tiers_are_named_by_code_and_field(self, tiers, expected):
        """R-BL-01, issue 15 "Bad input": a tariff whose tiers are not increasing."""

        with pytest.raises(TariffInvalid) as refused:
            parse_tariff(typed(components=(ComponentInput(name="燃气费", kind="tiered", tiers=tiers),)))

        assert codes(refused.value) == [expected]

    @pytest.mark.parametrize("price", ["0.48835", "0", "0.0000", "-1", "10000", "9999.0001", "1e3", " ", None, "１.5"])
    def test_a_price_is_a_positive_decimal_string_with_at_most_four_places(self, price):
        """Issue 15 item 1: unit prices are exact decimals in yuan with up to 4 places."""

        with pytest.raises(TariffInvalid) as refused:
            parse_tariff(typed(components=(ComponentInput(name="电费", kind="flat", unit_price=price),)))

        assert codes(refused.value) == [("tariff.invalid_price", "components[0].unit_price")]

    def test_the_highest_price_is_9999_yuan(self):
        tariff = parse_tariff(typed(components=(ComponentInput(name="电费", kind="flat", unit_price="9999"),)))

        assert tariff.components[0].unit_price == Decimal(9999)

    def test_every_problem_of_a_form_comes_back_at_once(self):
        """A clerk sees all problems of a paper form at once (crm.common.fields)."""

        data = typed(code="gas res", name=" ", customer_category="villa", unit="cubic metres",
                     year_starts="02-29", extra_volume_per_person="-5", household_base_persons=-1,
                     components=(ComponentInput(name="燃气费", kind="flat", unit_price="2.61",
                                                tiers=(TierInput(None, "1"),)),
                                 ComponentInput(name="燃气费", kind="stepped"),
                                 ComponentInput(name="污水处理费", kind="tiered", unit_price="1",
                                                tiers=(TierInput(None, "0.95"),))))

        with pytest.raises(TariffInvalid) as refused:
            parse_tariff(data)

        assert codes(refused.value) == [
            ("tariff.invalid_code", "code"),
            ("tariff.invalid_name", "name"),
            ("tariff.unknown_category", "customer_category"),
            ("tariff.invalid_unit", "unit"),
            ("tariff.flat_with_tiers", "components[0].tiers"),
            ("tariff.duplicate_component", "components[1].name"),
            ("tariff.unknown_kind", "components[1].kind"),
            ("tariff.tiered_with_price", "components[2].unit_price"),
            ("tariff.invalid_year_start", "year_starts"),
            ("tariff.invalid_volume", "extra_volume_per_person"),
            ("tariff.invalid_household_persons", "household_base_persons"),
        ]

    def test_a_tariff_needs_a_component(self):
        with pytest.raises(TariffInvalid) as refused:
            parse_tariff(typed(components=()))

        assert codes(refused.value) == [("tariff.no_components", "components")]

    def test_the_categories_are_the_accounts_ones(self):
        """Tariffs are per customer category (crm.accounts.customer_rules.CATEGORIES)."""

        assert parse_tariff(typed(customer_category="industrial")).customer_category == "industrial"


class TestVersions:
    def test_a_later_version_closes_the_open_one(self):
        """R-BL-01: a new version closes the open one, like price standards."""

        open_one = version(dt.date(2026, 1, 1), None)

        closing = version_to_close(existing=[open_one], new=version(dt.date(2026, 7, 1), None))

        assert closing == open_one

    def test_a_first_version_closes_nothing(self):
        assert version_to_close(existing=[], new=version(dt.date(2026, 1, 1), None)) is None

    @pytest.mark.parametrize("start", [dt.date(2026, 1, 1), dt.date(2025, 12, 1), dt.date(2025, 3, 1),
                                       dt.date(2025, 6, 30)])
    def test_a_version_starting_on_or_before_another_is_refused(self, start):
        """Issue 15 "Bad input": a tariff that overlaps another version's dates."""

        existing = [version(dt.date(2025, 1, 1), dt.date(2026, 1, 1)), version(dt.date(2026, 1, 1), None)]

        with pytest.raises(TariffOverlap) as refused:
            version_to_close(existing=existing, new=version(start, None))

        assert (refused.value.code, refused.value.field) == ("tariff.overlap", "effective_from")

    def test_a_code_keeps_its_category(self):
        with pytest.raises(TariffCategoryChanged) as refused:
            version_to_close(existing=[version(dt.date(2026, 1, 1), None)],
                             new=version(dt.date(2026, 7, 1), None, category="commercial"))

        assert (refused.value.code, refused.value.field) == ("tariff.category_changed", "customer_category")

    def test_the_version_in_force_is_found_by_half_open_periods(self):
        old, new = version(dt.date(2025, 1, 1), dt.date(2026, 1, 1)), version(dt.date(2026, 1, 1), None)

        assert in_force(versions=[old, new], on=dt.date(2025, 12, 31)) == old
        assert in_force(versions=[old, new], on=dt.date(2026, 1, 1)) == new
        assert in_force(versions=[old, new], on=dt.date(2024, 12, 31)) is None


class TestStoredForm:
    def test_prices_round_trip_as_exact_text(self):
        """R-BL-03: money is exact, never float; 0.4883 stays 0.4883."""

        components = parse_tariff(typed(components=(
            ComponentInput(name="电费", kind="flat", unit_price="0.4883"),
            ComponentInput(name="燃气费", kind="tiered", tiers=GAS_TIERS)))).components

        stored = components_to_json(components)

        assert '"0.4883"' in stored and "0.4883," not in stored
        assert components_from_json(stored) == components

    @pytest.mark.parametrize(("milli", "text"), [(350_000, "350"), (350_500, "350.5"), (1, "0.001"), (0, "0")])
    def test_volumes_are_shown_in_whole_units(self, milli, text):
        assert format_volume(milli) == text

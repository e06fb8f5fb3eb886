"""Pricing one period line by line per tier and component (R-BL-01, R-BL-03; issue 15 deliverable 3).

Every expected amount is worked out by hand in the case's comment: volume (units) × unit price
(yuan) = exact yuan → exact fen → whole fen, half-up, once per line.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crm.billing.pricing import (
    NegativeVolume,
    NoTariffInForce,
    PeriodInvalid,
    PersonsInvalid,
    PricedPeriod,
    YearToDate,
    price_period,
)
from crm.billing.tariff_rules import Component, Tariff, Tier
from crm.common.money import round_fen
from crm.errors import InvalidInput

D = Decimal
day = dt.date


def tiered(name: str, *tiers: tuple[int | None, str]) -> Component:
    return Component(name=name, kind="tiered", tiers=tuple(Tier(up_to_milli=up_to, unit_price=D(price)) for up_to, price in tiers))


def flat(name: str, price: str) -> Component:
    return Component(name=name, kind="flat", unit_price=D(price))


def tariff(code: str, start: dt.date, end: dt.date | None, *components: Component, unit: str = "m³", **extra) -> Tariff:
    return Tariff(
        code=code,
        name=code,
        customer_category="residential",
        unit=unit,
        effective_from=start,
        effective_to=end,
        components=components,
        **extra,
    )


# Gas, Beijing-style annual tiers: 0–350 / 350–500 / above 500 m³.
GAS_TIERS = ((350_000, "2.61"), (500_000, "2.83"), (None, "4.23"))
GAS = tariff("G2020", day(2020, 1, 1), None, tiered("燃气费", *GAS_TIERS))
# The same tariff closed on 1 July 2026 and its successor, 0.20 元 dearer in every tier.
GAS_OLD = tariff("G2020", day(2020, 1, 1), day(2026, 7, 1), tiered("燃气费", *GAS_TIERS))
GAS_NEW = tariff("G2026", day(2026, 7, 1), None, tiered("燃气费", (350_000, "2.81"), (500_000, "3.03"), (None, "4.43")))
# A successor from Christmas 2026, to cross a tariff change and a billing year in one period.
GAS_OLD_XMAS = tariff("G2020", day(2020, 1, 1), day(2026, 12, 25), tiered("燃气费", *GAS_TIERS))
GAS_NEW_XMAS = tariff("G2026", day(2026, 12, 25), None, tiered("燃气费", (350_000, "2.81"), (500_000, "3.03"), (None, "4.43")))
# 多人口家庭: 50 m³ more in every tier per person beyond four.
GAS_HOUSEHOLD = tariff(
    "G2020H",
    day(2020, 1, 1),
    None,
    tiered("燃气费", *GAS_TIERS),
    extra_volume_per_person_milli=50_000,
    household_base_persons=4,
)
# Water, Beijing-style 0–180 / 180–260 / above 260 m³, plus the sewage treatment fee per m³.
WATER = tariff(
    "W2014",
    day(2014, 5, 1),
    None,
    tiered("水费", (180_000, "3.64"), (260_000, "5.64"), (None, "7.64")),
    flat("污水处理费", "1.36"),
)
POWER = tariff("E2012", day(2012, 7, 1), None, flat("电费", "0.4883"), unit="kWh")
COMMERCIAL_GAS = tariff("GC2024", day(2024, 1, 1), None, flat("燃气费", "3.0375"))

MARCH = (day(2026, 3, 1), day(2026, 3, 31))
M26, M27 = day(2026, 1, 1), day(2027, 1, 1)

# (id, tariffs, (period_start, period_end), volume_milli, year_to_date_milli, persons,
#  [(component, tier, start, end, volume_milli, unit_price, amount_fen)], total_fen, year_to_date after)
CASES = [
    (
        # 250.000 kWh × 0.4883 = 122.075 元 = 12207.5 fen → 12208
        "flat",
        [POWER], MARCH, 250_000, 0, None,
        [("电费", None, *MARCH, 250_000, "0.4883", 12208)], 12208, [(M26, 250_000)],
    ),
    (
        # 1.000 kWh × 0.4883 = 0.4883 元 = 48.83 fen → 49
        "rounding up from .83 fen",
        [POWER], MARCH, 1_000, 0, None,
        [("电费", None, *MARCH, 1_000, "0.4883", 49)], 49, [(M26, 1_000)],
    ),
    (
        # 50.000 kWh × 0.4883 = 24.415 元 = 2441.5 fen → 2442 (half-even agrees here; the next case tells them apart)
        "rounding half-up at exactly .5 fen",
        [POWER], MARCH, 50_000, 0, None,
        [("电费", None, *MARCH, 50_000, "0.4883", 2442)], 2442, [(M26, 50_000)],
    ),
    (
        # 150.000 kWh × 0.4883 = 73.245 元 = 7324.5 fen → 7325 (half-even would give 7324)
        "rounding half-up at .5 fen with an even fen below",
        [POWER], MARCH, 150_000, 0, None,
        [("电费", None, *MARCH, 150_000, "0.4883", 7325)], 7325, [(M26, 150_000)],
    ),
    (
        # 3.000 kWh × 0.4883 = 1.4649 元 = 146.49 fen → 146
        "rounding down below .5 fen",
        [POWER], MARCH, 3_000, 0, None,
        [("电费", None, *MARCH, 3_000, "0.4883", 146)], 146, [(M26, 3_000)],
    ),
    (
        # 12.345 m³ × 3.0375 = 36.45 + 1.0479375 = 37.4979375 元 = 3749.79375 fen → 3750
        "four-decimal price",
        [COMMERCIAL_GAS], MARCH, 12_345, 0, None,
        [("燃气费", None, *MARCH, 12_345, "3.0375", 3750)], 3750, [(M26, 12_345)],
    ),
    (
        # year to date 100 m³; 50.000 m³ in tier 1: 50 × 2.61 = 130.50 元 = 13050 fen
        "three tiers, within one",
        [GAS], MARCH, 50_000, 100_000, None,
        [("燃气费", 1, *MARCH, 50_000, "2.61", 13050)], 13050, [(M26, 150_000)],
    ),
    (
        # from 0 exactly up to the first bound: 350 × 2.61 = 913.50 元 = 91350 fen; tier 2 not touched
        "three tiers, filling the first exactly",
        [GAS], MARCH, 350_000, 0, None,
        [("燃气费", 1, *MARCH, 350_000, "2.61", 91350)], 91350, [(M26, 350_000)],
    ),
    (
        # 330 → 370 m³: tier 1 20 × 2.61 = 52.20 元 = 5220; tier 2 20 × 2.83 = 56.60 元 = 5660; total 10880
        "three tiers, crossing one",
        [GAS], MARCH, 40_000, 330_000, None,
        [("燃气费", 1, *MARCH, 20_000, "2.61", 5220), ("燃气费", 2, *MARCH, 20_000, "2.83", 5660)],
        10880, [(M26, 370_000)],
    ),
    (
        # 340 → 540 m³: tier 1 10 × 2.61 = 26.10 元 = 2610; tier 2 150 × 2.83 = 424.50 元 = 42450;
        # tier 3 40 × 4.23 = 169.20 元 = 16920; total 61980
        "three tiers, crossing two",
        [GAS], MARCH, 200_000, 340_000, None,
        [
            ("燃气费", 1, *MARCH, 10_000, "2.61", 2610),
            ("燃气费", 2, *MARCH, 150_000, "2.83", 42450),
            ("燃气费", 3, *MARCH, 40_000, "4.23", 16920),
        ],
        61980, [(M26, 540_000)],
    ),
    (
        # already at 600 m³: 10 × 4.23 = 42.30 元 = 4230
        "three tiers, starting in the last",
        [GAS], MARCH, 10_000, 600_000, None,
        [("燃气费", 3, *MARCH, 10_000, "4.23", 4230)], 4230, [(M26, 610_000)],
    ),
    (
        # 175 → 185.456 m³. 水费: tier 1 5 × 3.64 = 18.20 元 = 1820; tier 2 5.456 × 5.64 = 30.77184 元
        # = 3077.184 → 3077. 污水处理费: 10.456 × 1.36 = 14.22016 元 = 1422.016 → 1422. Total 6319
        "two components (water fee + sewage fee)",
        [WATER], MARCH, 10_456, 175_000, None,
        [
            ("水费", 1, *MARCH, 5_000, "3.64", 1820),
            ("水费", 2, *MARCH, 5_456, "5.64", 3077),
            ("污水处理费", None, *MARCH, 10_456, "1.36", 1422),
        ],
        6319, [(M26, 185_456)],
    ),
    (
        # 11 Jun – 10 Jul 2026 = 30 days: 20 under G2020 (to 30 Jun), 10 under G2026.
        # 31.000 m³: 31000 × 20 // 30 = 20666 (20666.67 rounded down), the last segment 31000 − 20666 = 10334.
        # G2020 from 340 m³: tier 1 10 × 2.61 = 2610; tier 2 10.666 × 2.83 = 30.18478 元 = 3018.478 → 3018.
        # G2026 from 350.666 m³: tier 2 10.334 × 3.03 = 31.31202 元 = 3131.202 → 3131. Total 8759
        "tariff change mid-period, split by days with the remainder last",
        [GAS_NEW, GAS_OLD], (day(2026, 6, 11), day(2026, 7, 10)), 31_000, 340_000, None,
        [
            ("燃气费", 1, day(2026, 6, 11), day(2026, 6, 30), 10_000, "2.61", 2610),
            ("燃气费", 2, day(2026, 6, 11), day(2026, 6, 30), 10_666, "2.83", 3018),
            ("燃气费", 2, day(2026, 7, 1), day(2026, 7, 10), 10_334, "3.03", 3131),
        ],
        8759, [(M26, 371_000)],
    ),
    (
        # 17 Dec 2026 – 15 Jan 2027 = 30 days, 15 in each billing year. 60.001 m³: 60001 × 15 // 30 = 30000,
        # the last 30001. 2026 from 490 m³: tier 2 10 × 2.83 = 28.30 元 = 2830; tier 3 20 × 4.23 = 84.60 元
        # = 8460. 2027 from zero: tier 1 30.001 × 2.61 = 78.30261 元 = 7830.261 → 7830. Total 19120
        "billing-year boundary, the new year's tiers from zero",
        [GAS], (day(2026, 12, 17), day(2027, 1, 15)), 60_001, 490_000, None,
        [
            ("燃气费", 2, day(2026, 12, 17), day(2026, 12, 31), 10_000, "2.83", 2830),
            ("燃气费", 3, day(2026, 12, 17), day(2026, 12, 31), 20_000, "4.23", 8460),
            ("燃气费", 1, day(2027, 1, 1), day(2027, 1, 15), 30_001, "2.61", 7830),
        ],
        19120, [(M26, 520_000), (M27, 30_001)],
    ),
    (
        # 11 Dec 2026 – 19 Jan 2027 = 40 days: 14 under G2020, 7 under G2026 in 2026, 19 in 2027.
        # 41.000 m³: 41000 × 14 // 40 = 14350; 41000 × 7 // 40 = 7175 (7175.0); last 41000 − 14350 − 7175 = 19475.
        # G2020 from 340 m³: tier 1 10 × 2.61 = 2610; tier 2 4.350 × 2.83 = 12.3105 元 = 1231.05 → 1231.
        # G2026 from 354.350 m³: tier 2 7.175 × 3.03 = 21.74025 元 = 2174.025 → 2174.
        # 2027 from zero: tier 1 19.475 × 2.81 = 54.72475 元 = 5472.475 → 5472. Total 11487
        "tariff change and billing-year boundary in one period",
        [GAS_OLD_XMAS, GAS_NEW_XMAS], (day(2026, 12, 11), day(2027, 1, 19)), 41_000, 340_000, None,
        [
            ("燃气费", 1, day(2026, 12, 11), day(2026, 12, 24), 10_000, "2.61", 2610),
            ("燃气费", 2, day(2026, 12, 11), day(2026, 12, 24), 4_350, "2.83", 1231),
            ("燃气费", 2, day(2026, 12, 25), day(2026, 12, 31), 7_175, "3.03", 2174),
            ("燃气费", 1, day(2027, 1, 1), day(2027, 1, 19), 19_475, "2.81", 5472),
        ],
        11487, [(M26, 361_525), (M27, 19_475)],
    ),
    (
        # six persons, two beyond the base of four: bounds rise by 2 × 50 = 100 m³ to 450 / 600.
        # 440 → 460 m³: tier 1 10 × 2.61 = 2610; tier 2 10 × 2.83 = 2830. Total 5440
        "large household raises the bounds",
        [GAS_HOUSEHOLD], MARCH, 20_000, 440_000, 6,
        [("燃气费", 1, *MARCH, 10_000, "2.61", 2610), ("燃气费", 2, *MARCH, 10_000, "2.83", 2830)],
        5440, [(M26, 460_000)],
    ),
    (
        # the same household size as the base: 440 m³ is already tier 2, 20 × 2.83 = 56.60 元 = 5660
        "household of the base size, bounds unchanged",
        [GAS_HOUSEHOLD], MARCH, 20_000, 440_000, 4,
        [("燃气费", 2, *MARCH, 20_000, "2.83", 5660)], 5660, [(M26, 460_000)],
    ),
    (
        # a smaller household never lowers the bounds: as above, 5660
        "smaller household, bounds unchanged",
        [GAS_HOUSEHOLD], MARCH, 20_000, 440_000, 2,
        [("燃气费", 2, *MARCH, 20_000, "2.83", 5660)], 5660, [(M26, 460_000)],
    ),
    (
        # nothing consumed: no line, nothing owed, the year to date unchanged
        "zero volume",
        [WATER], MARCH, 0, 175_000, None,
        [], 0, [(M26, 175_000)],
    ),
    (
        # one day: 1.000 m³ × (3.64 + 1.36) = 364 + 136 fen
        "one-day period",
        [WATER], (day(2026, 3, 5), day(2026, 3, 5)), 1_000, 0, None,
        [
            ("水费", 1, day(2026, 3, 5), day(2026, 3, 5), 1_000, "3.64", 364),
            ("污水处理费", None, day(2026, 3, 5), day(2026, 3, 5), 1_000, "1.36", 136),
        ],
        500, [(M26, 1_000)],
    ),
]


def _rows(priced: PricedPeriod) -> list[tuple]:
    return [
        (line.component, line.tier, line.period_start, line.period_end, line.volume_milli, line.unit_price, line.amount_fen)
        for line in priced.lines
    ]


class TestPricingTable:
    @pytest.mark.parametrize(
        ("tariffs", "period", "volume", "year_to_date", "persons", "lines", "total", "after"),
        [case[1:] for case in CASES],
        ids=[case[0] for case in CASES],
    )
    def test_hand_computed_bills(self, tariffs, period, volume, year_to_date, persons, lines, total, after) -> None:
        """R-BL-01, R-BL-03: tiers, components, splits by days, billing years, 多人口家庭, rounding once per line."""

        priced = price_period(
            tariffs=tariffs,
            period_start=period[0],
            period_end=period[1],
            volume_milli=volume,
            year_to_date_milli=year_to_date,
            persons=persons,
        )

        assert _rows(priced) == [(*line[:5], D(line[5]), line[6]) for line in lines]
        assert priced.total_fen == total
        assert priced.volume_milli == volume
        assert priced.year_to_date == tuple(YearToDate(year_start=start, volume_milli=milli) for start, milli in after)


class TestSegments:
    def test_lines_name_the_tariff_version_they_were_priced_at(self) -> None:
        """R-BL-03: a bill split by a tariff change says which version priced which part."""

        priced = price_period(
            tariffs=[GAS_OLD, GAS_NEW], period_start=day(2026, 6, 21), period_end=day(2026, 7, 10), volume_milli=20_000
        )

        assert [line.tariff_code for line in priced.lines] == ["G2020", "G2026"]

    def test_an_open_version_is_closed_by_its_successor(self) -> None:
        """R-BL-01: a new version closes the open one, even if the older record still says open."""

        closed = price_period(
            tariffs=[GAS_OLD, GAS_NEW], period_start=day(2026, 6, 11), period_end=day(2026, 7, 10), volume_milli=31_000
        )
        still_open = price_period(
            tariffs=[GAS, GAS_NEW], period_start=day(2026, 6, 11), period_end=day(2026, 7, 10), volume_milli=31_000
        )

        assert _rows(still_open) == _rows(closed)

    def test_a_change_on_new_year_s_day_cuts_the_period_once(self) -> None:
        """R-BL-03: a tariff change on the billing year's first day is one cut, not two."""
        old = tariff("G2020", day(2020, 1, 1), M27, tiered("燃气费", *GAS_TIERS))
        new = tariff("G2027", M27, None, tiered("燃气费", (350_000, "2.81"), (500_000, "3.03"), (None, "4.43")))

        priced = price_period(tariffs=[old, new], period_start=day(2026, 12, 17), period_end=day(2027, 1, 15), volume_milli=30_000)

        # 15 days each side: 15.000 m³ × 2.61 = 3915 fen; 15.000 m³ × 2.81 = 4215 fen
        assert [(line.tariff_code, line.volume_milli, line.amount_fen) for line in priced.lines] == [
            ("G2020", 15_000, 3915),
            ("G2027", 15_000, 4215),
        ]

    def test_a_billing_year_may_start_on_another_day(self) -> None:
        """R-BL-01: the price bureau may start the billing year elsewhere than 1 January (here 1 April)."""
        april = tariff("GA", day(2020, 1, 1), None, tiered("燃气费", *GAS_TIERS), year_starts=(4, 1))

        priced = price_period(
            tariffs=[april], period_start=day(2026, 3, 17), period_end=day(2026, 4, 15), volume_milli=30_000, year_to_date_milli=600_000
        )

        # 15 days each side: 15 × 4.23 = 6345 fen in the old year; 15 × 2.61 = 3915 fen in the new
        assert [(line.tier, line.amount_fen) for line in priced.lines] == [(3, 6345), (1, 3915)]
        assert priced.year_to_date == (
            YearToDate(year_start=day(2025, 4, 1), volume_milli=615_000),
            YearToDate(year_start=day(2026, 4, 1), volume_milli=15_000),
        )


class TestRefusals:
    @pytest.mark.parametrize(
        ("tariffs", "period"),
        [
            ([], MARCH),
            ([GAS_NEW], MARCH),  # before the first version
            ([GAS_OLD], (day(2026, 6, 20), day(2026, 7, 5))),  # past a closed last version
            ([tariff("A", day(2020, 1, 1), day(2026, 6, 1), flat("燃气费", "2.61")), GAS_NEW], (day(2026, 5, 20), day(2026, 7, 5))),
        ],
        ids=["no version", "before the first", "past the last", "a gap between versions"],
    )
    def test_a_day_without_a_tariff_is_refused(self, tariffs, period) -> None:
        """R-BL-03: a bill is computed from the tariff in force; a day with none is not billed at a guess."""

        with pytest.raises(NoTariffInForce) as caught:
            price_period(tariffs=tariffs, period_start=period[0], period_end=period[1], volume_milli=10_000)

        assert isinstance(caught.value, InvalidInput)
        assert caught.value.code == "billing.no_tariff"

    def test_a_period_ending_before_it_starts_is_refused(self) -> None:
        """R-BL-03: the period's days are the consumption's days, so the end cannot precede the start."""

        with pytest.raises(PeriodInvalid) as caught:
            price_period(tariffs=[GAS], period_start=day(2026, 3, 31), period_end=day(2026, 3, 1), volume_milli=1)

        assert (caught.value.code, caught.value.field) == ("billing.period_invalid", "period_end")

    @pytest.mark.parametrize(
        ("volume", "year_to_date", "field"), [(-1, 0, "volume_milli"), (1, -1, "year_to_date_milli")]
    )
    def test_a_negative_volume_is_refused(self, volume: int, year_to_date: int, field: str) -> None:
        """R-BL-02, R-BL-03: readings never go backwards, so no period has a negative volume."""

        with pytest.raises(NegativeVolume) as caught:
            price_period(tariffs=[GAS], period_start=MARCH[0], period_end=MARCH[1], volume_milli=volume, year_to_date_milli=year_to_date)

        assert (caught.value.code, caught.value.field) == ("billing.negative_volume", field)

    def test_a_household_without_persons_is_refused(self) -> None:
        """R-BL-01: a household has at least one person; zero is a data error upstream, not a smaller bound."""

        with pytest.raises(PersonsInvalid) as caught:
            price_period(tariffs=[GAS_HOUSEHOLD], period_start=MARCH[0], period_end=MARCH[1], volume_milli=1, persons=0)

        assert caught.value.code == "billing.persons_invalid"


prices = st.decimals(min_value=D("0.0001"), max_value=D("99.9999"), places=4)


@st.composite
def tariff_histories(draw) -> list[Tariff]:
    """One to three consecutive versions covering 2024–2029, each with a tiered and a flat component."""
    changes = sorted(draw(st.sets(st.dates(min_value=day(2024, 1, 2), max_value=day(2029, 12, 31)), max_size=2)))
    starts = [day(2024, 1, 1), *changes]
    versions = []
    for index, start in enumerate(starts):
        end = starts[index + 1] if index + 1 < len(starts) else None
        bounds = sorted(draw(st.sets(st.integers(min_value=1, max_value=2_000_000), min_size=0, max_size=3)))
        tiers = tuple(Tier(up_to_milli=bound, unit_price=draw(prices)) for bound in [*bounds, None])
        versions.append(
            Tariff(
                code=f"V{index}",
                name=f"V{index}",
                customer_category="residential",
                unit="m³",
                effective_from=start,
                effective_to=end,
                components=(
                    Component(name="水费", kind="tiered", tiers=tiers),
                    Component(name="污水处理费", kind="flat", unit_price=draw(prices)),
                ),
                year_starts=draw(st.sampled_from([(1, 1), (4, 1), (7, 1)])),
                extra_volume_per_person_milli=draw(st.integers(min_value=0, max_value=100_000)),
            )
        )
    return draw(st.permutations(versions))


class TestProperties:
    @settings(max_examples=300, deadline=None)
    @given(
        tariffs=tariff_histories(),
        start=st.dates(min_value=day(2024, 1, 1), max_value=day(2028, 12, 31)),
        days=st.integers(min_value=0, max_value=800),
        volume=st.integers(min_value=0, max_value=10**10),
        year_to_date=st.integers(min_value=0, max_value=5_000_000),
        persons=st.none() | st.integers(min_value=1, max_value=10),
    )
    def test_no_milli_and_no_fen_appear_or_disappear(self, tariffs, start, days, volume, year_to_date, persons) -> None:
        """R-BL-03: for any split, each component's lines add up to the period volume, each line is
        rounded once from its exact product, the total is the lines' sum, and the year-to-date grows
        by the period volume."""
        end = start + dt.timedelta(days=days)

        priced = price_period(
            tariffs=tariffs, period_start=start, period_end=end, volume_milli=volume, year_to_date_milli=year_to_date, persons=persons
        )

        for name in ("水费", "污水处理费"):
            assert sum(line.volume_milli for line in priced.lines if line.component == name) == volume
        for line in priced.lines:
            assert line.volume_milli > 0
            assert start <= line.period_start <= line.period_end <= end
            assert line.amount_fen == round_fen(D(line.volume_milli) * line.unit_price * 100 / 1000)
        assert priced.total_fen == sum(line.amount_fen for line in priced.lines)
        assert sum(year.volume_milli for year in priced.year_to_date) == year_to_date + volume

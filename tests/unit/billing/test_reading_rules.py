"""Meter readings (R-BL-02; issue 15 deliverable 2): kinds, consumption, estimates, abnormal flags."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from crm.billing.reading_rules import (
    READING_KIND_LABELS,
    READING_KINDS,
    AbnormalPolicy,
    DialDigitsInvalid,
    NoHistoryToEstimate,
    NotARollover,
    Reading,
    ReadingBackwards,
    ReadingBeforeLast,
    ReadingBeyondDial,
    ReadingInFuture,
    ReadingInvalid,
    ReadingNegative,
    ReplacementIncomplete,
    RolloverImplausible,
    billed_volumes,
    check_reading,
    consumption,
    dial_milli,
    estimate,
    flags,
    opening,
)
from crm.errors import InvalidInput

TODAY = dt.date(2026, 12, 7)
START = dt.date(2026, 1, 1)
DIAL_5 = 100_000_000  # 10**5 m³ in litres: a 5-digit dial rolls over after 99999.999


def day(n: int) -> dt.date:
    return START + dt.timedelta(days=n)


def actual(value: int, n: int, **extra) -> Reading:
    return Reading(value_milli=value, read_date=day(n), kind="actual", **extra)


HISTORY = (opening(initial_milli=1_000, installed_date=START, dial_digits=5), actual(31_000, 30, dial_digits=5))


class TestKinds:
    def test_the_four_kinds_have_chinese_labels(self) -> None:
        """R-BL-02: 实抄, 估抄, 翻转, 换表."""

        chinese = [READING_KIND_LABELS[kind][0] for kind in READING_KINDS]

        assert chinese == ["实抄", "估抄", "翻转", "换表"]

    def test_a_five_digit_dial_rolls_over_after_99999_999(self) -> None:
        assert dial_milli(dial_digits=5) == DIAL_5


class TestConsumption:
    @pytest.mark.parametrize(
        ("reading", "volume"),
        [
            pytest.param(actual(45_500, 60), 14_500, id="actual: value minus previous"),
            pytest.param(actual(31_000, 60), 0, id="actual: the same value is no consumption"),
            pytest.param(Reading(value_milli=40_000, read_date=day(60), kind="estimated"), 9_000, id="estimated"),
            pytest.param(
                Reading(value_milli=2_500, read_date=day(60), kind="rollover", dial_digits=5),
                DIAL_5 - 31_000 + 2_500,
                id="rollover: rest of the dial plus the value",
            ),
            pytest.param(
                Reading(value_milli=33_000, read_date=day(60), kind="replacement", new_serial="GM-NEW-01",
                        new_initial_milli=0),
                2_000,
                id="replacement: old final minus previous",
            ),
        ],
    )
    def test_the_volume_since_the_previous_reading(self, reading: Reading, volume: int) -> None:
        """R-BL-02: the volume of each kind, measured since the previous reading."""

        measured = check_reading(history=HISTORY, reading=reading, today=TODAY)

        assert measured == volume

    def test_after_a_replacement_the_next_reading_is_measured_from_the_new_meters_initial_value(self) -> None:
        """R-BL-02: old final + new initial; the new meter starts from its own value."""
        replaced = Reading(value_milli=33_000, read_date=day(60), kind="replacement", new_serial="GM-NEW-01",
                           new_initial_milli=500)

        measured = check_reading(history=(*HISTORY, replaced), reading=actual(4_500, 90), today=TODAY)

        assert measured == 4_000

    def test_a_reading_today_is_accepted(self) -> None:
        later = Reading(value_milli=40_000, read_date=TODAY, kind="actual")

        assert check_reading(history=HISTORY, reading=later, today=TODAY) == 9_000

    @pytest.mark.parametrize(
        ("reading", "refusal", "code", "field"),
        [
            pytest.param(actual(30_999, 60), ReadingBackwards, "reading.backwards", "value",
                         id="lower than the last without rollover or replacement"),
            pytest.param(actual(40_000, 20), ReadingBeforeLast, "reading.before_last", "read_on",
                         id="dated before the last reading"),
            pytest.param(actual(40_000, 30), ReadingBeforeLast, "reading.before_last", "read_on",
                         id="dated on the same day as the last reading"),
            pytest.param(Reading(value_milli=40_000, read_date=TODAY + dt.timedelta(days=1)), ReadingInFuture,
                         "reading.in_future", "read_on", id="dated in the future"),
            pytest.param(Reading(value_milli=31_000, read_date=day(60), kind="rollover", dial_digits=5),
                         NotARollover, "reading.not_a_rollover", "value", id="rollover not lower than the last"),
            pytest.param(Reading(value_milli=DIAL_5, read_date=day(60), kind="rollover", dial_digits=5),
                         RolloverImplausible, "reading.rollover_implausible", "value",
                         id="rollover beyond the whole dial"),
            pytest.param(Reading(value_milli=2_500, read_date=day(60), kind="rollover"), DialDigitsInvalid,
                         "reading.dial_digits_invalid", "dial_digits", id="rollover without the dial's digits"),
            pytest.param(Reading(value_milli=2_500, read_date=day(60), kind="rollover", dial_digits=0),
                         DialDigitsInvalid, "reading.dial_digits_invalid", "dial_digits", id="a dial of no digits"),
            pytest.param(actual(DIAL_5, 60, dial_digits=5), ReadingBeyondDial, "reading.beyond_dial", "value",
                         id="a value the dial cannot show"),
            pytest.param(actual(-1, 60), ReadingNegative, "reading.negative", "value", id="negative value"),
            pytest.param(Reading(value_milli=33_000, read_date=day(60), kind="replacement", new_serial="GM-NEW-01"),
                         ReplacementIncomplete, "reading.replacement_incomplete", "new_initial_value",
                         id="replacement without the new meter's initial value"),
            pytest.param(Reading(value_milli=33_000, read_date=day(60), kind="replacement", new_initial_milli=0),
                         ReplacementIncomplete, "reading.replacement_incomplete", "new_serial",
                         id="replacement without the new meter's serial"),
            pytest.param(Reading(value_milli=33_000, read_date=day(60), kind="replacement", new_serial="GM-NEW-01",
                                 new_initial_milli=-1),
                         ReadingNegative, "reading.negative", "new_initial_value",
                         id="replacement with a negative initial value"),
            pytest.param(Reading(value_milli=30_000, read_date=day(60), kind="replacement", new_serial="GM-NEW-01",
                                 new_initial_milli=0),
                         ReadingBackwards, "reading.backwards", "value", id="old final below the last reading"),
            pytest.param(actual(40_000, 60, new_serial="GM-NEW-01"), ReadingInvalid, "reading.invalid", "kind",
                         id="a new meter on a reading that is no replacement"),
            pytest.param(Reading(value_milli=40_000, read_date=day(60), kind="guessed"), ReadingInvalid,
                         "reading.invalid", "kind", id="unknown kind"),
        ],
    )
    def test_a_bad_reading_is_refused_with_a_clear_code(self, reading, refusal, code, field) -> None:
        """R-BL-02, issue 15 "Bad input": a reading lower than the last without rollover/replacement,
        a reading dated before the last one or in the future, and the other impossible readings."""

        with pytest.raises(refusal) as caught:
            check_reading(history=HISTORY, reading=reading, today=TODAY)

        assert isinstance(caught.value, InvalidInput)
        assert (caught.value.code, caught.value.field) == (code, field)
        assert " / " in caught.value.message

    def test_a_rollover_after_a_last_reading_beyond_the_dial_is_implausible(self) -> None:
        """R-BL-02: a rollover volume can never exceed the whole dial."""
        history = (opening(initial_milli=0, installed_date=START), actual(DIAL_5 + 5_000, 30))

        with pytest.raises(RolloverImplausible):
            consumption(history=history, reading=Reading(value_milli=1_000, read_date=day(60), kind="rollover",
                                                         dial_digits=5))

    def test_a_meter_without_an_opening_value_has_no_history(self) -> None:
        with pytest.raises(NoHistoryToEstimate):
            consumption(history=(), reading=actual(1_000, 1))


def _monthly(values: list[int]) -> list[Reading]:
    """An opening on day 0 and an actual reading every 30 days."""
    return [opening(initial_milli=values[0], installed_date=START)] + [
        actual(value, 30 * n) for n, value in enumerate(values[1:], start=1)
    ]


class TestEstimate:
    def test_an_estimate_is_the_average_daily_consumption_times_the_days_since_the_last_reading(self) -> None:
        """R-BL-02 估抄: 3 000 L a day over the last periods, 20 days on."""
        history = _monthly([0, 90_000, 180_000])

        estimated = estimate(readings=history, on=day(80))

        assert estimated == Reading(value_milli=240_000, read_date=day(80), kind="estimated")

    def test_only_the_last_periods_count_and_they_are_weighted_by_their_days(self) -> None:
        history = [opening(initial_milli=0, installed_date=START), actual(300_000, 10), actual(310_000, 20),
                   actual(340_000, 40)]

        estimated = estimate(readings=history, on=day(70), periods=2)

        assert estimated.value_milli == 340_000 + (40_000 * 30) // 30

    def test_an_estimate_rounds_down_to_the_litre(self) -> None:
        history = _monthly([0, 100])

        assert estimate(readings=history, on=day(31)).value_milli == 103  # 100 / 30 a day, 3.33 → 3

    def test_estimated_readings_in_between_do_not_dilute_the_average(self) -> None:
        history = _monthly([0, 30_000])
        history.append(estimate(readings=history, on=day(60)))

        assert estimate(readings=history, on=day(90)).value_milli == 90_000

    def test_an_estimate_never_rolls_over(self) -> None:
        history = [opening(initial_milli=DIAL_5 - 30_000, installed_date=START, dial_digits=5),
                   actual(DIAL_5 - 1_000, 29, dial_digits=5)]

        estimated = estimate(readings=history, on=day(59))

        assert estimated.value_milli == DIAL_5 - 1

    def test_without_a_measured_period_nothing_can_be_estimated(self) -> None:
        with pytest.raises(NoHistoryToEstimate) as caught:
            estimate(readings=[opening(initial_milli=0, installed_date=START)], on=day(30))

        assert caught.value.code == "reading.no_history"

    def test_an_estimate_must_be_dated_after_the_last_reading(self) -> None:
        with pytest.raises(ReadingBeforeLast):
            estimate(readings=_monthly([0, 30_000]), on=day(30))


class TestTrueUp:
    def test_estimate_then_actual_bills_the_actual_consumption_in_total(self) -> None:
        """R-BL-02: an estimate is trued up by the next actual reading."""
        history = _monthly([0, 30_000])
        history.append(estimate(readings=history, on=day(60)))  # 60 000
        history.append(actual(100_000, 90))

        periods = billed_volumes(readings=history)

        assert [p.billed_milli for p in periods] == [30_000, 30_000, 40_000]
        assert sum(p.billed_milli for p in periods) == 100_000
        assert periods[-1].credit_milli == 0

    def test_an_over_estimate_bills_a_smaller_true_up_period(self) -> None:
        history = _monthly([0, 30_000])
        history.append(estimate(readings=history, on=day(60)))  # 60 000
        history.append(actual(75_000, 90))

        periods = billed_volumes(readings=history)

        assert periods[-1].billed_milli == 15_000 < 30_000
        assert sum(p.billed_milli for p in periods) == 75_000

    def test_an_actual_reading_below_the_estimate_bills_zero_and_carries_a_credit(self) -> None:
        """R-BL-02: no negative volume; the excess is set off against the next periods."""
        history = _monthly([0, 30_000])
        history.append(estimate(readings=history, on=day(60)))  # 60 000 billed
        history.append(actual(50_000, 90))  # 10 000 over-estimated
        history.append(actual(56_000, 120))  # uses 6 000 of the credit
        history.append(actual(70_000, 150))  # uses the remaining 4 000

        periods = billed_volumes(readings=history)

        assert [p.measured_milli for p in periods] == [30_000, 30_000, -10_000, 6_000, 14_000]
        assert [p.billed_milli for p in periods] == [30_000, 30_000, 0, 0, 10_000]
        assert [p.credit_milli for p in periods] == [0, 0, 10_000, 4_000, 0]
        assert sum(p.billed_milli for p in periods) == 70_000

    def test_an_actual_reading_below_the_last_actual_one_is_still_backwards(self) -> None:
        history = _monthly([0, 30_000])
        history.append(estimate(readings=history, on=day(60)))

        with pytest.raises(ReadingBackwards):
            check_reading(history=history, reading=actual(29_000, 90), today=TODAY)

    def test_an_estimate_below_the_previous_estimate_is_refused(self) -> None:
        history = _monthly([0, 30_000])
        history.append(estimate(readings=history, on=day(60)))  # 60 000
        lower = Reading(value_milli=50_000, read_date=day(90), kind="estimated")

        with pytest.raises(ReadingBackwards):
            check_reading(history=history, reading=lower, today=TODAY)

    def test_a_rollover_after_an_estimate_is_measured_from_the_estimate(self) -> None:
        history = [opening(initial_milli=DIAL_5 - 60_000, installed_date=START, dial_digits=5),
                   actual(DIAL_5 - 30_000, 30, dial_digits=5)]
        history.append(estimate(readings=history, on=day(60)))  # capped at the dial's end
        history.append(Reading(value_milli=5_000, read_date=day(90), kind="rollover", dial_digits=5))

        periods = billed_volumes(readings=history)

        assert sum(p.billed_milli for p in periods) == 60_000 + 5_000

    @given(
        steps=st.lists(
            st.tuples(st.booleans(), st.integers(min_value=0, max_value=50_000)), min_size=1, max_size=15
        ),
    )
    def test_billed_minus_credit_is_always_the_dial_distance(self, steps) -> None:
        """R-BL-02: over estimates and actuals, no litre is billed twice or lost; no bill is negative."""
        history = _monthly([0, 30_000])
        dial = 30_000
        for n, (is_estimate, used) in enumerate(steps, start=2):
            dial += used
            if is_estimate:
                history.append(estimate(readings=history, on=day(30 * n)))
            else:
                history.append(actual(dial, 30 * n))

        history.append(actual(dial, 30 * (len(steps) + 2)))

        periods = billed_volumes(readings=history)

        assert all(p.billed_milli >= 0 and p.credit_milli >= 0 for p in periods)
        assert sum(p.billed_milli for p in periods) - periods[-1].credit_milli == dial


class TestFlags:
    @pytest.mark.parametrize(
        ("values", "expected"),
        [
            pytest.param([0] + [30_000 * n for n in range(1, 7)] + [180_000 + 90_000], (), id="3x is not above 3x"),
            pytest.param([0] + [30_000 * n for n in range(1, 7)] + [180_000 + 90_001], ("reading.jump",),
                         id="above 3x the average"),
            pytest.param([0, 10, 10, 10, 10], ("reading.zero_run",), id="three zero periods"),
            pytest.param([0, 10, 10, 20, 20], (), id="two zero periods"),
            pytest.param([0, 10, 10, 10, 10, 10], ("reading.zero_run",), id="four zero periods"),
            pytest.param([0, 500_000], (), id="the first period has nothing to compare with"),
            pytest.param([0, 0, 30_000], ("reading.jump",), id="consumption after a zero period"),
        ],
    )
    def test_an_abnormal_reading_is_flagged(self, values, expected) -> None:
        """R-BL-02: more than 3x the average daily consumption of the last six periods, or three
        zero periods in a row."""

        found = flags(readings=_monthly(values))

        assert tuple(f.code for f in found) == expected
        assert all(f.label[0] and f.label[1] for f in found)

    def test_only_the_last_six_periods_count(self) -> None:
        # A big first period, then six small ones: the jump is judged against the small ones.
        values = [0, 3_000_000] + [3_000_000 + 1_000 * n for n in range(1, 7)] + [3_006_000 + 3_001]

        assert [f.code for f in flags(readings=_monthly(values))] == ["reading.jump"]

    def test_the_average_is_normalised_by_days(self) -> None:
        """4.5x the volume of the last period, but over 1.5x the days: 3x the daily rate, not above it."""
        history = [opening(initial_milli=0, installed_date=START), actual(60_000, 60)]  # 1 000 a day
        history.append(actual(60_000 + 270_000, 150))  # 3 000 a day over 90 days

        assert flags(readings=history) == ()

    def test_thresholds_are_configurable(self) -> None:
        policy = AbnormalPolicy(jump_factor=Decimal("1.5"), jump_periods=2, zero_periods=2)
        history = _monthly([0, 30_000, 60_000, 105_001])

        assert [f.code for f in flags(readings=history, policy=policy)] == ["reading.jump"]
        assert [f.code for f in flags(readings=_monthly([0, 10, 10, 10]), policy=policy)] == ["reading.zero_run"]
        assert flags(readings=_monthly([0, 10, 10, 10])) == ()
        assert flags(readings=_monthly([0, 10, 20, 20]), policy=policy) == ()

    def test_an_estimate_is_not_judged(self) -> None:
        history = _monthly([0, 10, 10])
        history.append(Reading(value_milli=10, read_date=day(90), kind="estimated"))

        assert flags(readings=history) == ()

    def test_estimates_in_between_count_as_one_measured_period(self) -> None:
        history = _monthly([0, 30_000])
        history.append(Reading(value_milli=40_000, read_date=day(45), kind="estimated"))
        history.append(actual(60_000, 60))

        assert flags(readings=history) == ()


@st.composite
def _travel(draw):
    """A meter's dial travel: increments, and where they wrap a 4- or 5-digit dial, rollovers."""
    digits = draw(st.sampled_from([4, 5]))
    dial = 10**digits * 1000
    start = draw(st.integers(min_value=0, max_value=dial - 1))
    increments = draw(st.lists(st.integers(min_value=0, max_value=dial - 1), min_size=1, max_size=20))
    return digits, start, increments


@given(_travel())
def test_the_sum_of_consumptions_is_the_dial_distance_travelled(travel) -> None:
    """R-BL-02 property: for any increasing sequence of actual readings with random rollovers,
    the sum of the consumptions equals the true dial distance travelled."""
    digits, start, increments = travel
    dial = 10**digits * 1000
    history = [opening(initial_milli=start, installed_date=START, dial_digits=digits)]
    position = start
    volumes = []
    for n, increment in enumerate(increments, start=1):
        wraps = position + increment >= dial
        position = (position + increment) % dial
        reading = Reading(value_milli=position, read_date=day(n), kind="rollover" if wraps else "actual",
                          dial_digits=digits)
        volumes.append(check_reading(history=history, reading=reading, today=TODAY))
        history.append(reading)

    assert sum(volumes) == sum(increments)
    assert [p.billed_milli for p in billed_volumes(readings=history)] == volumes

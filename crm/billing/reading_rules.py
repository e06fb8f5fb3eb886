"""Meter readings (R-BL-02): what a reading may say, the volume it measures, when it looks wrong.

Pure: no Piccolo, no Litestar, no clock (``today`` is an argument). Values are integer
thousandths of the meter's unit (litres for m³, Wh for kWh), as the meters store them
(``initial_reading_l``); a history is a meter's readings in date order, starting with the
meter's opening value (``opening``).

A reading is one of four kinds:

- ``actual`` (实抄): read from the dial; never lower than the last measured value.
- ``estimated`` (估抄): computed by ``estimate`` when nobody could read the dial; billed like
  any reading and trued up by the next measured one (``billed_volumes``).
- ``rollover`` (翻转): the dial passed its last digit and started again from zero; the
  reading carries the dial's digit count, so the volume is the rest of the dial plus the value.
- ``replacement`` (换表): the old meter's final value, and the new meter's serial and initial
  value; the next reading is measured from the new meter's initial value.

An abnormal reading (``flags``) is accepted and stored, with its flags, for review: the caller
records the flags with the reading, and no bill is issued from a flagged reading until a person
has reviewed it. Refusing it instead would lose a true reading of a real leak or a real vacancy.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from crm.accounts.meter_rules import format_volume_l
from crm.common.labels import Label
from crm.errors import InvalidInput

__all__ = [
    "READING_KINDS",
    "READING_KIND_LABELS",
    "AbnormalPolicy",
    "BilledVolume",
    "DialDigitsInvalid",
    "Flag",
    "NoHistoryToEstimate",
    "NotARollover",
    "Reading",
    "ReadingBackwards",
    "ReadingBeforeLast",
    "ReadingBeyondDial",
    "ReadingInFuture",
    "ReadingInvalid",
    "ReadingNegative",
    "ReplacementIncomplete",
    "RolloverImplausible",
    "billed_volumes",
    "check_reading",
    "consumption",
    "dial_milli",
    "estimate",
    "flags",
    "opening",
]

READING_KINDS = ("actual", "estimated", "rollover", "replacement")

READING_KIND_LABELS: dict[str, Label] = {
    "actual": ("实抄", "Actual"),
    "estimated": ("估抄", "Estimated"),
    "rollover": ("翻转", "Rollover"),
    "replacement": ("换表", "Replacement"),
}

# A dial of more than twelve whole-unit digits does not exist; the bound keeps 10**digits sane.
_MAX_DIAL_DIGITS = 12
_MILLI = 1000


class ReadingInvalid(InvalidInput):
    """A reading that is not one: an unknown kind, fields that belong to another kind."""

    code = "reading.invalid"


class ReadingNegative(InvalidInput):
    code = "reading.negative"


class ReadingBackwards(InvalidInput):
    """Lower than the last measured value, and neither a rollover nor a replacement."""

    code = "reading.backwards"


class ReadingBeforeLast(InvalidInput):
    code = "reading.before_last"


class ReadingInFuture(InvalidInput):
    code = "reading.in_future"


class NotARollover(InvalidInput):
    """A rollover whose value is not below the last measured one: the dial did not wrap."""

    code = "reading.not_a_rollover"


class RolloverImplausible(InvalidInput):
    """A rollover that would measure more than the whole dial: a value the dial cannot show."""

    code = "reading.rollover_implausible"


class ReadingBeyondDial(InvalidInput):
    """A value the meter's dial cannot show (6 digits on a 5-digit dial)."""

    code = "reading.beyond_dial"


class DialDigitsInvalid(InvalidInput):
    """A rollover without the dial's digit count, or a digit count no meter has."""

    code = "reading.dial_digits_invalid"


class ReplacementIncomplete(InvalidInput):
    """A replacement without the new meter's serial or initial value."""

    code = "reading.replacement_incomplete"


class NoHistoryToEstimate(InvalidInput):
    """No measured period to take an average daily consumption from."""

    code = "reading.no_history"


@dataclass(frozen=True)
class Reading:
    value_milli: int
    read_date: dt.date
    kind: str = "actual"
    # Whole-unit digits of the dial the value was read from (5: rolls over after 99999.999).
    # Required for a rollover; when given, a value the dial cannot show is refused.
    dial_digits: int | None = None
    new_serial: str | None = None  # replacement only
    new_initial_milli: int | None = None  # replacement only

    @property
    def measured(self) -> bool:
        """Read from a dial (not estimated): what true-ups and averages are taken from."""
        return self.kind != "estimated"

    @property
    def baseline_milli(self) -> int:
        """The value the next reading is measured from: after a replacement, the new meter's."""
        if self.kind == "replacement" and self.new_initial_milli is not None:
            return self.new_initial_milli
        return self.value_milli


@dataclass(frozen=True)
class BilledVolume:
    """One period of a history: what the dial measured, what is billed, the credit carried on."""

    reading: Reading
    measured_milli: int  # negative only where an actual reading came in below an estimate
    billed_milli: int  # never negative
    credit_milli: int  # over-estimated volume still to be set off against later periods


@dataclass(frozen=True)
class Flag:
    code: str
    label: Label


@dataclass(frozen=True)
class AbnormalPolicy:
    """When a reading goes to the review queue. Defaults: R-BL-02 / issue 15 deliverable 2."""

    # A period's daily consumption above this many times the average daily consumption of the
    # last ``jump_periods`` measured periods (weighted by their days).
    jump_factor: Decimal = Decimal(3)
    jump_periods: int = 6
    # This many measured periods in a row without consumption, the new one included.
    zero_periods: int = 3


JUMP = Flag("reading.jump", ("用量突增，超过近期日均用量的倍数", "Consumption far above the recent daily average"))
ZERO_RUN = Flag("reading.zero_run", ("连续多期零用量", "No consumption for several periods in a row"))


def opening(*, initial_milli: int, installed_date: dt.date, dial_digits: int | None = None) -> Reading:
    """The meter's initial value on installation: the start of every history, a measured value."""
    return Reading(value_milli=initial_milli, read_date=installed_date, kind="actual", dial_digits=dial_digits)


def dial_milli(*, dial_digits: int) -> int:
    """How many thousandths the dial shows before it starts again at zero (5 digits: 100000000)."""
    if isinstance(dial_digits, bool) or not isinstance(dial_digits, int) or not 1 <= dial_digits <= _MAX_DIAL_DIGITS:
        raise DialDigitsInvalid(
            f"表盘位数须为 1–{_MAX_DIAL_DIGITS} 的整数 / The dial's digit count must be a whole number "
            f"from 1 to {_MAX_DIAL_DIGITS}",
            field="dial_digits",
        )
    return 10**dial_digits * _MILLI


def _check_shape(reading: Reading) -> None:
    if reading.kind not in READING_KINDS:
        raise ReadingInvalid(
            f"抄表类型须为{'、'.join(zh for zh, _ in READING_KIND_LABELS.values())}之一 / "
            f"The reading kind must be one of {', '.join(READING_KINDS)}",
            field="kind",
        )
    if reading.value_milli < 0:
        raise ReadingNegative("读数不能为负数 / A reading cannot be negative", field="value")
    if reading.kind == "replacement":
        if not (reading.new_serial or "").strip():
            raise ReplacementIncomplete("换表须填写新表表号 / A replacement needs the new meter's serial",
                                        field="new_serial")
        if reading.new_initial_milli is None:
            raise ReplacementIncomplete("换表须填写新表底数 / A replacement needs the new meter's initial value",
                                        field="new_initial_value")
        if reading.new_initial_milli < 0:
            raise ReadingNegative("新表底数不能为负数 / The new meter's initial value cannot be negative",
                                  field="new_initial_value")
    elif reading.new_serial is not None or reading.new_initial_milli is not None:
        # A new serial on an ordinary reading is a replacement someone forgot to mark: the next
        # reading would be measured from the wrong meter.
        raise ReadingInvalid("只有换表才填写新表信息 / Only a replacement has a new meter", field="kind")
    if reading.kind == "rollover" and reading.dial_digits is None:
        raise DialDigitsInvalid("翻转须注明表盘位数 / A rollover needs the dial's digit count", field="dial_digits")
    if reading.dial_digits is not None and reading.value_milli >= dial_milli(dial_digits=reading.dial_digits):
        refusal = RolloverImplausible if reading.kind == "rollover" else ReadingBeyondDial
        raise refusal(
            f"读数 {format_volume_l(reading.value_milli)} 超出 {reading.dial_digits} 位表盘 / "
            f"The reading {format_volume_l(reading.value_milli)} is more than a {reading.dial_digits}-digit dial shows",
            field="value",
        )


def consumption(*, history: Sequence[Reading], reading: Reading) -> int:
    """The volume the reading measures since the last one of ``history`` (date order, opening first).

    Measured from the previous reading, estimated or not, so estimates telescope away: the sum
    over any stretch is the dial distance between its measured ends. Negative only when an
    actual reading comes in below an estimate (an over-estimate, see ``billed_volumes``); a
    value below the last *measured* one is refused unless it is a rollover. Rollover: (10**digits × 1000 − previous) + value.
    """
    if not history:
        raise NoHistoryToEstimate("没有表底数 / The meter has no opening value", field="value")
    last_measured = next((earlier for earlier in reversed(history) if earlier.measured), history[0])
    return _volume(previous=history[-1], last_measured=last_measured, reading=reading)


def _volume(*, previous: Reading, last_measured: Reading, reading: Reading) -> int:
    _check_shape(reading)
    if reading.read_date <= previous.read_date:
        raise ReadingBeforeLast(
            f"抄表日期须晚于上次抄表日期 {previous.read_date.isoformat()} / "
            f"The reading must be dated after the last one, {previous.read_date.isoformat()}",
            field="read_on",
        )
    floor = last_measured.baseline_milli
    if reading.kind == "rollover":
        if reading.value_milli >= floor:
            raise NotARollover(
                f"翻转读数须低于上次读数 {format_volume_l(floor)} / "
                f"A rollover reading must be below the last one, {format_volume_l(floor)}",
                field="value",
            )
        dial = dial_milli(dial_digits=reading.dial_digits or 0)
        if previous.baseline_milli >= dial:
            raise RolloverImplausible(
                f"上次读数 {format_volume_l(previous.baseline_milli)} 超出表盘，无法翻转 / "
                f"The last reading {format_volume_l(previous.baseline_milli)} is beyond the dial: no rollover can follow it",
                field="value",
            )
        return dial - previous.baseline_milli + reading.value_milli
    if reading.value_milli < floor:
        raise ReadingBackwards(
            f"读数 {format_volume_l(reading.value_milli)} 低于上次读数 {format_volume_l(floor)}；如已翻转或换表请注明 / "
            f"The reading {format_volume_l(reading.value_milli)} is below the last one, {format_volume_l(floor)}; "
            "record a rollover or a meter replacement if there was one",
            field="value",
        )
    if reading.kind == "estimated" and reading.value_milli < previous.baseline_milli:
        # Estimates only go up; a lower one would bill a negative volume nobody measured.
        raise ReadingBackwards(
            f"估抄读数不能低于上次读数 {format_volume_l(previous.baseline_milli)} / "
            f"An estimate cannot be below the last reading, {format_volume_l(previous.baseline_milli)}",
            field="value",
        )
    return reading.value_milli - previous.baseline_milli


def check_reading(*, history: Sequence[Reading], reading: Reading, today: dt.date) -> int:
    """A new reading checked against the meter's history and today; the volume it measures.

    Refused: dated after today (``reading.in_future``), and every refusal of ``consumption``.
    """
    if reading.read_date > today:
        raise ReadingInFuture(
            f"抄表日期 {reading.read_date.isoformat()} 晚于今天 / The reading date "
            f"{reading.read_date.isoformat()} is in the future",
            field="read_on",
        )
    return consumption(history=history, reading=reading)


def billed_volumes(*, readings: Sequence[Reading]) -> tuple[BilledVolume, ...]:
    """The volume each reading after the first bills, with the true-up of estimates made explicit.

    Each period is measured from the previous reading, estimated or not, so when the next
    actual reading comes the period bills the actual volume since the last *actual* reading
    minus what the estimates in between already billed: the true-up is automatic.

    An over-estimate (the actual reading below the estimated one) is not billed as a negative
    line: the period bills zero and the excess is carried as a credit volume, set off against
    the next periods' volumes until used up. A utility does this because a bill line prices a
    volume through the year's cumulative tiers, and a negative volume has no tier to be priced
    in (the estimate may have been billed in a tier the year has since left); a wrong bill is
    corrected by reversal and a new bill (R-BL-03), not by a negative line on a later one. So
    no bill has a negative volume, and over any stretch billed − credit = dial distance.
    """
    results: list[BilledVolume] = []
    credit = 0
    for previous, last_measured, reading in _steps(readings):
        measured = _volume(previous=previous, last_measured=last_measured, reading=reading)
        if measured < 0:
            billed, credit = 0, credit - measured
        else:
            billed, credit = max(0, measured - credit), max(0, credit - measured)
        results.append(BilledVolume(reading=reading, measured_milli=measured, billed_milli=billed, credit_milli=credit))
    return tuple(results)


def _steps(readings: Sequence[Reading]) -> list[tuple[Reading, Reading, Reading]]:
    """(previous, last measured before it, reading) for each reading after the first."""
    steps = []
    last_measured = readings[0] if readings else None
    for previous, reading in zip(readings, readings[1:]):
        if previous.measured:
            last_measured = previous
        assert last_measured is not None
        steps.append((previous, last_measured, reading))
    return steps


def _measured_periods(readings: Sequence[Reading]) -> list[tuple[int, int]]:
    """(volume, days) between consecutive measured readings: estimates in between telescope away."""
    periods: list[tuple[int, int]] = []
    start = readings[0]
    volume = 0
    for previous, last_measured, reading in _steps(readings):
        volume += _volume(previous=previous, last_measured=last_measured, reading=reading)
        if reading.measured:
            periods.append((volume, (reading.read_date - start.read_date).days))
            start, volume = reading, 0
    return periods


def estimate(*, readings: Sequence[Reading], on: dt.date, periods: int = 3) -> Reading:
    """An estimated reading (估抄) for ``on``: the average daily consumption of the last
    ``periods`` measured periods (weighted by their days) times the days since the last reading.

    Rounded down to the thousandth: an estimate never bills a litre nobody has shown was used.
    It stops one thousandth short of the dial's end: an estimate never rolls over, and when
    the real dial has wrapped, the next actual reading is a rollover from the estimate.
    """
    if not readings:
        raise NoHistoryToEstimate("没有表底数，无法估抄 / No opening value to estimate from", field="value")
    last = readings[-1]
    days = (on - last.read_date).days
    if days <= 0:
        raise ReadingBeforeLast(
            f"估抄日期须晚于上次抄表日期 {last.read_date.isoformat()} / "
            f"An estimate must be dated after the last reading, {last.read_date.isoformat()}",
            field="read_on",
        )
    if periods < 1:
        raise ValueError(f"periods must be at least 1, not {periods}")
    recent = _measured_periods(readings)[-periods:]
    total_days = sum(d for _, d in recent)
    if not total_days:
        raise NoHistoryToEstimate(
            "没有实抄用量可供估抄 / No measured consumption to estimate from", field="value"
        )
    volume = sum(v for v, _ in recent) * days // total_days
    value = last.baseline_milli + max(0, volume)
    # After a replacement the dial is the new meter's, which this history does not describe.
    digits = last.dial_digits if last.kind != "replacement" else None
    if digits is not None:
        value = min(value, dial_milli(dial_digits=digits) - 1)
    return Reading(value_milli=value, read_date=on, kind="estimated", dial_digits=digits)


def flags(*, readings: Sequence[Reading], policy: AbnormalPolicy = AbnormalPolicy()) -> tuple[Flag, ...]:
    """Why the last of ``readings`` (a checked history, opening first) is abnormal; () if it is not.

    Only a measured reading is judged (an estimate is ours, not the dial's), over the measured
    periods, so a stretch of estimates counts as the one period it really is. After periods
    without any consumption, any consumption is a jump: a meter that stood still and now moves
    is worth a look. The first period of a meter has nothing to compare with and is never a
    jump. An abnormal
    reading is accepted, not refused: the caller stores these flags with it, it waits in the
    review queue, and no bill is issued from it until a person has reviewed it.
    """
    if len(readings) < 2 or not readings[-1].measured:
        return ()
    periods = _measured_periods(readings)
    found: list[Flag] = []
    *earlier, (volume, days) = periods
    recent = earlier[-policy.jump_periods:] if policy.jump_periods > 0 else []
    recent_volume = sum(v for v, _ in recent)
    recent_days = sum(d for _, d in recent)
    # volume/days > factor × recent_volume/recent_days, cross-multiplied to stay exact.
    if recent_days and volume * recent_days > policy.jump_factor * recent_volume * days:
        found.append(JUMP)
    if policy.zero_periods > 0 and len(periods) >= policy.zero_periods and all(
        v == 0 for v, _ in periods[-policy.zero_periods:]
    ):
        found.append(ZERO_RUN)
    return tuple(found)

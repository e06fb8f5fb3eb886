"""Installation fees, price standards, payment plans and the fee ledger (R-CT-05, R-CT-06, R-BL-07)."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from contracts.fees import (
    SINGLE_PAYMENT_STEP,
    DuplicatePriceItem,
    FeeLine,
    FeeMismatch,
    InvalidPayment,
    InvalidPeriod,
    InvalidQuantity,
    NoPriceItems,
    Overpayment,
    PaymentPlanInvalid,
    PeriodOverlap,
    PlannedInstallment,
    PriceItem,
    PriceItemsInvalid,
    StandardPeriod,
    UnknownPriceItem,
    check_amount,
    check_new_period,
    check_payment,
    check_payment_plan,
    check_price_items,
    fee_lines,
    fee_total,
    outstanding_fen,
    standard_in_force,
)
from crm.common.fields import InvalidFields
from crm.common.money import format_yuan
from crm.errors import Conflict, InvalidInput

PIPE = PriceItem(code="PIPE-DN20", name="镀锌管 DN20", unit="米", unit_price_fen=3_333)
METER = PriceItem(code="METER-G25", name="G2.5 燃气表", unit="只", unit_price_fen=45_000)
HOOKUP = PriceItem(code="HOOKUP", name="户内安装", unit="户", unit_price_fen=180_000)
ITEMS = {item.code: item for item in (PIPE, METER, HOOKUP)}

JAN_1 = dt.date(2026, 1, 1)
JUL_1 = dt.date(2026, 7, 1)
JAN_1_NEXT = dt.date(2027, 1, 1)


def _period(code: str, version: int, start: dt.date, end: dt.date | None) -> StandardPeriod:
    return StandardPeriod(code=code, version=version, effective_from=start, effective_to=end)


def _plan_errors(kind: str, installments: list[PlannedInstallment], amount_fen: int) -> dict[str, str]:
    with pytest.raises(PaymentPlanInvalid) as caught:
        check_payment_plan(kind=kind, installments=installments, amount_fen=amount_fen)
    return {error.field: error.code for error in caught.value.errors}


class TestFeeLines:
    def test_each_line_is_unit_price_times_quantity(self) -> None:
        """R-CT-06: fees come from the price standard, not from the clerk."""

        lines = fee_lines(items=ITEMS, requested=[("METER-G25", 1_000), ("HOOKUP", 1_000)])

        assert lines == (
            FeeLine("METER-G25", "G2.5 燃气表", "只", 45_000, 1_000, 45_000),
            FeeLine("HOOKUP", "户内安装", "户", 180_000, 1_000, 180_000),
        )
        assert fee_total(lines=lines) == 225_000

    @pytest.mark.parametrize(
        ("unit_price_fen", "quantity_milli", "amount_fen"),
        [
            (1, 500, 1),  # exactly half a fen rounds up
            (1, 499, 0),
            (3, 500, 2),  # 1.5 fen → 2
            (5, 500, 3),  # 2.5 fen → 3, not banker's 2
            (3_333, 12_500, 41_663),  # 12.5 m × ¥33.33 = 416.625 yuan → ¥416.63
            (3_333, 1, 3),  # 3.333 fen → 3
        ],
    )
    def test_amounts_round_half_up_to_the_fen(self, unit_price_fen: int, quantity_milli: int, amount_fen: int) -> None:
        """R-CT-06: explicit ROUND_HALF_UP wherever money is divided."""
        items = {"X": PriceItem(code="X", name="测试", unit="米", unit_price_fen=unit_price_fen)}

        (line,) = fee_lines(items=items, requested=[("X", quantity_milli)])

        assert line.amount_fen == amount_fen

    def test_largest_allowed_line_is_exact(self) -> None:
        """R-CT-06: no float anywhere, even at the limits."""
        items = {"X": PriceItem(code="X", name="测试", unit="米", unit_price_fen=10**11)}

        (line,) = fee_lines(items=items, requested=[("X", 1_000_000_000)])

        assert line.amount_fen == 10**17

    def test_unknown_item_is_refused_with_its_position(self) -> None:
        """R-CT-06: only items of the standard in force can be charged."""

        with pytest.raises(UnknownPriceItem) as caught:
            fee_lines(items=ITEMS, requested=[("PIPE-DN20", 1_000), ("METER-G25", 1_000), ("GOLD", 1_000)])

        assert caught.value.code == "contract.unknown_price_item"
        assert caught.value.field == "price_items[2].code"
        assert isinstance(caught.value, InvalidInput)

    @pytest.mark.parametrize("quantity_milli", [0, -1_000, 1_000_000_001])
    def test_quantity_out_of_range_is_refused(self, quantity_milli: int) -> None:
        """R-CT-06: a quantity is above zero and at most a million units."""

        with pytest.raises(InvalidQuantity) as caught:
            fee_lines(items=ITEMS, requested=[("PIPE-DN20", quantity_milli)])

        assert caught.value.code == "contract.invalid_quantity"
        assert caught.value.field == "price_items[0].quantity_milli"

    def test_quantity_limit_is_inclusive(self) -> None:
        """R-CT-06: exactly 1,000,000 units is still accepted."""

        (line,) = fee_lines(items=ITEMS, requested=[("HOOKUP", 1_000_000_000)])

        assert line.quantity_milli == 1_000_000_000

    def test_the_same_item_twice_is_refused(self) -> None:
        """R-CT-06: one line per item, so the total cannot be padded by accident."""

        with pytest.raises(DuplicatePriceItem) as caught:
            fee_lines(items=ITEMS, requested=[("PIPE-DN20", 1_000), ("PIPE-DN20", 2_000)])

        assert caught.value.code == "contract.duplicate_price_item"
        assert caught.value.field == "price_items[1].code"

    def test_no_items_is_refused(self) -> None:
        """R-CT-06: an installation contract charges something."""

        with pytest.raises(NoPriceItems) as caught:
            fee_lines(items=ITEMS, requested=[])

        assert caught.value.code == "contract.price_items_required"
        assert caught.value.field == "price_items"

    @given(
        prices=st.lists(st.integers(min_value=0, max_value=10**11), min_size=1, max_size=5),
        quantity=st.integers(min_value=1, max_value=1_000_000_000),
    )
    def test_a_line_is_never_more_than_half_a_fen_off(self, prices: list[int], quantity: int) -> None:
        """R-CT-06: rounding only ever happens once per line."""
        items = {f"I{i}": PriceItem(code=f"I{i}", name="项", unit="米", unit_price_fen=p) for i, p in enumerate(prices)}

        lines = fee_lines(items=items, requested=[(code, quantity) for code in items])

        for line in lines:
            assert abs(line.amount_fen * 1000 - line.unit_price_fen * line.quantity_milli) <= 500


class TestCheckAmount:
    def test_no_stated_amount_takes_the_computed_one(self) -> None:
        """R-CT-06: staff cannot adjust fees, so the default is the standard."""

        amount = check_amount(expected_fen=225_000, stated_fen=None)

        assert amount == 225_000

    def test_matching_stated_amount_is_accepted(self) -> None:
        """R-CT-06."""

        amount = check_amount(expected_fen=225_000, stated_fen=225_000)

        assert amount == 225_000

    @pytest.mark.parametrize("stated_fen", [224_999, 225_001])
    def test_one_fen_off_in_either_direction_is_refused(self, stated_fen: int) -> None:
        """R-CT-06: 不得多收或少收任何款项."""

        with pytest.raises(FeeMismatch) as caught:
            check_amount(expected_fen=225_000, stated_fen=stated_fen)

        assert caught.value.code == "contract.fee_mismatch"
        assert caught.value.field == "amount_fen"
        assert "¥2,250.00" in caught.value.message
        assert format_yuan(stated_fen) in caught.value.message
        assert "物价部门标准" in caught.value.message
        assert "budget estimate" in caught.value.message


class TestStandardInForce:
    PERIODS = (
        _period("GAS-INSTALL", 1, JAN_1, JUL_1),
        _period("GAS-INSTALL", 2, JUL_1, None),
        _period("ALARM", 1, JAN_1, JAN_1_NEXT),
    )

    def test_period_is_half_open(self) -> None:
        """R-CT-06: [from, to) — the new version applies from its first day."""

        before = standard_in_force(periods=self.PERIODS, code="GAS-INSTALL", on=dt.date(2026, 6, 30))
        on_the_day = standard_in_force(periods=self.PERIODS, code="GAS-INSTALL", on=JUL_1)

        assert before is not None and before.version == 1
        assert on_the_day is not None and on_the_day.version == 2

    def test_open_ended_period_applies_far_ahead(self) -> None:
        """R-CT-06: None means no successor yet."""

        found = standard_in_force(periods=self.PERIODS, code="GAS-INSTALL", on=dt.date(2040, 1, 1))

        assert found is not None and found.version == 2

    def test_nothing_before_the_first_period(self) -> None:
        """R-CT-06: a contract dated before any standard has no price."""

        found = standard_in_force(periods=self.PERIODS, code="GAS-INSTALL", on=dt.date(2025, 12, 31))

        assert found is None

    def test_code_selects_the_standard(self) -> None:
        """R-CT-06: standards of different codes run side by side."""

        found = standard_in_force(periods=self.PERIODS, code="ALARM", on=JUL_1)
        gone = standard_in_force(periods=self.PERIODS, code="ALARM", on=JAN_1_NEXT)

        assert found is not None and found.code == "ALARM"
        assert gone is None

    def test_without_code_the_most_recent_start_wins(self) -> None:
        """R-CT-06: documented tie-break when several codes are in force."""

        found = standard_in_force(periods=self.PERIODS, on=dt.date(2026, 8, 1))

        assert found == _period("GAS-INSTALL", 2, JUL_1, None)


class TestNewPeriod:
    EXISTING = (_period("GAS-INSTALL", 1, JAN_1, JUL_1),)

    def test_adjacent_period_is_accepted(self) -> None:
        """R-CT-06: [from, to) lets a new version start the day the old one ends."""

        check_new_period(existing=self.EXISTING, new=_period("GAS-INSTALL", 2, JUL_1, None))

    def test_other_code_may_overlap(self) -> None:
        """R-CT-06: overlap is only a problem within one standard."""

        check_new_period(existing=self.EXISTING, new=_period("ALARM", 1, JAN_1, None))

    @pytest.mark.parametrize(
        ("start", "end"),
        [
            (dt.date(2026, 6, 30), None),
            (dt.date(2025, 1, 1), dt.date(2026, 1, 2)),
            (dt.date(2026, 3, 1), dt.date(2026, 4, 1)),
            (dt.date(2025, 1, 1), None),
        ],
    )
    def test_overlapping_period_of_the_same_code_is_refused(self, start: dt.date, end: dt.date | None) -> None:
        """R-CT-06: one price per item per day."""

        with pytest.raises(PeriodOverlap) as caught:
            check_new_period(existing=self.EXISTING, new=_period("GAS-INSTALL", 2, start, end))

        assert caught.value.code == "price_standard.overlap"
        assert isinstance(caught.value, Conflict)

    def test_open_ended_existing_period_overlaps_anything_later(self) -> None:
        """R-CT-06: close the old version before adding a new one."""
        existing = (_period("GAS-INSTALL", 1, JAN_1, None),)

        with pytest.raises(PeriodOverlap):
            check_new_period(existing=existing, new=_period("GAS-INSTALL", 2, dt.date(2030, 1, 1), None))

    @pytest.mark.parametrize("end", [JAN_1, dt.date(2025, 12, 31)])
    def test_empty_or_backwards_period_is_refused(self, end: dt.date) -> None:
        """R-CT-06: the end date is exclusive, so it must come after the start."""

        with pytest.raises(InvalidPeriod) as caught:
            check_new_period(existing=(), new=_period("GAS-INSTALL", 1, JAN_1, end))

        assert caught.value.code == "price_standard.invalid_period"
        assert caught.value.field == "effective_to"


class TestPriceItems:
    def test_valid_items_pass(self) -> None:
        """R-CT-06: a well-formed standard is accepted."""

        check_price_items(items=list(ITEMS.values()))

    def test_empty_standard_is_refused(self) -> None:
        """R-CT-06."""

        with pytest.raises(PriceItemsInvalid) as caught:
            check_price_items(items=[])

        assert caught.value.code == "price_standard.items_required"
        assert caught.value.field == "items"
        assert isinstance(caught.value, InvalidFields)

    def test_every_bad_item_is_reported_at_once(self) -> None:
        """R-CT-06: finance sees every wrong row in one go."""
        items = [
            PIPE,
            PriceItem(code="", name=" ", unit="", unit_price_fen=100),
            PriceItem(code="pipe dn20", name="管", unit="米", unit_price_fen=100),
            PriceItem(code="PIPE-DN20", name="管", unit="米", unit_price_fen=-1),
            PriceItem(code="BIG", name="贵", unit="项", unit_price_fen=10**11 + 1),
        ]

        with pytest.raises(PriceItemsInvalid) as caught:
            check_price_items(items=items)

        found = {(error.field, error.code) for error in caught.value.errors}
        assert found == {
            ("items[1].code", "validation.required"),
            ("items[1].name", "validation.required"),
            ("items[1].unit", "validation.required"),
            ("items[2].code", "price_standard.invalid_code"),
            ("items[3].code", "price_standard.duplicate_item"),
            ("items[3].unit_price_fen", "price_standard.invalid_price"),
            ("items[4].unit_price_fen", "price_standard.invalid_price"),
        }

    @pytest.mark.parametrize("code", ["A", "0", "PIPE_DN-20", "A" * 32])
    def test_codes_of_capitals_digits_dash_underscore_are_accepted(self, code: str) -> None:
        """R-CT-06: codes are typed into forms and printed on contracts."""

        check_price_items(items=[PriceItem(code=code, name="项", unit="米", unit_price_fen=0)])

    @pytest.mark.parametrize("code", ["-A", "_A", "A" * 33, "管道", "A B"])
    def test_other_codes_are_refused(self, code: str) -> None:
        """R-CT-06."""

        with pytest.raises(PriceItemsInvalid) as caught:
            check_price_items(items=[PriceItem(code=code, name="项", unit="米", unit_price_fen=0)])

        assert caught.value.code == "price_standard.invalid_code"
        assert caught.value.field == "items[0].code"


class TestPaymentPlan:
    STEPS = [
        PlannedInstallment(due_date=dt.date(2026, 3, 1), amount_fen=100_000, step="签订合同预付"),
        PlannedInstallment(due_date=dt.date(2026, 4, 1), amount_fen=100_000, step="管道铺设完成"),
        PlannedInstallment(due_date=dt.date(2026, 5, 1), amount_fen=25_000, step=" 通气验收 "),
    ]

    def test_single_payment_without_schedule_is_one_full_installment(self) -> None:
        """R-BL-07: every contract amount has something to collect against."""

        plan = check_payment_plan(kind="single", installments=[], amount_fen=225_000)

        assert plan == (PlannedInstallment(due_date=None, amount_fen=225_000, step=SINGLE_PAYMENT_STEP),)
        assert SINGLE_PAYMENT_STEP == "全额付款"

    def test_single_payment_with_one_matching_installment_is_kept(self) -> None:
        """R-BL-07."""
        only = PlannedInstallment(due_date=dt.date(2026, 3, 1), amount_fen=225_000, step="一次付清")

        plan = check_payment_plan(kind="single", installments=[only], amount_fen=225_000)

        assert plan == (only,)

    def test_single_payment_that_does_not_match_is_refused(self) -> None:
        """R-CT-06: the schedule cannot change the fee."""
        only = PlannedInstallment(due_date=None, amount_fen=224_999, step="一次付清")

        errors = _plan_errors("single", [only], 225_000)

        assert errors == {"payment_plan.installments": "contract.installments_sum_mismatch"}

    def test_single_payment_with_two_installments_is_refused(self) -> None:
        """R-CT-04: splitting a payment is what brings in the VP, so it must say so."""

        errors = _plan_errors("single", self.STEPS[:2], 200_000)

        assert errors == {"payment_plan.installments": "contract.single_payment_installments"}

    def test_installments_are_returned_with_steps_stripped(self) -> None:
        """R-CT-05: 分批付款合同一定要明确交款期限和工程安装内容步骤."""

        plan = check_payment_plan(kind="installments", installments=self.STEPS, amount_fen=225_000)

        assert [p.step for p in plan] == ["签订合同预付", "管道铺设完成", "通气验收"]
        assert sum(p.amount_fen for p in plan) == 225_000

    def test_installments_that_do_not_add_up_are_refused(self) -> None:
        """R-CT-06: not one fen more or less than the contract."""

        with pytest.raises(PaymentPlanInvalid) as caught:
            check_payment_plan(kind="installments", installments=self.STEPS, amount_fen=225_001)

        assert caught.value.code == "contract.installments_sum_mismatch"
        assert caught.value.field == "payment_plan.installments"
        assert "¥2,250.00" in caught.value.message and "¥2,250.01" in caught.value.message

    def test_every_installment_problem_is_reported_at_once(self) -> None:
        """R-CT-05: due date, step and amount for each entry, then the sum."""
        installments = [
            PlannedInstallment(due_date=None, amount_fen=100_000, step="预付"),
            PlannedInstallment(due_date=dt.date(2026, 4, 1), amount_fen=0, step="  "),
            PlannedInstallment(due_date=dt.date(2026, 4, 1), amount_fen=100_000, step="验收"),
        ]

        with pytest.raises(PaymentPlanInvalid) as caught:
            check_payment_plan(kind="installments", installments=installments, amount_fen=225_000)

        assert [(e.field, e.code) for e in caught.value.errors] == [
            ("payment_plan.installments[0].due_date", "contract.installment_due_date_missing"),
            ("payment_plan.installments[1].step", "contract.installment_step_missing"),
            ("payment_plan.installments[1].amount_fen", "contract.installment_amount_invalid"),
            ("payment_plan.installments[2].due_date", "contract.installment_order"),
            ("payment_plan.installments", "contract.installments_sum_mismatch"),
        ]
        assert isinstance(caught.value, InvalidFields)

    def test_installments_without_due_dates_are_refused(self) -> None:
        """R-CT-05: 交款期限 is required for every installment."""
        installments = [PlannedInstallment(due_date=None, amount_fen=100, step=f"第{i}步") for i in range(2)]

        errors = _plan_errors("installments", installments, 200)

        assert errors == {
            "payment_plan.installments[0].due_date": "contract.installment_due_date_missing",
            "payment_plan.installments[1].due_date": "contract.installment_due_date_missing",
        }

    def test_due_dates_must_strictly_increase(self) -> None:
        """R-CT-05: a schedule is read in order."""
        installments = [
            PlannedInstallment(due_date=dt.date(2026, 5, 1), amount_fen=100, step="一"),
            PlannedInstallment(due_date=dt.date(2026, 3, 1), amount_fen=100, step="二"),
        ]

        errors = _plan_errors("installments", installments, 200)

        assert errors == {"payment_plan.installments[1].due_date": "contract.installment_order"}

    @pytest.mark.parametrize("count", [0, 1])
    def test_fewer_than_two_installments_are_refused(self, count: int) -> None:
        """R-CT-05: one installment is a single payment."""

        errors = _plan_errors("installments", self.STEPS[:count], 100_000 * count)

        assert errors == {"payment_plan.installments": "contract.installments_too_few"}

    def test_unknown_kind_is_refused(self) -> None:
        """R-CT-05."""

        errors = _plan_errors("monthly", [], 100)

        assert errors == {"payment_plan.kind": "contract.unknown_payment_kind"}

    def test_kind_none_has_an_empty_schedule(self) -> None:
        """R-BL-07: a contract without a fee, such as a supply contract, owes nothing."""

        plan = check_payment_plan(kind="none", installments=[], amount_fen=0)

        assert plan == ()

    def test_kind_none_with_an_amount_is_refused(self) -> None:
        """R-BL-07: money never sits unscheduled."""

        errors = _plan_errors("none", [], 100)

        assert errors == {"payment_plan.kind": "contract.unexpected_payment"}


class TestLedger:
    def test_outstanding_is_due_minus_paid(self) -> None:
        """R-BL-07: feeds "installation fees unsettled" into the chain."""

        owed = outstanding_fen(due_fen=225_000, paid_fen=100_000)

        assert owed == 125_000

    @pytest.mark.parametrize(("due_fen", "paid_fen"), [(100, 101), (-1, 0), (100, -1)])
    def test_impossible_ledger_is_a_bug_not_input(self, due_fen: int, paid_fen: int) -> None:
        """R-BL-07: check_payment never lets a ledger get there."""

        with pytest.raises(ValueError):
            outstanding_fen(due_fen=due_fen, paid_fen=paid_fen)

    def test_paying_exactly_the_outstanding_amount_is_accepted(self) -> None:
        """R-BL-07."""

        check_payment(amount_fen=125_000, outstanding_fen=125_000)

    def test_paying_more_than_owed_is_refused(self) -> None:
        """R-BL-07: an overpayment is not a payment."""

        with pytest.raises(Overpayment) as caught:
            check_payment(amount_fen=125_001, outstanding_fen=125_000)

        assert caught.value.code == "ledger.overpayment"
        assert caught.value.field == "amount_fen"
        assert "¥1,250.00" in caught.value.message

    def test_paying_a_settled_ledger_is_refused(self) -> None:
        """R-BL-07."""

        with pytest.raises(Overpayment) as caught:
            check_payment(amount_fen=1, outstanding_fen=0)

        assert "已结清" in caught.value.message

    @pytest.mark.parametrize("amount_fen", [0, -100])
    def test_zero_or_negative_payment_is_refused(self, amount_fen: int) -> None:
        """R-BL-07: refunds are not payments."""

        with pytest.raises(InvalidPayment) as caught:
            check_payment(amount_fen=amount_fen, outstanding_fen=125_000)

        assert caught.value.code == "ledger.invalid_amount"
        assert caught.value.field == "amount_fen"

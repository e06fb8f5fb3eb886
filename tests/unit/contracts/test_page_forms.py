"""The contract draft form's reading of browser text and its mapping of service errors to form rows."""

from __future__ import annotations

from decimal import Decimal

import pytest

from contracts import page_forms
from crm.accounts.customer_rules import FieldError, InvalidFields
from crm.errors import InvalidInput


def _form(**fields: str) -> dict[str, str]:
    base = {"type": "installation", "account_no": "11000000013", "terms": "条款", "payment_kind": "single"}
    base.update(fields)
    return base


class TestParseFen:
    @pytest.mark.parametrize(
        ("typed", "fen"),
        [("3868.75", 386_875), ("3,868.75", 386_875), ("¥3868.7", 386_870), (" 12 ", 1_200), ("", None), ("0", 0)],
    )
    def test_yuan_as_typed_become_exact_fen(self, typed, fen):
        assert page_forms.parse_fen(typed) == fen

    @pytest.mark.parametrize("typed", ["1.234", "-5", "1e3", "NaN", "十元", "1.2.3"])
    def test_anything_else_is_unreadable(self, typed):
        with pytest.raises(ValueError):
            page_forms.parse_fen(typed)


class TestToCreate:
    def test_filled_price_rows_become_price_items_in_form_order(self):
        draft = page_forms.read_form(_form(**{"qty-GD-DN25": "12.5", "qty-BJ-01": "", "qty-AZ-RES": "1"}))

        submitted, errors = page_forms.to_create(draft)

        assert errors == {}
        assert [(i.code, i.quantity) for i in submitted.data.price_items] == [("GD-DN25", Decimal("12.5")), ("AZ-RES", Decimal("1"))]
        assert submitted.item_codes == ("GD-DN25", "AZ-RES")

    def test_a_single_payment_leaves_the_plan_to_the_contract_family(self):
        draft = page_forms.read_form(_form(**{"inst-0-due_date": "2027-01-31"}))

        submitted, _ = page_forms.to_create(draft)

        assert submitted.data.payment_plan is None

    def test_installments_skip_empty_rows_and_remember_which_row_each_came_from(self):
        draft = page_forms.read_form(_form(
            payment_kind="installments",
            **{"inst-0-due_date": "2027-01-31", "inst-0-amount": "100", "inst-0-step": "敷设",
               "inst-2-due_date": "", "inst-2-amount": "50.5", "inst-2-step": "通气"},
        ))

        submitted, errors = page_forms.to_create(draft)

        assert errors == {}
        plan = submitted.data.payment_plan
        assert [(i.due_date, i.amount_fen, i.step) for i in plan.installments] == [
            (page_forms.parse_date("2027-01-31"), 10_000, "敷设"), (None, 5_050, "通气")]
        assert submitted.installment_rows == (0, 2)

    def test_unreadable_values_are_reported_per_field_without_a_request(self):
        draft = page_forms.read_form(_form(amount="abc", daily_volume_m3="1.5", **{"qty-AZ-RES": "x"}))

        submitted, errors = page_forms.to_create(draft)

        assert submitted is None
        assert set(errors) == {"amount", "daily_volume_m3", "qty-AZ-RES"}


class TestFormErrors:
    def test_service_fields_map_back_to_the_rows_of_the_form(self):
        draft = page_forms.read_form(_form(
            payment_kind="installments",
            **{"qty-AZ-RES": "1", "qty-GD-DN25": "0", "inst-1-amount": "10", "inst-3-amount": "20"},
        ))
        submitted, _ = page_forms.to_create(draft)
        exc = InvalidFields([
            FieldError("c", "数量 / quantity", "price_items[1].quantity_milli"),
            FieldError("c", "期限 / due", "payment_plan.installments[1].due_date"),
            FieldError("c", "金额 / amount", "payment_plan.installments[0].amount_fen"),
            FieldError("c", "合计 / sum", "payment_plan.installments"),
            FieldError("c", "多收 / fee", "amount_fen"),
            FieldError("c", "未知 / other", "something_else"),
        ])

        errors = page_forms.form_errors(exc, submitted)

        assert list(errors) == ["qty-GD-DN25", "inst-3-due_date", "inst-1-amount", "installments", "amount", "_form"]

    def test_a_single_error_without_a_field_goes_to_the_form(self):
        submitted, _ = page_forms.to_create(page_forms.read_form(_form()))

        assert page_forms.form_errors(InvalidInput("不行 / No"), submitted) == {"_form": "不行 / No"}

    def test_error_labels_name_the_row_a_clerk_sees(self):
        assert page_forms.error_label("inst-2-due_date") == ("第 3 期交款期限", "Installment 3 due date")
        assert page_forms.error_label("qty-AZ-RES") == ("收费项目 AZ-RES 的数量", "Quantity of AZ-RES")
        assert page_forms.error_label("_form") is None

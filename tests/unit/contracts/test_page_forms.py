"""The contract draft form's reading of browser text and its mapping of service errors to form rows."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from contracts import page_forms, schemas
from crm.common.fields import FieldError, InvalidFields
from crm.common.money import parse_yuan
from crm.errors import InvalidInput


def _form(**fields: str) -> dict[str, str]:
    base = {"type": "installation", "account_no": "11000000013", "terms": "条款", "payment_kind": "single"}
    base.update(fields)
    return base


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


def _contract(**overrides) -> schemas.Contract:
    """A saved installation draft in two installments, as get_contract returns it."""
    at = dt.datetime(2026, 11, 20, 9, 30, tzinfo=dt.timezone.utc)
    fields = dict(
        contract_no="HT-DC-2026-00001", type="installation", type_label="安装合同", family="installation",
        status="draft", status_label="草稿", status_reason="请增加报警器", account_no="11000000013",
        customer_name="测试餐饮有限公司", branch="DC", amount_fen=386_875, paid_fen=0, fee_basis="price_standard",
        price_standard="JZ-2026@1", budget_estimate_ref=None, payment_kind="installments",
        fee_lines=[schemas.FeeLineOut(code="AZ-RES", name="居民户内安装", unit="户", unit_price_fen=280_000,
                                      quantity="1", amount_fen=280_000),
                   schemas.FeeLineOut(code="GD-DN25", name="DN25", unit="米", unit_price_fen=8_550,
                                      quantity="12.5", amount_fen=106_875)],
        installments=[schemas.InstallmentOut(seq=1, due_date=dt.date(2026, 12, 31), amount_fen=193_437, paid_fen=0,
                                             step="户内管道敷设"),
                      schemas.InstallmentOut(seq=2, due_date=dt.date(2027, 3, 31), amount_fen=193_438, paid_fen=0,
                                             step="表具安装及通气验收")],
        terms="条款", construction_period_days=30, planning_estimate_ref="GH-7", annual_volume_m3=None,
        daily_volume_m3=None, property_dispute=True, market_data_ref=None, finance_data_ref=None,
        approval_round=1, approval_chain=[], approval_history=[], drafted_by="frontdesk", drafted_by_name="王丽",
        drafted_at=at, submitted_at=at, signed_by=None, signed_by_name=None, signed_at=None, payments=[],
        version=4, updated_at=at,
    )
    fields.update(overrides)
    return schemas.Contract(**fields)


class TestFromContract:
    def test_the_edit_form_reads_back_as_the_saved_request(self):
        """What the form is filled with is what the services were given: nothing lost on the way round."""
        draft = page_forms.from_contract(_contract())

        submitted, errors = page_forms.to_create(draft)

        assert errors == {}
        data = submitted.data
        assert (data.type, data.account_no, data.amount_fen) == ("installation", "11000000013", None)
        assert [(i.code, i.quantity) for i in data.price_items] == [("AZ-RES", Decimal("1")), ("GD-DN25", Decimal("12.5"))]
        assert [(i.due_date, i.amount_fen, i.step) for i in data.payment_plan.installments] == [
            (dt.date(2026, 12, 31), 193_437, "户内管道敷设"), (dt.date(2027, 3, 31), 193_438, "表具安装及通气验收")]
        assert (data.construction_period_days, data.planning_estimate_ref, data.property_dispute) == (30, "GH-7", True)
        assert data.annual_volume_m3 is None and data.market_data_ref is None
        assert page_forms.expected_version(draft) == 4

    def test_a_single_payment_fills_no_installment_rows(self):
        draft = page_forms.from_contract(_contract(payment_kind="single"))

        assert draft.values["payment_kind"] == "single"
        assert len(draft.installments) == page_forms.INSTALLMENT_ROWS
        assert not any(value for row in draft.installments for value in row.values())

    def test_a_plan_longer_than_the_blank_form_keeps_every_row_and_one_spare(self):
        rows = [schemas.InstallmentOut(seq=n, due_date=dt.date(2027, n, 1), amount_fen=100, paid_fen=0, step=f"第{n}步")
                for n in range(1, 7)]
        draft = page_forms.from_contract(_contract(installments=rows))
        posted = {page_forms.installment_field(row, name): value
                  for row, typed in enumerate(draft.installments) for name, value in typed.items()}

        again = page_forms.read_form({**_form(payment_kind="installments"), **posted})

        assert len(draft.installments) == 7
        assert len(again.installments) == 7 and again.installments[5]["step"] == "第6步"

    def test_an_unreadable_version_is_none(self):
        assert page_forms.expected_version(page_forms.read_form(_form(version="x1"))) is None
        assert page_forms.expected_version(page_forms.read_form(_form())) is None
        assert page_forms.expected_version(page_forms.read_form(_form(version=" 12 "))) == 12

    @pytest.mark.parametrize(("fen", "text"), [(386_875, "3868.75"), (5, "0.05"), (0, "0.00"), (100, "1.00")])
    def test_amounts_are_written_as_the_form_reads_them(self, fen, text):
        rows = [schemas.InstallmentOut(seq=1, due_date=dt.date(2027, 1, 1), amount_fen=fen, paid_fen=0, step="全额")]
        draft = page_forms.from_contract(_contract(installments=rows))

        assert draft.installments[0]["amount"] == text
        assert parse_yuan(text) == fen

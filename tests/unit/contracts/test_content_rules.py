"""Contract content checks (R-CT-05) and take-or-pay eligibility (R-CT-09)."""

from __future__ import annotations

import dataclasses

import pytest

from contracts.content_rules import (
    TAKE_OR_PAY_MIN_ANNUAL_M3,
    TAKE_OR_PAY_MIN_DAILY_M3,
    ContentFacts,
    ContractInvalid,
    TakeOrPayIneligible,
    TakeOrPayInvalid,
    check_content,
    check_take_or_pay,
)
from crm.common.fields import InvalidFields
from crm.errors import InvalidInput

RESIDENTIAL = ContentFacts(
    family="installation",
    customer_category="residential",
    contact_name=None,
    contact_phone_present=False,
    terms="甲方委托乙方安装天然气管道及燃气表一只……",
    construction_period_days=None,
    planning_estimate_ref=None,
)

COLLECTIVE = dataclasses.replace(
    RESIDENTIAL, customer_category="collective", contact_name="李四", contact_phone_present=True
)


def _errors_of(facts: ContentFacts) -> dict[str, str]:
    with pytest.raises(ContractInvalid) as caught:
        check_content(facts=facts)
    return {error.field: error.code for error in caught.value.errors}


def _problems(facts: ContentFacts) -> dict[str, str]:
    """Field -> error code of what check_content refuses; {} when it accepts the draft."""
    try:
        check_content(facts=facts)
    except ContractInvalid as refused:
        return {error.field: error.code for error in refused.errors}
    return {}


def _take_or_pay(**overrides: object) -> str:
    arguments: dict[str, object] = {
        "customer_category": "industrial",
        "annual_volume_m3": None,
        "daily_volume_m3": None,
        "market_data_ref": "SC-2026-001",
        "finance_data_ref": "CW-2026-001",
    }
    arguments.update(overrides)
    return check_take_or_pay(**arguments)  # type: ignore[arg-type]


class TestContent:
    def test_complete_residential_contract_passes(self) -> None:
        """R-CT-05: no contact person needed for a residential customer."""

        problems = _problems(RESIDENTIAL)

        assert problems == {}

    def test_complete_collective_contract_passes(self) -> None:
        """R-CT-05."""

        problems = _problems(COLLECTIVE)

        assert problems == {}

    @pytest.mark.parametrize("terms", [None, "", "  \n "])
    def test_missing_terms_are_refused(self, terms: str | None) -> None:
        """R-CT-05: 主要条款必须清晰完整."""

        errors = _errors_of(dataclasses.replace(RESIDENTIAL, terms=terms))

        assert errors == {"terms": "contract.terms_required"}

    def test_terms_over_20000_characters_are_refused(self) -> None:
        """R-CT-05: terms are a contract, not an attachment dump."""

        errors = _errors_of(dataclasses.replace(RESIDENTIAL, terms="条" * 20_001))

        assert errors == {"terms": "contract.terms_too_long"}

    def test_terms_of_20000_characters_are_accepted(self) -> None:
        """R-CT-05: the limit is inclusive."""

        problems = _problems(dataclasses.replace(RESIDENTIAL, terms="条" * 20_000))

        assert problems == {}

    @pytest.mark.parametrize(
        ("contact_name", "phone_present"), [(None, True), ("  ", True), ("李四", False), (None, False)]
    )
    def test_collective_customer_without_contact_is_refused(
        self, contact_name: str | None, phone_present: bool
    ) -> None:
        """R-CT-05 / R-AC-03: 集体用户必须有联系人姓名和电话."""
        facts = dataclasses.replace(COLLECTIVE, contact_name=contact_name, contact_phone_present=phone_present)

        with pytest.raises(ContractInvalid) as caught:
            check_content(facts=facts)

        assert caught.value.code == "contract.collective_contact_missing"
        assert caught.value.field == "account_no"
        assert "集体用户必须有联系人姓名和电话" in caught.value.message
        assert "customer record" in caught.value.message

    def test_construction_period_needs_the_planning_estimate(self) -> None:
        """R-CT-05: 有工期要求的要经过规划建设部测算."""

        errors = _errors_of(dataclasses.replace(RESIDENTIAL, construction_period_days=30))

        assert errors == {"planning_estimate_ref": "contract.planning_estimate_missing"}

    def test_construction_period_with_estimate_passes(self) -> None:
        """R-CT-05."""

        problems = _problems(
            dataclasses.replace(RESIDENTIAL, construction_period_days=30, planning_estimate_ref="GH-2026-17")
        )

        assert problems == {}

    @pytest.mark.parametrize("days", [0, -5, 3651])
    def test_construction_period_outside_one_day_to_ten_years_is_refused(self, days: int) -> None:
        """R-CT-05."""

        errors = _errors_of(
            dataclasses.replace(RESIDENTIAL, construction_period_days=days, planning_estimate_ref="GH-2026-17")
        )

        assert errors == {"construction_period_days": "contract.invalid_construction_period"}

    @pytest.mark.parametrize("days", [1, 3650])
    def test_construction_period_bounds_are_inclusive(self, days: int) -> None:
        """R-CT-05."""

        problems = _problems(dataclasses.replace(RESIDENTIAL, construction_period_days=days, planning_estimate_ref="GH-1"))

        assert problems == {}

    def test_required_fields_of_the_contract_type_must_be_present(self) -> None:
        """R-CT-05: contract types are data and name their own required fields."""
        facts = dataclasses.replace(
            RESIDENTIAL,
            required_fields=("meter_model", "alarm_location", "start_date"),
            present_fields=frozenset({"start_date"}),
        )

        errors = _errors_of(facts)

        assert errors == {"meter_model": "contract.field_required", "alarm_location": "contract.field_required"}

    def test_every_problem_is_reported_at_once(self) -> None:
        """R-CT-05: the clerk fixes a draft in one pass."""
        facts = dataclasses.replace(
            COLLECTIVE,
            terms=None,
            contact_name=None,
            construction_period_days=0,
            required_fields=("terms", "meter_model"),
        )

        with pytest.raises(ContractInvalid) as caught:
            check_content(facts=facts)

        assert [(e.field, e.code) for e in caught.value.errors] == [
            ("terms", "contract.terms_required"),
            ("account_no", "contract.collective_contact_missing"),
            ("construction_period_days", "contract.invalid_construction_period"),
            ("planning_estimate_ref", "contract.planning_estimate_missing"),
            ("meter_model", "contract.field_required"),
        ]
        assert isinstance(caught.value, InvalidFields)


class TestTakeOrPay:
    def test_thresholds_are_the_regulations(self) -> None:
        """R-CT-09: 300万立方米 a year or 1万立方米 a day."""

        thresholds = (TAKE_OR_PAY_MIN_ANNUAL_M3, TAKE_OR_PAY_MIN_DAILY_M3)

        assert thresholds == (3_000_000, 10_000)

    def test_exactly_3000000_a_year_is_accepted(self) -> None:
        """R-CT-09: 以上(含) — inclusive."""

        basis = _take_or_pay(annual_volume_m3=3_000_000)

        assert basis == "annual_volume"

    def test_exactly_10000_a_day_is_accepted(self) -> None:
        """R-CT-09: 以上(含) — inclusive."""

        basis = _take_or_pay(daily_volume_m3=10_000)

        assert basis == "daily_volume"

    def test_2999999_a_year_is_refused(self) -> None:
        """R-CT-09."""

        with pytest.raises(TakeOrPayIneligible) as caught:
            _take_or_pay(annual_volume_m3=2_999_999, daily_volume_m3=500)

        assert caught.value.code == "contract.take_or_pay_ineligible"
        assert caught.value.field == "annual_volume_m3"
        assert isinstance(caught.value, InvalidInput)

    def test_9999_a_day_is_refused(self) -> None:
        """R-CT-09."""

        with pytest.raises(TakeOrPayIneligible) as caught:
            _take_or_pay(daily_volume_m3=9_999)

        assert caught.value.code == "contract.take_or_pay_ineligible"

    def test_customer_without_volumes_is_refused(self) -> None:
        """R-CT-09: a large customer must show it is large."""

        with pytest.raises(TakeOrPayIneligible):
            _take_or_pay(customer_category="commercial")

    def test_upstream_supplier_is_accepted_without_volumes(self) -> None:
        """R-CT-09: 上游天然气供应商 qualify by category."""

        basis = _take_or_pay(customer_category="upstream_supplier")

        assert basis == "upstream_supplier"

    @pytest.mark.parametrize("field", ["market_data_ref", "finance_data_ref"])
    @pytest.mark.parametrize("value", [None, "", "  "])
    def test_market_and_finance_figures_are_required(self, field: str, value: str | None) -> None:
        """R-CT-09: 由市场部、财务部提供相关信息和数据."""

        with pytest.raises(TakeOrPayInvalid) as caught:
            _take_or_pay(annual_volume_m3=5_000_000, **{field: value})

        assert not isinstance(caught.value, TakeOrPayIneligible)
        assert caught.value.code == "contract.take_or_pay_figures_missing"
        assert caught.value.field == field

    def test_ineligibility_and_missing_figures_are_reported_together(self) -> None:
        """R-CT-09: eligibility first, then every missing figure."""

        with pytest.raises(TakeOrPayIneligible) as caught:
            _take_or_pay(annual_volume_m3=1, market_data_ref=None, finance_data_ref=None)

        assert [(e.field, e.code) for e in caught.value.errors] == [
            ("annual_volume_m3", "contract.take_or_pay_ineligible"),
            ("market_data_ref", "contract.take_or_pay_figures_missing"),
            ("finance_data_ref", "contract.take_or_pay_figures_missing"),
        ]

    @pytest.mark.parametrize("field", ["annual_volume_m3", "daily_volume_m3"])
    def test_negative_volume_is_refused_as_a_typo_not_ineligibility(self, field: str) -> None:
        """R-CT-09: fix the number before judging the customer."""

        with pytest.raises(TakeOrPayInvalid) as caught:
            _take_or_pay(**{field: -1})

        assert not isinstance(caught.value, TakeOrPayIneligible)
        assert caught.value.code == "contract.invalid_volume"
        assert caught.value.field == field

"""Meter and gas-appliance records (R-AC-05)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from crm.common.fields import FieldError
from crm.accounts.meter_rules import (
    APPLIANCE_KIND_LABELS,
    APPLIANCE_KINDS,
    METER_MODELS,
    METER_TYPE_LABELS,
    METER_TYPES,
    ApplianceInput,
    ApplianceInvalid,
    MeterInput,
    MeterInvalid,
    ValidMeter,
    format_volume_l,
    validate_appliance,
    validate_meter,
)
from crm.errors import InvalidInput

TODAY = dt.date(2024, 6, 1)
METER = MeterInput(
    serial="GM2024000123",
    model="G2.5",
    meter_type="diaphragm",
    installed_date=dt.date(2024, 5, 20),
    initial_reading="0",
    seal_no="QF-0001",
)
STOVE = ApplianceInput(kind="stove", brand="方太", model="JZT-FD21BE", installed_date=dt.date(2024, 5, 20))


def _meter_errors(data: MeterInput) -> dict[str, str]:
    with pytest.raises(MeterInvalid) as caught:
        validate_meter(data, today=TODAY)
    return {error.field: error.code for error in caught.value.errors}


class TestTables:
    def test_meter_types_have_chinese_labels(self) -> None:
        """R-AC-05: 膜式表, IC卡表, 智能表."""

        chinese = [METER_TYPE_LABELS[t][0] for t in METER_TYPES]

        assert chinese == ["膜式表", "IC卡表", "智能表"]

    def test_appliance_kinds_have_chinese_labels(self) -> None:
        """R-AC-05: 燃气灶, 热水器, 壁挂炉, 烤箱, 其他."""

        chinese = [APPLIANCE_KIND_LABELS[k][0] for k in APPLIANCE_KINDS]

        assert chinese == ["燃气灶", "热水器", "壁挂炉", "烤箱", "其他"]


class TestValidateMeter:
    def test_complete_meter_is_accepted(self) -> None:
        """R-AC-05: serial, model, type, install date, initial reading, seal no."""

        result = validate_meter(METER, today=TODAY)

        assert result == ValidMeter(
            serial="GM2024000123",
            model="G2.5",
            meter_type="diaphragm",
            installed_date=dt.date(2024, 5, 20),
            initial_reading_l=0,
            seal_no="QF-0001",
        )

    @pytest.mark.parametrize("model", METER_MODELS)
    def test_every_standard_model_is_accepted(self, model: str) -> None:
        """R-AC-05: G1.6 to G100."""

        result = validate_meter(dataclasses.replace(METER, model=model))

        assert result.model == model

    def test_model_and_serial_are_upper_cased(self) -> None:
        """R-AC-05: g2.5 and G2.5 are the same model."""

        result = validate_meter(dataclasses.replace(METER, model=" g2.5 ", serial="gm-001a", seal_no="qf1"))

        assert (result.model, result.serial, result.seal_no) == ("G2.5", "GM-001A", "QF1")

    @pytest.mark.parametrize("model", ["G3", "G2,5", "2.5", "G1000"])
    def test_unknown_model_is_refused(self, model: str) -> None:
        """R-AC-05: only standard sizes."""

        errors = _meter_errors(dataclasses.replace(METER, model=model))

        assert errors == {"model": "meter.invalid_model"}

    @pytest.mark.parametrize("serial", ["ABC", "A" * 33, "GM 001", "GM_001", "-GM001", "GM001-"])
    def test_malformed_serial_is_refused(self, serial: str) -> None:
        """R-AC-05: 4-32 letters, digits or inner dashes."""

        errors = _meter_errors(dataclasses.replace(METER, serial=serial))

        assert errors == {"serial": "meter.invalid_serial"}

    def test_unknown_type_is_refused(self) -> None:
        """R-AC-05: diaphragm, IC card or smart."""

        errors = _meter_errors(dataclasses.replace(METER, meter_type="ultrasonic"))

        assert errors == {"meter_type": "meter.invalid_type"}

    def test_malformed_seal_number_is_refused(self) -> None:
        """R-AC-05: seal numbers are printed codes."""

        errors = _meter_errors(dataclasses.replace(METER, seal_no="封#1"))

        assert errors == {"seal_no": "meter.invalid_seal_no"}

    def test_seal_number_and_install_date_are_optional(self) -> None:
        """R-AC-05: a meter can be recorded before the seal is fitted."""

        result = validate_meter(dataclasses.replace(METER, seal_no=" ", installed_date=None), today=TODAY)

        assert (result.seal_no, result.installed_date) == (None, None)

    def test_install_date_in_the_future_is_refused(self) -> None:
        """R-AC-05: a meter cannot be installed tomorrow; today is passed in, never read."""

        errors = _meter_errors(dataclasses.replace(METER, installed_date=TODAY + dt.timedelta(days=1)))

        assert errors == {"installed_date": "validation.future_date"}

    def test_all_errors_are_reported_together(self) -> None:
        """R-AC-05: the form shows every problem at once."""

        errors = _meter_errors(MeterInput())

        assert errors == {
            "serial": "validation.required",
            "model": "validation.required",
            "meter_type": "validation.required",
            "initial_reading": "validation.required",
        }

    def test_error_is_an_invalid_input_with_a_list(self) -> None:
        """The HTTP layer maps it like any other InvalidInput."""

        with pytest.raises(MeterInvalid) as caught:
            validate_meter(dataclasses.replace(METER, model="G3"))

        assert isinstance(caught.value, InvalidInput)
        assert caught.value.errors == [FieldError(code="meter.invalid_model", message=caught.value.message, field="model")]
        assert caught.value.as_dict()["errors"][0]["field"] == "model"


class TestInitialReading:
    @pytest.mark.parametrize(
        ("reading", "litres"),
        [
            ("123.456", 123_456),
            ("0.001", 1),
            ("7", 7_000),
            (" 12.5 ", 12_500),
            ("１２.５", 12_500),
            (42, 42_000),
            (Decimal("1.25"), 1_250),
            ("999999999.999", 999_999_999_999),
        ],
    )
    def test_cubic_metres_become_exact_litres(self, reading: str | int | Decimal, litres: int) -> None:
        """R-AC-05: readings are stored as integer litres, never floats."""

        result = validate_meter(dataclasses.replace(METER, initial_reading=reading))

        assert result.initial_reading_l == litres

    @pytest.mark.parametrize(
        "reading",
        ["1.2345", "-1", "abc", "1e3", "1,5", "1000000000", True, Decimal("NaN"), -5],
        ids=["4-decimals", "negative", "text", "exponent", "comma", "too-large", "bool", "nan", "negative-int"],
    )
    def test_unusable_readings_are_refused(self, reading: object) -> None:
        """R-AC-05: non-negative, at most 3 decimals, below 10^9 m³."""

        errors = _meter_errors(dataclasses.replace(METER, initial_reading=reading))  # type: ignore[arg-type]

        assert errors == {"initial_reading": "meter.invalid_reading"}

    @given(litres=st.integers(min_value=0, max_value=10**12 - 1))
    def test_formatting_and_parsing_round_trip(self, litres: int) -> None:
        """R-AC-05: what is shown can be typed back in unchanged."""

        shown = format_volume_l(litres)

        assert validate_meter(dataclasses.replace(METER, initial_reading=shown)).initial_reading_l == litres


class TestFormatVolume:
    @pytest.mark.parametrize(("litres", "shown"), [(123_456, "123.456"), (0, "0.000"), (5, "0.005"), (-1_500, "-1.500")])
    def test_litres_show_as_cubic_metres_with_three_decimals(self, litres: int, shown: str) -> None:
        """R-AC-05: volumes are formatted only at the edges."""

        result = format_volume_l(litres)

        assert result == shown


class TestValidateAppliance:
    def test_complete_appliance_is_accepted(self) -> None:
        """R-AC-05: kind, brand, model, install date."""

        result = validate_appliance(STOVE, today=TODAY)

        assert result == STOVE

    def test_values_are_stripped_and_model_is_optional(self) -> None:
        """R-AC-05: an unknown model may be left blank."""

        result = validate_appliance(dataclasses.replace(STOVE, brand=" 方太 ", model=" "))

        assert (result.brand, result.model) == ("方太", None)

    def test_unknown_kind_is_refused(self) -> None:
        """R-AC-05: only the listed kinds."""

        with pytest.raises(ApplianceInvalid) as caught:
            validate_appliance(dataclasses.replace(STOVE, kind="fireplace"))

        assert caught.value.code == "appliance.invalid_kind"

    def test_missing_kind_and_brand_are_both_reported(self) -> None:
        """R-AC-05: brand is 1..50 characters."""

        with pytest.raises(ApplianceInvalid) as caught:
            validate_appliance(ApplianceInput())

        assert {e.field: e.code for e in caught.value.errors} == {
            "kind": "validation.required",
            "brand": "validation.required",
        }

    @pytest.mark.parametrize("field", ["brand", "model"])
    def test_oversized_brand_or_model_is_refused(self, field: str) -> None:
        """R-AC-05: at most 50 characters."""

        with pytest.raises(ApplianceInvalid) as caught:
            validate_appliance(dataclasses.replace(STOVE, **{field: "X" * 51}))

        assert (caught.value.code, caught.value.field) == ("validation.too_long", field)

    def test_future_install_date_is_refused(self) -> None:
        """R-AC-05: today is passed in, never read."""

        with pytest.raises(ApplianceInvalid) as caught:
            validate_appliance(dataclasses.replace(STOVE, installed_date=dt.date(2030, 1, 1)), today=TODAY)

        assert caught.value.code == "validation.future_date"

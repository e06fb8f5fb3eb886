"""Meter and gas-appliance records completed after opening (R-AC-05).

Readings are kept as integer litres: Piccolo's SQLite engine turns Decimal into float, and a
meter reading that drifts by a litre per write would make bills unreproducible.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from crm.common.fields import FieldError, InvalidFields

__all__ = [
    "APPLIANCE_KINDS",
    "APPLIANCE_KIND_LABELS",
    "ApplianceInput",
    "ApplianceInvalid",
    "METER_MODELS",
    "METER_TYPES",
    "METER_TYPE_LABELS",
    "MeterInput",
    "MeterInvalid",
    "ValidMeter",
    "format_volume_l",
    "validate_appliance",
    "validate_meter",
]

METER_TYPES = ("diaphragm", "ic_card", "smart")

METER_TYPE_LABELS: dict[str, tuple[str, str]] = {
    "diaphragm": ("膜式表", "Diaphragm meter"),
    "ic_card": ("IC卡表", "IC-card meter"),
    "smart": ("智能表", "Smart meter"),
}

# Gas meter sizes from GB/T 6968 / EN 1359 (G-number = nominal flow in m³/h).
METER_MODELS = ("G1.6", "G2.5", "G4", "G6", "G10", "G16", "G25", "G40", "G65", "G100")

APPLIANCE_KINDS = ("stove", "water_heater", "wall_boiler", "oven", "other")

APPLIANCE_KIND_LABELS: dict[str, tuple[str, str]] = {
    "stove": ("燃气灶", "Gas stove"),
    "water_heater": ("热水器", "Water heater"),
    "wall_boiler": ("壁挂炉", "Wall-hung boiler"),
    "oven": ("烤箱", "Oven"),
    "other": ("其他", "Other"),
}

LITRES_PER_M3 = 1000
_MAX_READING_M3 = 10**9
_READING_DECIMALS = 3
_SERIAL = re.compile(r"^[0-9A-Z][0-9A-Z\-]{2,30}[0-9A-Z]$")
_SEAL_NO = re.compile(r"^[0-9A-Z][0-9A-Z\-]{0,31}$")
_SEAL_MAX = 32
_NUMBER = re.compile(r"^[+-]?\d+(?:\.\d+)?$")
_BRAND_MAX = 50
_APPLIANCE_MODEL_MAX = 50


class MeterInvalid(InvalidFields):
    """One or more meter fields break a rule."""


class ApplianceInvalid(InvalidFields):
    """One or more appliance fields break a rule."""


@dataclass(frozen=True)
class MeterInput:
    serial: str | None = None
    model: str | None = None
    meter_type: str | None = None
    installed_date: dt.date | None = None
    initial_reading: str | int | None = None
    seal_no: str | None = None


@dataclass(frozen=True)
class ValidMeter:
    serial: str
    model: str
    meter_type: str
    installed_date: dt.date | None
    initial_reading_l: int
    seal_no: str | None


@dataclass(frozen=True)
class ApplianceInput:
    kind: str | None = None
    brand: str | None = None
    model: str | None = None
    installed_date: dt.date | None = None


def _fold(value: str | None) -> str | None:
    # Serials and models are printed in Latin letters; NFKC undoes full-width IME input.
    if value is None:
        return None
    folded = unicodedata.normalize("NFKC", value).strip()
    return folded or None


def _required(field: str, zh: str, en: str) -> FieldError:
    return FieldError(code="validation.required", message=f"请填写{zh} / {en} is required", field=field)


def _check_date(field: str, value: dt.date | None, today: dt.date | None) -> FieldError | None:
    if value is None or today is None or value <= today:
        return None
    return FieldError(
        code="validation.future_date",
        message=f"安装日期 {value.isoformat()} 晚于今天 / The installation date {value.isoformat()} is in the future",
        field=field,
    )


def _reading_error(message: str) -> FieldError:
    return FieldError(code="meter.invalid_reading", message=message, field="initial_reading")


def _parse_reading_l(value: str | int | Decimal) -> int | FieldError:
    if isinstance(value, bool):
        return _reading_error("表底数须为数字 / The initial reading must be a number")
    if isinstance(value, int):
        amount = Decimal(value)
    elif isinstance(value, Decimal):
        amount = value
    else:
        text = unicodedata.normalize("NFKC", str(value)).strip()
        if not _NUMBER.match(text):
            return _reading_error("表底数须为数字，例如 123.456 / The initial reading must be a number such as 123.456")
        try:
            amount = Decimal(text)
        except InvalidOperation:  # pragma: no cover - the pattern already guarantees a decimal
            return _reading_error("表底数须为数字 / The initial reading must be a number")
    if not amount.is_finite():
        return _reading_error("表底数须为数字 / The initial reading must be a number")
    if amount < 0:
        return _reading_error("表底数不能为负数 / The initial reading cannot be negative")
    if amount >= _MAX_READING_M3:
        return _reading_error("表底数过大 / The initial reading is too large")
    litres = amount * LITRES_PER_M3
    if litres != litres.to_integral_value():
        return _reading_error(
            f"表底数最多 {_READING_DECIMALS} 位小数（精确到升） / "
            f"The initial reading has at most {_READING_DECIMALS} decimals (one litre)"
        )
    return int(litres)


def validate_meter(data: MeterInput, *, today: dt.date | None = None) -> ValidMeter:
    """Check meter information; ``today``, when given, refuses installation dates in the future."""
    errors: list[FieldError] = []

    serial = _fold(data.serial)
    if serial is None:
        errors.append(_required("serial", "表号", "Meter serial"))
    else:
        serial = serial.upper()
        if not _SERIAL.match(serial):
            errors.append(
                FieldError(
                    code="meter.invalid_serial",
                    message="表号须为 4–32 位字母、数字或短横线 / "
                    "The meter serial must be 4-32 letters, digits or dashes",
                    field="serial",
                )
            )

    model = _fold(data.model)
    if model is None:
        errors.append(_required("model", "表型号", "Meter model"))
    else:
        model = model.upper()
        if model not in METER_MODELS:
            errors.append(
                FieldError(
                    code="meter.invalid_model",
                    message=f"表型号须为 {'、'.join(METER_MODELS)} 之一 / "
                    f"The meter model must be one of {', '.join(METER_MODELS)}",
                    field="model",
                )
            )

    meter_type = _fold(data.meter_type)
    if meter_type is None:
        errors.append(_required("meter_type", "表类型", "Meter type"))
    elif meter_type not in METER_TYPES:
        choices = "、".join(zh for zh, _ in METER_TYPE_LABELS.values())
        errors.append(
            FieldError(
                code="meter.invalid_type",
                message=f"表类型须为{choices}之一 / The meter type must be one of {', '.join(METER_TYPES)}",
                field="meter_type",
            )
        )

    date_error = _check_date("installed_date", data.installed_date, today)
    if date_error is not None:
        errors.append(date_error)

    reading_l = 0
    if data.initial_reading is None or (isinstance(data.initial_reading, str) and not data.initial_reading.strip()):
        errors.append(_required("initial_reading", "表底数", "Initial reading"))
    else:
        parsed = _parse_reading_l(data.initial_reading)
        if isinstance(parsed, FieldError):
            errors.append(parsed)
        else:
            reading_l = parsed

    seal_no = _fold(data.seal_no)
    if seal_no is not None:
        seal_no = seal_no.upper()
        if len(seal_no) > _SEAL_MAX or not _SEAL_NO.match(seal_no):
            errors.append(
                FieldError(
                    code="meter.invalid_seal_no",
                    message=f"铅封号须为 1–{_SEAL_MAX} 位字母、数字或短横线 / "
                    f"The seal number must be 1-{_SEAL_MAX} letters, digits or dashes",
                    field="seal_no",
                )
            )

    if errors:
        raise MeterInvalid(errors)
    assert serial is not None and model is not None and meter_type is not None  # guarded above
    return ValidMeter(
        serial=serial,
        model=model,
        meter_type=meter_type,
        installed_date=data.installed_date,
        initial_reading_l=reading_l,
        seal_no=seal_no,
    )


def validate_appliance(data: ApplianceInput, *, today: dt.date | None = None) -> ApplianceInput:
    """Check a gas appliance record and return it normalised."""
    errors: list[FieldError] = []

    kind = _fold(data.kind)
    if kind is None:
        errors.append(_required("kind", "燃气具类别", "Appliance kind"))
    elif kind not in APPLIANCE_KINDS:
        choices = "、".join(zh for zh, _ in APPLIANCE_KIND_LABELS.values())
        errors.append(
            FieldError(
                code="appliance.invalid_kind",
                message=f"燃气具类别须为{choices}之一 / The appliance kind must be one of {', '.join(APPLIANCE_KINDS)}",
                field="kind",
            )
        )

    brand = _fold(data.brand)
    if brand is None:
        errors.append(_required("brand", "品牌", "Brand"))
    elif len(brand) > _BRAND_MAX:
        errors.append(
            FieldError(
                code="validation.too_long",
                message=f"品牌最多 {_BRAND_MAX} 个字符 / Brand may have at most {_BRAND_MAX} characters",
                field="brand",
            )
        )

    model = _fold(data.model)
    if model is not None and len(model) > _APPLIANCE_MODEL_MAX:
        errors.append(
            FieldError(
                code="validation.too_long",
                message=f"型号最多 {_APPLIANCE_MODEL_MAX} 个字符 / Model may have at most {_APPLIANCE_MODEL_MAX} characters",
                field="model",
            )
        )

    date_error = _check_date("installed_date", data.installed_date, today)
    if date_error is not None:
        errors.append(date_error)

    if errors:
        raise ApplianceInvalid(errors)
    return ApplianceInput(kind=kind, brand=brand, model=model, installed_date=data.installed_date)


def format_volume_l(litres: int) -> str:
    """Litres as m³ with three decimals: 123456 -> "123.456"."""
    sign = "-" if litres < 0 else ""
    whole, rest = divmod(abs(litres), LITRES_PER_M3)
    return f"{sign}{whole}.{rest:03d}"

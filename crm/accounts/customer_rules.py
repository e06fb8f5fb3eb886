"""Rules for opening and changing a customer account (R-AC-01..04, R-AC-08).

Validation collects every field error instead of stopping at the first, so the counter clerk
sees all problems of a paper form at once. The same per-field checks serve opening, ordinary
changes and corrections, so the three can never disagree about what a valid value is.
"""

from __future__ import annotations

import dataclasses
import re
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from crm.accounts.identity import ID_TYPES, InvalidIdNumber, validate_identity
from crm.common.phones import InvalidPhone, normalise_phone
from crm.common.fields import FieldError, InvalidFields
from crm.errors import InvalidInput

__all__ = [
    "CATEGORIES",
    "CATEGORY_ID_TYPES",
    "CATEGORY_LABELS",
    "CORRECTION_FIELDS",
    "CUSTOMER_FIELDS",
    "CustomerInput",
    "CustomerInvalid",
    "FIELD_LABELS",
    "ID_TYPES",
    "ID_TYPE_LABELS",
    "IMMUTABLE_FIELDS",
    "NotCorrectable",
    "validate_correction",
    "validate_customer_changes",
    "validate_new_customer",
]

CATEGORIES = ("residential", "commercial", "collective", "industrial", "upstream_supplier")

CATEGORY_LABELS: dict[str, tuple[str, str]] = {
    "residential": ("居民", "Residential"),
    "commercial": ("商业", "Commercial"),
    "collective": ("集体", "Collective"),
    "industrial": ("工业", "Industrial"),
    "upstream_supplier": ("上游供应商", "Upstream supplier"),
}

ID_TYPE_LABELS: dict[str, tuple[str, str]] = {
    "resident_id": ("居民身份证", "Resident ID card"),
    "credit_code": ("统一社会信用代码", "Unified social credit code"),
}

# A sole trader (个体工商户) may open a commercial account in their own name, so commercial
# accepts either document; every other organisation registers under its credit code.
CATEGORY_ID_TYPES: dict[str, tuple[str, ...]] = {
    "residential": ("resident_id",),
    "commercial": ("resident_id", "credit_code"),
    "collective": ("credit_code",),
    "industrial": ("credit_code",),
    "upstream_supplier": ("credit_code",),
}

CORRECTION_FIELDS = ("name", "id_type", "id_number")
IMMUTABLE_FIELDS = ("category", "branch")

FIELD_LABELS: dict[str, tuple[str, str]] = {
    "category": ("用户类别", "Category"),
    "name": ("用户名称", "Name"),
    "id_type": ("证件类型", "ID type"),
    "id_number": ("证件号码", "ID number"),
    "phone": ("联系电话", "Phone"),
    "contact_name": ("联系人姓名", "Contact name"),
    "contact_phone": ("联系人电话", "Contact phone"),
    "province": ("省", "Province"),
    "city": ("市", "City"),
    "district": ("区县", "District"),
    "street": ("街道", "Street"),
    "detail": ("详细地址", "Address detail"),
    "branch": ("所属分支机构", "Branch"),
    "delivery_notice_no": ("送气通知单编号", "Gas delivery notice no."),
    "acceptance_drawing_no": ("竣工验收图纸编号", "Acceptance drawing no."),
}


@dataclass(frozen=True)
class CustomerInput:
    """Customer fields as typed by staff; None means "not given" so partial input fits too."""

    category: str | None = None
    name: str | None = None
    id_type: str | None = None
    id_number: str | None = None
    phone: str | None = None
    contact_name: str | None = None
    contact_phone: str | None = None
    province: str | None = None
    city: str | None = None
    district: str | None = None
    street: str | None = None
    detail: str | None = None
    branch: str | None = None
    delivery_notice_no: str | None = None
    acceptance_drawing_no: str | None = None


CUSTOMER_FIELDS = tuple(f.name for f in dataclasses.fields(CustomerInput))


class CustomerInvalid(InvalidFields):
    """One or more customer fields break a rule."""


class NotCorrectable(InvalidInput):
    """Only name, ID type and ID number go through the correction procedure."""

    code = "customer.not_correctable"

    def __init__(self, message: str, *, field: str | None = "field", code: str | None = None) -> None:
        super().__init__(message, field=field, code=code)


# ---- per-field checks ---------------------------------------------------------------------

_MAX_LENGTHS = {
    "name": 100,
    "contact_name": 50,
    "province": 50,
    "city": 50,
    "district": 50,
    "street": 100,
    "detail": 200,
    "branch": 16,
    "delivery_notice_no": 64,
    "acceptance_drawing_no": 64,
}
_MIN_NAME_LENGTH = 2
_ALWAYS_REQUIRED = frozenset(
    {
        "category",
        "name",
        "id_type",
        "id_number",
        "phone",
        "province",
        "city",
        "district",
        "detail",
        "branch",
        "delivery_notice_no",
        "acceptance_drawing_no",
    }
)
_COLLECTIVE_CONTACT = ("contact_name", "contact_phone")
# Paper document numbers such as "SQ-2024/0012" or "燃气验〔2024〕12号".
_REFERENCE_NO = re.compile(r"^[0-9A-Za-z\-_/()（）〔〕\u3400-\u4dbf\u4e00-\u9fff]+$")
_REFERENCE_FIELDS = ("delivery_notice_no", "acceptance_drawing_no")


class _Reject(Exception):
    def __init__(self, error: FieldError) -> None:
        self.error = error


def _reject(field: str, code: str, message: str) -> _Reject:
    return _Reject(FieldError(code=code, message=message, field=field))


def _clean(value: str | None) -> str | None:
    if value is None:
        return None
    stripped = value.strip()
    return stripped or None


def _zh(field: str) -> str:
    return FIELD_LABELS[field][0]


def _en(field: str) -> str:
    return FIELD_LABELS[field][1]


def _check_text(field: str, value: str) -> str:
    if any(unicodedata.category(ch) == "Cc" for ch in value):
        raise _reject(
            field,
            "validation.invalid_chars",
            f"{_zh(field)}含有不可见的控制字符 / {_en(field)} contains control characters",
        )
    limit = _MAX_LENGTHS.get(field)
    if limit is not None and len(value) > limit:
        raise _reject(
            field,
            "validation.too_long",
            f"{_zh(field)}最多 {limit} 个字符 / {_en(field)} may have at most {limit} characters",
        )
    return value


def _check_category(value: str, context: Mapping[str, str | None]) -> str:
    if value not in CATEGORIES:
        choices = "、".join(zh for zh, _ in CATEGORY_LABELS.values())
        raise _reject(
            "category",
            "customer.unknown_category",
            f"用户类别须为{choices}之一 / Category must be one of {', '.join(CATEGORIES)}",
        )
    return value


def _check_id_type(value: str, context: Mapping[str, str | None]) -> str:
    if value not in ID_TYPES:
        raise _reject(
            "id_type",
            "customer.invalid_id_type",
            "证件类型须为居民身份证或统一社会信用代码 / ID type must be resident ID or unified social credit code",
        )
    category = context.get("category")
    if category in CATEGORY_ID_TYPES and value not in CATEGORY_ID_TYPES[category]:
        expected = CATEGORY_ID_TYPES[category][0]
        raise _reject(
            "id_type",
            "customer.id_type_mismatch",
            f"{CATEGORY_LABELS[category][0]}用户须使用{ID_TYPE_LABELS[expected][0]} / "
            f"{CATEGORY_LABELS[category][1]} customers register with a {ID_TYPE_LABELS[expected][1].lower()}",
        )
    return value


def _check_id_number(value: str, context: Mapping[str, str | None]) -> str:
    id_type = context.get("id_type")
    if id_type not in ID_TYPES:
        # The id_type error already tells the user what to fix; the number cannot be judged yet.
        return unicodedata.normalize("NFKC", value).upper()
    try:
        return validate_identity(id_type=id_type, value=value)
    except InvalidIdNumber as exc:
        raise _reject("id_number", exc.code, exc.message) from None


def _check_name(value: str, context: Mapping[str, str | None]) -> str:
    value = _check_text("name", value)
    if len(value) < _MIN_NAME_LENGTH:
        raise _reject(
            "name",
            "validation.too_short",
            f"用户名称至少 {_MIN_NAME_LENGTH} 个字 / Name must have at least {_MIN_NAME_LENGTH} characters",
        )
    return value


def _phone_checker(field: str) -> Callable[[str, Mapping[str, str | None]], str]:
    def check(value: str, context: Mapping[str, str | None]) -> str:
        try:
            return normalise_phone(value, field=field)
        except InvalidPhone as exc:
            raise _reject(field, exc.code, exc.message) from None

    return check


def _reference_checker(field: str) -> Callable[[str, Mapping[str, str | None]], str]:
    def check(value: str, context: Mapping[str, str | None]) -> str:
        # Full-width letters and digits typed through a Chinese IME mean the same number.
        value = _check_text(field, unicodedata.normalize("NFKC", value))
        if not _REFERENCE_NO.match(value):
            raise _reject(
                field,
                "validation.invalid_format",
                f"{_zh(field)}只能包含字母、数字、汉字和 - _ / ( ) 〔 〕 / "
                f"{_en(field)} may only contain letters, digits, Chinese characters and - _ / ( ) 〔 〕",
            )
        return value

    return check


def _text_checker(field: str) -> Callable[[str, Mapping[str, str | None]], str]:
    def check(value: str, context: Mapping[str, str | None]) -> str:
        return _check_text(field, value)

    return check


_CHECKERS: dict[str, Callable[[str, Mapping[str, str | None]], str]] = {
    "category": _check_category,
    "name": _check_name,
    "id_type": _check_id_type,
    "id_number": _check_id_number,
    "phone": _phone_checker("phone"),
    "contact_name": _text_checker("contact_name"),
    "contact_phone": _phone_checker("contact_phone"),
    "province": _text_checker("province"),
    "city": _text_checker("city"),
    "district": _text_checker("district"),
    "street": _text_checker("street"),
    "detail": _text_checker("detail"),
    "branch": _text_checker("branch"),
    "delivery_notice_no": _reference_checker("delivery_notice_no"),
    "acceptance_drawing_no": _reference_checker("acceptance_drawing_no"),
}


def _missing_error(field: str, context: Mapping[str, str | None]) -> FieldError | None:
    if field in _ALWAYS_REQUIRED:
        return FieldError(
            code="validation.required",
            message=f"请填写{_zh(field)} / {_en(field)} is required",
            field=field,
        )
    if field in _COLLECTIVE_CONTACT and context.get("category") == "collective":
        return FieldError(
            code="customer.collective_contact_required",
            message=f"集体用户必须填写{_zh(field)} / Collective customers must have a {_en(field).lower()}",
            field=field,
        )
    return None


def _check_field(field: str, value: str | None, context: Mapping[str, str | None]) -> tuple[str | None, FieldError | None]:
    if value is None:
        return None, _missing_error(field, context)
    try:
        return _CHECKERS[field](value, context), None
    except _Reject as rejected:
        return value, rejected.error


def _cleaned(data: CustomerInput) -> dict[str, str | None]:
    return {field: _clean(getattr(data, field)) for field in CUSTOMER_FIELDS}


def _normalised_or_raw(field: str, value: str | None, context: Mapping[str, str | None]) -> str | None:
    """The value as it would be stored, or the raw cleaned value when it is not valid."""
    normalised, _ = _check_field(field, value, context)
    return normalised


# ---- public rules -------------------------------------------------------------------------


def validate_new_customer(data: CustomerInput) -> CustomerInput:
    """Check a new customer (R-AC-01..04); return it normalised or raise CustomerInvalid."""
    context = _cleaned(data)
    normalised: dict[str, str | None] = {}
    errors: list[FieldError] = []
    for field in CUSTOMER_FIELDS:
        value, error = _check_field(field, context[field], context)
        normalised[field] = value
        if error is not None:
            errors.append(error)
    if errors:
        raise CustomerInvalid(errors)
    return CustomerInput(**normalised)


def validate_customer_changes(*, current: CustomerInput, changes: CustomerInput) -> CustomerInput:
    """Check an ordinary update (R-AC-08) and return the normalised changes.

    In ``changes`` None means "leave as is" and an empty string means "clear". In the result,
    None still means untouched and "" means clear; values equal to the current ones are kept
    (the history layer can skip them). Name, ID type, ID number, category and branch sent
    unchanged, as a full edit form does, are dropped instead of refused.
    """
    base = _cleaned(current)
    given = {field: getattr(changes, field) for field in CUSTOMER_FIELDS if getattr(changes, field) is not None}
    merged = dict(base)
    merged.update({field: _clean(value) for field, value in given.items()})

    errors: list[FieldError] = []
    result: dict[str, str | None] = {}
    for field, raw in given.items():
        value = merged[field]
        if field in CORRECTION_FIELDS or field in IMMUTABLE_FIELDS:
            if _normalised_or_raw(field, value, merged) == _normalised_or_raw(field, base[field], base):
                continue
            if field in CORRECTION_FIELDS:
                errors.append(
                    FieldError(
                        code="customer.correction_required",
                        message=f"修改{_zh(field)}须提交信息更正申请，经经理审批 / "
                        f"Changing the {_en(field).lower()} needs a correction request approved by a manager",
                        field=field,
                    )
                )
            else:
                errors.append(
                    FieldError(
                        code="customer.field_immutable",
                        message=f"{_zh(field)}开户后不能修改 / {_en(field)} cannot be changed after opening",
                        field=field,
                    )
                )
            continue
        normalised, error = _check_field(field, value, merged)
        if error is not None:
            errors.append(error)
        result[field] = "" if normalised is None else normalised
    if errors:
        raise CustomerInvalid(errors)
    return CustomerInput(**result)


def validate_correction(*, current: CustomerInput, field: str, new_value: str) -> str:
    """Check a correction of name, ID type or ID number (R-AC-08); return the normalised value.

    An ID number is judged against ``current.id_type``: to correct both, validate the type
    first, then the number with ``dataclasses.replace(current, id_type=new_type)``.
    """
    if field not in CORRECTION_FIELDS:
        raise NotCorrectable(
            f"只有用户名称、证件类型和证件号码需走更正流程，{field!r} 不适用 / "
            f"Only name, ID type and ID number are corrected this way, not {field!r}"
        )
    base = _cleaned(current)
    merged = dict(base)
    merged[field] = _clean(new_value)
    normalised, error = _check_field(field, merged[field], merged)
    if error is not None:
        raise CustomerInvalid([error])
    assert normalised is not None  # every correction field is required
    if normalised == _normalised_or_raw(field, base[field], base):
        raise CustomerInvalid(
            [
                FieldError(
                    code="customer.correction_unchanged",
                    message=f"更正后的{_zh(field)}与原值相同 / The corrected {_en(field).lower()} equals the current one",
                    field=field,
                )
            ]
        )
    return normalised

"""What a contract must contain before it goes for approval (R-CT-05, 第五条), and who may
have a take-or-pay contract at all (R-CT-09, 第九条).

All problems are collected, not just the first, so the clerk fixes a draft in one pass
instead of resubmitting once per missing item.
"""

from __future__ import annotations

from dataclasses import dataclass

from crm.common.fields import FieldError, InvalidFields

__all__ = [
    "MAX_CONSTRUCTION_PERIOD_DAYS",
    "MAX_TERMS_LENGTH",
    "TAKE_OR_PAY_MIN_ANNUAL_M3",
    "TAKE_OR_PAY_MIN_DAILY_M3",
    "ContentFacts",
    "ContractInvalid",
    "TakeOrPayIneligible",
    "TakeOrPayInvalid",
    "check_content",
    "check_take_or_pay",
]

MAX_TERMS_LENGTH = 20_000
MAX_CONSTRUCTION_PERIOD_DAYS = 3650

# 第九条: 年用气规模在300万立方米或日用气规模在1万立方米以上(含) — both bounds inclusive.
TAKE_OR_PAY_MIN_ANNUAL_M3 = 3_000_000
TAKE_OR_PAY_MIN_DAILY_M3 = 10_000


@dataclass(frozen=True)
class ContentFacts:
    family: str
    customer_category: str
    contact_name: str | None
    contact_phone_present: bool
    terms: str | None
    construction_period_days: int | None
    planning_estimate_ref: str | None
    required_fields: tuple[str, ...] = ()  # from the contract type, so types stay data
    present_fields: frozenset[str] = frozenset()


class ContractInvalid(InvalidFields):
    """One or more contract fields break a content rule."""


def _blank(value: str | None) -> bool:
    return not (value or "").strip()


def _terms_errors(terms: str | None) -> list[FieldError]:
    if terms is None or not terms.strip():
        return [
            FieldError(
                code="contract.terms_required",
                message="合同主要条款必须清晰完整，请填写 / The main terms of the contract are required",
                field="terms",
            )
        ]
    if len(terms) > MAX_TERMS_LENGTH:
        return [
            FieldError(
                code="contract.terms_too_long",
                message=f"合同条款最多 {MAX_TERMS_LENGTH:,} 个字符 / The terms may have at most {MAX_TERMS_LENGTH:,} characters",
                field="terms",
            )
        ]
    return []


def _construction_errors(days: int | None, planning_estimate_ref: str | None) -> list[FieldError]:
    if days is None:
        return []
    errors = []
    if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= MAX_CONSTRUCTION_PERIOD_DAYS:
        errors.append(
            FieldError(
                code="contract.invalid_construction_period",
                message=f"工期须为 1 至 {MAX_CONSTRUCTION_PERIOD_DAYS} 天 / "
                f"The construction period must be 1 to {MAX_CONSTRUCTION_PERIOD_DAYS} days",
                field="construction_period_days",
            )
        )
    if _blank(planning_estimate_ref):
        errors.append(
            FieldError(
                code="contract.planning_estimate_missing",
                message="有工期要求的合同须附规划建设部测算编号 / "
                "A construction period needs the planning department's estimate reference",
                field="planning_estimate_ref",
            )
        )
    return errors


def check_content(*, facts: ContentFacts) -> None:
    """Refuse a draft that is not ready for approval, listing every gap (R-CT-05)."""
    errors = _terms_errors(facts.terms)
    if facts.customer_category == "collective" and (_blank(facts.contact_name) or not facts.contact_phone_present):
        # The contact lives on the customer record, so the fix is there, not in the contract form.
        errors.append(
            FieldError(
                code="contract.collective_contact_missing",
                message="集体用户必须有联系人姓名和电话，请先在用户档案中补全联系人 / "
                "Collective customers must have a contact name and phone; add them to the customer record first",
                field="account_no",
            )
        )
    errors.extend(_construction_errors(facts.construction_period_days, facts.planning_estimate_ref))
    reported = {error.field for error in errors}
    for field in facts.required_fields:
        if field not in facts.present_fields and field not in reported:
            reported.add(field)
            errors.append(
                FieldError(
                    code="contract.field_required",
                    message=f"此类合同须填写 {field} / This contract type requires {field}",
                    field=field,
                )
            )
    if errors:
        raise ContractInvalid(errors)


# ---- take-or-pay eligibility (第九条) ---------------------------------------------------------


class TakeOrPayInvalid(ContractInvalid):
    """A take-or-pay contract is refused; ``errors`` lists why."""


class TakeOrPayIneligible(TakeOrPayInvalid):
    """The customer is neither an upstream supplier nor large enough; the eligibility error is first."""

    code = "contract.take_or_pay_ineligible"


def _volume_error(field: str, value: int | None) -> FieldError | None:
    if value is None or (isinstance(value, int) and not isinstance(value, bool) and value >= 0):
        return None
    return FieldError(
        code="contract.invalid_volume",
        message="用气规模须为不小于 0 的整数立方米 / Volumes are whole cubic metres, zero or more",
        field=field,
    )


def _eligibility(customer_category: str, annual_m3: int | None, daily_m3: int | None) -> str | None:
    """What makes the customer eligible (第九条), the first that holds; None when nothing does."""
    if customer_category == "upstream_supplier":
        return "upstream_supplier"
    if annual_m3 is not None and annual_m3 >= TAKE_OR_PAY_MIN_ANNUAL_M3:
        return "annual_volume"
    if daily_m3 is not None and daily_m3 >= TAKE_OR_PAY_MIN_DAILY_M3:
        return "daily_volume"
    return None


def check_take_or_pay(
    *,
    customer_category: str,
    annual_volume_m3: int | None,
    daily_volume_m3: int | None,
    market_data_ref: str | None,
    finance_data_ref: str | None,
) -> str:
    """Refuse take-or-pay for a customer below the thresholds or without market and finance figures.

    Returns what qualifies the customer: "upstream_supplier", "annual_volume" or "daily_volume".
    Raises TakeOrPayIneligible when eligibility fails (its error comes first), otherwise
    TakeOrPayInvalid; both carry every problem found.
    """
    errors = [
        error
        for error in (
            _volume_error("annual_volume_m3", annual_volume_m3),
            _volume_error("daily_volume_m3", daily_volume_m3),
        )
        if error is not None
    ]
    # A negative figure is a typo to fix first; judging eligibility on it would blame the customer.
    basis = None if errors else _eligibility(customer_category, annual_volume_m3, daily_volume_m3)
    ineligible = not errors and basis is None
    if ineligible:
        errors.append(
            FieldError(
                code="contract.take_or_pay_ineligible",
                message=f"照付不议合同仅适用于上游供应商或年用气量 {TAKE_OR_PAY_MIN_ANNUAL_M3:,} 立方米以上(含)、"
                f"日用气量 {TAKE_OR_PAY_MIN_DAILY_M3:,} 立方米以上(含)的用户 / Take-or-pay is only for upstream "
                f"suppliers or customers using at least {TAKE_OR_PAY_MIN_ANNUAL_M3:,} m³ a year or "
                f"{TAKE_OR_PAY_MIN_DAILY_M3:,} m³ a day",
                field="annual_volume_m3",
            )
        )
    for field, ref, zh, en in (
        ("market_data_ref", market_data_ref, "市场部", "market"),
        ("finance_data_ref", finance_data_ref, "财务部", "finance"),
    ):
        if _blank(ref):
            errors.append(
                FieldError(
                    code="contract.take_or_pay_figures_missing",
                    message=f"照付不议合同须附{zh}提供的信息和数据 / Take-or-pay needs the {en} department's figures",
                    field=field,
                )
            )
    if ineligible:
        raise TakeOrPayIneligible(errors)
    if errors:
        raise TakeOrPayInvalid(errors)
    assert basis is not None  # no errors: eligibility was judged, and held
    return basis

"""Installation fees, price standards and payment plans (R-CT-06, R-CT-05, R-BL-07).

第六条: fees follow the price department's standard or the budget department's estimate and
staff may neither over- nor under-charge, so the amount is computed here and a stated amount
is only ever compared, never adopted. Money is integer fen; quantities are thousandths so a
length like 12.5 m stays exact.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from crm.common.fields import FieldError, InvalidFields
from crm.common.money import format_yuan, line_amount_fen
from crm.errors import Conflict, InvalidInput

__all__ = [
    "MAX_QUANTITY_MILLI",
    "MAX_UNIT_PRICE_FEN",
    "PAYMENT_PLAN_KINDS",
    "SINGLE_PAYMENT_STEP",
    "DuplicatePriceItem",
    "FeeLine",
    "FeeMismatch",
    "InvalidPayment",
    "InvalidPeriod",
    "InvalidQuantity",
    "NoPriceItems",
    "Overpayment",
    "PaymentPlanInvalid",
    "PeriodOverlap",
    "PlannedInstallment",
    "PriceItem",
    "PriceItemsInvalid",
    "StandardPeriod",
    "UnknownPriceItem",
    "check_amount",
    "check_new_period",
    "check_payment",
    "check_payment_plan",
    "check_price_items",
    "fee_lines",
    "fee_total",
    "outstanding_fen",
    "standard_in_force",
]

MAX_QUANTITY_MILLI = 1_000_000_000
MAX_UNIT_PRICE_FEN = 10**11
SINGLE_PAYMENT_STEP = "全额付款"
PAYMENT_PLAN_KINDS = ("single", "installments", "none")

_ITEM_CODE = re.compile(r"^[A-Z0-9][A-Z0-9_-]{0,31}$")


# ---- fee lines ----------------------------------------------------------------------------


@dataclass(frozen=True)
class PriceItem:
    code: str
    name: str
    unit: str
    unit_price_fen: int


@dataclass(frozen=True)
class FeeLine:
    code: str
    name: str
    unit: str
    unit_price_fen: int
    quantity_milli: int
    amount_fen: int


class UnknownPriceItem(InvalidInput):
    code = "contract.unknown_price_item"


class InvalidQuantity(InvalidInput):
    code = "contract.invalid_quantity"


class DuplicatePriceItem(InvalidInput):
    code = "contract.duplicate_price_item"


class NoPriceItems(InvalidInput):
    code = "contract.price_items_required"

    def __init__(self, message: str, *, field: str | None = "price_items", code: str | None = None) -> None:
        super().__init__(message, field=field, code=code)


def fee_lines(*, items: Mapping[str, PriceItem], requested: Sequence[tuple[str, int]]) -> tuple[FeeLine, ...]:
    """Price each requested (code, quantity_milli) from the standard in force; refuse the first bad line."""
    if not requested:
        raise NoPriceItems("请至少选择一项收费项目 / At least one price item is required")
    seen: set[str] = set()
    lines = []
    for index, (code, quantity_milli) in enumerate(requested):
        prefix = f"price_items[{index}]"
        if code in seen:
            raise DuplicatePriceItem(
                f"收费项目 {code} 重复，请合并数量 / Price item {code} is listed twice; combine the quantities",
                field=f"{prefix}.code",
            )
        seen.add(code)
        item = items.get(code)
        if item is None:
            raise UnknownPriceItem(
                f"现行价格标准中没有收费项目 {code} / Price item {code} is not in the standard in force",
                field=f"{prefix}.code",
            )
        if (
            isinstance(quantity_milli, bool)
            or not isinstance(quantity_milli, int)
            or not 0 < quantity_milli <= MAX_QUANTITY_MILLI
        ):
            raise InvalidQuantity(
                f"收费项目 {code} 的数量须大于 0 且不超过 1,000,000 / "
                f"The quantity of {code} must be above 0 and at most 1,000,000",
                field=f"{prefix}.quantity_milli",
            )
        lines.append(
            FeeLine(
                code=item.code,
                name=item.name,
                unit=item.unit,
                unit_price_fen=item.unit_price_fen,
                quantity_milli=quantity_milli,
                amount_fen=line_amount_fen(unit_price_fen=item.unit_price_fen, quantity_milli=quantity_milli),
            )
        )
    return tuple(lines)


def fee_total(*, lines: Sequence[FeeLine]) -> int:
    return sum(line.amount_fen for line in lines)


class FeeMismatch(InvalidInput):
    code = "contract.fee_mismatch"

    def __init__(self, message: str, *, field: str | None = "amount_fen", code: str | None = None) -> None:
        super().__init__(message, field=field, code=code)


def check_amount(*, expected_fen: int, stated_fen: int | None) -> int:
    """The amount to charge: the computed one. A stated amount must match it to the fen (第六条)."""
    if stated_fen is None or stated_fen == expected_fen:
        return expected_fen
    expected, stated = format_yuan(expected_fen), format_yuan(stated_fen)
    raise FeeMismatch(
        f"合同金额 {stated} 与按物价部门标准及预算部门测定金额计算的 {expected} 不符，不得多收或少收 / "
        f"The stated amount {stated} differs from {expected} computed from the price standard / "
        "budget estimate; fees may not be raised or lowered"
    )


# ---- price standards ----------------------------------------------------------------------


@dataclass(frozen=True)
class StandardPeriod:
    code: str
    version: int
    effective_from: date
    effective_to: date | None  # exclusive; None while no successor is known


class PeriodOverlap(Conflict):
    code = "price_standard.overlap"

    def __init__(self, message: str, *, field: str | None = "effective_from", code: str | None = None) -> None:
        super().__init__(message, field=field, code=code)


class InvalidPeriod(InvalidInput):
    code = "price_standard.invalid_period"

    def __init__(self, message: str, *, field: str | None = "effective_to", code: str | None = None) -> None:
        super().__init__(message, field=field, code=code)


def _contains(period: StandardPeriod, on: date) -> bool:
    return period.effective_from <= on and (period.effective_to is None or on < period.effective_to)


def _overlap(a: StandardPeriod, b: StandardPeriod) -> bool:
    a_before_b_ends = b.effective_to is None or a.effective_from < b.effective_to
    b_before_a_ends = a.effective_to is None or b.effective_from < a.effective_to
    return a_before_b_ends and b_before_a_ends


def _period_text(period: StandardPeriod) -> str:
    end = period.effective_to.isoformat() if period.effective_to else "…"
    return f"[{period.effective_from.isoformat()}, {end})"


def standard_in_force(*, periods: Sequence[StandardPeriod], code: str | None = None, on: date) -> StandardPeriod | None:
    """The period containing ``on``.

    check_new_period keeps one code's periods apart; without a code several may match, and the
    most recently started (then highest version) wins, as the newest price notice would.
    """
    matches = [p for p in periods if (code is None or p.code == code) and _contains(p, on)]
    if not matches:
        return None
    return max(matches, key=lambda p: (p.effective_from, p.version))


def check_new_period(*, existing: Sequence[StandardPeriod], new: StandardPeriod) -> None:
    """Refuse an empty period, or one that would give a code two prices on the same day."""
    if new.effective_to is not None and new.effective_to <= new.effective_from:
        raise InvalidPeriod(
            f"失效日期 {new.effective_to.isoformat()} 须晚于生效日期 {new.effective_from.isoformat()} / "
            f"The end date {new.effective_to.isoformat()} must be after the start date "
            f"{new.effective_from.isoformat()}"
        )
    for other in existing:
        if other.code == new.code and _overlap(other, new):
            raise PeriodOverlap(
                f"价格标准 {new.code} 的第 {other.version} 版在 {_period_text(other)} 已生效，期间不能重叠 / "
                f"Version {other.version} of price standard {new.code} is in force for "
                f"{_period_text(other)}; periods may not overlap"
            )


class PriceItemsInvalid(InvalidFields):
    """One or more items of a price standard break a rule."""


def _item_errors(index: int, item: PriceItem, seen: set[str]) -> list[FieldError]:
    prefix = f"items[{index}]"
    errors = []
    for field, zh, en in (("code", "编码", "code"), ("name", "名称", "name"), ("unit", "单位", "unit")):
        if not (getattr(item, field) or "").strip():
            errors.append(
                FieldError(
                    code="validation.required",
                    message=f"第 {index + 1} 项缺少{zh} / Item {index + 1} needs a {en}",
                    field=f"{prefix}.{field}",
                )
            )
    code = item.code or ""
    if code.strip() and not _ITEM_CODE.match(code):
        errors.append(
            FieldError(
                code="price_standard.invalid_code",
                message=f"编码 {code!r} 只能由大写字母、数字、- 和 _ 组成，最多 32 位 / "
                f"Code {code!r} may only have capital letters, digits, - and _, at most 32",
                field=f"{prefix}.code",
            )
        )
    elif code in seen:
        errors.append(
            FieldError(
                code="price_standard.duplicate_item",
                message=f"编码 {code} 重复 / Code {code} appears twice",
                field=f"{prefix}.code",
            )
        )
    seen.add(code)
    price = item.unit_price_fen
    if isinstance(price, bool) or not isinstance(price, int) or not 0 <= price <= MAX_UNIT_PRICE_FEN:
        errors.append(
            FieldError(
                code="price_standard.invalid_price",
                message=f"第 {index + 1} 项单价须在 ¥0.00 至 {format_yuan(MAX_UNIT_PRICE_FEN)} 之间 / "
                f"Item {index + 1} needs a unit price from ¥0.00 to {format_yuan(MAX_UNIT_PRICE_FEN)}",
                field=f"{prefix}.unit_price_fen",
            )
        )
    return errors


def check_price_items(*, items: Sequence[PriceItem]) -> None:
    """Check a whole price standard at once so finance sees every wrong row in one go."""
    if not items:
        raise PriceItemsInvalid(
            [
                FieldError(
                    code="price_standard.items_required",
                    message="价格标准至少要有一个收费项目 / A price standard needs at least one item",
                    field="items",
                )
            ]
        )
    seen: set[str] = set()
    errors = [error for index, item in enumerate(items) for error in _item_errors(index, item, seen)]
    if errors:
        raise PriceItemsInvalid(errors)


# ---- payment plans (第五条: 分批付款合同一定要明确交款期限和工程安装内容步骤) ----------------------


@dataclass(frozen=True)
class PlannedInstallment:
    due_date: date | None
    amount_fen: int
    step: str  # the installation step this payment belongs to (安装内容步骤)


class PaymentPlanInvalid(InvalidFields):
    """The payment plan breaks one or more rules."""


def _plan_error(code: str, field: str, message: str) -> FieldError:
    return FieldError(code=code, message=message, field=field)


def _sum_mismatch(total_fen: int, amount_fen: int) -> FieldError:
    return _plan_error(
        "contract.installments_sum_mismatch",
        "payment_plan.installments",
        f"各期金额合计 {format_yuan(total_fen)}，与合同金额 {format_yuan(amount_fen)} 不符 / "
        f"The installments add up to {format_yuan(total_fen)}, not the contract amount {format_yuan(amount_fen)}",
    )


def _check_single(installments: Sequence[PlannedInstallment], amount_fen: int) -> tuple[PlannedInstallment, ...]:
    errors = []
    if amount_fen <= 0:
        errors.append(
            _plan_error(
                "contract.installment_amount_invalid",
                "amount_fen",
                "一次付款的合同金额须大于 0 / A single payment must be above zero",
            )
        )
    if len(installments) > 1:
        errors.append(
            _plan_error(
                "contract.single_payment_installments",
                "payment_plan.installments",
                "一次付款只能有一期；分期请选择分批付款 / A single payment has one installment; "
                "choose installments to split it",
            )
        )
    elif installments and installments[0].amount_fen != amount_fen:
        errors.append(_sum_mismatch(installments[0].amount_fen, amount_fen))
    if errors:
        raise PaymentPlanInvalid(errors)
    if not installments:
        return (PlannedInstallment(due_date=None, amount_fen=amount_fen, step=SINGLE_PAYMENT_STEP),)
    only = installments[0]
    step = (only.step or "").strip() or SINGLE_PAYMENT_STEP
    return (PlannedInstallment(due_date=only.due_date, amount_fen=amount_fen, step=step),)


def _check_installments(
    installments: Sequence[PlannedInstallment], amount_fen: int
) -> tuple[PlannedInstallment, ...]:
    errors = []
    if len(installments) < 2:
        errors.append(
            _plan_error(
                "contract.installments_too_few",
                "payment_plan.installments",
                "分批付款至少要有两期 / Payment in installments needs at least two installments",
            )
        )
    last_due: date | None = None
    for index, planned in enumerate(installments):
        prefix = f"payment_plan.installments[{index}]"
        number = index + 1
        if planned.due_date is None:
            errors.append(
                _plan_error(
                    "contract.installment_due_date_missing",
                    f"{prefix}.due_date",
                    f"第 {number} 期须写明交款期限 / Installment {number} needs a due date",
                )
            )
        elif last_due is not None and planned.due_date <= last_due:
            errors.append(
                _plan_error(
                    "contract.installment_order",
                    f"{prefix}.due_date",
                    f"第 {number} 期的交款期限须晚于上一期 / Installment {number} must fall due after the one before",
                )
            )
        if planned.due_date is not None:
            last_due = planned.due_date if last_due is None else max(last_due, planned.due_date)
        if not (planned.step or "").strip():
            errors.append(
                _plan_error(
                    "contract.installment_step_missing",
                    f"{prefix}.step",
                    f"第 {number} 期须写明对应的工程安装内容步骤 / Installment {number} needs its installation step",
                )
            )
        if planned.amount_fen <= 0:
            errors.append(
                _plan_error(
                    "contract.installment_amount_invalid",
                    f"{prefix}.amount_fen",
                    f"第 {number} 期金额须大于 0 / Installment {number} must be above zero",
                )
            )
    total = sum(planned.amount_fen for planned in installments)
    if len(installments) >= 2 and total != amount_fen:
        errors.append(_sum_mismatch(total, amount_fen))
    if errors:
        raise PaymentPlanInvalid(errors)
    return tuple(
        PlannedInstallment(due_date=p.due_date, amount_fen=p.amount_fen, step=p.step.strip()) for p in installments
    )


def check_payment_plan(
    *, kind: str, installments: Sequence[PlannedInstallment], amount_fen: int
) -> tuple[PlannedInstallment, ...]:
    """Check a plan and return it normalised: every contract amount has a schedule to collect against.

    ``kind="none"`` (a contract that charges nothing, such as most supply contracts) returns an
    empty schedule and refuses any amount or installment, so money cannot sit unscheduled.
    """
    if kind == "single":
        return _check_single(installments, amount_fen)
    if kind == "installments":
        return _check_installments(installments, amount_fen)
    if kind == "none":
        if installments or amount_fen != 0:
            raise PaymentPlanInvalid(
                [
                    _plan_error(
                        "contract.unexpected_payment",
                        "payment_plan.kind",
                        "无需付款的合同不能有金额或分期；请选择一次付款或分批付款 / "
                        "A contract without payment has no amount or installments; choose single or installments",
                    )
                ]
            )
        return ()
    raise PaymentPlanInvalid(
        [
            _plan_error(
                "contract.unknown_payment_kind",
                "payment_plan.kind",
                f"付款方式须为一次付款或分批付款，而不是 {kind!r} / "
                f"The payment kind must be single or installments, not {kind!r}",
            )
        ]
    )


# ---- installation-fee ledger (R-BL-07) ----------------------------------------------------


class Overpayment(InvalidInput):
    code = "ledger.overpayment"

    def __init__(self, message: str, *, field: str | None = "amount_fen", code: str | None = None) -> None:
        super().__init__(message, field=field, code=code)


class InvalidPayment(InvalidInput):
    code = "ledger.invalid_amount"

    def __init__(self, message: str, *, field: str | None = "amount_fen", code: str | None = None) -> None:
        super().__init__(message, field=field, code=code)


def outstanding_fen(*, due_fen: int, paid_fen: int) -> int:
    """What is still owed. check_payment never lets paid exceed due, so such a ledger is a bug."""
    if due_fen < 0 or paid_fen < 0 or paid_fen > due_fen:
        raise ValueError(f"inconsistent ledger: due {due_fen} fen, paid {paid_fen} fen")
    return due_fen - paid_fen


def check_payment(*, amount_fen: int, outstanding_fen: int) -> None:
    """Refuse a zero or negative payment, or one above what is owed (refunds are not payments)."""
    if amount_fen <= 0:
        raise InvalidPayment("收款金额须大于 0 / The payment must be above zero")
    if amount_fen > outstanding_fen:
        if outstanding_fen <= 0:
            message = "安装费已结清，不能再收款 / The installation fees are settled; nothing is owed"
        else:
            message = (
                f"收款 {format_yuan(amount_fen)} 超过未结清金额 {format_yuan(outstanding_fen)} / "
                f"The payment of {format_yuan(amount_fen)} exceeds the {format_yuan(outstanding_fen)} outstanding"
            )
        raise Overpayment(message)

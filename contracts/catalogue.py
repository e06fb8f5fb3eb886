"""Contract types (合同类别) as data: seeded once, then maintained by an administrator.

A type names its family (which approval rules apply, contracts.approval) and the contract
fields it needs on top of the common ones; adding a category is a row, not a release.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any

from contracts import schemas
from contracts.approval import FAMILIES
from contracts.tables import ContractType
from crm import db
from crm.common.fields import FieldError, InvalidFields
from crm.audit import service as audit
from crm.context import AppContext, Origin
from crm.errors import Conflict, NotFound
from crm.staff import grants
from crm.staff.access import Actor, require, require_any

# Fields a type may require beyond the common ones (type, customer, terms, payment plan).
OPTIONAL_FIELDS = (
    "construction_period_days",
    "planning_estimate_ref",
    "annual_volume_m3",
    "daily_volume_m3",
    "market_data_ref",
    "finance_data_ref",
)

SEED_TYPES: tuple[dict[str, Any], ...] = (
    {"code": "installation", "name_zh": "天然气用户工程安装合同", "name_en": "Gas installation contract",
     "family": "installation", "required_fields": []},
    {"code": "alarm_installation", "name_zh": "燃气报警器安装合同", "name_en": "Gas alarm installation contract",
     "family": "installation", "required_fields": []},
    {"code": "residential_supply", "name_zh": "城市燃气居民用户供气合同", "name_en": "Residential gas supply contract",
     "family": "supply", "required_fields": []},
    {"code": "commercial_supply", "name_zh": "城市燃气商业用户供气合同", "name_en": "Commercial gas supply contract",
     "family": "supply", "required_fields": []},
    {"code": "take_or_pay", "name_zh": "大用户照付不议合同", "name_en": "Take-or-pay contract (large customers)",
     "family": "take_or_pay", "required_fields": ["market_data_ref", "finance_data_ref"]},
)

_CODE = re.compile(r"^[a-z][a-z0-9_]{1,31}$")


class UnknownContractType(NotFound):
    code = "contract_type.not_found"


class ContractTypeExists(Conflict):
    code = "contract_type.exists"


class ContractTypeInvalid(InvalidFields):
    pass


def to_schema(row: dict[str, Any]) -> schemas.ContractTypeOut:
    return schemas.ContractTypeOut(
        code=row["code"],
        name_zh=row["name_zh"],
        name_en=row["name_en"],
        family=row["family"],
        required_fields=json.loads(row["required_fields"] or "[]"),
        active=row["active"],
    )


def type_label(row: dict[str, Any]) -> str:
    return f"{row['name_zh']} {row['name_en']}"


def _check(*, code: str | None, name_zh: str | None, name_en: str | None, family: str | None,
           required_fields: list[str] | None) -> None:
    errors: list[FieldError] = []
    if code is not None and not _CODE.match(code):
        errors.append(FieldError("contract_type.invalid_code",
                                 "类别代码只能用小写字母、数字和下划线 / Code: lower-case letters, digits, underscores", "code"))
    for field, value in (("name_zh", name_zh), ("name_en", name_en)):
        if value is not None and not (1 <= len(value.strip()) <= 100):
            errors.append(FieldError("contract_type.invalid_name", "名称须为 1–100 个字符 / Name: 1–100 characters", field))
    if family is not None and family not in FAMILIES:
        errors.append(FieldError("contract_type.unknown_family",
                                 f"未知的合同族 {family} / Unknown family; expected one of {', '.join(FAMILIES)}", "family"))
    for i, name in enumerate(required_fields or ()):
        if name not in OPTIONAL_FIELDS:
            errors.append(FieldError("contract_type.unknown_field",
                                     f"未知字段 {name} / Unknown field; expected one of {', '.join(OPTIONAL_FIELDS)}",
                                     f"required_fields[{i}]"))
    if errors:
        raise ContractTypeInvalid(errors)


async def load_type(code: str, *, active_only: bool = False) -> dict[str, Any]:
    row = await ContractType.select().where(ContractType.code == (code or "").strip()).first()
    if row is None or (active_only and not row["active"]):
        raise UnknownContractType(f"合同类别 {code} 不存在 / Unknown contract type {code}", field="type")
    return row


async def list_types(*, ctx: AppContext, actor: Actor) -> list[schemas.ContractTypeOut]:
    require_any(actor, ("contract_type.admin", "contract.read"))
    rows = await ContractType.select().order_by(ContractType.id)
    return [to_schema(row) for row in rows]


async def request_type(*, ctx: AppContext, actor: Actor, data: schemas.ContractTypeIn, origin: Origin) -> dict[str, Any]:
    """A new type waits for the general manager: its family decides the approval chain (R-ST-06)."""
    require(actor, "contract_type.admin")
    _check(code=data.code, name_zh=data.name_zh, name_en=data.name_en, family=data.family,
           required_fields=data.required_fields)
    payload = {"code": data.code, "name_zh": data.name_zh.strip(), "name_en": data.name_en.strip(),
               "family": data.family, "required_fields": list(data.required_fields), "active": data.active}
    async with db.unit_of_work(ctx.engine):
        if await ContractType.exists().where(ContractType.code == data.code) or await grants.pending_subject(
            kind=NEW_TYPE, subject=data.code
        ):
            raise ContractTypeExists(f"合同类别 {data.code} 已存在 / Contract type {data.code} exists", field="code")
        return await grants.file_request(ctx=ctx, actor=actor, kind=NEW_TYPE, subject=data.code, payload=payload,
                                         origin=origin)


async def request_type_change(
    *, ctx: AppContext, actor: Actor, code: str, data: schemas.ContractTypeUpdate, origin: Origin
) -> dict[str, Any]:
    """Names, required fields and the active flag, after approval; the family stays, as existing
    contracts were approved under it."""
    require(actor, "contract_type.admin")
    _check(code=None, name_zh=data.name_zh, name_en=data.name_en, family=None, required_fields=data.required_fields)
    payload: dict[str, Any] = {"code": code}
    if data.name_zh is not None:
        payload["name_zh"] = data.name_zh.strip()
    if data.name_en is not None:
        payload["name_en"] = data.name_en.strip()
    if data.required_fields is not None:
        payload["required_fields"] = list(data.required_fields)
    if data.active is not None:
        payload["active"] = data.active
    async with db.unit_of_work(ctx.engine):
        await load_type(code)
        return await grants.file_request(ctx=ctx, actor=actor, kind=TYPE_CHANGE, subject=code, payload=payload,
                                         origin=origin)


async def _create_approved(*, ctx: AppContext, payload: dict[str, Any], now: dt.datetime) -> None:
    if await ContractType.exists().where(ContractType.code == payload["code"]):
        raise ContractTypeExists(f"合同类别 {payload['code']} 已存在 / Contract type {payload['code']} exists", field="code")
    await ContractType.insert(ContractType(
        code=payload["code"], name_zh=payload["name_zh"], name_en=payload["name_en"], family=payload["family"],
        required_fields=json.dumps(payload["required_fields"]), active=payload["active"], updated_at=now,
    ))


_CHANGEABLE = {"name_zh": ContractType.name_zh, "name_en": ContractType.name_en, "active": ContractType.active}


async def _change_approved(*, ctx: AppContext, payload: dict[str, Any], now: dt.datetime) -> None:
    await load_type(payload["code"])
    changes: dict[Any, Any] = {ContractType.updated_at: now}
    for name, column in _CHANGEABLE.items():
        if name in payload:
            changes[column] = payload[name]
    if "required_fields" in payload:
        changes[ContractType.required_fields] = json.dumps(payload["required_fields"])
    await ContractType.update(changes).where(ContractType.code == payload["code"])


def _describe_new(p: dict[str, Any]) -> tuple[str, str]:
    return (f"新合同类别 {p['code']}（{p['name_zh']}），类型族 {p['family']}",
            f"New contract type {p['code']} ({p['name_en']}), family {p['family']}")


def _describe_change(p: dict[str, Any]) -> tuple[str, str]:
    fields = ", ".join(k for k in p if k != "code")
    return (f"修改合同类别 {p['code']}：{fields}", f"Change contract type {p['code']}: {fields}")


NEW_TYPE = "contract_type.create"
TYPE_CHANGE = "contract_type.change"
grants.register_kind(grants.GrantKind(
    kind=NEW_TYPE, label=("新建合同类别", "New contract type"), request_capabilities=("contract_type.admin",),
    apply=_create_approved, describe=_describe_new,
))
grants.register_kind(grants.GrantKind(
    kind=TYPE_CHANGE, label=("修改合同类别", "Contract type change"), request_capabilities=("contract_type.admin",),
    apply=_change_approved, describe=_describe_change,
))

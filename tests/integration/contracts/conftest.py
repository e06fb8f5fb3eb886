"""Contracts test fixtures: customers of every category, a price standard, logins by role."""

from __future__ import annotations

import itertools

import pytest

from tests.bench.data import credit_code, resident_id
from tests.integration.conftest import new_customer

_serial = itertools.count(1)

PRICE_ITEMS = [
    {"code": "AZ-RES", "name": "居民户内安装", "unit": "户", "unit_price_fen": 280_000},
    {"code": "GD-DN25", "name": "DN25 镀锌管敷设", "unit": "米", "unit_price_fen": 8_550},
    {"code": "BJ-01", "name": "可燃气体报警器", "unit": "台", "unit_price_fen": 45_000},
]


def customer_body(category: str, *, branch: str = "DC", **overrides) -> dict:
    n = next(_serial)
    if category == "residential":
        body = new_customer(name=f"居民用户{n}", id_number=resident_id(500_000 + n), branch=branch,
                            phone=f"139{n:08d}")
    else:
        names = {"commercial": "餐饮有限公司", "collective": "物业管理有限公司", "industrial": "陶瓷制造有限公司",
                 "upstream_supplier": "天然气供应有限公司"}
        body = new_customer(category=category, name=f"测试{n}{names[category]}", id_type="credit_code",
                            id_number=credit_code(700_000 + n), branch=branch, phone=f"137{n:08d}")
        if category == "collective":
            body.update(contact_name="赵经理", contact_phone="13900001111")
    body.update(overrides)
    return body


@pytest.fixture
def as_role(login):
    """Headers per username, logged in once per test."""
    cache: dict[str, dict[str, str]] = {}

    async def headers(username: str) -> dict[str, str]:
        if username not in cache:
            cache[username] = await login(username)
        return cache[username]

    return headers


@pytest.fixture
def open_customer(client, as_role):
    async def do(category: str = "residential", *, by: str = "frontdesk", **overrides) -> str:
        branch = "XC" if by == "frontdesk2" else "DC"
        response = await client.post("/api/v1/customers", json=customer_body(category, branch=branch, **overrides),
                                     headers=await as_role(by))
        assert response.status_code == 201, response.text
        return response.json()["account_no"]

    return do


@pytest.fixture
def price_standard(client, as_role):
    async def do(*, effective_from: str = "2026-01-01", items=None) -> dict:
        response = await client.post("/api/v1/price-standards", json={
            "code": "JZ-2026", "name": "居民及非居民燃气工程安装收费标准", "approval_ref": "价格〔2026〕12号",
            "effective_from": effective_from, "items": items or PRICE_ITEMS,
        }, headers=await as_role("finance"))
        assert response.status_code == 201, response.text
        return response.json()

    return do


def installation(account_no: str, **overrides) -> dict:
    body = {
        "type": "installation",
        "account_no": account_no,
        "price_items": [{"code": "AZ-RES", "quantity": 1}, {"code": "GD-DN25", "quantity": 12.5}],
        "terms": "甲方为乙方安装户内燃气管道及设施，乙方按约定支付安装费用。工程验收合格后通气。",
    }
    body.update(overrides)
    return body


# 2,800.00 + 12.5 × 85.50 = 3,868.75 yuan
INSTALLATION_FEN = 280_000 + 106_875


def installments(total: int = INSTALLATION_FEN) -> dict:
    first = total // 2
    return {"kind": "installments", "installments": [
        {"due_date": "2026-12-31", "amount_fen": first, "step": "户内管道敷设"},
        {"due_date": "2027-03-31", "amount_fen": total - first, "step": "表具安装及通气验收"},
    ]}

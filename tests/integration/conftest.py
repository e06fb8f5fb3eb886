from __future__ import annotations

from typing import AsyncIterator

import pytest
from litestar.testing import AsyncTestClient

from crm.app import create_app
from tests.conftest import DEMO_PASSWORD


@pytest.fixture
async def client(ctx) -> AsyncIterator[AsyncTestClient]:
    app = create_app(ctx=ctx)
    async with AsyncTestClient(app=app) as c:
        yield c


@pytest.fixture
def login(client):
    async def do(username: str, password: str = DEMO_PASSWORD) -> dict[str, str]:
        response = await client.post("/api/v1/auth/login", json={"username": username, "password": password})
        assert response.status_code == 200, response.text
        return {"Authorization": f"Bearer {response.json()['token']}"}

    return do


def new_customer(**overrides) -> dict:
    body = {
        "category": "residential",
        "name": "张三丰",
        "id_type": "resident_id",
        "id_number": "11010519491231002X",
        "phone": "13812345678",
        "address": {"province": "北京市", "city": "北京市", "district": "东城区", "street": "建国路", "detail": "幸福小区3号楼2单元501室"},
        "branch": "DC",
        "delivery_notice_no": "SQ-2026-90001",
        "acceptance_drawing_no": "YS-2026-90001",
    }
    body.update(overrides)
    return body

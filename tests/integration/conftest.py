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


@pytest.fixture
def command_database(monkeypatch, settings):
    """A database with the demo staff, reachable the way `crm` finds it (the environment), for
    commands run in this process; ``within(setup)`` runs ``await setup(ctx)`` against it."""
    import asyncio

    from crm import db, seed
    from crm.context import build_context, ensure_keyring
    from tests.conftest import FIXTURES

    monkeypatch.setenv("CRM_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("CRM_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("CRM_DB_POOL_SIZE", "0")
    settings.data_dir.mkdir(parents=True, exist_ok=True)

    def within(setup) -> None:
        async def go() -> None:
            ctx = build_context(settings, keyring=ensure_keyring(settings))
            await db.start(ctx.engine, pool_size=0)
            try:
                await setup(ctx)
            finally:
                await db.stop(ctx.engine)

        asyncio.run(go())

    async def staff(ctx) -> None:
        await seed.initialise(ctx)
        await seed.load_staff_fixtures(ctx, FIXTURES / "demo")

    within(staff)
    return within

"""`crm init`, `crm keys rotate` and `crm audit verify` on both engines (R-PM-04, R-PM-05)."""

from __future__ import annotations

import asyncio

import pytest
from typer.testing import CliRunner

from crm.cli import app
from crm.context import CLI, build_context
from crm.security.keyring import load_keyring, save_keyring, with_new_data_key
from tests.conftest import FIXTURES
from tests.integration.conftest import new_customer


@pytest.fixture
def env(monkeypatch, settings):
    monkeypatch.setenv("CRM_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("CRM_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("CRM_DB_POOL_SIZE", "0")
    return settings


def run(*args: str):
    return CliRunner().invoke(app, list(args), catch_exceptions=False)


def _open_customers(settings, count: int) -> None:
    from crm.accounts import service
    from crm.accounts.customer_rules import CustomerInput
    from crm.seed import actor_for

    ids = ["11010519491231002X", "110101199003077571", "440305198511221232"][:count]

    async def go() -> None:
        ctx = build_context(settings.with_(fast_password_hashing=True))
        actor = await actor_for(username="frontdesk")
        for i, id_number in enumerate(ids):
            body = new_customer(id_number=id_number, phone=f"1381234567{i}", contact_phone="13900000000")
            address = body.pop("address")
            await service.open_account(ctx=ctx, actor=actor, origin=CLI, data=CustomerInput(**body, **address))

    asyncio.run(go())


def _sealed_tokens(settings) -> list[str]:
    from crm.accounts.tables import Customer

    async def go():
        build_context(settings)
        rows = await Customer.select(Customer.id_number_sealed, Customer.phone_sealed, Customer.contact_phone_sealed, Customer.detail_sealed)
        return [v for row in rows for v in row.values() if v]

    return asyncio.run(go())


class TestInit:
    def test_init_is_idempotent(self, env):
        first = run("init", "--fixtures", str(FIXTURES / "demo"))
        second = run("init", "--fixtures", str(FIXTURES / "demo"))

        assert first.exit_code == 0 and "staff added: 9" in first.output
        assert second.exit_code == 0 and "staff added: 0" in second.output


class TestKeyRotation:
    def test_rotation_moves_every_value_to_the_new_key(self, env):
        """R-PM-04: keys versioned and rotatable with a re-encryption command."""
        run("init", "--fixtures", str(FIXTURES / "demo"))
        _open_customers(env, 3)

        result = run("keys", "rotate", "--batch", "2")

        assert result.exit_code == 0, result.output
        assert load_keyring(path=env.keyring_path).current_key_id == "k2"
        tokens = _sealed_tokens(env)
        assert len(tokens) == 12 and all(t.startswith("k2$") for t in tokens)

    def test_interrupted_rotation_is_finished_by_running_it_again(self, env):
        run("init", "--fixtures", str(FIXTURES / "demo"))
        _open_customers(env, 2)
        # As if the process died right after saving the new key, before re-encrypting anything.
        save_keyring(keyring=with_new_data_key(keyring=load_keyring(path=env.keyring_path)), path=env.keyring_path)

        result = run("keys", "rotate")

        assert result.exit_code == 0 and "resuming" in result.output
        assert load_keyring(path=env.keyring_path).current_key_id == "k2"
        assert all(t.startswith("k2$") for t in _sealed_tokens(env))


class TestAuditVerifyCommand:
    def test_tampering_makes_the_command_fail(self, env):
        """R-PM-05."""
        from crm.audit.tables import AuditEvent

        run("init", "--fixtures", str(FIXTURES / "demo"))
        _open_customers(env, 1)
        intact = run("audit", "verify")

        async def tamper() -> None:
            build_context(env)
            await AuditEvent.update({AuditEvent.outcome: "failure"}).where(AuditEvent.action == "customer.open")

        asyncio.run(tamper())
        broken = run("audit", "verify")

        assert intact.exit_code == 0 and "intact" in intact.output
        assert broken.exit_code == 1 and "hash_mismatch" in broken.output


class TestDemo:
    def test_demo_loads_customers_prints_logins_and_hands_over_to_the_server(self, env, monkeypatch):
        """`make demo` runs `crm demo`: it must reach the server with real arguments."""
        import uvicorn

        started = {}
        monkeypatch.setattr(uvicorn, "run", lambda app, **kwargs: started.update(app=app, **kwargs))

        result = run("demo")

        assert result.exit_code == 0, result.output
        assert "customers added: 200" in result.output and "frontdesk2" in result.output
        assert started["app"] == "crm.asgi:app" and started["workers"] == 1

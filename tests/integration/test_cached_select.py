"""crm.db.CachedSelect: SQL compiled once reads the same typed rows on every path.

On SQLite an inline read outside a transaction skips ``detect_types`` and converts only the
columns that need it; inside a transaction, or on PostgreSQL, the driver converts. Whatever
the path, a row must equal what Piccolo's own query returns.
"""

from __future__ import annotations

import datetime as dt

from crm import db
from crm.accounts import service as accounts
from crm.context import Origin
from crm.seed import actor_for
from crm.staff import service as staff_service
from crm.staff.tables import StaffSession
from crm.security.tokens import hash_token
from tests.conftest import DEMO_PASSWORD
from tests.integration.test_concurrency import _input


async def _on_every_path(ctx, query: db.CachedSelect, *values):
    outside = await query.run(ctx.engine, *values)
    async with db.unit_of_work(ctx.engine):
        inside = await query.run(ctx.engine, *values)
    return outside, inside


async def test_a_customer_row_is_the_same_inside_and_outside_a_transaction(ctx):
    actor = await actor_for(username="frontdesk")
    opened = await accounts.open_account(ctx=ctx, actor=actor, data=_input("11010519491231002X", "13812345678"), origin=Origin())

    outside, inside = await _on_every_path(ctx, accounts._CUSTOMER_VIEW_BY_NUMBER, opened.account_no)

    assert outside == inside
    assert isinstance(outside["opened_at"], dt.datetime) and outside["opened_at"].tzinfo is not None
    assert outside["opened_at"] == ctx.now()
    assert isinstance(outside["balance_fen"], int) and isinstance(outside["branch"], int)
    assert (await ctx.branches.by_id(outside["branch"])).code == "DC"


async def test_a_session_row_converts_booleans_timestamps_and_nulls(ctx):
    result = await staff_service.login(
        ctx=ctx, username="frontdesk", password=DEMO_PASSWORD, kind="api", origin=Origin()
    )
    token_hash = hash_token(token=result.token)

    outside, inside = await _on_every_path(ctx, staff_service._SESSION_BY_TOKEN, token_hash)

    assert outside == inside
    assert outside["staff.active"] is True and outside["staff.must_change_password"] is False
    assert outside["revoked_at"] is None
    assert outside["created_at"] == ctx.now()
    piccolo = await StaffSession.select(StaffSession.created_at, StaffSession.staff.active).where(
        StaffSession.token_hash == token_hash
    ).first()
    assert (outside["created_at"], outside["staff.active"]) == (piccolo["created_at"], piccolo["staff.active"])


async def test_a_missing_row_is_none(ctx):
    assert await accounts._CUSTOMER_VIEW_BY_NUMBER.run(ctx.engine, "10000000000") is None

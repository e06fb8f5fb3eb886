"""Concurrent front-desk work on both engines: numbers stay unique, duplicates stay out."""

from __future__ import annotations

import asyncio

from crm.accounts import service
from crm.accounts.account_numbers import is_valid_account_no
from crm.accounts.customer_rules import CustomerInput
from crm.accounts.tables import Customer
from crm.context import Origin
from crm.errors import Conflict
from crm.seed import actor_for
from tests.integration.conftest import new_customer

IDS = ["11010519491231002X", "110101199003077571", "440305198511221232", "110101199003078670"]


def _input(id_number: str, phone: str) -> CustomerInput:
    body = new_customer(id_number=id_number, phone=phone)
    address = body.pop("address")
    return CustomerInput(**body, **address)


class TestConcurrentOpening:
    async def test_simultaneous_openings_get_distinct_valid_account_numbers(self, ctx):
        """R-AC-09: generated, unique, with a check digit — also under concurrency."""
        actor = await actor_for(username="frontdesk")

        opened = await asyncio.gather(
            *(
                service.open_account(ctx=ctx, actor=actor, data=_input(id_number, f"1380000000{i}"), origin=Origin())
                for i, id_number in enumerate(IDS)
            )
        )

        numbers = [c.account_no for c in opened]
        assert len(set(numbers)) == len(IDS)
        assert all(is_valid_account_no(n) for n in numbers)

    async def test_the_same_id_opened_twice_at_once_yields_one_customer(self, ctx):
        """R-AC-06: exactly one succeeds, the other is refused as a duplicate."""
        actor = await actor_for(username="frontdesk")

        results = await asyncio.gather(
            *(
                service.open_account(ctx=ctx, actor=actor, data=_input(IDS[0], f"1390000000{i}"), origin=Origin())
                for i in range(2)
            ),
            return_exceptions=True,
        )

        assert await Customer.count() == 1
        refused = [r for r in results if isinstance(r, Exception)]
        assert len(refused) == 1 and isinstance(refused[0], Conflict)


async def _active_customer(ctx, actor) -> tuple[str, int]:
    opened = await service.open_account(ctx=ctx, actor=actor, data=_input(IDS[1], "13700000001"), origin=Origin())
    active = await service.transition(
        ctx=ctx, actor=actor, account_no=opened.account_no, to="active", reason="资料齐全，开通", cause=None, origin=Origin()
    )
    return active.account_no, active.version


class TestConcurrentTransitions:
    async def test_two_desks_freezing_and_closing_at_once_one_wins_the_other_is_told(self, ctx):
        """R-AC-07: two desks act on the account as they saw it; exactly one change lands, the other is 409."""
        actor = await actor_for(username="frontdesk")
        account_no, version = await _active_customer(ctx, actor)

        results = await asyncio.gather(
            service.transition(ctx=ctx, actor=actor, account_no=account_no, to="frozen", reason="安全隐患，暂停供气",
                               cause="safety", expected_version=version, origin=Origin()),
            service.transition(ctx=ctx, actor=actor, account_no=account_no, to="closed", reason="用户申请销户",
                               cause=None, expected_version=version, origin=Origin()),
            return_exceptions=True,
        )

        won = [r for r in results if not isinstance(r, Exception)]
        lost = [r for r in results if isinstance(r, Exception)]
        assert len(won) == 1 and len(lost) == 1
        assert isinstance(lost[0], Conflict) and lost[0].code == "customer.stale"
        final = await service.get_customer(ctx=ctx, actor=actor, account_no=account_no)
        assert (final.status, final.version) == (won[0].status, version + 1)
        history = await service.history(ctx=ctx, actor=actor, account_no=account_no)
        assert [h.new_value for h in history if h.action == "status"] == ["active", won[0].status]

    async def test_the_same_freeze_sent_twice_at_once_is_recorded_once(self, ctx):
        """R-AC-07: without a version (an old client), the second freeze finds the account frozen already."""
        actor = await actor_for(username="frontdesk")
        account_no, version = await _active_customer(ctx, actor)

        results = await asyncio.gather(
            *(service.transition(ctx=ctx, actor=actor, account_no=account_no, to="frozen", reason="欠费停气",
                                 cause="arrears", origin=Origin()) for _ in range(2)),
            return_exceptions=True,
        )

        assert sum(isinstance(r, Conflict) for r in results) == 1
        history = await service.history(ctx=ctx, actor=actor, account_no=account_no)
        assert [h.new_value for h in history if h.action == "status"] == ["active", "frozen"]
        assert (await service.get_customer(ctx=ctx, actor=actor, account_no=account_no)).version == version + 1

    async def test_a_form_filled_before_another_change_is_refused(self, ctx):
        actor = await actor_for(username="frontdesk")
        account_no, version = await _active_customer(ctx, actor)
        await service.transition(ctx=ctx, actor=actor, account_no=account_no, to="frozen", reason="欠费停气",
                                 cause="arrears", origin=Origin())

        try:
            await service.transition(ctx=ctx, actor=actor, account_no=account_no, to="active", reason="已缴清欠费",
                                     cause=None, expected_version=version, origin=Origin())
            refused = None
        except Conflict as exc:
            refused = exc

        assert refused is not None and refused.code == "customer.stale"
        assert (await service.get_customer(ctx=ctx, actor=actor, account_no=account_no)).status == "frozen"

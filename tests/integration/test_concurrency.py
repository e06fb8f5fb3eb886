"""Concurrent front-desk work on both engines: numbers stay unique, duplicates stay out."""

from __future__ import annotations

import asyncio

from crm.accounts import service
from crm.accounts.account_numbers import is_valid_account_no
from crm.accounts.customer_rules import CustomerInput
from crm.accounts.tables import Customer
from crm.context import Origin
from crm.errors import Conflict
from crm.seed import _actor_for
from tests.integration.conftest import new_customer

IDS = ["11010519491231002X", "110101199003077571", "440305198511221232", "110101199003078670"]


def _input(id_number: str, phone: str) -> CustomerInput:
    body = new_customer(id_number=id_number, phone=phone)
    address = body.pop("address")
    return CustomerInput(**body, **address)


class TestConcurrentOpening:
    async def test_simultaneous_openings_get_distinct_valid_account_numbers(self, ctx):
        """R-AC-09: generated, unique, with a check digit — also under concurrency."""
        actor = await _actor_for("frontdesk")

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
        actor = await _actor_for("frontdesk")

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

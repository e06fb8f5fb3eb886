"""Two finance clerks recording a version of one tariff at the same moment, on both engines (R-BL-01)."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest

from crm.audit.tables import AuditEvent
from crm.billing import schemas, tariffs
from crm.billing.tables import TariffVersion
from crm.billing.tariff_rules import ComponentInput, TariffInput
from crm.context import Origin
from crm.errors import Conflict
from crm.seed import actor_for

ORIGIN = Origin(source_ip="127.0.0.1")


def version(start: dt.date, price: str) -> TariffInput:
    return TariffInput(code="POWER-COM", name="一般工商业用电", customer_category="commercial", unit="kWh",
                       effective_from=start, components=(ComponentInput(name="电费", kind="flat", unit_price=price),))


@pytest.mark.parametrize("first", [False, True], ids=["second-version", "first-version"])
async def test_exactly_one_of_two_simultaneous_versions_is_written(ctx, first):
    """Two versions from the same day: one wins, the other gets a 409 (tariff.overlap when the writes were
    serialised, conflict.duplicate from the code@version key when both read before either wrote, as for a
    first version, where there is no row yet to lock)."""
    finance = await actor_for(username="finance")
    if not first:
        await tariffs.create_version(ctx=ctx, actor=finance, data=version(dt.date(2026, 1, 1), "0.4883"), origin=ORIGIN)

    results = await asyncio.gather(
        tariffs.create_version(ctx=ctx, actor=finance, data=version(dt.date(2026, 7, 1), "0.5012"), origin=ORIGIN),
        tariffs.create_version(ctx=ctx, actor=finance, data=version(dt.date(2026, 7, 1), "0.5120"), origin=ORIGIN),
        return_exceptions=True,
    )

    won = [r for r in results if isinstance(r, schemas.TariffOut)]
    lost = [r for r in results if isinstance(r, Exception)]
    assert len(won) == 1 and len(lost) == 1, results
    assert isinstance(lost[0], Conflict), lost[0]
    assert lost[0].code in {"tariff.overlap", "conflict.duplicate"}
    rows = await TariffVersion.select(TariffVersion.version, TariffVersion.effective_to).order_by(TariffVersion.version)
    assert [r["effective_to"] is None for r in rows] == [False] * (len(rows) - 1) + [True]
    assert await AuditEvent.count().where(AuditEvent.action == "tariff.create") == len(rows)

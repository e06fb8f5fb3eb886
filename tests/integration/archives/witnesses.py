"""A disposal batch made ready to execute, the way the witnesses do it (R-AR-05, issue 14 finding 7)."""

from __future__ import annotations

from archives import disposal
from crm.context import Origin
from crm.seed import actor_for


async def witnessed(ctx, *, batch_id: int, witnesses: list[str], by: str = "archivist") -> None:
    """Name ``witnesses`` and have each confirm as themselves: what a batch needs before it is executed."""
    await disposal.name_witnesses(ctx=ctx, actor=await actor_for(username=by), batch_id=batch_id, witnesses=witnesses,
                                  origin=Origin())
    for name in witnesses:
        await disposal.confirm_witness(ctx=ctx, actor=await actor_for(username=name), batch_id=batch_id, origin=Origin())

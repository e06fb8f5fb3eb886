"""The baseline for the HTTP benchmark: a bare Litestar JSON endpoint, served like the CRM."""

from __future__ import annotations

from litestar import Litestar, get


@get("/bare", sync_to_thread=False)
def bare() -> dict[str, object]:
    return {"status": "ok", "service": "bare", "answer": 42}


app = Litestar(route_handlers=[bare], debug=False)

"""Benchmarks g, h, i: contracts with approval chains, each next to a baseline from the same run.

    python -m tests.bench.contract_benchmarks [--only g,h,i] [--engines sqlite,postgres]
                                              [--pending 10000] [--others 3000] [--samples 300]

g. `contracts.approval.approval_chain(facts=ChainFacts(...))` over every family × customer
   category × payment kind × unsettled × dispute (180 facts), µs per call.   goal: < 50 µs
   Baselines, same harness, same run: building the ChainFacts values alone, and a dict lookup
   of an already computed chain.
h. The approval inbox (`contracts.inbox.inbox(..., page=1)`) and its count
   (`contracts.inbox.waiting_count`) for the market manager with PENDING contracts waiting at
   their step across the three demo branches, among OTHERS contracts that are not (signed,
   drafts, returned, approved, further along the chain).            goal: p99 < 50 ms
   Every contract is written through the service layer (`draft_contract` + `submit`, and
   `decide` / `sign` for the others), as the staff would; the fill time is reported. Measured
   for the demo's market manager (all branches) and for a market manager scoped to branch DC.
   Baseline, same run, same data: the page as the service reads it, in raw SQL on the
   engine's own driver (sqlite3 / asyncpg) — the steps joined to contract and contract type
   only, then the page's customers by id in one statement; branch codes and drafters'
   usernames from memory, as ctx.branches and ctx.staff_names hold them — the page with the
   inbox's two counts as four raw statements, and the same count as one raw statement. The
   run checks that the raw statements give the same page (contract, account number, customer,
   branch, drafter) and counts as the service.
   SQLite always; PostgreSQL when `CRM_BENCH_POSTGRES_URL` (or `CRM_TEST_POSTGRES_URL`) names a
   scratch database — its schema is dropped and recreated.
i. Contract documents per second on one core (tests/bench/bench_contract_pdf.py's measure()),
   vs a one-line reportlab canvas PDF in the same font.              goal: >= 50 per second

Prints a table and writes bench-results/contracts.json. Figures only: nothing here asserts
a time, and a missed goal does not fail the command.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import dataclasses
import datetime as dt
import io
import itertools
import json
import os
import random
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

from tests.bench.data import IMPORT_HEADER, credit_code, resident_id

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "fixtures" / "demo"
BRANCHES = ("HQ", "DC", "XC")
# The demo has no front desk at head office; the benchmark adds one, as an administrator would.
HQ_DESK = {"username": "frontdesk_hq", "display_name": "钱敏", "role": "front_desk", "branch": "HQ",
           "password": "Demo-Pass-2026", "must_change_password": False}
DESKS = {"HQ": HQ_DESK["username"], "DC": "frontdesk", "XC": "frontdesk2"}
# Customers imported per branch: (category, how many). Contracts are spread over them.
CUSTOMERS_PER_BRANCH = (("commercial", 500), ("collective", 200), ("industrial", 200),
                        ("upstream_supplier", 100), ("residential", 400))
SPREAD_DAYS = 30  # submissions are spread over the last 30 days (overdue after 3 by default)

GOALS = {"chain_us": 50.0, "inbox_p99_ms": 50.0, "contract_pdf_per_second": 50.0}
BASELINES = {
    "chain": "the same loop over the same 180 facts: building each ChainFacts value alone, and a dict "
    "lookup of its already computed chain",
    "inbox": "the same statements as the service in raw SQL on the engine's own driver (sqlite3 / asyncpg), "
    "same data, same run: the page of steps (joined to contract and contract type only; same filter, order, "
    "50 rows) and its customers by id, branch codes and usernames from memory; and the page with the inbox's "
    "two counts (all waiting, overdue) as four raw statements",
    "waiting_count": "the same count as one raw SQL statement, same data, same run",
    "contract_pdf": "reportlab Canvas with one drawString in the same CJK font, saved to memory",
}


def _percentiles(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    pick = lambda q: ordered[min(len(ordered) - 1, int(len(ordered) * q))] * 1000  # noqa: E731
    return {"p50_ms": pick(0.50), "p90_ms": pick(0.90), "p99_ms": pick(0.99), "max_ms": ordered[-1] * 1000,
            "count": len(ordered)}


# ---------------------------------------------------------------------------------------
# g. Computing an approval chain


def bench_chain(*, rounds: int = 200, repeat: int = 7) -> dict[str, Any]:
    """µs per call over the full mix; the three loops alternate so a drift hits them all."""
    from contracts.approval import FAMILIES, PAYMENT_KINDS, ChainFacts, approval_chain
    from crm.accounts.customer_rules import CATEGORIES

    combos = list(itertools.product(FAMILIES, CATEGORIES, PAYMENT_KINDS, (False, True), (False, True)))
    facts = [ChainFacts(family=f, customer_category=c, payment_kind=p, installation_fees_unsettled=u,
                        property_dispute=d) for f, c, p, u, d in combos]
    chains = {f: approval_chain(facts=f) for f in facts}
    calls = rounds * len(facts)

    def chain() -> None:
        for _ in range(rounds):
            for f in facts:
                approval_chain(facts=f)

    def construct() -> None:
        for _ in range(rounds):
            for f, c, p, u, d in combos:
                ChainFacts(family=f, customer_category=c, payment_kind=p, installation_fees_unsettled=u,
                           property_dispute=d)

    def lookup() -> None:
        for _ in range(rounds):
            for f in facts:
                chains[f]

    jobs = {"chain": chain, "construct": construct, "lookup": lookup}
    for job in jobs.values():
        job()  # warm-up
    runs: dict[str, list[float]] = {name: [] for name in jobs}
    for _ in range(repeat):
        for name, job in jobs.items():
            t0 = time.perf_counter()
            job()
            runs[name].append((time.perf_counter() - t0) / calls * 1e6)
    # The slowest single combination, so a cheap majority cannot hide an expensive case.
    worst_us, worst = 0.0, None
    for f in facts:
        t0 = time.perf_counter()
        for _ in range(2000):
            approval_chain(facts=f)
        us = (time.perf_counter() - t0) / 2000 * 1e6
        if us > worst_us:
            worst_us, worst = us, f
    steps = [len(c) for c in chains.values()]
    return {
        "facts": len(facts),
        "calls_per_run": calls,
        "runs": repeat,
        "chain_us": statistics.median(runs["chain"]),
        "baseline_construct_us": statistics.median(runs["construct"]),
        "baseline_lookup_us": statistics.median(runs["lookup"]),
        "runs_us": {name: [round(v, 3) for v in values] for name, values in runs.items()},
        "slowest_combination_us": worst_us,
        "slowest_combination": dataclasses.asdict(worst) if worst else None,
        "chain_lengths": {n: steps.count(n) for n in sorted(set(steps))},
    }


# ---------------------------------------------------------------------------------------
# h. The approval inbox at 10,000 pending contracts


def _engine_env(data_dir: Path, url: str | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CRM_")}
    env.update({"CRM_DATA_DIR": str(data_dir), "PYTHONPATH": str(ROOT)})
    if url:
        env["CRM_DATABASE_URL"] = url
    return env


def _customer_rows(branch: str, offset: int) -> tuple[list[list[str]], int]:
    """Valid, unique customers of ``branch`` for `crm import customers`; returns the next offset."""
    rows = []
    i = offset
    for category, count in CUSTOMERS_PER_BRANCH:
        for _ in range(count):
            i += 1
            if category == "residential":
                id_type, id_number = "resident_id", resident_id(700_000 + i)
                name, contact = f"压测住户{i}", ("", "")
            else:
                id_type, id_number = "credit_code", credit_code(500_000 + i)
                name = {"commercial": f"压测餐饮{i}有限公司", "collective": f"压测小区{i}业主委员会",
                        "industrial": f"压测制造{i}有限公司", "upstream_supplier": f"压测燃气{i}供应有限公司"}[category]
                contact = ("王经理", f"135{i:08d}")
            fields = {
                "category": category, "name": name, "id_type": id_type, "id_number": id_number,
                "phone": f"136{i:08d}", "contact_name": contact[0], "contact_phone": contact[1],
                "province": "北京市", "city": "北京市", "district": "东城区", "street": "建国路",
                "detail": f"{i}号{i % 6 + 1}单元", "branch": branch,
                "delivery_notice_no": f"SQ-H-{i:07d}", "acceptance_drawing_no": f"YS-H-{i:07d}",
            }
            rows.append([fields[name] for name in IMPORT_HEADER])
    return rows, i


@dataclasses.dataclass(frozen=True)
class _Planned:
    kind: str  # pending | res_signed | draft | approved | returned | supply
    branch: str
    category: str
    variant: str  # single | installments | dispute


def _plan(pending: int, others: int, rng: random.Random) -> list[_Planned]:
    """What to write, in submission order: PENDING waiting for the market manager, then OTHERS mixed in."""
    non_residential = ("commercial",) * 5 + ("collective",) * 2 + ("industrial",) * 2 + ("upstream_supplier",)
    plan = []
    for n in range(pending):
        variant = rng.choices(("single", "installments", "dispute"), weights=(70, 20, 10))[0]
        plan.append(_Planned("pending", BRANCHES[n % 3], rng.choice(non_residential), variant))
    kinds = rng.choices(("res_signed", "draft", "approved", "returned", "supply"), weights=(30, 15, 25, 15, 15), k=others)
    for n, kind in enumerate(kinds):
        category = ("residential" if kind == "res_signed" else "commercial" if kind == "supply"
                    else rng.choice(non_residential))
        variant = rng.choice(("single", "installments")) if kind == "approved" else "single"
        plan.append(_Planned(kind, BRANCHES[n % 3], category, variant))
    rng.shuffle(plan)
    return plan


TERMS = (
    "一、供气方负责用户红线内燃气管道及燃气设施的设计、施工与验收。\n"
    "二、用户按本合同约定的金额与期限支付安装费用，安装费用依据物价部门标准核定，不得擅自调整。\n"
    "三、工程验收合格并结清安装费用后，供气方按《天然气用户送气通知单》安排通气。"
)
TERMS_SUPPLY = "一、供气方按国家标准持续、稳定供应天然气，用户按月抄表结算。\n二、用户不得擅自改装、迁移燃气设施。"


def _contract_input(p: _Planned, account_no: str, *, metres: int, on: dt.date, prices: dict[str, int]):
    from contracts import schemas

    if p.kind == "supply":
        return schemas.ContractCreate(type="commercial_supply", account_no=account_no, terms=TERMS_SUPPLY)
    if p.category == "residential":
        items = [("AZ-RES", 1), ("GD-DN25", metres), ("BB-G25", 1)]
    else:
        items = [("AZ-COM", 1), ("GD-DN50", metres), ("BB-G16", 1)]
    plan = None
    if p.variant == "installments":
        amount = sum(prices[code] * quantity for code, quantity in items)
        first = amount * 40 // 100
        plan = schemas.PaymentPlan(kind="installments", installments=[
            schemas.InstallmentRequest(due_date=on + dt.timedelta(days=10), amount_fen=first, step="庭院管网敷设"),
            schemas.InstallmentRequest(due_date=on + dt.timedelta(days=60), amount_fen=amount - first,
                                       step="户内安装及通气验收"),
        ])
    return schemas.ContractCreate(
        type="installation", account_no=account_no, terms=TERMS, payment_plan=plan,
        price_items=[schemas.PriceItemRequest(code=code, quantity=Decimal(q)) for code, q in items],
        property_dispute=p.variant == "dispute",
    )


async def _fill(ctx, *, pending: int, others: int, log) -> dict[str, Any]:
    """Customers by `crm import`'s importer, contracts through the service layer, one by one."""
    from contracts import service
    from contracts.tables import PriceItem
    from crm.accounts.importing import import_customers
    from crm.accounts.tables import Customer
    from crm.clock import FixedClock
    from crm.context import CLI
    from crm.seed import actor_for, load_staff_fixtures

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        shutil.copy(FIXTURES / "branches.json", folder / "branches.json")
        (folder / "staff.json").write_text(json.dumps([HQ_DESK], ensure_ascii=False), encoding="utf-8")
        await load_staff_fixtures(ctx, folder)
    desks = {branch: await actor_for(username=username) for branch, username in DESKS.items()}
    market = await actor_for(username="market")

    started = time.perf_counter()
    offset = 0
    imported = 0
    for branch in BRANCHES:
        rows, offset = _customer_rows(branch, offset)
        text = io.StringIO()
        writer = csv.writer(text)
        writer.writerow(IMPORT_HEADER)
        writer.writerows(rows)
        report = await import_customers(ctx=ctx, actor=desks[branch], source=io.BytesIO(text.getvalue().encode()),
                                        source_name=f"bench-{branch}.csv", origin=CLI)
        if report.rejected or report.imported != len(rows):
            raise RuntimeError(f"customer import for {branch}: {report}")
        imported += report.imported
    customers_seconds = time.perf_counter() - started
    accounts: dict[tuple[str, str], list[str]] = {}
    for r in await Customer.select(Customer.account_no, Customer.category, Customer.branch.code).where(
            Customer.name.like("压测%")):
        accounts.setdefault((r["branch.code"], r["category"]), []).append(r["account_no"])
    prices = {r["code"]: r["unit_price_fen"] for r in await PriceItem.select(PriceItem.code, PriceItem.unit_price_fen)}

    rng = random.Random(20261125)
    plan = _plan(pending, others, rng)
    now = ctx.now()
    spacing = dt.timedelta(days=SPREAD_DAYS) / max(1, len(plan))
    first_at = now - dt.timedelta(days=SPREAD_DAYS)
    counters = {"draft_submit": 0.0, "draft_submit_count": 0, "decide": 0.0, "decide_count": 0,
                "sign": 0.0, "sign_count": 0, "draft_only": 0.0, "draft_only_count": 0}
    started = time.perf_counter()
    for n, p in enumerate(plan):
        at = first_at + spacing * n
        ctx_at = dataclasses.replace(ctx, clock=FixedClock(at))
        desk = desks[p.branch]
        pool = accounts[(p.branch, p.category)]
        data = _contract_input(p, pool[rng.randrange(len(pool))], metres=rng.randint(5, 60), on=at.date(),
                               prices=prices)
        t0 = time.perf_counter()
        contract = await service.draft_contract(ctx=ctx_at, actor=desk, data=data, origin=CLI)
        if p.kind == "draft":
            counters["draft_only"] += time.perf_counter() - t0
            counters["draft_only_count"] += 1
            continue
        await service.submit(ctx=ctx_at, actor=desk, contract_no=contract.contract_no, origin=CLI)
        counters["draft_submit"] += time.perf_counter() - t0
        counters["draft_submit_count"] += 1
        later = dataclasses.replace(ctx, clock=FixedClock(at + spacing / 2))
        if p.kind in ("approved", "returned"):
            t0 = time.perf_counter()
            decision = "approve" if p.kind == "approved" else "return"
            await service.decide(ctx=later, actor=market, contract_no=contract.contract_no, decision=decision,
                                 reason="同意" if decision == "approve" else "请补充管径及表具型号说明", origin=CLI)
            counters["decide"] += time.perf_counter() - t0
            counters["decide_count"] += 1
        elif p.kind == "res_signed":
            t0 = time.perf_counter()
            await service.sign(ctx=later, actor=desk, contract_no=contract.contract_no, origin=CLI)
            counters["sign"] += time.perf_counter() - t0
            counters["sign_count"] += 1
        if (n + 1) % 1000 == 0:
            log(f"      {n + 1:,} of {len(plan):,} contracts, {time.perf_counter() - started:.0f} s")
    seconds = time.perf_counter() - started
    per_contract = counters["draft_submit"] / max(1, counters["draft_submit_count"])
    return {
        "how": "every contract through contracts.service (draft_contract + submit; decide / sign for some others)",
        "customers_imported": imported,
        "customers_seconds": customers_seconds,
        "contracts": len(plan),
        "contracts_seconds": seconds,
        "plan": {kind: sum(1 for p in plan if p.kind == kind) for kind in sorted({p.kind for p in plan})},
        "draft_submit_ms": per_contract * 1000,
        "draft_submit_count": counters["draft_submit_count"],
        "pending_draft_submit_seconds": per_contract * pending,
        "decide_ms": counters["decide"] / max(1, counters["decide_count"]) * 1000,
        "sign_ms": counters["sign"] / max(1, counters["sign_count"]) * 1000,
    }


async def _data_shape(ctx) -> dict[str, Any]:
    from contracts.tables import ApprovalStep, Contract

    steps = await ApprovalStep.select(ApprovalStep.role, ApprovalStep.status, ApprovalStep.branch.code)
    shape: dict[str, int] = {}
    for s in steps:
        key = f"{s['role']}/{s['status']}"
        shape[key] = shape.get(key, 0) + 1
    pending_market = {}
    for s in steps:
        if s["role"] == "market_manager" and s["status"] == "pending":
            pending_market[s["branch.code"]] = pending_market.get(s["branch.code"], 0) + 1
    statuses = {}
    for r in await Contract.select(Contract.status):
        statuses[r["status"]] = statuses.get(r["status"], 0) + 1
    return {"contracts": await Contract.count(), "contract_status": statuses, "approval_steps": len(steps),
            "steps_by_role_status": dict(sorted(shape.items())), "pending_market_by_branch": pending_market}


# As contracts.inbox reads it: contracts' own tables only (the customer, branch and drafter are ids).
_RAW_FROM = (
    "FROM approval_step s "
    "JOIN contract c ON c.id = s.contract "
    "JOIN contract_type t ON t.id = c.contract_type "
)
_RAW_PAGE = (
    "SELECT s.seq, s.role, s.reasons, s.pending_since, s.branch, c.contract_no, t.code, t.name_zh, "
    "c.customer, c.amount_fen, c.drafted_by " + _RAW_FROM +
    "WHERE s.role = {role} AND s.status = 'pending' AND s.drafter <> {me}{scope} "
    "ORDER BY s.pending_since, s.id LIMIT 50"
)
# The page's customers, one statement per page (crm.accounts.directory.customers_by_id).
_RAW_CUSTOMERS = "SELECT id, account_no, name, category, status, branch FROM customer WHERE id IN ({ids})"
_RAW_COUNT = "SELECT count(*) FROM approval_step s WHERE s.role = {role} AND s.status = 'pending' AND s.drafter <> {me}{scope}"
# The inbox's second count: the overdue ones (the cutoff is the last parameter).
_RAW_OVERDUE = _RAW_COUNT + " AND s.pending_since < {cutoff}"


def _raw_sql(template: str, *, postgres: bool, scoped: bool) -> str:
    """Parameters in order: role, the actor's staff id, [branch], [cutoff]."""
    n = iter(range(1, 5))
    mark = (lambda: f"${next(n)}") if postgres else (lambda: "?")  # noqa: E731
    role = mark()
    me = mark() if "{me}" in template else None
    scope = f" AND s.branch = {mark()}" if scoped else ""
    cutoff = mark() if "{cutoff}" in template else None
    return template.format(role=role, me=me, scope=scope, cutoff=cutoff)


def _raw_customers_sql(count: int, *, postgres: bool) -> str:
    marks = (f"${i}" for i in range(1, count + 1)) if postgres else ("?" for _ in range(count))
    return _RAW_CUSTOMERS.format(ids=", ".join(marks))


def _raw_args(actor, *, cutoff: dt.datetime | None = None) -> tuple:
    args: list[Any] = [actor.role, actor.staff_id]
    if not actor.all_branches:
        args.append(actor.branch_id)
    if cutoff is not None:
        args.append(cutoff)
    return tuple(args)


async def _measure_inbox(ctx, *, samples: int) -> dict[str, Any]:
    from contracts.inbox import inbox, waiting_count
    from crm.seed import actor_for
    from crm.staff.access import Actor

    market = await actor_for(username="market")
    dc = await ctx.branches.by_code("DC")
    # The demo's market manager sees every branch; the same person scoped to DC stands in for a
    # branch-level manager, whom the demo does not have.
    scoped = Actor(staff_id=market.staff_id, username=market.username, display_name=market.display_name,
                   role=market.role, branch_id=dc.id, branch_code="DC", all_branches=False)
    actors = {"all_branches": market, "branch_dc": scoped}
    postgres = ctx.engine.engine_type == "postgres"
    if postgres:
        import asyncpg

        raw_conn = await asyncpg.connect(ctx.settings.database_url)

        async def raw(sql: str, args: tuple) -> list:
            return await raw_conn.fetch(sql, *args)
    else:
        from crm.db import sqlite_path

        raw_conn = sqlite3.connect(sqlite_path(ctx.settings.database_url))

        async def raw(sql: str, args: tuple) -> list:
            return raw_conn.execute(sql, args).fetchall()

    sql = {name: {key: _raw_sql(template, postgres=postgres, scoped=not a.all_branches)
                  for key, template in (("page", _RAW_PAGE), ("count", _RAW_COUNT), ("overdue", _RAW_OVERDUE))}
           for name, a in actors.items()}
    # What the service holds in memory (ctx.branches, ctx.staff_names), read once before measuring.
    branch_codes = {r[0]: r[1] for r in await raw("SELECT id, code FROM branch", ())}
    usernames = {r[0]: r[1] for r in await raw("SELECT id, username FROM staff", ())}
    series_names = ("inbox", "waiting_count", "raw_page", "raw_count", "raw_page_and_counts")
    timings: dict[str, dict[str, list[float]]] = {name: {key: [] for key in series_names} for name in actors}
    checks: dict[str, Any] = {}

    def cutoff_for(actor) -> dt.datetime:  # as contracts.inbox computes it
        return ctx.now() - dt.timedelta(days=ctx.settings.overdue_days(actor.role))

    async def raw_page(name: str, actor) -> list[tuple]:
        """The page as the service builds it: (contract_no, account_no, customer name, branch, drafter)."""
        rows = await raw(sql[name]["page"], _raw_args(actor))
        ids = sorted({r[8] for r in rows})
        people = {r[0]: r for r in await raw(_raw_customers_sql(len(ids), postgres=postgres), tuple(ids))} if ids else {}
        return [(r[5], people[r[8]][1], people[r[8]][2], branch_codes[r[4]], usernames[r[10]]) for r in rows]

    async def raw_inbox(name: str, actor) -> tuple[list, int, int]:
        """The page and both counts of the inbox, as four raw statements."""
        rows = await raw_page(name, actor)
        total = (await raw(sql[name]["count"], _raw_args(actor)))[0][0]
        overdue = (await raw(sql[name]["overdue"], _raw_args(actor, cutoff=cutoff_for(actor))))[0][0]
        return rows, total, overdue

    try:
        for name, actor in actors.items():  # warm-up, and the raw statements give the same answer
            page = await inbox(ctx=ctx, actor=actor, page=1)
            count = await waiting_count(ctx=ctx, actor=actor)
            raw_rows, raw_total, raw_overdue = await raw_inbox(name, actor)
            same_page = [(i.contract_no, i.account_no, i.customer_name, i.branch, i.drafted_by)
                         for i in page.items] == raw_rows
            checks[name] = {"total": page.total, "overdue": page.overdue, "waiting_count": count,
                            "raw_count": raw_total, "raw_overdue": raw_overdue, "page_rows": len(page.items),
                            "same_page_as_raw": same_page,
                            "same_count_as_raw": count == raw_total == page.total and raw_overdue == page.overdue}
            for _ in range(4):
                await inbox(ctx=ctx, actor=actor, page=1)
                await waiting_count(ctx=ctx, actor=actor)
                await raw_inbox(name, actor)
        for _ in range(samples):  # interleaved, so a drift in the machine's speed hits every series
            for name, actor in actors.items():
                series = timings[name]
                t0 = time.perf_counter()
                await inbox(ctx=ctx, actor=actor, page=1)
                t1 = time.perf_counter()
                await waiting_count(ctx=ctx, actor=actor)
                t2 = time.perf_counter()
                await raw_page(name, actor)
                t3 = time.perf_counter()
                await raw(sql[name]["count"], _raw_args(actor))
                t4 = time.perf_counter()
                await raw_inbox(name, actor)
                t5 = time.perf_counter()
                for key, seconds in zip(series_names, (t1 - t0, t2 - t1, t3 - t2, t4 - t3, t5 - t4)):
                    series[key].append(seconds)
    finally:
        if postgres:
            await raw_conn.close()
        else:
            raw_conn.close()
    return {
        "actors": {name: {key: _percentiles(values) for key, values in series.items()} | {"check": checks[name]}
                   for name, series in timings.items()},
        "raw_sql": {key: {name: sql[name][key] for name in actors} for key in ("page", "count", "overdue")}
        | {"customers": _RAW_CUSTOMERS},
    }


async def _postgres_version(url: str) -> str:
    import asyncpg

    conn = await asyncpg.connect(url)
    try:
        return await conn.fetchval("SHOW server_version")
    finally:
        await conn.close()


def bench_inbox(engine: str, *, pending: int, others: int, samples: int, folder: Path) -> dict[str, Any]:
    from crm import db
    from crm.context import build_context
    from crm.settings import Settings
    from tests.bench.scale import _crm, _reset_postgres

    url = None
    if engine == "postgres":
        url = os.environ.get("CRM_BENCH_POSTGRES_URL") or os.environ.get("CRM_TEST_POSTGRES_URL")
        if not url:
            return {"skipped": "set CRM_BENCH_POSTGRES_URL to a scratch database"}
        asyncio.run(_reset_postgres(url))
    env = _engine_env(folder / f"data-{engine}", url)

    def log(text: str) -> None:
        print(text, file=sys.stderr, flush=True)

    log(f"h. [{engine}] crm demo --no-serve …")
    _crm(env, "demo", "--no-serve")

    async def run() -> dict[str, Any]:
        ctx = build_context(Settings.from_env(env))
        await db.start(ctx.engine, pool_size=ctx.settings.db_pool_size)
        try:
            log(f"h. [{engine}] writing {pending:,} pending + {others:,} other contracts through the service layer …")
            fill = await _fill(ctx, pending=pending, others=others, log=log)
            log(f"h. [{engine}] {fill['contracts']:,} contracts in {fill['contracts_seconds']:.0f} s; measuring the inbox …")
            analyzed = []
            if url:
                # What autovacuum does on its own within a minute of such a fill; done here so the
                # planner's statistics do not change halfway through the measurement. (On SQLite
                # nothing in the application analyses these tables, so neither does this.)
                from contracts.tables import ApprovalStep, Contract

                for table in (Contract, ApprovalStep):
                    await db.analyze(table)
                    analyzed.append(table._meta.tablename)
            shape = await _data_shape(ctx)
            measured = await _measure_inbox(ctx, samples=samples)
        finally:
            await db.stop(ctx.engine)
        result = {"fill": fill, "data": shape, "analyzed": analyzed, **measured}
        if url:
            result["server_version"] = await _postgres_version(url)
        return result

    return asyncio.run(run())


# ---------------------------------------------------------------------------------------
# i. Contract PDF


def bench_contract_pdf(count: int) -> list[dict[str, Any]]:
    from tests.bench.bench_contract_pdf import measure

    return measure(count)


# ---------------------------------------------------------------------------------------
# Report


def _verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def rows_for(results: dict[str, Any]) -> list[dict[str, str]]:
    rows = []
    if "chain" in results:
        g = results["chain"]
        rows.append({
            "benchmark": f"g. approval_chain, {g['facts']} facts (every family × category × payment × unsettled × dispute)",
            "figure": f"{g['chain_us']:.2f} µs/call (slowest combination {g['slowest_combination_us']:.2f} µs)",
            "baseline": f"ChainFacts(...) alone {g['baseline_construct_us']:.2f} µs; dict lookup {g['baseline_lookup_us']:.2f} µs",
            "ratio": f"{g['chain_us'] / g['baseline_construct_us']:.1f}x construct",
            "goal": f"< {GOALS['chain_us']:.0f} µs",
            "result": _verdict(g["chain_us"] < GOALS["chain_us"]),
        })
    for engine in ("sqlite", "postgres"):
        h = results.get("inbox", {}).get(engine)
        if not h or "skipped" in h:
            continue
        total = h["actors"]["all_branches"]["check"]["total"]
        for name, label in (("all_branches", "market manager, all branches"), ("branch_dc", "market manager, branch DC")):
            a = h["actors"][name]
            check = a["check"]
            note = "" if check["same_page_as_raw"] and check["same_count_as_raw"] else " (raw SQL answer DIFFERS)"
            for key, base, title in (("inbox", "raw_page", f"inbox page 1 of {check['total']:,}"),
                                     ("waiting_count", "raw_count", "waiting_count")):
                f, b = a[key], a[base]
                rows.append({
                    "benchmark": f"h. {title}, {label} ({engine}, {total:,} pending){note}",
                    "figure": f"p50 {f['p50_ms']:.2f} ms  p99 {f['p99_ms']:.2f} ms",
                    "baseline": f"raw SQL {'page' if key == 'inbox' else 'count'} p50 {b['p50_ms']:.2f} ms  p99 {b['p99_ms']:.2f} ms"
                    + (f"; page + both counts p50 {a['raw_page_and_counts']['p50_ms']:.2f} ms  "
                       f"p99 {a['raw_page_and_counts']['p99_ms']:.2f} ms" if key == "inbox" else ""),
                    "ratio": f"{f['p99_ms'] / b['p99_ms']:.1f}x raw (p99)",
                    "goal": f"p99 < {GOALS['inbox_p99_ms']:.0f} ms",
                    "result": _verdict(f["p99_ms"] < GOALS["inbox_p99_ms"]),
                })
    for c in results.get("contract_pdf", []):
        rows.append({
            "benchmark": f"i. contract PDF, {c['font']}",
            "figure": f"{c['per_second']:,.0f} /s",
            "baseline": f"one-line canvas PDF {c['baseline_per_second']:,.0f} /s",
            "ratio": f"{c['per_second'] / c['baseline_per_second']:.0%} of one-line",
            "goal": f">= {GOALS['contract_pdf_per_second']:.0f} /s",
            "result": _verdict(c["per_second"] >= GOALS["contract_pdf_per_second"]),
        })
    return rows


def print_report(machine: dict[str, Any], config: dict[str, Any], results: dict[str, Any],
                 rows: list[dict[str, str]]) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console(width=max(150, shutil.get_terminal_size((150, 40)).columns))
    servers = {e: r.get("server_version") for e, r in results.get("inbox", {}).items() if r.get("server_version")}
    console.print(
        f"[bold]Machine[/bold]: {machine['cpu']}, {machine['cores']} cores ({machine['usable_cores']} usable), "
        f"{machine['memory']}, load average {machine['load_average']}; Python {machine['python']}, SQLite {machine['sqlite']}, "
        f"{machine['postgresql']}" + (f" (server {servers['postgres']})" if "postgres" in servers else "")
    )
    console.print(
        f"[bold]Run[/bold]: {config['pending']:,} pending + {config['others']:,} other contracts, "
        f"{config['samples']} samples per series, {config['pdf_count']} PDFs per font"
    )
    for engine, h in results.get("inbox", {}).items():
        if "skipped" in h:
            console.print(f"  h. {engine}: skipped, {h['skipped']}")
            continue
        fill = h["fill"]
        console.print(
            f"  h. {engine} fill: {fill['customers_imported']:,} customers imported in {fill['customers_seconds']:.1f} s; "
            f"{fill['contracts']:,} contracts through the service in {fill['contracts_seconds']:.0f} s — draft+submit "
            f"{fill['draft_submit_ms']:.1f} ms each, so the {config['pending']:,} pending ones took about "
            f"{fill['pending_draft_submit_seconds']:.0f} s; decide {fill['decide_ms']:.1f} ms, sign {fill['sign_ms']:.1f} ms"
        )
        console.print(f"     data: {h['data']['contract_status']}; pending at the market manager by branch "
                      f"{h['data']['pending_market_by_branch']}; steps {h['data']['steps_by_role_status']}")
    table = Table(title="Contract benchmarks (baselines measured in the same run)")
    for column in ("benchmark", "figure", "baseline", "ratio", "goal", "result"):
        table.add_column(column, overflow="fold")
    for row in rows:
        style = "green" if row["result"] == "PASS" else "red"
        table.add_row(*(row[k] for k in ("benchmark", "figure", "baseline", "ratio", "goal")),
                      f"[{style}]{row['result']}[/{style}]")
    console.print(table)
    for key, text in BASELINES.items():
        console.print(f"  baseline {key}: {text}")


def main(argv: list[str] | None = None) -> int:
    from tests.bench.run import describe_machine, write_report

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", default="g,h,i", help="comma-separated subset of g,h,i")
    parser.add_argument("--engines", default="sqlite,postgres", help="h: engines (postgres needs CRM_BENCH_POSTGRES_URL)")
    parser.add_argument("--pending", type=int, default=10_000, help="h: contracts waiting for the market manager")
    parser.add_argument("--others", type=int, default=3_000, help="h: contracts not waiting for the market manager")
    parser.add_argument("--samples", type=int, default=300, help="h: timed calls per series")
    parser.add_argument("--pdf-count", type=int, default=200, help="i: documents per font (and baseline PDFs)")
    parser.add_argument("--data-dir", type=Path, default=None,
                        help="h: keep the SQLite data folders here (default: a temporary folder, removed)")
    parser.add_argument("--out", type=Path, default=ROOT / "bench-results" / "contracts.json")
    args = parser.parse_args(argv)
    only = {part.strip() for part in args.only.split(",") if part.strip()}
    if not only <= {"g", "h", "i"}:
        parser.error("--only takes a subset of g,h,i")

    machine = describe_machine()
    config = {"only": sorted(only), "pending": args.pending, "others": args.others, "samples": args.samples,
              "pdf_count": args.pdf_count, "engines": args.engines}
    results: dict[str, Any] = {}
    started = time.perf_counter()
    if "g" in only:
        print("g. approval chain …", flush=True)
        results["chain"] = bench_chain()
    if "i" in only:
        print("i. contract PDF …", flush=True)
        results["contract_pdf"] = bench_contract_pdf(args.pdf_count)
    if "h" in only:
        with tempfile.TemporaryDirectory(prefix="crm-contracts-") as tmp:
            folder = Path(tmp)
            if args.data_dir is not None:
                folder = args.data_dir.resolve()
                for engine in ("sqlite", "postgres"):
                    shutil.rmtree(folder / f"data-{engine}", ignore_errors=True)
                folder.mkdir(parents=True, exist_ok=True)
            # Piccolo binds each table to a default engine when the class is created, which it
            # builds from the environment: point it here, not at ./var of the checkout.
            os.environ["CRM_DATA_DIR"] = str(folder / "default")
            os.environ.pop("CRM_DATABASE_URL", None)
            results["inbox"] = {}
            for engine in [e.strip() for e in args.engines.split(",") if e.strip()]:
                results["inbox"][engine] = bench_inbox(engine, pending=args.pending, others=args.others,
                                                       samples=args.samples, folder=folder)

    rows = rows_for(results)
    print_report(machine, config, results, rows)
    write_report(out=args.out, started=started, machine=machine, config=config, goals=GOALS, baselines=BASELINES,
                 results=results, rows=rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())

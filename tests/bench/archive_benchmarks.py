"""Benchmarks j, k, l: the contract archive, each next to a baseline from the same run.

    python -m tests.bench.archive_benchmarks [--only j,k,l] [--engines sqlite,postgres]
                                             [--records 100000] [--samples 300] [--files 2000]
                                             [--catalogue-rows 10000]

j. `archives.records.search_archives(...)` for the archivist (the archive room, all branches)
   over RECORDS archived contracts: by exact archive number, contract number, account number,
   customer ID number (`id_number`, through the blind index), year + category (page 1) and
   the start of a customer's name (the free-text query).               goal: p99 < 50 ms
   Baseline, same run, same data: each lookup as the raw SQL statements the service needs
   (the page and its count, same filter, order and limit; for the name, the customer and
   contract lookups before them; after the page, its contracts' numbers and customers by id,
   as contracts.archiving.contract_labels reads them) on the engine's own driver.
k. `archives.fixity.run_fixity_check` over FILES stored files (50–500 KB of random bytes each,
   sealed with `archives.file_crypto.seal_file` and written to the filesystem blob store),
   MB/s of plaintext.  Baseline, same run: coreutils `sha256sum` over the same plaintext bytes
   written to a temporary folder.              goal: fixity >= 80 % of sha256sum's MB/s
   Fixity does more than hash: per file it reads the blob, opens the wrapped per-file key
   (AES-GCM under the keyring), AES-256-GCM-decrypts the blob, hashes the plaintext and
   compares; the breakdown of those steps is measured too.
l. `archives.documents.catalogue_pdf(year=...)` end to end (query + render) for a year holding
   CATALOGUE_ROWS records.                                          goal: < 30 s
   Baseline, same run: the same rows (the strings the catalogue prints) laid out by reportlab's
   plain `Table` (repeatRows=1, GRID, same font and size, same column widths, A4, same
   margins) through `SimpleDocTemplate`: what reportlab itself costs for a 10,000-row table.

The data of j and l is BULK-WRITTEN, not made through the services (a million contracts
drafted, signed, fulfilled, given materials, handed over and accepted one by one would take
many hours). Customers come through `crm import customers`'s importer (RECORDS / 2 of them,
half branch DC, half XC, so each has two archived contracts); contracts (status `archived`),
handover batches (`archive_handover`, 50 contracts each), their items, the archive counters
and the archive records are written with `crm.db.insert_rows` (executemany on SQLite, COPY on
PostgreSQL) with the values `accept_handover` would write: archive numbers gap-free per
fonds/category/year/retention/department in batch order, titles "<type name> <contract no>
<customer name>", retention by contract type. Not written: approval steps, fee lines,
contract/handover audit events. `archive_file` rows (metadata only, no blob) exist only for
the catalogue year, because the catalogue counts files; k has its own data directory with
real, encrypted blobs. A sample is read back through the services (search_archives finds a
known record by its number, get_archive reads it) and the numbering is checked gap-free.

SQLite always; PostgreSQL when `CRM_BENCH_POSTGRES_URL` (or `CRM_TEST_POSTGRES_URL`) names a
scratch database — its schema is dropped and recreated. k runs on SQLite only (its cost is the
files). Prints a table and writes bench-results/archives.json. Figures only: nothing here
asserts a time, and a missed goal does not fail the command.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import io
import os
import random
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "fixtures" / "demo"
BEIJING = dt.timezone(dt.timedelta(hours=8))
DESKS = {"DC": "frontdesk", "XC": "frontdesk2"}
ARCHIVIST = "archivist"
CATALOGUE_YEAR = 2015  # holds exactly --catalogue-rows records; the others spread over 2016–2025
FIRST_YEAR, LAST_YEAR = 2016, 2025
BATCH_CONTRACTS = 50  # contracts per handover batch
CHUNK = 20_000  # rows per bulk transaction
# Contract types of the archived contracts (all customers are residential): share, amount.
TYPE_MIX = (("installation", 55, 320_000), ("residential_supply", 35, None), ("alarm_installation", 10, 48_000))
TERMS = "一、供气方负责用户燃气设施的设计、施工与验收。二、用户按约定支付费用。三、验收合格并结清费用后通气。"
FILES_PER_TYPE = {"installation": ("contract", "drawing", "budget", "notice"), "alarm_installation": ("contract",),
                  "residential_supply": ("contract", "notice")}

GOALS = {"search_p99_ms": 50.0, "fixity_ratio": 0.80, "catalogue_seconds": 30.0}
BASELINES = {
    "search": "each lookup as the raw SQL statements the service needs (page of 50 with the same filter "
    "and order; its count; for the name, the customer and contract id lookups first; the page's contracts and "
    "customers by id after it) on the engine's own driver "
    "(sqlite3 / asyncpg), same data, same run; the ID-number baseline gets the blind index precomputed",
    "fixity": "coreutils sha256sum over the same plaintext bytes, written to a temporary folder (warm page cache, "
    "as the blobs are)",
    "catalogue": "the same rows' strings in reportlab's plain Table (repeatRows=1, GRID, same font and size, same "
    "column widths, A4, same margins) through SimpleDocTemplate",
}
LOOKUPS = ("archive_no", "contract_no", "account_no", "id_number", "year_category", "title_word")


def log(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def _percentiles(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    pick = lambda q: ordered[min(len(ordered) - 1, int(len(ordered) * q))] * 1000  # noqa: E731
    return {"p50_ms": pick(0.50), "p90_ms": pick(0.90), "p99_ms": pick(0.99), "max_ms": ordered[-1] * 1000,
            "count": len(ordered)}


def _postgres_url() -> str | None:
    return os.environ.get("CRM_BENCH_POSTGRES_URL") or os.environ.get("CRM_TEST_POSTGRES_URL")


async def _open(env: dict[str, str]):
    from crm import db
    from crm.context import build_context
    from crm.settings import Settings

    ctx = build_context(Settings.from_env(env))
    await db.start(ctx.engine, pool_size=ctx.settings.db_pool_size)
    return ctx


# ---------------------------------------------------------------------------------------
# Bulk fill: customers through the importer, the archive rows written in bulk


async def _import_customers(ctx, *, count: int, folder: Path) -> dict[str, Any]:
    from crm.accounts.importing import import_customers
    from crm.context import CLI
    from crm.seed import actor_for
    from tests.bench.data import write_import_csv

    started = time.perf_counter()
    half = count // 2
    imported = 0
    for n, branch in enumerate(("DC", "XC")):
        size = half if n == 0 else count - half
        path = write_import_csv(folder / f"customers-{branch}.csv", size, branch=branch, start=n * half)
        actor = await actor_for(username=DESKS[branch])
        with open(path, "rb") as source:
            report = await import_customers(ctx=ctx, actor=actor, source=source, source_name=path.name, origin=CLI)
        path.unlink()
        if report.rejected or report.imported != size:
            raise RuntimeError(f"customer import for {branch}: {report}")
        imported += report.imported
    return {"customers": imported, "seconds": time.perf_counter() - started}


def _year_of(i: int, records: int, catalogue_rows: int) -> int:
    if i < catalogue_rows:
        return CATALOGUE_YEAR
    span = LAST_YEAR - FIRST_YEAR + 1
    return FIRST_YEAR + (i - catalogue_rows) * span // max(1, records - catalogue_rows)


async def _bulk_archive(ctx, *, records: int, catalogue_rows: int, seed: int = 20261125) -> dict[str, Any]:
    """Contracts, handovers, counters and archive records as `accept_handover` leaves them."""
    from archives.numbering import ArchiveNumber, counter_key
    from archives.retention import retention_for
    from archives.tables import ArchiveCounter, ArchiveFile, ArchiveRecord, HandoverBatch, HandoverItem
    from contracts.tables import Contract, ContractCounter, ContractType, PriceStandard
    from crm import db
    from crm.accounts.tables import Customer
    from crm.seed import actor_for

    started = time.perf_counter()
    rng = random.Random(seed)
    postgres = ctx.engine.engine_type == "postgres"
    fonds, category = ctx.settings.archive_fonds, ctx.settings.archive_category
    types = {r["code"]: r for r in await ContractType.select()}
    standard = await PriceStandard.select(PriceStandard.id).first()
    desks = {b: (await actor_for(username=u)).staff_id for b, u in DESKS.items()}
    archivist = (await actor_for(username=ARCHIVIST)).staff_id
    customers = await Customer.select(Customer.id, Customer.name, Customer.branch, Customer.branch.code).where(
        Customer.name.like("压测用户%")).order_by(Customer.id)
    if not customers:
        raise RuntimeError("no imported customers")
    max_contract = (await Contract.raw("SELECT coalesce(max(id), 0) AS m FROM contract"))[0]["m"]
    max_batch = (await HandoverBatch.raw("SELECT coalesce(max(id), 0) AS m FROM archive_handover"))[0]["m"]

    codes = [code for code, _, _ in TYPE_MIX]
    weights = [w for _, w, _ in TYPE_MIX]
    amounts = {code: amount for code, _, amount in TYPE_MIX}
    span_seconds = 365 * 86400

    # 1. Contracts, in the order they ended (were fulfilled); two per customer, spread over the years.
    contract_counters: dict[str, int] = {}
    planned = []  # (contract_id, branch_code, branch_id, type_code, year, ended_at, contract_no, customer)
    per_year: dict[int, int] = {}
    for i in range(records):
        year = _year_of(i, records, catalogue_rows)
        per_year[year] = per_year.get(year, 0) + 1
    seen_in_year: dict[int, int] = {}
    for i in range(records):
        # Each customer twice (a stride coprime to their count spreads both branches over every year).
        c = len(customers)
        stride = next(s for s in (7919, 7907, 7901, 1) if c % s)
        customer = customers[rng.randrange(c)] if i >= 2 * c else customers[(i * stride) % c]
        year = _year_of(i, records, catalogue_rows)
        k = seen_in_year.get(year, 0)
        seen_in_year[year] = k + 1
        ended = (dt.datetime(year, 1, 1, 9, tzinfo=BEIJING) + dt.timedelta(
            seconds=int(k * (span_seconds - 10 * 86400) / per_year[year]))).astimezone(dt.timezone.utc)
        drafted = ended - dt.timedelta(days=45 + i % 60)
        branch = customer["branch.code"]
        key = f"{branch}-{drafted.year}"
        contract_counters[key] = contract_counters.get(key, 0) + 1
        code = rng.choices(codes, weights)[0]
        planned.append((max_contract + i + 1, branch, customer["branch"], code, year, ended,
                        f"HT-{branch}-{drafted.year}-{contract_counters[key]:05d}", customer, drafted))

    # 2. Handover batches per branch, in the order contracts ended; acceptance numbers them.
    by_branch: dict[str, list[tuple]] = {}
    for p in planned:
        by_branch.setdefault(p[1], []).append(p)
    batches, items, archive_rows, handover_counters = [], [], [], {}
    archive_counters: dict[str, int] = {}
    accepted_at_of: dict[int, dt.datetime] = {}
    batch_id = max_batch
    for branch, contracts in sorted(by_branch.items()):
        for start in range(0, len(contracts), BATCH_CONTRACTS):
            chunk = contracts[start:start + BATCH_CONTRACTS]
            batch_id += 1
            submitted = chunk[-1][5] + dt.timedelta(days=2)
            accepted = submitted + dt.timedelta(days=1, hours=2)
            hkey = f"handover|{branch}|{submitted.year}"
            handover_counters[hkey] = handover_counters.get(hkey, 0) + 1
            batches.append((batch_id, f"YJ-{branch}-{submitted.year}-{handover_counters[hkey]:04d}", chunk[0][2],
                            "accepted", None, desks[branch], submitted, archivist, accepted, None))
            for seq, p in enumerate(chunk, 1):
                contract_id, _, branch_id, code, year, ended, contract_no, customer, drafted = p
                items.append((contract_id, batch_id, contract_id, seq))
                retention = retention_for(contract_type=code)
                akey = counter_key(fonds=fonds, category=category, year=year, retention=retention, department=branch)
                archive_counters[akey] = archive_counters.get(akey, 0) + 1
                number = ArchiveNumber(fonds=fonds, category=category, year=year, retention=retention,
                                       department=branch, item=archive_counters[akey])
                archive_rows.append((contract_id, str(number), fonds, category, year, retention, branch,
                                     archive_counters[akey], contract_id, branch_id, batch_id,
                                     f"{types[code]['name_zh']} {contract_no} {customer['name']}",
                                     types[code]["family"] == "take_or_pay", "filed", archivist, accepted, None))
                accepted_at_of[contract_id] = accepted

    contract_rows = []
    for contract_id, branch, branch_id, code, year, ended, contract_no, customer, drafted in planned:
        t = types[code]
        amount = amounts[code]
        desk = desks[branch]
        contract_rows.append((
            contract_id, contract_no, t["id"], t["family"], customer["id"], branch_id, "archived", None,
            amount, amount or 0, "price_standard" if amount else None, standard["id"] if amount and standard else None,
            "single" if amount else "none", TERMS, 30 if amount else None, 1, desk, drafted,
            drafted + dt.timedelta(hours=2), desk, drafted + dt.timedelta(days=3), 6, accepted_at_of[contract_id],
        ))
    contract_columns = ("id", "contract_no", "contract_type", "family", "customer", "branch", "status", "status_reason",
                        "amount_fen", "paid_fen", "fee_basis", "price_standard", "payment_kind", "terms",
                        "construction_period_days", "approval_round", "drafted_by", "drafted_at", "submitted_at",
                        "signed_by", "signed_at", "version", "updated_at")
    batch_columns = ("id", "batch_no", "branch", "status", "note", "submitted_by", "submitted_at", "decided_by",
                     "decided_at", "return_reason")
    record_columns = ("id", "archive_no", "fonds", "category", "year", "retention", "department", "item", "contract",
                      "branch", "handover", "title", "restricted", "status", "accepted_by", "accepted_at",
                      "destroyed_at")
    # Item ids continue after any existing rows; records take their contract's id offset.
    max_item = (await HandoverItem.raw("SELECT coalesce(max(id), 0) AS m FROM archive_handover_item"))[0]["m"]
    max_record = (await ArchiveRecord.raw("SELECT coalesce(max(id), 0) AS m FROM archive_record"))[0]["m"]
    items = [(max_item + n + 1, b, c, s) for n, (_, b, c, s) in enumerate(items)]
    archive_rows = [(max_record + n + 1, *row[1:]) for n, row in enumerate(archive_rows)]

    # 3. The catalogue year's materials: archive_file rows (metadata only, no blob).
    file_rows = []
    for p in planned:
        contract_id, _, _, code, year, ended, contract_no, _, _ = p
        if year != CATALOGUE_YEAR:
            continue
        for n, kind in enumerate(FILES_PER_TYPE[code]):
            file_rows.append((f"bulk{contract_id:012d}{n:04d}", contract_id, kind, f"{contract_no}-{kind}.pdf",
                              "application/pdf", 200_000 + (contract_id * 7919 + n) % 800_000,
                              f"{contract_id:032x}{n:032x}", "bulk-written: no blob", desks[p[1]],
                              ended - dt.timedelta(days=5), None))
    file_columns = ("file_id", "contract", "kind", "filename", "media_type", "size", "sha256", "wrapped_key",
                    "uploaded_by", "uploaded_at", "destroyed_at")
    prepared = time.perf_counter() - started

    async def write(table, columns, rows) -> None:
        for start in range(0, len(rows), CHUNK):
            async with db.unit_of_work(ctx.engine):
                await db.insert_rows(ctx.engine, table=table, columns=columns, rows=rows[start:start + CHUNK])

    t0 = time.perf_counter()
    await write(Contract, contract_columns, contract_rows)
    await write(HandoverBatch, batch_columns, batches)
    await write(HandoverItem, ("id", "batch", "contract", "seq"), items)
    await write(ArchiveRecord, record_columns, archive_rows)
    await write(ArchiveFile, file_columns, file_rows)
    async with db.unit_of_work(ctx.engine):
        for key, value in contract_counters.items():
            await ContractCounter.raw(
                "INSERT INTO contract_counter (key, next_value) VALUES ({}, {}) ON CONFLICT (key) DO UPDATE "
                "SET next_value = excluded.next_value", key, value + 1)
        for key, value in {**archive_counters, **handover_counters}.items():
            await ArchiveCounter.raw(
                "INSERT INTO archive_counter (key, last_item) VALUES ({}, {}) ON CONFLICT (key) DO UPDATE "
                "SET last_item = excluded.last_item", key, value)
        if postgres:  # explicit ids do not move the serial sequences
            for table in ("contract", "archive_handover", "archive_handover_item", "archive_record", "archive_file"):
                await Contract.raw(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                                   f"(SELECT coalesce(max(id), 1) FROM {table}))")
    written = time.perf_counter() - t0
    return {
        "how": "customers through crm.accounts.importing.import_customers; contracts (archived), handover batches and "
               "items, archive counters, archive records and the catalogue year's archive_file rows (metadata only) "
               "through crm.db.insert_rows (executemany on SQLite, COPY on PostgreSQL), values as accept_handover "
               "writes them; no approval steps, fee lines or audit events",
        "records": len(archive_rows), "contracts": len(contract_rows), "handover_batches": len(batches),
        "archive_files": len(file_rows), "customers_used": min(len(customers), records),
        "records_per_year": dict(sorted(per_year.items())), "archive_counters": len(archive_counters),
        "largest_item": max(archive_counters.values()), "prepare_seconds": prepared, "write_seconds": written,
        "rows_per_second": (len(contract_rows) + len(batches) + len(items) + len(archive_rows) + len(file_rows)) / written,
    }


async def _verify(ctx) -> dict[str, Any]:
    """A sample through the services, and the numbering gap-free per counter."""
    from archives.records import get_archive, search_archives
    from archives.tables import ArchiveCounter, ArchiveRecord
    from crm.context import CLI
    from crm.seed import actor_for

    actor = await actor_for(username=ARCHIVIST)
    count = await ArchiveRecord.count()
    sample = await ArchiveRecord.select(ArchiveRecord.archive_no, ArchiveRecord.contract.contract_no).order_by(
        ArchiveRecord.id).offset(count // 3).first()
    page = await search_archives(ctx=ctx, actor=actor, query=sample["archive_no"].replace("·", "."))
    view = await get_archive(ctx=ctx, actor=actor, archive_no=sample["archive_no"], origin=CLI)
    rows = await ArchiveRecord.raw(
        "SELECT fonds, category, year, retention, department, count(*) AS n, max(item) AS top, min(item) AS low "
        "FROM archive_record GROUP BY fonds, category, year, retention, department")
    counters = {r["key"]: r["last_item"] for r in await ArchiveCounter.select() if not r["key"].startswith("handover|")}
    gap_free = all(r["n"] == r["top"] and r["low"] == 1
                   and counters.get(f"{r['fonds']}|{r['category']}|{r['year']:04d}|{r['retention']}|{r['department']}") == r["top"]
                   for r in rows)
    return {
        "sample_archive_no": sample["archive_no"],
        "search_found_it": page.total == 1 and page.items[0].archive_no == sample["archive_no"],
        "get_archive_read_it": view.archive_no == sample["archive_no"] and view.contract_no == sample["contract.contract_no"],
        "get_archive_files": len(view.files),
        "sequences": len(rows), "gap_free_and_counters_match": gap_free,
    }


# ---------------------------------------------------------------------------------------
# j. search_archives


# The archive's own table only: the contract and customer of each row come from their packages
# (contracts.archiving, crm.accounts.directory) after the page, by id (_RAW_LABELS).
_RAW_FROM = "FROM archive_record r "
_RAW_PAGE = ("SELECT r.archive_no, r.title, r.year, r.retention, r.department, r.contract, "
             "r.status, r.accepted_at " + _RAW_FROM + "WHERE {where} ORDER BY r.archive_no LIMIT 50 OFFSET 0")
_RAW_COUNT = "SELECT count(*) " + _RAW_FROM + "WHERE {where}"
_RAW_LABELS = ("SELECT c.id, c.contract_no, t.code, c.customer FROM contract c "
               "LEFT JOIN contract_type t ON t.id = c.contract_type WHERE c.id IN ({ids})",
               "SELECT id, account_no, name, category, status, branch FROM customer WHERE id IN ({ids})")
_RAW_WHERE = {
    "archive_no": "r.archive_no = {0}",
    # As the service does: the contract's id first (contracts.archiving), then its record.
    "contract_no": "r.contract IN (SELECT id FROM contract WHERE contract_no = {0})",
    # As the service does: the customer's contracts first, then their records by the indexed key.
    "account_no": "r.contract IN (SELECT id FROM contract WHERE customer = (SELECT id FROM customer WHERE account_no = {0}))",
    "id_number": "r.contract IN (SELECT id FROM contract WHERE customer = (SELECT id FROM customer WHERE id_number_bidx = {0}))",
    "year_category": "r.year = {0} AND r.category = {1}",
    # As the service does: the start of an archive number (on PostgreSQL as the index range the
    # service writes), or one of the contracts looked up first (_title_word_contracts).
    "title_word": "({prefix} OR r.contract IN ({ids}))",
}
_PREFIX = {False: "r.archive_no GLOB {0}", True: "(r.archive_no >= {0} AND r.archive_no < {0} || chr(1114111) "
                                                  "AND r.archive_no LIKE {1})"}
# The service's two statements before the page: customers whose name starts so (by the name index),
# then their contracts; their ids go into the page and count as literals.
_NAME_IDS = "SELECT id FROM customer WHERE name {op} {0} LIMIT 1000"
_CONTRACT_IDS = "SELECT id FROM contract WHERE customer IN ({ids})"


def _raw(kind: str, template: str, postgres: bool, ids: str = "0") -> str:
    marks = ("$1", "$2") if postgres else ("?", "?")
    # SQLite's LIKE folds case and cannot use a BINARY index; GLOB can (as in the service).
    where = _RAW_WHERE[kind].replace("{prefix}", _PREFIX[postgres]).replace("{ids}", ids)
    return template.format(where=where.format(*marks))


async def _targets(ctx, samples: int, rng: random.Random) -> list[dict[str, Any]]:
    from archives.tables import ArchiveRecord
    from crm.accounts.tables import Customer
    from crm.security.blind_index import blind_index
    from tests.bench.data import resident_id

    count = await ArchiveRecord.count()
    customers = await Customer.count()
    first_id = (await ArchiveRecord.select(ArchiveRecord.id).order_by(ArchiveRecord.id).first())["id"]
    ids = [first_id + rng.randrange(count) for _ in range(samples)]
    rows = {r["id"]: r for r in await ArchiveRecord.select(
        ArchiveRecord.id, ArchiveRecord.archive_no, ArchiveRecord.contract.contract_no,
        ArchiveRecord.contract.customer.account_no, ArchiveRecord.contract.customer.name,
    ).where(ArchiveRecord.id.is_in(ids))}
    targets = []
    for i in ids:
        r = rows[i]
        number = int(r["contract.customer.name"].removeprefix("压测用户"))
        id_number = resident_id(number)
        targets.append({
            "archive_no": r["archive_no"], "contract_no": r["contract.contract_no"],
            "account_no": r["contract.customer.account_no"], "id_number": id_number,
            "bidx": blind_index(keyring=ctx.keyring, value=id_number, purpose="id_number"),
            "year": rng.randint(FIRST_YEAR, LAST_YEAR),
            # A title word: the customer's name. "压测用户1234" also matches 压测用户12340…
            # where those exist: a substring search, as the service does it.
            "word": f"压测用户{rng.randrange(customers)}",
        })
    return targets


async def measure_search(ctx, *, samples: int, title_samples: int) -> dict[str, Any]:
    from archives.records import search_archives
    from crm.seed import actor_for

    actor = await actor_for(username=ARCHIVIST)
    rng = random.Random(7)
    targets = await _targets(ctx, samples, rng)
    category = ctx.settings.archive_category
    postgres = ctx.engine.engine_type == "postgres"
    if postgres:
        import asyncpg

        conn = await asyncpg.connect(ctx.settings.database_url)

        async def raw(sql: str, args: tuple) -> list:
            return await conn.fetch(sql, *args)
    else:
        from crm.db import sqlite_path

        conn = sqlite3.connect(sqlite_path(ctx.settings.database_url))

        async def raw(sql: str, args: tuple) -> list:
            return conn.execute(sql, args).fetchall()

    def service_call(kind: str, t: dict):
        return {
            "archive_no": lambda: search_archives(ctx=ctx, actor=actor, query=t["archive_no"]),
            "contract_no": lambda: search_archives(ctx=ctx, actor=actor, contract_no=t["contract_no"]),
            "account_no": lambda: search_archives(ctx=ctx, actor=actor, account_no=t["account_no"]),
            "id_number": lambda: search_archives(ctx=ctx, actor=actor, id_number=t["id_number"]),
            "year_category": lambda: search_archives(ctx=ctx, actor=actor, year=t["year"], category=category, page=1),
            "title_word": lambda: search_archives(ctx=ctx, actor=actor, query=t["word"]),
        }[kind]()

    wildcard = "%" if postgres else "*"

    def raw_args(kind: str, t: dict) -> tuple:
        return {"archive_no": (t["archive_no"],), "contract_no": (t["contract_no"],), "account_no": (t["account_no"],),
                "id_number": (t["bidx"],), "year_category": (t["year"], category)}[kind]

    sql = {kind: {"page": _raw(kind, _RAW_PAGE, postgres), "count": _raw(kind, _RAW_COUNT, postgres)}
           for kind in LOOKUPS}
    names_sql = _NAME_IDS.format("$1" if postgres else "?", op="LIKE" if postgres else "GLOB")
    sql["title_word"]["before"] = [names_sql, _CONTRACT_IDS]

    async def labelled(page: list) -> list:
        """The page's contracts, then their customers, by id: the two reads after the page."""
        contract_ids = ",".join(sorted({str(r[5]) for r in page})) or "0"
        contracts = await raw(_RAW_LABELS[0].format(ids=contract_ids), ())
        await raw(_RAW_LABELS[1].format(ids=",".join(sorted({str(r[3]) for r in contracts})) or "0"), ())
        return page

    async def raw_lookup(kind: str, t: dict) -> tuple[list, int]:
        """The page and its count as raw statements; for the title word, the two lookups before them too."""
        if kind != "title_word":
            args = raw_args(kind, t)
            page = await labelled(await raw(sql[kind]["page"], args))
            return page, (await raw(sql[kind]["count"], args))[0][0]
        pattern = f"{t['word']}{wildcard}"
        names = [r[0] for r in await raw(names_sql, (pattern,))]
        contracts = [r[0] for r in await raw(_CONTRACT_IDS.format(ids=",".join(map(str, names))), ())] if names else []
        ids = ",".join(map(str, contracts)) or "0"
        args = (t["word"], pattern) if postgres else (pattern,)
        page = await labelled(await raw(_raw(kind, _RAW_PAGE, postgres, ids), args))
        return page, (await raw(_raw(kind, _RAW_COUNT, postgres, ids), args))[0][0]
    timings: dict[str, dict[str, list[float]]] = {k: {"service": [], "raw": []} for k in LOOKUPS}
    checks: dict[str, Any] = {}
    try:
        for kind in LOOKUPS:  # warm-up, and the raw statements give the same answer
            t = targets[0]
            page = await service_call(kind, t)
            rows, total = await raw_lookup(kind, t)
            checks[kind] = {"total": page.total, "raw_total": total, "page_rows": len(page.items),
                            "same_as_raw": page.total == total and [i.archive_no for i in page.items] == [r[0] for r in rows]}
        for n in range(samples):  # interleaved, so a drift of the machine's speed hits every series
            for kind in LOOKUPS:
                if kind == "title_word" and n >= title_samples:
                    continue
                t = targets[n]
                t0 = time.perf_counter()
                await service_call(kind, t)
                t1 = time.perf_counter()
                await raw_lookup(kind, t)
                t2 = time.perf_counter()
                timings[kind]["service"].append(t1 - t0)
                timings[kind]["raw"].append(t2 - t1)
    finally:
        if postgres:
            await conn.close()
        else:
            conn.close()
    return {kind: {"service": _percentiles(v["service"]), "raw_sql": _percentiles(v["raw"]), "check": checks[kind]}
            for kind, v in timings.items()} | {"raw_sql": {k: v for k, v in sql.items()}}


# ---------------------------------------------------------------------------------------
# l. The catalogue PDF


def _plain_table_pdf(lines, font_name: str) -> bytes:
    from reportlab.lib.pagesizes import A4
    from reportlab.platypus import SimpleDocTemplate, Table, TableStyle

    from reports.archive_catalogue import _HEADERS, _WIDTHS
    from reports.frame import MARGIN_X

    data = [[f"{zh} {en}" for zh, en in _HEADERS]] + [
        [a.archive_no, a.title, a.retention_label, a.department_label, a.accepted_date, a.file_count, a.status_label]
        for a in lines]
    table = Table(data, colWidths=list(_WIDTHS), repeatRows=1, hAlign="LEFT")
    table.setStyle(TableStyle([("FONT", (0, 0), (-1, -1), font_name, 8.5), ("GRID", (0, 0), (-1, -1), 0.5, "#999999")]))
    out = io.BytesIO()
    SimpleDocTemplate(out, pagesize=A4, leftMargin=MARGIN_X, rightMargin=MARGIN_X).build([table])
    return out.getvalue()


async def measure_catalogue(ctx, *, year: int, runs: int) -> dict[str, Any]:
    from pypdf import PdfReader

    from archives import documents
    from archives.tables import ArchiveFile, ArchiveRecord
    from reports.archive_catalogue import ArchiveCatalogue, CatalogueLine, render_archive_catalogue
    from reports.fonts import register_cjk_font, resolve_cjk_font
    from crm.seed import actor_for

    actor = await actor_for(username=ARCHIVIST)
    font_path = ctx.settings.cjk_font_path
    font_name = register_cjk_font(font_path=font_path)
    font = resolve_cjk_font(font_path=font_path)
    end_to_end, query, render, baseline = [], [], [], []
    pdf = b""
    lines: tuple = ()
    for _ in range(runs):  # alternating, so a drift hits both
        t0 = time.perf_counter()
        pdf = await documents.catalogue_pdf(ctx=ctx, actor=actor, year=year)
        end_to_end.append(time.perf_counter() - t0)
        # The query part alone (what catalogue_pdf runs before rendering), and the render alone.
        t0 = time.perf_counter()
        rows = await ArchiveRecord.select(
            ArchiveRecord.id, ArchiveRecord.contract, ArchiveRecord.archive_no, ArchiveRecord.title,
            ArchiveRecord.retention, ArchiveRecord.department, ArchiveRecord.accepted_at, ArchiveRecord.status,
        ).where(ArchiveRecord.year == year).order_by(ArchiveRecord.archive_no)
        files = await ArchiveFile.select(ArchiveFile.contract).where(
            ArchiveFile.contract.is_in([r["contract"] for r in rows] or [0]))
        query.append(time.perf_counter() - t0)
        counts: dict[int, int] = {}
        for f in files:
            counts[f["contract"]] = counts.get(f["contract"], 0) + 1
        lines = tuple(CatalogueLine(
            archive_no=r["archive_no"], title=r["title"], retention_label="30年 30 years",
            department_label=r["department"], accepted_date=r["accepted_at"].astimezone(BEIJING).date().isoformat(),
            file_count=str(counts.get(r["contract"], 0)), status_label="在库 In store") for r in rows)
        catalogue = ArchiveCatalogue(company_name=ctx.settings.company_name, fonds="Z001", year=str(year),
                                     generated_by="孙静（archivist）", generated_at="2026-11-25 10:00",
                                     category_label="HT 合同", lines=lines)
        t0 = time.perf_counter()
        render_archive_catalogue(catalogue=catalogue, font_path=font_path)
        render.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        plain = _plain_table_pdf(lines, font_name)
        baseline.append(time.perf_counter() - t0)
    return {
        "year": year, "rows": len(lines), "runs": runs, "font": f"{font.source} {font.regular}",
        "pages": len(PdfReader(io.BytesIO(pdf)).pages), "bytes": len(pdf),
        "baseline_pages": len(PdfReader(io.BytesIO(plain)).pages),
        "end_to_end_seconds": statistics.median(end_to_end), "end_to_end_runs": end_to_end,
        "query_seconds": statistics.median(query), "render_seconds": statistics.median(render),
        "baseline_seconds": statistics.median(baseline), "baseline_runs": baseline,
    }


# ---------------------------------------------------------------------------------------
# j + l on one engine


def bench_engine(engine: str, *, records: int, catalogue_rows: int, samples: int, title_samples: int,
                 catalogue_runs: int, only: set[str], folder: Path) -> dict[str, Any]:
    from crm import db
    from tests.bench.contract_benchmarks import _engine_env, _postgres_version
    from tests.bench.scale import _crm, _reset_postgres

    url = None
    if engine == "postgres":
        url = _postgres_url()
        if not url:
            return {"skipped": "set CRM_BENCH_POSTGRES_URL to a scratch database"}
        asyncio.run(_reset_postgres(url))
    data_dir = folder / f"data-{engine}"
    env = _engine_env(data_dir, url)
    log(f"[{engine}] crm init --fixtures fixtures/demo …")
    _crm(env, "init", "--fixtures", str(FIXTURES))

    async def run() -> dict[str, Any]:
        ctx = await _open(env)
        try:
            customers = max(1000, records // 2)
            log(f"[{engine}] importing {customers:,} customers through the importer …")
            result: dict[str, Any] = {"customers": await _import_customers(ctx, count=customers, folder=folder)}
            log(f"[{engine}]   {result['customers']['seconds']:.0f} s; bulk-writing {records:,} archived records …")
            result["fill"] = await _bulk_archive(ctx, records=records, catalogue_rows=catalogue_rows)
            log(f"[{engine}]   {result['fill']['write_seconds']:.0f} s; verifying through the services …")
            if url:
                # What autovacuum does on its own within a minute of such a fill (as in h).
                from archives.tables import ArchiveFile, ArchiveRecord, HandoverBatch, HandoverItem
                from contracts.tables import Contract

                for table in (Contract, ArchiveRecord, ArchiveFile, HandoverBatch, HandoverItem):
                    await db.analyze(table)
                result["analyzed"] = True
            result["verify"] = await _verify(ctx)
            log(f"[{engine}]   {result['verify']}")
            if "j" in only:
                log(f"[{engine}] j. measuring search_archives ({samples} samples per lookup) …")
                result["search"] = await measure_search(ctx, samples=samples, title_samples=title_samples)
            if "l" in only:
                log(f"[{engine}] l. catalogue of {catalogue_rows:,} records ({catalogue_runs} runs) …")
                result["catalogue"] = await measure_catalogue(ctx, year=CATALOGUE_YEAR, runs=catalogue_runs)
        finally:
            await db.stop(ctx.engine)
        if url:
            result["server_version"] = await _postgres_version(url)
        if engine == "sqlite":
            from crm.db import sqlite_path

            result["database_mb"] = sqlite_path(ctx.settings.database_url).stat().st_size / 1e6
        return result

    return asyncio.run(run())


# ---------------------------------------------------------------------------------------
# k. Fixity


def bench_fixity(*, files: int, min_kb: int, max_kb: int, rounds: int, folder: Path) -> dict[str, Any]:
    from crm import db
    from tests.bench.contract_benchmarks import _engine_env
    from tests.bench.scale import _crm

    data_dir = folder / "data-fixity"
    env = _engine_env(data_dir, None)
    log("k. crm init --fixtures fixtures/demo …")
    _crm(env, "init", "--fixtures", str(FIXTURES))
    plain_dir = folder / "plain"
    plain_dir.mkdir()

    async def run() -> dict[str, Any]:
        from archives.file_crypto import open_file, seal_file
        from archives.fixity import run_fixity_check
        from archives.storage import blob_store
        from archives.tables import ArchiveFile
        from contracts.tables import Contract
        from crm.context import CLI
        from crm.seed import actor_for

        ctx = await _open(env)
        try:
            await _import_customers(ctx, count=1000, folder=folder)
            await _bulk_archive(ctx, records=files, catalogue_rows=0)
            contracts = [r["id"] for r in await Contract.select(Contract.id).order_by(Contract.id)]
            desk = (await actor_for(username="frontdesk")).staff_id
            store = blob_store(ctx)
            rng = random.Random(11)
            rows, total_bytes, names = [], 0, []
            t0 = time.perf_counter()
            for n in range(files):
                data = rng.randbytes(rng.randint(min_kb, max_kb) * 1024)
                file_id = f"{rng.getrandbits(128):032x}"
                sealed = seal_file(keyring=ctx.keyring, plaintext=data, file_id=file_id)
                store.put(file_id, sealed.ciphertext)  # as attach_file: blob first, fsynced
                name = f"f{n:05d}.bin"
                (plain_dir / name).write_bytes(data)
                names.append(name)
                rows.append((file_id, contracts[n % len(contracts)], "contract", name, "application/pdf",
                             sealed.size, sealed.sha256, sealed.wrapped_key, desk, ctx.now(), None))
                total_bytes += len(data)
            async with db.unit_of_work(ctx.engine):
                await db.insert_rows(ctx.engine, table=ArchiveFile, rows=rows, columns=(
                    "file_id", "contract", "kind", "filename", "media_type", "size", "sha256", "wrapped_key",
                    "uploaded_by", "uploaded_at", "destroyed_at"))
            stored = time.perf_counter() - t0
            archivist = await actor_for(username=ARCHIVIST)
            expected = {r[3]: r[6] for r in rows}

            def sha256sum() -> float:
                t = time.perf_counter()
                done = subprocess.run(["sha256sum", "--", *names], cwd=plain_dir, capture_output=True, text=True,
                                      check=True)
                seconds = time.perf_counter() - t
                got = dict(reversed(line.split(maxsplit=1)) for line in done.stdout.splitlines())
                if any(got.get(name) != digest for name, digest in expected.items()):
                    raise RuntimeError("sha256sum disagrees with the recorded SHA-256")
                return seconds

            fixity_runs, sum_runs, report = [], [], None
            sha256sum()  # warm both caches once
            report = await run_fixity_check(ctx=ctx, actor=archivist, origin=CLI)
            for _ in range(rounds):  # alternating
                t = time.perf_counter()
                report = await run_fixity_check(ctx=ctx, actor=archivist, origin=CLI)
                fixity_runs.append(time.perf_counter() - t)
                sum_runs.append(sha256sum())
            # Where fixity's time goes: each step alone over the same files, same run.
            import hashlib

            from archives.file_crypto import _unwrap

            # One file at a time, as fixity reads them (holding all of them would time page faults).
            from cryptography.hazmat.primitives.ciphers.aead import AESGCM

            read_s = unwrap_s = decrypt_s = hash_s = open_s = 0.0
            for r in rows:
                t = time.perf_counter()
                blob = store.get(r[0])
                t1 = time.perf_counter()
                key = _unwrap(keyring=ctx.keyring, wrapped_key=r[7], file_id=r[0])
                t2 = time.perf_counter()
                plain = AESGCM(key).decrypt(blob[1:13], memoryview(blob)[13:], b"crm.file.v1|" + r[0].encode())
                t3 = time.perf_counter()
                hashlib.sha256(plain).hexdigest()
                t4 = time.perf_counter()
                open_file(keyring=ctx.keyring, wrapped_key=r[7], ciphertext=blob, file_id=r[0], expected_sha256=r[6])
                t5 = time.perf_counter()
                read_s += t1 - t
                unwrap_s += t2 - t1
                decrypt_s += t3 - t2
                hash_s += t4 - t3
                open_s += t5 - t4
        finally:
            await db.stop(ctx.engine)
        fixity_s, sum_s = statistics.median(fixity_runs), statistics.median(sum_runs)
        mb = total_bytes / 1e6
        return {
            "files": files, "plaintext_mb": mb, "file_kb": [min_kb, max_kb], "store_seconds": stored,
            "checked": report.checked, "ok": report.ok, "problems": len(report.problems), "rounds": rounds,
            "fixity_seconds": fixity_s, "fixity_runs": fixity_runs, "fixity_mb_s": mb / fixity_s,
            "sha256sum_seconds": sum_s, "sha256sum_runs": sum_runs, "sha256sum_mb_s": mb / sum_s,
            "ratio": sum_s / fixity_s,
            "breakdown_mb_s": {"read_blobs": mb / read_s, "unwrap_keys_per_s": files / unwrap_s,
                               "aes_gcm_decrypt": mb / decrypt_s, "hashlib_sha256": mb / hash_s,
                               "open_file_in_memory": mb / open_s},
            "sha256sum_version": subprocess.run(["sha256sum", "--version"], capture_output=True, text=True)
            .stdout.splitlines()[0],
        }

    try:
        return asyncio.run(run())
    finally:
        shutil.rmtree(plain_dir, ignore_errors=True)
        shutil.rmtree(data_dir, ignore_errors=True)


# ---------------------------------------------------------------------------------------
# Report


def _verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


_LABELS = {"archive_no": "exact archive number", "contract_no": "contract number", "account_no": "account number",
           "id_number": "customer ID number (blind index)", "year_category": "year + category, page 1",
           "title_word": "start of the customer's name"}


def rows_for(results: dict[str, Any]) -> list[dict[str, str]]:
    rows = []
    for engine, r in results.get("engines", {}).items():
        if "skipped" in r or "search" not in r:
            continue
        n = r["fill"]["records"]
        for kind in LOOKUPS:
            s = r["search"][kind]
            f, b = s["service"], s["raw_sql"]
            note = "" if s["check"]["same_as_raw"] else " (raw SQL answer DIFFERS)"
            rows.append({
                "benchmark": f"j. {_LABELS[kind]} ({engine}, {n:,} records; {s['check']['total']:,} match){note}",
                "figure": f"p50 {f['p50_ms']:.2f} ms  p99 {f['p99_ms']:.2f} ms  (n={f['count']})",
                "baseline": f"raw page + count p50 {b['p50_ms']:.2f} ms  p99 {b['p99_ms']:.2f} ms",
                "ratio": f"{f['p99_ms'] / b['p99_ms']:.1f}x raw (p99)",
                "goal": f"p99 < {GOALS['search_p99_ms']:.0f} ms",
                "result": _verdict(f["p99_ms"] < GOALS["search_p99_ms"]),
            })
    k = results.get("fixity")
    if k:
        rows.append({
            "benchmark": f"k. run_fixity_check, {k['files']:,} files, {k['plaintext_mb']:.0f} MB ({k['problems']} problems)",
            "figure": f"{k['fixity_mb_s']:.0f} MB/s ({k['fixity_seconds']:.2f} s)",
            "baseline": f"sha256sum {k['sha256sum_mb_s']:.0f} MB/s ({k['sha256sum_seconds']:.2f} s)",
            "ratio": f"{k['ratio']:.0%} of sha256sum",
            "goal": f">= {GOALS['fixity_ratio']:.0%}",
            "result": _verdict(k["ratio"] >= GOALS["fixity_ratio"]),
        })
    for engine, r in results.get("engines", {}).items():
        c = r.get("catalogue")
        if not c:
            continue
        rows.append({
            "benchmark": f"l. catalogue_pdf, {c['rows']:,} records of {c['year']} ({engine}, {r['fill']['records']:,} "
                         f"records; {c['pages']} pages, {c['font']})",
            "figure": f"{c['end_to_end_seconds']:.1f} s (query {c['query_seconds']:.2f} s, render {c['render_seconds']:.1f} s)",
            "baseline": f"plain reportlab Table {c['baseline_seconds']:.1f} s ({c['baseline_pages']} pages)",
            "ratio": f"{c['end_to_end_seconds'] / c['baseline_seconds']:.1f}x plain Table",
            "goal": f"< {GOALS['catalogue_seconds']:.0f} s",
            "result": _verdict(c["end_to_end_seconds"] < GOALS["catalogue_seconds"]),
        })
    return rows


def print_report(machine: dict[str, Any], config: dict[str, Any], results: dict[str, Any],
                 rows: list[dict[str, str]]) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console(width=max(150, shutil.get_terminal_size((150, 40)).columns))
    console.print(
        f"[bold]Machine[/bold]: {machine['cpu']}, {machine['cores']} cores ({machine['usable_cores']} usable), "
        f"{machine['memory']}, load average {machine['load_average']}; Python {machine['python']}, SQLite "
        f"{machine['sqlite']}, {machine['postgresql']}"
    )
    console.print(f"[bold]Run[/bold]: {config['records']:,} archived records (BULK-WRITTEN, see below), "
                  f"{config['samples']} samples per lookup ({config['title_samples']} for the title word), "
                  f"{config['files']:,} files for fixity, catalogue of {config['catalogue_rows']:,} rows")
    for engine, r in results.get("engines", {}).items():
        if "skipped" in r:
            console.print(f"  {engine}: skipped, {r['skipped']}")
            continue
        f = r["fill"]
        console.print(
            f"  {engine}: {r['customers']['customers']:,} customers through the importer in "
            f"{r['customers']['seconds']:.0f} s; bulk-written {f['contracts']:,} archived contracts, "
            f"{f['handover_batches']:,} handover batches, {f['records']:,} archive records ({f['archive_counters']} "
            f"number sequences, largest item {f['largest_item']:,}), {f['archive_files']:,} archive_file rows in "
            f"{f['write_seconds']:.0f} s" + (f"; {r['server_version']}" if r.get("server_version") else "")
            + (f"; database {r['database_mb']:.0f} MB" if r.get("database_mb") else ""))
        console.print(f"     how: {f['how']}")
        console.print(f"     verified through the services: {r['verify']}")
    k = results.get("fixity")
    if k:
        console.print(f"  k. {k['files']:,} files, {k['plaintext_mb']:.0f} MB; {k['sha256sum_version']}; steps alone "
                      f"(MB/s): " + ", ".join(f"{key} {v:,.0f}" for key, v in k["breakdown_mb_s"].items()))
    table = Table(title="Archive benchmarks (baselines measured in the same run)")
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
    parser.add_argument("--only", default="j,k,l", help="comma-separated subset of j,k,l")
    parser.add_argument("--engines", default="sqlite,postgres", help="j, l: engines (postgres needs CRM_BENCH_POSTGRES_URL)")
    parser.add_argument("--records", type=int, default=100_000, help="j, l: archived records (bulk-written)")
    parser.add_argument("--catalogue-rows", type=int, default=10_000, help="l: records of the catalogue's year")
    parser.add_argument("--catalogue-runs", type=int, default=3, help="l: catalogues (and baselines) rendered")
    parser.add_argument("--samples", type=int, default=300, help="j: timed calls per lookup")
    parser.add_argument("--title-samples", type=int, default=50, help="j: timed calls of the title-word search")
    parser.add_argument("--files", type=int, default=2000, help="k: stored files")
    parser.add_argument("--min-kb", type=int, default=50)
    parser.add_argument("--max-kb", type=int, default=500)
    parser.add_argument("--fixity-rounds", type=int, default=3, help="k: alternating runs of fixity and sha256sum")
    parser.add_argument("--data-dir", type=Path, default=None,
                        help="keep the SQLite data folders here (default: a temporary folder, removed)")
    parser.add_argument("--out", type=Path, default=ROOT / "bench-results" / "archives.json")
    args = parser.parse_args(argv)
    only = {part.strip() for part in args.only.split(",") if part.strip()}
    if not only <= {"j", "k", "l"}:
        parser.error("--only takes a subset of j,k,l")
    if args.catalogue_rows >= args.records:
        parser.error("--catalogue-rows must be smaller than --records")

    machine = describe_machine()
    config = {"only": sorted(only), "records": args.records, "catalogue_rows": args.catalogue_rows,
              "samples": args.samples, "title_samples": args.title_samples, "files": args.files,
              "file_kb": [args.min_kb, args.max_kb], "engines": args.engines, "catalogue_runs": args.catalogue_runs}
    results: dict[str, Any] = {}
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="crm-archives-") as tmp:
        folder = Path(tmp)
        if args.data_dir is not None:
            folder = args.data_dir.resolve()
            for engine in ("sqlite", "postgres", "fixity"):
                shutil.rmtree(folder / f"data-{engine}", ignore_errors=True)
            folder.mkdir(parents=True, exist_ok=True)
        # Piccolo binds each table to a default engine when the class is created, which it
        # builds from the environment: point it here, not at ./var of the checkout.
        os.environ["CRM_DATA_DIR"] = str(folder / "default")
        os.environ.pop("CRM_DATABASE_URL", None)
        if "k" in only:
            log(f"k. fixity over {args.files:,} files …")
            results["fixity"] = bench_fixity(files=args.files, min_kb=args.min_kb, max_kb=args.max_kb,
                                             rounds=args.fixity_rounds, folder=folder)
        if only & {"j", "l"}:
            results["engines"] = {}
            for engine in [e.strip() for e in args.engines.split(",") if e.strip()]:
                results["engines"][engine] = bench_engine(
                    engine, records=args.records, catalogue_rows=args.catalogue_rows, samples=args.samples,
                    title_samples=args.title_samples, catalogue_runs=args.catalogue_runs, only=only, folder=folder)

    rows = rows_for(results)
    print_report(machine, config, results, rows)
    write_report(out=args.out, started=started, machine=machine, config=config, goals=GOALS, baselines=BASELINES,
                 results=results, rows=rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())

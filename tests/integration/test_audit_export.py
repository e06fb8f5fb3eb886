"""`crm export audit` on both engines: the auditor takes the trail out as CSV, others are refused,
and the export is itself in the trail (R-PM-05 "exportable for the auditor"; issue 14 deliverable 4)."""

from __future__ import annotations

import asyncio
import csv
import datetime as dt
import io
import json
import stat

import pytest
import typer
from typer.testing import CliRunner

from crm.audit import service as audit
from crm.audit.export import AUDIT_COLUMNS, AuditPeriodInvalid, export_audit_events
from crm.audit.export_cli import register
from crm.audit.tables import AuditEvent
from crm.common.csv_writer import BOM
from crm.context import CLI, Origin, build_context
from crm.seed import actor_for
from crm.staff.access import MissingCapability
from crm.staff.tables import Staff

HEADER = ",".join(AUDIT_COLUMNS)


def parse(text: str) -> list[dict[str, str]]:
    assert text.startswith(BOM)
    assert text[1:].split("\r\n", 1)[0] == HEADER
    return list(csv.DictReader(io.StringIO(text[1:], newline="")))


async def export_as(ctx, username: str, **kwargs) -> tuple[str, object]:
    out = io.StringIO(newline="")
    report = await export_audit_events(ctx=ctx, actor=await actor_for(username=username), out=out, origin=CLI, **kwargs)
    return out.getvalue(), report


async def events(action: str) -> list[dict]:
    rows = await AuditEvent.select().where(AuditEvent.action == action).order_by(AuditEvent.seq)
    return [{**r, "details": json.loads(r["details"])} for r in rows]


async def note(ctx, target: str) -> int:
    return await audit.append_alone(ctx=ctx, action="test.note", actor="frontdesk", origin=Origin(source_ip="10.0.0.1"),
                                    target=target)


class TestAuditExport:
    async def test_the_auditor_gets_every_event_with_its_hashes_and_the_export_is_recorded(self, ctx):
        before = await AuditEvent.count()
        await note(ctx, '=HYPERLINK("http://x","y")')

        text, report = await export_as(ctx, "auditor")

        rows = parse(text)
        *stored, _the_export = await AuditEvent.select().order_by(AuditEvent.seq)
        assert report.rows == before + 1 == len(rows) == len(stored)
        assert [(r["seq"], r["hash"], r["prev_hash"]) for r in rows] == [
            (str(s["seq"]), s["hash"], s["prev_hash"]) for s in stored
        ]
        # A typed target is people's text: written inert (issue 14 finding 3).
        assert rows[-1]["target"] == '\'=HYPERLINK("http://x","y")' and rows[-1]["source_ip"] == "10.0.0.1"
        [event] = await events("audit.export")
        assert event["seq"] == report.audit_seq and event["actor"] == "auditor" and event["outcome"] == "success"
        assert event["details"]["rows"] == report.rows and event["details"]["from"] is None
        assert (await audit.verify(ctx=ctx, actor=None, origin=CLI)).ok

    async def test_a_period_is_whole_beijing_days_both_ends_included(self, ctx, clock):
        """START is 2026-11-25 09:00 UTC, 17:00 in Beijing; 16:30 UTC is already the next Beijing day."""
        day_25 = await note(ctx, "25")
        clock.advance(hours=7, minutes=30)  # 16:30 UTC = 26th 00:30 Beijing
        day_26 = await note(ctx, "26")
        clock.advance(days=1)
        day_27 = await note(ctx, "27")

        only_26, first = await export_as(ctx, "auditor", from_date=dt.date(2026, 11, 26), to_date=dt.date(2026, 11, 26))
        from_26, _ = await export_as(ctx, "auditor", from_date=dt.date(2026, 11, 26))
        to_25, _ = await export_as(ctx, "auditor", to_date=dt.date(2026, 11, 25))

        assert [int(r["seq"]) for r in parse(only_26)] == [day_26]
        # The first export happened on the 27th: the trail holds it like any other event.
        assert [int(r["seq"]) for r in parse(from_26)] == [day_26, day_27, first.audit_seq]
        assert [int(r["seq"]) for r in parse(to_25)][-1] == day_25
        assert [(e["details"]["from"], e["details"]["to"]) for e in await events("audit.export")] == [
            ("2026-11-26", "2026-11-26"), ("2026-11-26", None), (None, "2026-11-25"),
        ]

    async def test_pages_are_keyset_pages_without_gaps_or_repeats(self, ctx):
        for n in range(5):
            await note(ctx, f"n{n}")
        total = await AuditEvent.count()
        seen: list[int] = []

        text, report = await export_as(ctx, "auditor", page_size=2, on_progress=seen.append)

        assert [int(r["seq"]) for r in parse(text)] == list(range(1, total + 1))
        assert seen[-1] == total == report.rows

    @pytest.mark.parametrize("username", ["frontdesk", "sysadmin", "market"])
    async def test_anyone_without_audit_read_is_refused_before_anything_is_written(self, ctx, username):
        out = io.StringIO()

        with pytest.raises(MissingCapability):
            await export_audit_events(ctx=ctx, actor=await actor_for(username=username), out=out, origin=CLI)

        assert out.getvalue() == ""
        [denial] = await events("permission.denied")
        assert denial["actor"] == username and denial["target"] == "export:audit"
        assert await events("audit.export") == []

    async def test_a_period_ending_before_it_starts_is_refused(self, ctx):
        out = io.StringIO()

        with pytest.raises(AuditPeriodInvalid) as refused:
            await export_audit_events(ctx=ctx, actor=await actor_for(username="auditor"), out=out, origin=CLI,
                                      from_date=dt.date(2026, 11, 26), to_date=dt.date(2026, 11, 25))

        assert refused.value.code == "audit_export.period_invalid" and refused.value.field == "to"
        assert out.getvalue() == "" and await events("audit.export") == []


# ---- the command --------------------------------------------------------------------------


@pytest.fixture
def cli(command_database):
    """A database with the demo staff, reachable the way `crm` finds it: the environment."""
    app = typer.Typer()
    register(app)

    def run(*args: str):
        return CliRunner().invoke(app, ["export", "audit", *args], catch_exceptions=False)

    return run


def stored_events(settings) -> list[dict]:
    async def go() -> list[dict]:
        build_context(settings)
        rows = await AuditEvent.select().order_by(AuditEvent.seq)
        return [{**r, "details": json.loads(r["details"])} for r in rows]

    return asyncio.run(go())


class TestCommand:
    def test_the_auditor_exports_a_period_to_a_private_file(self, cli, settings, tmp_path):
        target = tmp_path / "audit.csv"
        today = dt.datetime.now(dt.timezone(dt.timedelta(hours=8))).date()

        result = cli("--as", "auditor", "--from", str(today - dt.timedelta(days=1)), "--to", str(today),
                     "--output", str(target))

        assert result.exit_code == 0, result.output
        rows = parse(target.read_bytes().decode("utf-8"))
        assert rows and {r["action"] for r in rows} >= {"admin.fixtures"}
        assert stat.S_IMODE(target.stat().st_mode) == 0o600
        last = stored_events(settings)[-1]
        assert last["action"] == "audit.export" and last["actor"] == "auditor"
        assert last["details"]["rows"] == len(rows) and last["details"]["destination"] == str(target)
        # Issue 14 finding 10: who on the host ran the command is in the hashed details.
        assert last["details"]["os_user"] == CLI.os_user and CLI.os_user
        assert f"exported {len(rows)} audit events" in result.stderr

    def test_the_csv_goes_to_stdout_and_messages_to_stderr(self, cli):
        result = cli("--as", "auditor")

        assert result.exit_code == 0, result.output
        assert result.stdout_bytes.startswith(b"\xef\xbb\xbf" + HEADER.encode())
        assert "exported" in result.stderr and "exported" not in result.stdout

    def test_others_a_disabled_auditor_and_a_bad_date_exit_1_and_leave_the_file_alone(self, cli, settings, tmp_path):
        async def disable() -> None:
            build_context(settings)
            await Staff.update({Staff.active: False}).where(Staff.username == "auditor")

        target = tmp_path / "audit.csv"
        target.write_text("previous export\n", encoding="utf-8")

        refused = [cli("--as", name, "--output", str(target)) for name in ("frontdesk", "nobody")]
        reversed_period = cli("--as", "auditor", "--from", "2026-11-26", "--to", "2026-11-25", "--output", str(target))
        asyncio.run(disable())
        disabled = cli("--as", "auditor", "--output", str(target))
        bad_date = cli("--as", "auditor", "--from", "26.11.2026")

        codes = ["permission.denied", "staff.unknown", "audit_export.period_invalid", "staff.disabled"]
        for result, code in zip([*refused, reversed_period, disabled], codes):
            assert result.exit_code == 1 and code in result.stderr and result.stdout == "", (code, result.output)
        assert bad_date.exit_code == 2
        assert target.read_text(encoding="utf-8") == "previous export\n"
        assert list(tmp_path.glob(".audit.csv.*")) == []
        denials = [e for e in stored_events(settings) if e["action"] == "permission.denied"]
        assert [(d["actor"], d["details"]["code"]) for d in denials] == [
            ("frontdesk", "permission.denied"), ("auditor", "staff.disabled"),
        ]
        assert all(d["details"]["os_user"] == CLI.os_user for d in denials)

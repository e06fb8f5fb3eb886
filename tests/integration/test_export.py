"""`crm export customers` on both engines: masked by default; full values only for a role that
may reveal them, with a reason, recorded in the audit trail (R-PM-01..03, R-PM-05)."""

from __future__ import annotations

import asyncio
import csv
import dataclasses
import io
import json
import stat

import pytest
import typer
from typer.testing import CliRunner

from crm.accounts import export_approval, service
from crm.accounts.customer_rules import CustomerInput
from crm.accounts.export import (
    BranchOutOfScope,
    UnknownExportBranch,
    UnknownExportStatus,
    export_customers,
)
from crm.accounts.export_cli import register
from crm.audit.tables import AuditEvent
from crm.common.reasons import InvalidReason
from crm.context import CLI, build_context
from crm.errors import DomainError
from crm.seed import actor_for
from crm.staff import grants, roles
from crm.staff.access import ClearanceTooLow, MissingCapability
from crm.staff.service import StaffDisabled, UnknownStaff
from crm.staff.service import command_actor
from crm.staff.tables import Staff, StaffGrant
from tests.integration.conftest import new_customer

# The exact contract of the issue; the importer reads the same names.
HEADER = (
    "account_no,category,name,id_type,id_number,phone,contact_name,contact_phone,province,city,"
    "district,street,detail,branch,delivery_notice_no,acceptance_drawing_no,status,opened_at"
)
BOM = "\ufeff"
_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def resident_id(n: int) -> str:
    """A valid GB 11643 number (region 110101, born 1990-01-01), distinct for each ``n``."""
    body = f"11010119900101{n:03d}"
    return body + "10X98765432"[sum(int(d) * w for d, w in zip(body, _WEIGHTS)) % 11]


def customer_input(n: int, *, branch: str = "DC", contact: bool = False) -> CustomerInput:
    body = new_customer(
        id_number=resident_id(n),
        name=f"客户{n:03d}",
        phone=f"1381234{n:04d}",
        branch=branch,
        # A comma and quotes: the CSV must quote them and still round-trip.
        address={"province": "北京市", "city": "北京市", "district": "东城区", "street": "建国路",
                 "detail": f'幸福小区{n}号楼,2单元"501"室'},
        **({"contact_name": "李四", "contact_phone": f"1390000{n:04d}"} if contact else {}),
    )
    address = body.pop("address")
    return CustomerInput(**body, **address)


async def open_customers(username: str, numbers, *, branch: str = "DC", contact: bool = False, ctx) -> list:
    actor = await actor_for(username=username)
    return [
        await service.open_account(ctx=ctx, actor=actor, origin=CLI, data=customer_input(n, branch=branch, contact=contact))
        for n in numbers
    ]


def parse(text: str) -> list[dict[str, str]]:
    assert text.startswith(BOM)
    assert text[1:].split("\r\n", 1)[0] == HEADER
    return list(csv.DictReader(io.StringIO(text[1:], newline="")))


async def export_as(ctx, username: str, **kwargs) -> tuple[str, object]:
    out = io.StringIO(newline="")
    report = await export_customers(ctx=ctx, actor=await actor_for(username=username), out=out, origin=CLI, **kwargs)
    return out.getvalue(), report


async def approved(ctx, username: str, *, reason: str = "迁移至新系统", branch: str | None = None,
                   status: str | None = None) -> int:
    """A full-export request of ``username``, approved by the general manager (issue 14 finding 4)."""
    actor = await actor_for(username=username)
    grant = await export_approval.request_full_export(
        ctx=ctx, actor=actor, reason=reason, branch=branch, status=status, origin=CLI)
    await grants.approve(ctx=ctx, actor=await actor_for(username="gm"), grant_id=grant["id"], origin=CLI)
    return grant["id"]


async def events(action: str) -> list[dict]:
    rows = await AuditEvent.select().where(AuditEvent.action == action).order_by(AuditEvent.seq)
    return [{**r, "details": json.loads(r["details"])} for r in rows]


class TestMaskedExport:
    async def test_front_desk_gets_its_own_branch_masked_behind_a_bom_and_the_header(self, ctx):
        """R-PM-02 masking as in the API, R-PM-03 branch scope, R-PM-05 a bulk read is logged."""
        mine = await open_customers("frontdesk", [1, 2], contact=True, ctx=ctx)
        await open_customers("frontdesk2", [3], branch="XC", ctx=ctx)

        text, report = await export_as(ctx, "frontdesk")

        rows = parse(text)
        assert [r["account_no"] for r in rows] == [c.account_no for c in mine]
        assert {r["branch"] for r in rows} == {"DC"} and report.rows == 2
        for row, shown in zip(rows, mine):
            assert (row["id_number"], row["phone"], row["contact_phone"], row["detail"]) == (
                shown.id_number, shown.phone, shown.contact_phone, shown.address.detail,
            )
            assert row["id_number"].startswith("110") and "*" in row["id_number"]
            assert row["status"] == "pending" and row["category"] == "residential"
            assert row["opened_at"] == "2026-11-25T09:00:00+00:00"
        for n in (1, 2, 3):
            assert resident_id(n) not in text and f"1381234{n:04d}" not in text and "号楼,2单元" not in text
        [event] = await events("customer.export")
        assert event["actor"] == "frontdesk" and event["outcome"] == "success"
        assert event["details"]["rows"] == 2 and event["details"]["mode"] == "masked"
        assert event["details"]["scope"] == "DC"

    async def test_roles_without_customer_access_are_refused_and_the_denial_is_logged(self, ctx):
        """Separation of duties: the sysadmin sees no customer data, in bulk least of all."""
        await open_customers("frontdesk", [1], ctx=ctx)

        for username in ("sysadmin", "auditor"):
            out = io.StringIO()
            with pytest.raises(MissingCapability):
                await export_customers(ctx=ctx, actor=await actor_for(username=username), out=out, origin=CLI)
            assert out.getvalue() == ""

        denials = await events("permission.denied")
        assert [(d["actor"], d["outcome"], d["details"]["code"]) for d in denials] == [
            ("sysadmin", "denied", "permission.denied"), ("auditor", "denied", "permission.denied"),
        ]
        assert await events("customer.export") == []


    async def test_an_export_broken_off_midway_is_still_recorded(self, ctx):
        """Rows already sent down a pipe have left: the audit trail says how many."""
        await open_customers("frontdesk", [1, 2, 3], ctx=ctx)

        class ClosedAfterOneRow(io.StringIO):
            writes = 0

            def write(self, text: str) -> int:
                self.writes += 1
                if self.writes > 3:  # BOM, header, first row
                    raise BrokenPipeError("reader went away")
                return super().write(text)

        approval = await approved(ctx, "frontdesk")
        with pytest.raises(BrokenPipeError):
            await export_customers(
                ctx=ctx, actor=await actor_for(username="frontdesk"), out=ClosedAfterOneRow(), origin=CLI,
                full=True, approval=approval,
            )

        [event] = await events("customer.export_full")
        assert event["outcome"] == "failure" and event["details"]["rows"] == 1
        assert event["details"]["error"] == "BrokenPipeError" and event["details"]["reason"] == "迁移至新系统"


class TestFullExport:
    async def test_a_manager_with_a_reason_gets_the_real_values_and_one_audit_event(self, ctx):
        await open_customers("frontdesk", [1, 2], contact=True, ctx=ctx)
        await open_customers("frontdesk2", [3], branch="XC", ctx=ctx)

        approval = await approved(ctx, "market", reason="  迁移至新系统 migration  ")
        text, report = await export_as(ctx, "market", full=True, approval=approval)

        rows = parse(text)
        assert report.full and report.rows == 3
        for row, n in zip(rows, (1, 2, 3)):
            expected = customer_input(n, branch=row["branch"], contact=n < 3)
            assert row["id_number"] == expected.id_number and row["phone"] == expected.phone
            assert row["detail"] == expected.detail and row["contact_phone"] == (expected.contact_phone or "")
            assert row["name"] == expected.name and row["street"] == "建国路"
        [event] = await events("customer.export_full")
        assert event["actor"] == "market" and event["seq"] == report.audit_seq
        assert event["details"]["reason"] == "迁移至新系统 migration"
        assert event["details"]["rows"] == 3 and event["details"]["mode"] == "full"
        assert await events("customer.export") == []

    async def test_a_request_without_a_reason_of_substance_is_refused(self, ctx):
        actor = await actor_for(username="frontdesk")

        for reason in (None, "   ", "x", "..", "长" * 201):
            with pytest.raises(InvalidReason):
                await export_approval.request_full_export(ctx=ctx, actor=actor, reason=reason, branch=None, status=None,
                                                          origin=CLI)

        assert await StaffGrant.count() == 0

    async def test_without_an_approval_by_another_person_nothing_is_written(self, ctx):
        """Issue 14 finding 4: `crm export customers --full` used to export every ID number with reason "test"."""
        await open_customers("frontdesk", [1], ctx=ctx)
        actor = await actor_for(username="frontdesk")
        pending = (await export_approval.request_full_export(ctx=ctx, actor=actor, reason="迁移至新系统", branch=None,
                                                             status=None, origin=CLI))["id"]
        others = await approved(ctx, "market")

        for approval, code in ((None, "grant.approval_required"), (pending, "grant.approval_required"),
                               (others, "grant.approval_required"), (10**6, "grant.approval_required")):
            out = io.StringIO()
            with pytest.raises(DomainError) as refused:
                await export_customers(ctx=ctx, actor=actor, out=out, origin=CLI, full=True, approval=approval)
            assert refused.value.code == code and out.getvalue() == ""
        with pytest.raises(DomainError) as own:
            await grants.approve(ctx=ctx, actor=actor, grant_id=pending, origin=CLI)

        assert own.value.code == "permission.denied"  # the front desk approves nothing, least of all its own
        assert await events("customer.export_full") == []

    async def test_an_approval_is_used_once_with_its_scope_and_expires(self, ctx):
        await open_customers("frontdesk", [1], ctx=ctx)
        actor = await actor_for(username="frontdesk")
        once = await approved(ctx, "frontdesk", branch="DC")

        with pytest.raises(DomainError) as wider:
            await export_as(ctx, "frontdesk", full=True, approval=once, status="active")
        assert wider.value.code == "export.scope_not_approved"
        # The refused try above spent nothing: the scope is checked after the approval is read,
        # in the same transaction, which the refusal rolls back.
        text, report = await export_as(ctx, "frontdesk", full=True, approval=once)
        with pytest.raises(DomainError) as twice:
            await export_as(ctx, "frontdesk", full=True, approval=once)
        stale = await approved(ctx, "frontdesk", branch="DC")
        await StaffGrant.update({StaffGrant.decided_at: ctx.now() - export_approval.VALID_FOR}).where(StaffGrant.id == stale)
        with pytest.raises(DomainError) as expired:
            await export_as(ctx, "frontdesk", full=True, approval=stale)

        assert report.rows == 1 and report.branch == "DC"
        assert twice.value.code == "grant.approval_used" and expired.value.code == "grant.approval_expired"
        [event] = await events("customer.export_full")
        assert event["details"]["approval"] == once and event["details"]["reason"] == "迁移至新系统"

    async def test_a_role_that_may_not_reveal_is_refused(self, ctx):
        """The archivist reads customers but may not reveal their full values."""
        await open_customers("frontdesk", [1], ctx=ctx)
        out = io.StringIO()

        with pytest.raises(MissingCapability):
            await export_customers(ctx=ctx, actor=await actor_for(username="archivist"), out=out, origin=CLI, full=True)

        assert out.getvalue() == ""
        [denial] = await events("permission.denied")
        assert denial["actor"] == "archivist" and denial["details"]["full"] is True

    async def test_a_clearance_below_the_fields_class_is_refused(self, ctx, monkeypatch):
        await open_customers("frontdesk", [1], ctx=ctx)
        monkeypatch.setitem(roles.ROLE_CLEARANCE, "finance", "internal")
        out = io.StringIO()

        with pytest.raises(ClearanceTooLow) as refused:
            await export_customers(ctx=ctx, actor=await actor_for(username="finance"), out=out, origin=CLI, full=True)

        assert refused.value.code == "permission.clearance" and out.getvalue() == ""
        assert [d["details"]["code"] for d in await events("permission.denied")] == ["permission.clearance"]


class TestFilters:
    async def test_branch_and_status_narrow_the_list(self, ctx):
        dc = await open_customers("frontdesk", [1, 2], ctx=ctx)
        xc = await open_customers("frontdesk2", [3], branch="XC", ctx=ctx)
        await service.transition(
            ctx=ctx, actor=await actor_for(username="frontdesk"), account_no=dc[1].account_no, to="active",
            reason="验收合格", cause=None, origin=CLI,
        )

        only_xc = parse((await export_as(ctx, "market", branch="XC"))[0])
        active = parse((await export_as(ctx, "market", status="active"))[0])
        dc_pending = parse((await export_as(ctx, "market", branch="DC", status="pending"))[0])

        assert [r["account_no"] for r in only_xc] == [xc[0].account_no]
        assert [(r["account_no"], r["status"]) for r in active] == [(dc[1].account_no, "active")]
        assert [r["account_no"] for r in dc_pending] == [dc[0].account_no]
        assert [e["details"]["branch"] for e in await events("customer.export")] == ["XC", None, "DC"]

    async def test_a_clerk_cannot_ask_for_another_branch(self, ctx):
        """R-PM-03: refused outright rather than quietly returning an empty file."""
        await open_customers("frontdesk2", [3], branch="XC", ctx=ctx)
        out = io.StringIO()

        with pytest.raises(BranchOutOfScope):
            await export_customers(ctx=ctx, actor=await actor_for(username="frontdesk"), out=out, origin=CLI, branch="XC")

        assert out.getvalue() == ""
        assert [d["details"]["code"] for d in await events("permission.denied")] == ["export.branch_out_of_scope"]

    async def test_unknown_branch_or_status_is_refused_clearly(self, ctx):
        actor = await actor_for(username="market")

        with pytest.raises(UnknownExportBranch):
            await export_customers(ctx=ctx, actor=actor, out=io.StringIO(), origin=CLI, branch="NOPE")
        with pytest.raises(UnknownExportStatus):
            await export_customers(ctx=ctx, actor=actor, out=io.StringIO(), origin=CLI, status="deleted")


class TestPaging:
    async def test_rows_stream_in_keyset_pages_without_gaps_or_repeats(self, ctx):
        opened = await open_customers("frontdesk", range(1, 6), ctx=ctx)
        seen: list[tuple[int, int]] = []

        text, report = await export_as(ctx, "frontdesk", page_size=2, on_progress=lambda done, total: seen.append((done, total)))

        assert seen == [(2, 5), (4, 5), (5, 5)]
        assert [r["account_no"] for r in parse(text)] == [c.account_no for c in opened]
        assert report.rows == 5

    async def test_a_page_size_that_divides_the_rows_ends_cleanly(self, ctx):
        await open_customers("frontdesk", range(1, 5), ctx=ctx)
        seen: list[tuple[int, int]] = []

        text, _ = await export_as(ctx, "frontdesk", page_size=2, on_progress=lambda done, total: seen.append((done, total)))

        assert seen == [(2, 4), (4, 4)] and len(parse(text)) == 4

    async def test_an_empty_selection_is_just_the_header(self, ctx):
        text, report = await export_as(ctx, "frontdesk")

        assert text == BOM + HEADER + "\r\n" and report.rows == 0


class TestActingStaff:
    async def test_unknown_and_disabled_usernames_are_refused(self, ctx):
        await Staff.update({Staff.active: False}).where(Staff.username == "frontdesk2")

        with pytest.raises(UnknownStaff):
            await command_actor(ctx=ctx, username="nobody", origin=CLI)
        with pytest.raises(StaffDisabled):
            await command_actor(ctx=ctx, username="frontdesk2", origin=CLI)

        assert (await command_actor(ctx=ctx, username=" frontdesk ", origin=CLI)).branch_code == "DC"
        [denial] = await events("permission.denied")
        assert denial["actor"] == "frontdesk2" and denial["details"]["code"] == "staff.disabled"


# ---- the command --------------------------------------------------------------------------


@pytest.fixture
def cli(command_database):
    """A database with staff and three customers, reachable the way `crm` finds it: the env."""

    async def customers(ctx) -> None:
        await open_customers("frontdesk", [1, 2], contact=True, ctx=ctx)
        await open_customers("frontdesk2", [3], branch="XC", ctx=ctx)

    command_database(customers)
    app = typer.Typer()
    register(app)

    def run(*args: str):
        return CliRunner().invoke(app, ["export", "customers", *args], catch_exceptions=False)

    return run


def cli_request(*args: str):
    app = typer.Typer()
    register(app)
    result = CliRunner().invoke(app, ["export", "request-full", *args], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "export customers --full --approval" in result.stderr
    return result


async def _approve_all(ctx) -> None:
    gm = await actor_for(username="gm")
    for grant in await grants.list_grants(ctx=ctx, actor=gm):
        await grants.approve(ctx=ctx, actor=gm, grant_id=grant["id"], origin=CLI)


def _audit_actions(settings) -> list[str]:
    async def go() -> list[str]:
        build_context(settings)
        return [r["action"] for r in await AuditEvent.select(AuditEvent.action).order_by(AuditEvent.seq)]

    return asyncio.run(go())


class TestCommand:
    def test_masked_csv_goes_to_stdout_and_messages_to_stderr(self, cli):
        result = cli("--as", "frontdesk")

        assert result.exit_code == 0, result.output
        assert result.stdout_bytes.startswith(b"\xef\xbb\xbf" + HEADER.encode())
        rows = parse(result.stdout_bytes.decode("utf-8"))
        assert len(rows) == 2 and "*" in rows[0]["id_number"]
        assert "exported 2 customers" in result.stderr and "exported" not in result.stdout

    def test_full_export_to_a_file_has_the_real_values_and_is_private(self, cli, command_database, settings, tmp_path):
        target = tmp_path / "customers.csv"
        cli_request("--as", "market", "--reason", "迁移至新系统")
        command_database(_approve_all)

        result = cli("--as", "market", "--full", "--approval", "1", "--output", str(target), "--batch", "2")

        assert result.exit_code == 0, result.output
        rows = parse(target.read_bytes().decode("utf-8"))
        assert [r["id_number"] for r in rows] == [resident_id(n) for n in (1, 2, 3)]
        assert stat.S_IMODE(target.stat().st_mode) == 0o600
        assert list(tmp_path.glob(".customers.csv.*")) == []
        assert _audit_actions(settings)[-1] == "customer.export_full"

    def test_a_refusal_exits_1_with_its_code_and_leaves_the_file_alone(self, cli, tmp_path):
        target = tmp_path / "customers.csv"
        target.write_text("previous export\n", encoding="utf-8")
        refusals = [
            (("--as", "frontdesk", "--full"), "grant.approval_required"),
            (("--as", "frontdesk", "--full", "--approval", "7"), "grant.approval_required"),
            (("--as", "archivist", "--full", "--approval", "1"), "permission.denied"),
            (("--as", "sysadmin"), "permission.denied"),
            (("--as", "nobody"), "staff.unknown"),
            (("--as", "frontdesk", "--branch", "XC"), "export.branch_out_of_scope"),
            (("--as", "market", "--status", "deleted"), "export.unknown_status"),
        ]

        for args, code in refusals:
            result = cli(*args, "--output", str(target))

            assert result.exit_code == 1, (args, result.output)
            assert code in result.stderr and result.stdout == "", (args, result.output)
            assert target.read_text(encoding="utf-8") == "previous export\n"
            assert list(tmp_path.glob(".customers.csv.*")) == []


# ---- formula cells (issue 14 finding 3) ---------------------------------------------------

HYPERLINK = '=HYPERLINK("http://x","y")'
DDE = "+cmd|' /C calc'!A0"


async def _open_formula_customers(ctx) -> None:
    """Two customers whose own text a spreadsheet would run: a formula name, a DDE street and detail."""
    actor = await actor_for(username="frontdesk")
    for n, changes in ((4, {"name": HYPERLINK}), (5, {"street": DDE, "detail": DDE})):
        data = dataclasses.replace(customer_input(n), **changes)
        await service.open_account(ctx=ctx, actor=actor, origin=CLI, data=data)


class TestFormulaCells:
    def test_a_formula_name_and_a_dde_address_come_out_of_the_command_inert(self, cli, command_database, tmp_path):
        """Issue 14 finding 3 (CSV injection): `crm export customers` writes such cells behind a quote."""
        command_database(_open_formula_customers)
        target = tmp_path / "customers.csv"

        masked = cli("--as", "frontdesk")
        cli_request("--as", "market", "--reason", "迁移至新系统")
        command_database(_approve_all)
        full = cli("--as", "market", "--full", "--approval", "1", "--output", str(target))

        assert masked.exit_code == 0 and full.exit_code == 0, (masked.output, full.output)
        masked_rows = parse(masked.stdout_bytes.decode("utf-8"))
        full_rows = parse(target.read_bytes().decode("utf-8"))
        by_name = {r["name"]: r for r in full_rows}
        assert "'" + HYPERLINK in by_name and "'" + HYPERLINK in {r["name"] for r in masked_rows}
        [dde] = [r for r in full_rows if r["street"].startswith("'")]
        assert (dde["street"], dde["detail"]) == ("'" + DDE, "'" + DDE)
        cells = [cell for row in masked_rows + full_rows for cell in row.values()]
        assert not [cell for cell in cells if cell.startswith(("=", "+", "-", "@", "\t", "\r"))]


class TestWhoRanTheCommand:
    def test_the_export_event_records_the_operating_system_user(self, cli, settings):
        """Issue 14 finding 10: `--as` names the authority; the audit event also names the OS account."""
        import os
        import pwd

        result = cli("--as", "frontdesk")

        assert result.exit_code == 0, result.output
        [event] = [e for e in _audit_events(settings) if e["action"] == "customer.export"]
        assert event["actor"] == "frontdesk" and event["source_ip"] == "cli"
        assert event["details"]["os_user"].split(" ")[0] == pwd.getpwuid(os.getuid()).pw_name

    def test_a_disabled_account_named_by_as_is_refused_and_audited(self, cli, settings):
        """Finding 10 (b): a disabled person's authority cannot be borrowed through `--as` (R-PM-05)."""
        async def disable() -> None:
            build_context(settings)
            await Staff.update({Staff.active: False}).where(Staff.username == "market")

        asyncio.run(disable())
        result = cli("--as", "market")

        assert result.exit_code == 1 and "staff.disabled" in result.stderr and result.stdout == ""
        events = _audit_events(settings)
        [denial] = [e for e in events if e["action"] == "permission.denied"]
        assert (denial["actor"], denial["outcome"], denial["details"]["code"]) == ("market", "denied", "staff.disabled")
        assert denial["details"]["os_user"] == CLI.os_user
        assert not [e for e in events if e["action"].startswith("customer.export")]


def _audit_events(settings) -> list[dict]:
    async def go() -> list[dict]:
        build_context(settings)
        rows = await AuditEvent.select().order_by(AuditEvent.seq)
        return [{**r, "details": json.loads(r["details"])} for r in rows]

    return asyncio.run(go())

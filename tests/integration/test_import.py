"""`crm import customers`: the old system's CSV in, on both engines (R-AC-01..04, R-AC-09, R-PM-04)."""

from __future__ import annotations

import csv
import io
import json
import os
import signal
import subprocess
import sys
import time

import pytest

from crm.accounts import service
from crm.accounts.account_numbers import is_valid_account_no
from crm.accounts.import_rules import ImportFileInvalid
from crm.accounts.importing import import_customers
from crm.accounts.tables import Customer, CustomerHistory, Meter
from crm.audit import service as audit
from crm.audit.tables import AuditEvent
from crm.context import CLI
from crm.security.keyring import save_keyring
from crm.seed import actor_for
from tests.bench.data import IMPORT_HEADER, METER_HEADER, import_rows, resident_id, write_import_csv
from tests.conftest import FIXTURES

ROOT = FIXTURES.parent


def csv_bytes(rows, *, header=IMPORT_HEADER, encoding="utf-8", bom=False) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    data = out.getvalue().encode(encoding)
    return (b"\xef\xbb\xbf" + data) if bom else data


async def run_import(ctx, data: bytes, *, user="frontdesk", **options):
    errors = io.StringIO()
    report = await import_customers(
        ctx=ctx, actor=await actor_for(username=user), source=io.BytesIO(data), source_name="old.csv", origin=CLI,
        errors_out=errors, **options,
    )
    return report, list(csv.DictReader(io.StringIO(errors.getvalue().removeprefix("\ufeff"))))


class TestImport:
    async def test_valid_rows_become_customers_with_sealed_fields_numbers_history_and_meters(self, ctx):
        data = csv_bytes(list(import_rows(25, branch="DC", meters=True)), header=IMPORT_HEADER + METER_HEADER)

        report, errors = await run_import(ctx, data, batch_size=10)

        assert (report.imported, report.rejected, report.duplicates, report.batches) == (25, 0, 0, 3)
        assert errors == []
        customers = await Customer.select(Customer.account_no, Customer.id_number_sealed, Customer.id_number_masked)
        assert len(customers) == 25 and all(is_valid_account_no(c["account_no"]) for c in customers)
        assert all(c["id_number_sealed"].startswith("k") and "*" in c["id_number_masked"] for c in customers)
        assert await Meter.count() == 25
        assert await CustomerHistory.count().where(CustomerHistory.action == "imported") == 25
        # The imported customer reads back like one opened at the counter (R-PM-04 round trip).
        actor = await actor_for(username="frontdesk")
        first = sorted(c["account_no"] for c in customers)[0]
        revealed = await service.reveal(ctx=ctx, actor=actor, account_no=first, field="id_number", reason="核对导入", origin=CLI)
        assert revealed.value == resident_id(0)
        assert await AuditEvent.count().where(AuditEvent.action == "customer.import") == 3
        assert (await audit.verify(ctx=ctx, actor=None, origin=CLI)).ok

    async def test_bad_rows_are_reported_with_line_column_and_code_and_the_rest_imported(self, ctx):
        rows = list(import_rows(4, branch="DC"))
        rows[1][3] = "110101195001010004"  # wrong check digit
        rows[2][0] = "collective"  # collective needs a credit code and a contact
        rows[3][12] = "XC"  # frontdesk works in DC only

        report, errors = await run_import(ctx, csv_bytes(rows))

        assert (report.imported, report.rejected) == (1, 3)
        by_line = {}
        for e in errors:
            by_line.setdefault(e["line"], set()).add((e["column"], e["code"]))
        assert by_line["3"] == {("id_number", "customer.invalid_id_number")}
        assert ("contact_name", "customer.collective_contact_required") in by_line["4"]
        assert ("branch", "customer.branch_out_of_scope") in by_line["5"]
        assert await Customer.count() == 1

    async def test_a_rerun_reports_existing_id_numbers_and_duplicates_nothing(self, ctx):
        data = csv_bytes(list(import_rows(12, branch="DC")))
        await run_import(ctx, data, batch_size=5)

        report, errors = await run_import(ctx, data, batch_size=5)

        assert (report.imported, report.duplicates) == (0, 12)
        assert {e["code"] for e in errors} == {"customer.duplicate_id"}
        assert await Customer.count() == 12

    async def test_the_same_id_twice_in_one_file_is_imported_once(self, ctx):
        rows = list(import_rows(3, branch="DC"))
        rows.append(list(rows[0]))

        report, errors = await run_import(ctx, csv_bytes(rows), batch_size=2)

        assert (report.imported, report.duplicates) == (3, 1)
        assert errors[0]["line"] == "5"

    async def test_dry_run_validates_everything_and_writes_nothing(self, ctx):
        rows = list(import_rows(6, branch="DC"))
        rows.append(list(rows[0]))
        rows[2][4] = "12345"

        report, errors = await run_import(ctx, csv_bytes(rows), dry_run=True, batch_size=2)

        assert (report.imported, report.duplicates, report.rejected) == (5, 1, 1)
        assert await Customer.count() == 0
        assert await AuditEvent.count().where(AuditEvent.action == "customer.import") == 0

    @pytest.mark.parametrize("encoding,bom", [("utf-8", True), ("gbk", False), ("gb18030", False)])
    async def test_excel_encodings_are_detected(self, ctx, encoding, bom):
        report, _ = await run_import(ctx, csv_bytes(list(import_rows(3, branch="DC")), encoding=encoding, bom=bom))

        assert report.imported == 3
        names = {r["name"] for r in await Customer.select(Customer.name)}
        assert names == {"压测用户0", "压测用户1", "压测用户2"}

    async def test_chinese_headers_are_accepted(self, ctx):
        header = ("用户类别", "用户名称", "证件类型", "证件号码", "联系电话", "联系人姓名", "联系人电话", "省", "市",
                  "区县", "街道", "详细地址", "营业网点", "送气通知单编号", "竣工验收图纸编号")

        report, _ = await run_import(ctx, csv_bytes(list(import_rows(2, branch="DC")), header=header))

        assert report.imported == 2

    @pytest.mark.parametrize(
        "data,code",
        [
            (b"", "import.empty"),
            (csv_bytes([], header=("name", "phone")), "import.missing_columns"),
            (csv_bytes([], header=IMPORT_HEADER + ("favourite_colour",)), "import.unknown_columns"),
            (b"\xff\xfe" + "category".encode("utf-16-le"), "import.encoding"),
            (b"category,name\n\x81\x30\xff\xff", "import.encoding"),
        ],
        ids=["empty", "wrong-header", "unknown-column", "utf16", "undecodable"],
    )
    async def test_a_file_that_cannot_be_read_is_refused_with_nothing_written(self, ctx, data, code):
        with pytest.raises(ImportFileInvalid) as refused:
            await run_import(ctx, data)

        assert refused.value.code == code
        assert await Customer.count() == 0

    async def test_a_truncated_last_line_is_a_rejected_row_not_a_crash(self, ctx):
        data = csv_bytes(list(import_rows(3, branch="DC")))
        cut = data[: data.rstrip(b"\n").rfind(b",", 0, len(data) - 40)]

        report, errors = await run_import(ctx, cut)

        assert (report.imported, report.rejected) == (2, 1)
        assert errors and errors[0]["line"] == "4"

    async def test_an_error_row_echoing_a_formula_is_written_inert(self, ctx, monkeypatch):
        """Issue 14 finding 3: the error report goes through the one CSV writer, whatever a rule echoes.

        Today's messages start with our own words; a rule that quoted the offending cell first
        must still not hand the clerk's spreadsheet a formula.
        """
        from crm.accounts import importing
        from crm.accounts.customer_rules import CustomerInvalid
        from crm.common.fields import FieldError

        def echo_the_name(data):
            raise CustomerInvalid([FieldError(code="customer.test_echo", field="name", message=data.name)])

        monkeypatch.setattr(importing, "validate_new_customer", echo_the_name)
        rows = list(import_rows(1, branch="DC"))
        rows[0][1] = '=HYPERLINK("http://x","y")'

        report, errors = await run_import(ctx, csv_bytes(rows))

        assert report.rejected == 1
        assert [e["message"] for e in errors] == ['\'=HYPERLINK("http://x","y")']

    async def test_a_giant_line_stops_the_import_before_it_fills_memory(self, ctx):
        data = csv_bytes(list(import_rows(1, branch="DC"))) + b"x" * (200 * 1024)

        with pytest.raises(ImportFileInvalid) as refused:
            await run_import(ctx, data)

        assert refused.value.code == "import.line_too_long"


@pytest.fixture
def cli_env(ctx, settings):
    # The command runs in its own process: it needs the keyring this test's data was sealed with.
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    save_keyring(keyring=ctx.keyring, path=settings.keyring_path)
    env = {k: v for k, v in os.environ.items() if not k.startswith("CRM_")}
    env.update({
        "CRM_DATA_DIR": str(settings.data_dir), "CRM_DATABASE_URL": settings.database_url, "CRM_DB_POOL_SIZE": "0",
        "PYTHONPATH": str(ROOT),
    })
    return env


def crm(env, *args, **kwargs):
    return subprocess.run([sys.executable, "-m", "crm.cli", *args], env=env, cwd=ROOT, capture_output=True, text=True,
                          timeout=120, **kwargs)


class TestCrashSafety:
    async def test_sigkill_mid_import_leaves_whole_batches_and_the_rerun_completes(self, ctx, cli_env, tmp_path):
        path = write_import_csv(tmp_path / "big.csv", 3000, branch="DC")
        process = subprocess.Popen(
            [sys.executable, "-m", "crm.cli", "import", "customers", str(path), "--as", "frontdesk", "--batch-size", "100"],
            env=cli_env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 60
        while await Customer.count() < 300 and time.monotonic() < deadline and process.poll() is None:
            time.sleep(0.05)
        process.send_signal(signal.SIGKILL)
        process.wait()

        committed = await Customer.count()
        assert 0 < committed < 3000, "the import should have been killed mid-run"
        assert committed % 100 == 0  # whole batches only
        assert await CustomerHistory.count() == committed

        rerun = crm(cli_env, "import", "customers", str(path), "--as", "frontdesk", "--batch-size", "500")

        assert rerun.returncode == 0, rerun.stderr
        assert await Customer.count() == 3000
        numbers = [r["account_no"] for r in await Customer.select(Customer.account_no)]
        assert len(set(numbers)) == 3000
        assert (await audit.verify(ctx=ctx, actor=None, origin=CLI)).ok


class TestCommand:
    async def test_the_command_reports_counts_and_writes_the_error_file(self, ctx, cli_env, tmp_path):
        rows = list(import_rows(3, branch="DC"))
        rows[0][4] = "not-a-phone"
        path = tmp_path / "old.csv"
        path.write_bytes(csv_bytes(rows, encoding="gbk"))

        done = crm(cli_env, "import", "customers", str(path), "--as", "frontdesk")

        assert done.returncode == 0, done.stderr
        assert "2" in done.stderr and "gb18030" in done.stderr
        report = list(csv.DictReader(open(tmp_path / "old.csv.errors.csv", encoding="utf-8-sig")))
        assert report[0]["line"] == "2" and report[0]["column"] == "phone"

    async def test_an_unknown_staff_member_or_unreadable_file_exits_1(self, ctx, cli_env, tmp_path):
        path = write_import_csv(tmp_path / "ok.csv", 1, branch="DC")
        empty = tmp_path / "empty.csv"
        empty.write_bytes(b"")

        assert crm(cli_env, "import", "customers", str(path), "--as", "nobody").returncode == 1
        assert crm(cli_env, "import", "customers", str(empty), "--as", "frontdesk").returncode == 1
        assert await Customer.count() == 0

    async def test_a_disabled_account_named_by_as_is_refused_audited_with_the_os_user(self, ctx, cli_env, tmp_path):
        """Issue 14 finding 10 (a, b): `--as` cannot borrow a disabled account; the OS account is recorded."""
        from crm.staff.tables import Staff

        path = write_import_csv(tmp_path / "ok.csv", 2, branch="DC")
        await Staff.update({Staff.active: False}).where(Staff.username == "frontdesk2")

        refused = crm(cli_env, "import", "customers", str(path), "--as", "frontdesk2")
        done = crm(cli_env, "import", "customers", str(path), "--as", "frontdesk")

        assert refused.returncode == 1 and "staff.disabled" in refused.stderr
        assert done.returncode == 0, done.stderr
        denial = await AuditEvent.select().where(AuditEvent.action == "permission.denied").first()
        imported = await AuditEvent.select().where(AuditEvent.action == "customer.import").first()
        assert denial["actor"] == "frontdesk2" and json.loads(denial["details"])["code"] == "staff.disabled"
        # The command ran in its own process as the same account as this one.
        assert json.loads(denial["details"])["os_user"] == CLI.os_user
        assert json.loads(imported["details"])["os_user"] == CLI.os_user and imported["actor"] == "frontdesk"
        assert await Customer.count() == 2

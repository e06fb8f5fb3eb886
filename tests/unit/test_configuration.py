"""Configuration problems are the operator's to fix: library code raises, the CLI reports."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

import pytest

from crm import db
from crm.errors import ConfigurationError
from crm.settings import Settings

ROOT = Path(__file__).resolve().parents[2]


class TestDatabaseUrl:
    @pytest.mark.parametrize("url", ["mysql://root@localhost/crm", "sqlite:/relative.db", "crm.sqlite3"])
    def test_an_unsupported_url_is_a_configuration_error_not_an_exit(self, url: str) -> None:
        with pytest.raises(db.UnsupportedDatabaseUrl) as caught:
            db.make_engine(url)

        assert isinstance(caught.value, ConfigurationError)
        assert url in str(caught.value)

    def test_a_malformed_number_setting_is_a_configuration_error(self) -> None:
        with pytest.raises(ConfigurationError, match="CRM_PORT"):
            Settings.from_env({"CRM_PORT": "eighty"})

    def test_the_cli_prints_the_problem_and_exits_2(self, tmp_path: Path) -> None:
        env = {**os.environ, "CRM_DATA_DIR": str(tmp_path), "CRM_DATABASE_URL": "mysql://root@localhost/crm"}

        done = subprocess.run([sys.executable, "-m", "crm.cli", "init"], env=env, capture_output=True, text=True, timeout=60)

        assert done.returncode == 2
        assert "Unsupported database URL" in done.stderr
        assert "Traceback" not in done.stderr + done.stdout


class TestImportsHaveNoSideEffects:
    def test_importing_the_application_leaves_the_environment_alone(self) -> None:
        code = (
            "import os; before = dict(os.environ); "
            "import crm.db, crm.piccolo_conf, crm.app, crm.cli; "
            "print(sorted(set(os.environ.items()) ^ set(before.items())))"
        )
        env = {k: v for k, v in os.environ.items() if k != "PICCOLO_CONF"}

        done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60, cwd=ROOT)

        assert done.returncode == 0, done.stderr
        assert done.stdout.strip() == "[]"

    def test_db_and_piccolo_conf_do_not_import_each_other(self) -> None:
        tree = ast.parse((ROOT / "crm" / "db.py").read_text(encoding="utf-8"))
        imported = {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
        imported |= {node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}

        assert not any(name.endswith("piccolo_conf") for name in imported)

    def test_piccolo_finds_the_engine_the_application_bound(self, tmp_path: Path) -> None:
        import crm.piccolo_conf as conf

        engine = db.make_engine(f"sqlite:///{tmp_path / 'crm.sqlite3'}")
        previous = db.bound_engine()
        db.bind_tables(engine)
        try:
            found = conf.DB
        finally:
            if previous is not None:
                db.bind_tables(previous)

        assert found is engine

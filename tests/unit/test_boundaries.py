"""Package boundaries (ARCHITECTURE.md): each package owns its rows, dependencies point one way.

A plain walk over the source with ``ast``; nothing is hard-wired that the tree can tell:
- the source packages are the repository's top-level folders with an ``__init__.py``
  (crm, contracts, archives, reports; a future ``billing/`` is in as soon as it exists);
- the table-owning packages are the folders holding a ``tables.py`` (crm.staff, crm.audit,
  crm.accounts, contracts, archives; a future ``crm/billing/tables.py`` is in too), and a module
  belongs to the innermost of them that contains it.
"""

from __future__ import annotations

import ast
import importlib
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytest
from piccolo.columns import ForeignKey
from piccolo.table import Table

ROOT = Path(__file__).resolve().parents[2]
NOT_SOURCE = {"tests", "fixtures", "tools"}

# The application wiring: the one crm module that imports the other packages (to mount their
# controllers and pages). Everything else in crm names them as strings (crm.db.APP_MODULES,
# crm.seed.DEMO_LOADERS, crm.rotation.SEALED_BY_PACKAGE, crm.cli.COMMAND_MODULES).
WIRING = {"crm.app"}

# What each top-level package may import besides itself. crm imports no other domain package;
# reports renders plain view models and imports none. A new top-level package gets the
# contracts rule (crm and reports) until it is given its own line here.
TOP_LEVEL_DEPENDENCIES = {
    "crm": {"reports"},
    "reports": set(),
    "contracts": {"crm", "reports"},
    "archives": {"crm", "contracts", "reports"},
}
NEW_PACKAGE_DEPENDENCIES = {"crm", "reports"}

# The shared kernel may use these parts of crm and nothing of the domain (crm/common/__init__.py).
KERNEL = "crm.common"
KERNEL_MAY_IMPORT = ("crm.common", "crm.errors", "crm.security")

# Joins through a foreign key into another package's table that are still there, by module
# and the package joined into: each one should become a call to that package's directory
# (crm.staff.directory, crm.accounts.directory, contracts.archiving). Only shrink this.
KNOWN_FOREIGN_JOINS: set[tuple[str, str]] = set()

# Modules that name other packages' tables in SQL text on purpose: the backup copies every
# table of every app generically (crm.db.all_tables, in app order) and restores a few rows
# that `crm init` seeds by table name. Nothing else may.
RAW_SQL_ANYWHERE = {"crm.backup"}


@dataclass(frozen=True)
class Module:
    name: str
    path: Path
    tree: ast.Module

    @property
    def rel(self) -> str:
        return self.path.relative_to(ROOT).as_posix()

    @property
    def is_tables(self) -> bool:
        return self.path.name == "tables.py"

    @property
    def is_migration(self) -> bool:
        return "piccolo_migrations" in self.path.parts


@cache
def top_level_packages() -> tuple[str, ...]:
    return tuple(sorted(p.name for p in ROOT.iterdir()
                        if p.is_dir() and (p / "__init__.py").exists() and p.name not in NOT_SOURCE))


@cache
def modules() -> tuple[Module, ...]:
    found = []
    for top in top_level_packages():
        for path in sorted((ROOT / top).rglob("*.py")):
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            found.append(Module(".".join(parts), path, ast.parse(path.read_text(encoding="utf-8"), str(path))))
    return tuple(found)


@cache
def table_packages() -> tuple[str, ...]:
    """Every package with a tables.py, innermost first so the first prefix that matches is the owner."""
    owners = {m.name.rsplit(".", 1)[0] for m in modules() if m.is_tables and not m.is_migration}
    return tuple(sorted(owners, key=lambda p: (-p.count("."), p)))


def owner(module: str) -> str | None:
    return next((p for p in table_packages() if module == p or module.startswith(p + ".")), None)


def _absolute(module: Module, node: ast.ImportFrom) -> str:
    if not node.level:
        return node.module or ""
    package = module.name if module.path.name == "__init__.py" else module.name.rsplit(".", 1)[0]
    base = package.split(".")[: len(package.split(".")) - node.level + 1]
    return ".".join(base + ([node.module] if node.module else []))


def imports(module: Module) -> list[tuple[int, str, list[str]]]:
    """(line, imported module, names) for every import anywhere in the module, functions included.

    ``from a import b`` is reported as module ``a.b`` as well when ``b`` is a module of the tree,
    so ``from crm.staff import tables`` counts as importing crm.staff.tables.
    """
    known = {m.name for m in modules()}
    found = []
    for node in ast.walk(module.tree):
        if isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name, []) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = _absolute(module, node)
            found.append((node.lineno, base, [alias.name for alias in node.names]))
            found.extend((node.lineno, f"{base}.{alias.name}", []) for alias in node.names
                         if f"{base}.{alias.name}" in known)
    return found


def _top(name: str) -> str:
    return name.split(".", 1)[0]


def _within(name: str, package: str) -> bool:
    return name == package or name.startswith(package + ".")


# ---- 1. tables --------------------------------------------------------------------------------


def table_import_violations() -> list[str]:
    problems = []
    for module in modules():
        if module.is_tables or module.is_migration:
            continue  # foreign keys reference other packages' tables; migrations replay them
        mine = owner(module.name)
        for line, target, _ in imports(module):
            if not target.endswith(".tables"):
                continue
            theirs = target.rsplit(".", 1)[0]
            if theirs in table_packages() and theirs != mine:
                problems.append(
                    f"{module.rel}:{line} imports {target}: {theirs} owns those rows. Call its public functions "
                    f"instead (crm.staff.directory, crm.accounts.directory, contracts.archiving, "
                    f"contracts.reassignment, or add one there that applies {theirs}'s rules)"
                )
    return problems


# ---- 2. import direction ------------------------------------------------------------------------


def direction_violations() -> list[str]:
    problems = []
    tops = set(top_level_packages())
    domain = set(table_packages()) | (tops - {"crm", "reports"}) | {"crm.web"}
    for module in modules():
        here = _top(module.name)
        allowed = {here} | TOP_LEVEL_DEPENDENCIES.get(here, NEW_PACKAGE_DEPENDENCIES)
        for line, target, _ in imports(module):
            there = _top(target)
            if there in tops and there not in allowed and module.name not in WIRING:
                problems.append(
                    f"{module.rel}:{line} imports {target}: {here} may import only {sorted(allowed)}. "
                    + ("Name the module as a string where crm wires packages together (as crm.db.APP_MODULES "
                       "and crm.seed.DEMO_LOADERS do), or move the code into the package that needs it"
                       if here == "crm" else "Move the shared part down into crm (crm.common for rules and helpers)")
                )
            if _within(module.name, KERNEL) and not any(_within(target, k) for k in KERNEL_MAY_IMPORT) and (
                    any(_within(target, d) for d in domain) or (there == "crm" and target != "crm")):
                problems.append(
                    f"{module.rel}:{line} imports {target}: the shared kernel {KERNEL} may import only "
                    f"{', '.join(KERNEL_MAY_IMPORT)} of the project. Pass the value in, or keep the code in the "
                    "domain package"
                )
    return problems


# ---- 3. private names -------------------------------------------------------------------------


def _private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def private_import_violations() -> list[str]:
    problems = []
    for module in modules():
        for line, target, names in imports(module):
            hidden = [n for n in names if _private(n)] + [p for p in target.split(".") if _private(p)]
            if hidden and target != "__future__":
                problems.append(
                    f"{module.rel}:{line} imports {', '.join(hidden)} from {target}: a leading underscore means "
                    "private to its module. Make it public there (and give it a name that reads well outside), "
                    "or keep the caller's need inside that module"
                )
        problems.extend(_private_attribute_uses(module))
    return problems


def _private_attribute_uses(module: Module) -> list[str]:
    """``seed._actor_for(...)`` after ``from crm import seed``: the same thing spelt as an attribute."""
    known = {m.name for m in modules()}
    aliases: dict[str, str] = {}
    for node in ast.walk(module.tree):
        if isinstance(node, ast.Import):
            aliases.update({a.asname: a.name for a in node.names if a.asname and a.name in known})
        elif isinstance(node, ast.ImportFrom):
            base = _absolute(module, node)
            aliases.update({(a.asname or a.name): f"{base}.{a.name}" for a in node.names if f"{base}.{a.name}" in known})
    return [
        f"{module.rel}:{node.lineno} uses {aliases[node.value.id]}.{node.attr}: a leading underscore means private "
        "to its module. Make it public there, or keep the caller's need inside that module"
        for node in ast.walk(module.tree)
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in aliases
        and _private(node.attr)
    ]


# ---- 4. joins and SQL into other packages' tables -------------------------------------------------


@cache
def table_classes() -> dict[str, dict[str, type[Table]]]:
    """Each tables module's Table classes by name (importing a tables module needs no database)."""
    found = {}
    for module in modules():
        if module.is_tables and not module.is_migration:
            imported = importlib.import_module(module.name)
            found[module.name] = {n: v for n, v in vars(imported).items()
                                  if isinstance(v, type) and issubclass(v, Table) and v is not Table
                                  and v.__module__ == module.name}
    return found


def _table_owner(table: type[Table]) -> str:
    return table.__module__.rsplit(".", 1)[0]


def _chain(node: ast.AST) -> list[str] | None:
    names = []
    while isinstance(node, ast.Attribute):
        names.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    return [node.id, *reversed(names)]


def _joined(table: type[Table], attributes: list[str]) -> list[type[Table]]:
    """The tables a column path like ``contract.customer.name`` reads through foreign keys."""
    reached = []
    for name, following in zip(attributes, attributes[1:]):
        column = table._meta.get_column_by_name(name) if name in {c._meta.name for c in table._meta.columns} else None
        if not isinstance(column, ForeignKey):
            break
        target = column._foreign_key_meta.resolved_references
        if following not in {c._meta.name for c in target._meta.columns}:
            break  # a method of the foreign key column itself (is_in, is_null…): no join
        reached.append(target)
        table = target
    return reached


def foreign_join_violations() -> tuple[list[str], set[tuple[str, str]]]:
    classes = table_classes()
    problems, seen = [], set()
    for module in modules():
        if module.is_tables or module.is_migration:
            continue
        mine = owner(module.name)
        bound: dict[str, type[Table]] = {}
        for node in ast.walk(module.tree):
            if isinstance(node, ast.ImportFrom) and _absolute(module, node) in classes:
                bound.update({(a.asname or a.name): classes[_absolute(module, node)][a.name]
                              for a in node.names if a.name in classes[_absolute(module, node)]})
        # Each attribute path once, from its outermost node (Table.fk.column.method).
        inner = {id(n.value) for n in ast.walk(module.tree) if isinstance(n, ast.Attribute)}
        for node in ast.walk(module.tree):
            if not isinstance(node, ast.Attribute) or id(node) in inner:
                continue
            chain = _chain(node)
            if not chain or chain[0] not in bound:
                continue
            for table in _joined(bound[chain[0]], chain[1:]):
                theirs = _table_owner(table)
                if theirs == mine:
                    continue
                seen.add((module.name, theirs))
                if (module.name, theirs) not in KNOWN_FOREIGN_JOINS:
                    problems.append(
                        f"{module.rel}:{node.lineno} joins {'.'.join(chain)} into {table._meta.tablename} "
                        f"({theirs}'s table): select the id and read the rest through {theirs}'s public "
                        "functions, batched by ids"
                    )
    return problems, seen


# SQL keywords in capitals, as the code writes them: prose in docstrings says "from" in lower case.
_SQL_TABLE = re.compile(r"""\b(?:FROM|JOIN|UPDATE|INTO|TABLE)\s+["'`]?([a-z_][a-z0-9_]*)""")


def raw_sql_violations() -> list[str]:
    tablenames = {cls._meta.tablename: _table_owner(cls) for by_name in table_classes().values()
                  for cls in by_name.values()}
    problems = []
    for module in modules():
        if module.is_migration or module.name in RAW_SQL_ANYWHERE:
            continue
        mine = owner(module.name)
        for node in ast.walk(module.tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                for name in _SQL_TABLE.findall(node.value):
                    theirs = tablenames.get(name.lower())
                    if theirs is not None and theirs != mine:
                        problems.append(
                            f"{module.rel}:{node.lineno} names table {name} ({theirs}'s) in SQL: ask {theirs}'s "
                            "public functions instead"
                        )
    return problems


# ---- the tests ------------------------------------------------------------------------------------


class TestTheTreeIsRead:
    def test_every_package_with_tables_is_found(self):
        assert {"crm.staff", "crm.audit", "crm.accounts", "contracts", "archives"} <= set(table_packages())

    def test_a_module_belongs_to_the_innermost_package_with_tables(self):
        assert owner("crm.accounts.service") == "crm.accounts"
        assert owner("archives.records") == "archives"
        assert owner("crm.seed") is None

    def test_a_path_through_a_foreign_key_is_a_join_and_a_method_of_the_key_is_not(self):
        from archives.tables import ArchiveRecord

        assert [t._meta.tablename for t in _joined(ArchiveRecord, ["contract", "customer", "name"])] == [
            "contract", "customer"]
        assert _joined(ArchiveRecord, ["contract", "is_in"]) == []


class TestEachPackageOwnsItsRows:
    def test_no_module_imports_another_packages_tables(self):
        problems = table_import_violations()

        assert problems == [], "\n".join(problems)

    def test_no_module_joins_into_another_packages_tables(self):
        problems, _ = foreign_join_violations()

        assert problems == [], "\n".join(problems)

    def test_every_known_join_is_still_there(self):
        """A join moved behind a directory comes off the list, so the list only shrinks."""
        _, seen = foreign_join_violations()

        gone = KNOWN_FOREIGN_JOINS - seen

        assert gone == set(), f"these joins are gone: take {sorted(gone)} off KNOWN_FOREIGN_JOINS"

    def test_no_module_names_another_packages_tables_in_sql(self):
        problems = raw_sql_violations()

        assert problems == [], "\n".join(problems)

    def test_the_backup_allowance_is_still_needed(self, monkeypatch):
        monkeypatch.setattr(__import__(__name__, fromlist=["RAW_SQL_ANYWHERE"]), "RAW_SQL_ANYWHERE", set())

        assert {p.split(":", 1)[0] for p in raw_sql_violations()} == {"crm/backup.py"}


class TestDependenciesPointOneWay:
    def test_imports_follow_the_package_order(self):
        problems = direction_violations()

        assert problems == [], "\n".join(problems)

    def test_nothing_imports_a_private_name_of_another_module(self):
        problems = private_import_violations()

        assert problems == [], "\n".join(problems)


@pytest.mark.parametrize("check, name, source", [
    (table_import_violations, "crm.accounts.example", "from contracts.tables import Contract\n"),
    (direction_violations, "crm.accounts.example", "from archives import records\n"),
    (direction_violations, "reports.example", "from crm.common import labels\n"),
    (direction_violations, "crm.common.example", "from crm.accounts import service\n"),
    (private_import_violations, "archives.example", "from crm.seed import _demo\n"),
    (private_import_violations, "archives.example", "from crm import seed\nseed._demo()\n"),
    (lambda: foreign_join_violations()[0], "crm.accounts.example",
     "from archives.tables import ArchiveRecord\nq = ArchiveRecord.select(ArchiveRecord.contract.contract_no)\n"),
    (raw_sql_violations, "archives.example", 'SQL = "SELECT id FROM contract WHERE customer = ?"\n'),
])
def test_each_check_fails_on_a_violation(check, name, source, monkeypatch):
    """A module written the wrong way is caught by its check."""
    planted = Module(name, ROOT / Path(*name.split(".")).with_suffix(".py"), ast.parse(source))
    real = modules()
    monkeypatch.setattr(__import__(__name__, fromlist=["modules"]), "modules", lambda: (*real, planted))

    problems = check()

    assert any(planted.rel in p for p in problems), problems

"""Name-prefix search at a million customers: an index LIKE 'prefix%' can use on PostgreSQL.

PostgreSQL uses a btree for LIKE only under the C collation or with text_pattern_ops; the
database's collation is the operator's choice, so the pattern index is created explicitly.
SQLite searches with GLOB, which the ordinary name index serves, so it needs nothing here.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine.postgres import PostgresEngine

from crm.accounts.tables import Customer

ID = "2026-11-25T15:20:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "customer name pattern index (PostgreSQL)"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="accounts", description=DESCRIPTION)

    async def create_pattern_index():
        if isinstance(Customer._meta.db, PostgresEngine):
            await Customer.raw(
                "CREATE INDEX IF NOT EXISTS customer_name_pattern ON customer (name text_pattern_ops)"
            )

    async def drop_pattern_index():
        if isinstance(Customer._meta.db, PostgresEngine):
            await Customer.raw("DROP INDEX IF EXISTS customer_name_pattern")

    manager.add_raw(create_pattern_index)
    manager.add_raw_backwards(drop_pattern_index)
    return manager

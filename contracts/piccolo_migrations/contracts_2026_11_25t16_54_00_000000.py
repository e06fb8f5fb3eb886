"""Composite indexes Piccolo cannot declare on a column.

Piccolo runs a migration's raw steps before it creates tables, so these follow the tables'
own migration instead of being part of it.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from contracts.tables import ApprovalStep

ID = "2026-11-25T16:54:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "approval inbox and contract list indexes"

_INDEXES = {
    # The inbox asks "pending steps of my role, oldest first" on every page view and for the
    # count in the navigation: this answers it without a sort.
    "approval_step_inbox": "approval_step (role, status, pending_since)",
    # The steps of one contract's current round, in order.
    "approval_step_round": "approval_step (contract, approval_round, seq)",
    "contract_branch_status": "contract (branch, status, id)",
}


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="contracts", description=DESCRIPTION)

    async def create_indexes():
        for name, target in _INDEXES.items():
            await ApprovalStep.raw(f"CREATE INDEX IF NOT EXISTS {name} ON {target}")

    async def drop_indexes():
        for name in _INDEXES:
            await ApprovalStep.raw(f"DROP INDEX IF EXISTS {name}")

    manager.add_raw(create_indexes)
    manager.add_raw_backwards(drop_indexes)
    return manager

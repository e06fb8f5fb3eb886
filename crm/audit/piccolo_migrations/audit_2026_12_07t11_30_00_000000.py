"""Indexes for limits counted from the trail and the auditor's counts (issue 14 finding 4).

crm.accounts.reveal_rules counts a person's reveals of the last hour on every reveal; with only
the single-column actor index that reads every event the person ever had. On (actor, action,
occurred_at) it is a range scan of at most the limit's worth of rows. Piccolo declares only
single-column indexes, so these are created here, the same statements on both engines. The
second serves the audit page's count of refused reveals (action, outcome, occurred_at), which
would otherwise read every reveal ever made. The single-column indexes on actor and on action
are their prefixes, so they are dropped: every append would otherwise maintain four indexes
instead of two.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Varchar

from crm.audit.tables import AuditEvent

ID = "2026-12-07T11:30:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "audit_event indexes for per-person limits and refusal counts"
INDEXES = {
    "audit_event_actor_action_time": "actor, action, occurred_at",
    "audit_event_action_outcome_time": "action, outcome, occurred_at",
}


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="audit", description=DESCRIPTION)

    async def create_index():
        for name, columns in INDEXES.items():
            await AuditEvent.raw(f"CREATE INDEX IF NOT EXISTS {name} ON audit_event ({columns})")

    async def drop_index():
        for name in INDEXES:
            await AuditEvent.raw(f"DROP INDEX IF EXISTS {name}")

    manager.add_raw(create_index)
    manager.add_raw_backwards(drop_index)
    for column in ("actor", "action"):
        manager.alter_column(
            table_class_name="AuditEvent", tablename="audit_event", column_name=column, db_column_name=column,
            params={"index": False}, old_params={"index": True}, column_class=Varchar, old_column_class=Varchar,
            schema=None,
        )
    return manager

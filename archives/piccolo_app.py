import os

from piccolo.conf.apps import AppConfig

from archives.tables import (
    AccessLog,
    AccessRequest,
    ArchiveAddendum,
    ArchiveCounter,
    ArchiveFile,
    ArchiveRecord,
    DisposalBatch,
    DisposalItem,
    DisposalWitness,
    HandoverBatch,
    HandoverItem,
)

APP_CONFIG = AppConfig(
    app_name="archives",
    migrations_folder_path=os.path.join(os.path.dirname(__file__), "piccolo_migrations"),
    table_classes=[
        ArchiveFile,
        HandoverBatch,
        HandoverItem,
        ArchiveCounter,
        ArchiveRecord,
        ArchiveAddendum,
        AccessRequest,
        AccessLog,
        DisposalBatch,
        DisposalItem,
        DisposalWitness,
    ],
    migration_dependencies=["contracts.piccolo_app"],
    commands=[],
)

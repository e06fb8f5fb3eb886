"""The regulation's five contract categories (第四条), as rows an administrator can then edit."""

import datetime as dt
import json

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from contracts.catalogue import SEED_TYPES
from contracts.tables import ContractType

ID = "2026-11-25T16:55:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "seed contract types"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="contracts", description=DESCRIPTION)

    async def seed():
        now = dt.datetime.now(dt.timezone.utc)
        for spec in SEED_TYPES:
            if await ContractType.exists().where(ContractType.code == spec["code"]):
                continue
            await ContractType.insert(
                ContractType(
                    code=spec["code"], name_zh=spec["name_zh"], name_en=spec["name_en"], family=spec["family"],
                    required_fields=json.dumps(spec["required_fields"]), active=True, updated_at=now,
                )
            )

    manager.add_raw(seed)
    return manager

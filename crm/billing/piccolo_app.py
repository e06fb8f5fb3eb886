import os

from piccolo.conf.apps import AppConfig

from crm.billing.tables import MeterReading, TariffVersion

APP_CONFIG = AppConfig(
    app_name="billing",
    migrations_folder_path=os.path.join(os.path.dirname(__file__), "piccolo_migrations"),
    table_classes=[TariffVersion, MeterReading],
    migration_dependencies=["crm.staff.piccolo_app", "crm.accounts.piccolo_app"],
    commands=[],
)

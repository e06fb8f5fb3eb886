import os

from piccolo.conf.apps import AppConfig

from crm.accounts.tables import (
    AccountCounter,
    Appliance,
    CorrectionRequest,
    Customer,
    CustomerHistory,
    Meter,
)

APP_CONFIG = AppConfig(
    app_name="accounts",
    migrations_folder_path=os.path.join(os.path.dirname(__file__), "piccolo_migrations"),
    table_classes=[AccountCounter, Customer, Meter, Appliance, CustomerHistory, CorrectionRequest],
    migration_dependencies=["crm.staff.piccolo_app"],
    commands=[],
)

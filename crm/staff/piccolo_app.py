import os

from piccolo.conf.apps import AppConfig

from crm.staff.tables import Branch, LoginFailure, Staff, StaffGrant, StaffSession

APP_CONFIG = AppConfig(
    app_name="staff",
    migrations_folder_path=os.path.join(os.path.dirname(__file__), "piccolo_migrations"),
    table_classes=[Branch, Staff, StaffSession, StaffGrant, LoginFailure],
    migration_dependencies=[],
    commands=[],
)

"""The Piccolo apps that make up the database, named once for migrations, backups and restores.

By module name only: crm never imports contracts or archives (crm/app.py wires them). The order
is foreign-key order, which backups and restores rely on.
"""

APP_MODULES = (
    "crm.staff.piccolo_app",
    "crm.audit.piccolo_app",
    "crm.accounts.piccolo_app",
    "contracts.piccolo_app",
    "archives.piccolo_app",
)

# Where Piccolo's own machinery (migrations, the `piccolo` CLI) finds its configuration.
PICCOLO_CONF_MODULE = "crm.piccolo_conf"

"""The Piccolo apps that make up the database, named once for migrations, backups and restores.

By module name only: crm never imports contracts or archives (crm/app.py wires them). The order
is foreign-key order, which backups and restores rely on.
"""

APP_MODULES = (
    "crm.staff.piccolo_app",
    "crm.audit.piccolo_app",
    "crm.accounts.piccolo_app",
    "crm.billing.piccolo_app",
    "contracts.piccolo_app",
    "archives.piccolo_app",
)

# Where Piccolo's own machinery (migrations, the `piccolo` CLI) finds its configuration.
PICCOLO_CONF_MODULE = "crm.piccolo_conf"

# The modules that register a kind of grant (crm.staff.grants.register_kind): a grant filed by
# one process (a command) is decided and applied in another (the server), which must know its kind.
GRANT_KIND_MODULES = (
    "crm.staff.admin",
    "crm.accounts.export_approval",
    "contracts.catalogue",
)

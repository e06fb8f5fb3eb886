"""Piccolo's own configuration, for its migration machinery and the `piccolo` CLI (generating migrations).

``DB`` is the engine the application bound (``crm.db.bind_tables``); without one (the CLI run by
a developer) it is built from the environment's settings on first use. Importing this module
has no side effects, and crm.db never imports it: Piccolo finds it by name (``crm.apps``).
"""

from piccolo.conf.apps import AppRegistry

from crm.apps import APP_MODULES

APP_REGISTRY = AppRegistry(apps=list(APP_MODULES))


def __getattr__(name: str):
    if name == "DB":
        from crm import db
        from crm.settings import Settings

        bound = db.bound_engine()
        if bound is None:
            bound = db.make_engine(Settings.from_env().database_url)
            db.bind_tables(bound)
        return bound
    raise AttributeError(name)

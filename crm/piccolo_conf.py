"""Piccolo's own configuration, used by the `piccolo` CLI (e.g. generating migrations).

The running application does not rely on this module's engine: ``crm.db.bind_tables``
assigns ``DB`` the engine built from ``Settings``. Until then ``DB`` is built lazily from
the environment, so importing this module has no side effects.
"""

from piccolo.conf.apps import AppRegistry

from crm.db import APP_MODULES

APP_REGISTRY = AppRegistry(apps=list(APP_MODULES))


def __getattr__(name: str):
    if name == "DB":
        from crm.db import make_engine
        from crm.settings import Settings

        engine = make_engine(Settings.from_env().database_url)
        globals()["DB"] = engine
        return engine
    raise AttributeError(name)

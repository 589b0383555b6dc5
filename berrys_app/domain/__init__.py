"""SQLModel tables and schemas, one module per bounded context.

Every module in this package is imported here so ``SQLModel.metadata`` always
holds every table (Alembic and the test fixtures rely on it). Add a module and
it is picked up; there is no list to maintain.
"""

import importlib
import pkgutil

for _module in pkgutil.iter_modules(__path__):
    importlib.import_module(f"{__name__}.{_module.name}")

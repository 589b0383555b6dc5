"""Dashboard pages, one per module; each registers itself with ``@page``.

Every module here is imported so its page is registered.
"""

import importlib
import pkgutil

for _module in pkgutil.iter_modules(__path__):
    importlib.import_module(f"{__name__}.{_module.name}")

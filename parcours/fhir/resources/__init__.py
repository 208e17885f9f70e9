"""One module per group of resource types; importing the package imports them all, which registers
their mappings (and their operations)."""

import importlib
import pkgutil

for _module in pkgutil.iter_modules(__path__):
    importlib.import_module(f"{__name__}.{_module.name}")

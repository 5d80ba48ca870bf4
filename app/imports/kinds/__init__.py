"""Every kind of import: each module here registers one (framework.register) and is imported at start-up."""
import importlib
import pkgutil

for _module in pkgutil.iter_modules(__path__):
    importlib.import_module(f"{__name__}.{_module.name}")

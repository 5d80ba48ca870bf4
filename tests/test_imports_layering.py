"""Screens load with create_app only: importing a model, service or query module loads no routes module,
so the layers below the screens can import each other at the top of the file."""
import json
import pathlib
import subprocess
import sys

from app import ROUTE_MODULES

ROOT = pathlib.Path(__file__).resolve().parent.parent
LAYERS_BELOW_SCREENS = ("models", "services", "queries", "checks")

# One process imports each module afresh (every app module dropped from sys.modules in between, the
# database extension included) and lists the route modules that came with it. A module that came along with a
# clean one needs no import of its own: everything its own import loads was loaded then too, so it is clean as
# well. Services go first since they load the most (one fresh import was ~0.5 s; each of 70 took 95 s in CI).
PROBE = """
import importlib, json, sys
routes = set(json.loads(sys.argv[1]))
found, clean = {}, set()
for name in json.loads(sys.argv[2]):
    if name in clean:
        found[name] = []
        continue
    for loaded in [m for m in sys.modules if m == "app" or m.startswith("app.")]:
        del sys.modules[loaded]
    try:
        importlib.import_module(name)
    except Exception as error:  # an import cycle through a screen, say
        found[name] = [repr(error)]
        continue
    app_modules = {m for m in sys.modules if m == "app" or m.startswith("app.")}
    found[name] = sorted(routes & app_modules)
    if not found[name]:
        clean |= app_modules
print(json.dumps(found))
"""


def _modules_below_screens() -> list[str]:
    """The modules, services first (they load the others), then queries, checks and models."""
    paths = [path for path in (ROOT / "app").rglob("*.py") if path.stem in LAYERS_BELOW_SCREENS]
    order = {layer: place for place, layer in enumerate(("services", "queries", "checks", "models"))}
    return [".".join(path.relative_to(ROOT).with_suffix("").parts)
            for path in sorted(paths, key=lambda path: (order[path.stem], str(path)))]


def test_no_model_service_or_query_module_loads_a_screen():
    route_modules = [f"app.{package}.{module}" for package, modules in ROUTE_MODULES.items() for module in modules]
    below = _modules_below_screens()
    assert len(below) > 30  # the walk finds the domains' modules
    result = subprocess.run([sys.executable, "-c", PROBE, json.dumps(route_modules), json.dumps(below)],
                            cwd=ROOT, capture_output=True, text=True, check=True)
    loaded = {name: screens for name, screens in json.loads(result.stdout).items() if screens}
    assert loaded == {}


def test_every_routes_module_is_registered():
    registered = {f"app.{package}.{module}" for package, modules in ROUTE_MODULES.items() for module in modules}
    on_disk = {".".join(path.relative_to(ROOT).with_suffix("").parts) for path in (ROOT / "app").rglob("*routes.py")}
    assert on_disk <= registered

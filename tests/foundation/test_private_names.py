"""No module uses another module's private (``_name``) names (issue 19: "no private cross-module
names"). A name another module needs is an API: make it public, or move the code that needs it
next to it. Tests may reach into privates; the application may not."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
OWN = ("berrys_app", "workers")


def module_paths(root: Path) -> dict[str, Path]:
    """Dotted name -> file, for every module of the application (a package is its ``__init__.py``)."""
    found: dict[str, Path] = {}
    for package in OWN:
        for path in (root / package).rglob("*.py"):
            parts = list(path.relative_to(root).with_suffix("").parts)
            found[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return found


def _private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def _source_module(module: str, is_package: bool, node: ast.ImportFrom) -> str:
    if not node.level:
        return node.module or ""
    base = module.split(".") if is_package else module.split(".")[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def private_uses(source: str, module: str, modules: dict[str, bool]) -> list[str]:
    """``from x import _y`` and ``x._y`` in ``module`` where ``x`` is another of our modules
    (``modules``: dotted name -> whether it is a package)."""
    tree = ast.parse(source)
    aliases: dict[str, str] = {}  # local name -> the module it is bound to
    found: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            origin = _source_module(module, modules.get(module, False), node)
            if origin.split(".")[0] not in OWN:
                continue
            for alias in node.names:
                if f"{origin}.{alias.name}" in modules:
                    aliases[alias.asname or alias.name] = f"{origin}.{alias.name}"
                if _private(alias.name) and origin != module:
                    found.append(f"{module}:{node.lineno}: from {origin} import {alias.name}")
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] in OWN:
                    top = alias.name.split(".")[0]  # ``import a.b`` binds ``a``; ``import a.b as c`` binds a.b
                    aliases[alias.asname or top] = alias.name if alias.asname else top
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Attribute) and _private(node.attr)):
            continue
        chain: list[str] = []
        value = node.value
        while isinstance(value, ast.Attribute):
            chain.append(value.attr)
            value = value.value
        if isinstance(value, ast.Name) and value.id in aliases:
            target = ".".join([aliases[value.id], *reversed(chain)])
            if target in modules and target != module:
                found.append(f"{module}:{node.lineno}: {target}.{node.attr}")
    return found


def test_the_walk_finds_private_names_of_other_modules() -> None:
    modules = {"berrys_app.a": False, "berrys_app.b": False, "berrys_app.pkg": True, "berrys_app.pkg.c": False}
    source = (
        "import berrys_app.pkg.c\n"
        "from berrys_app import b\n"
        "from berrys_app.b import _hidden, public\n"
        "from berrys_app.pkg import c as see\n"
        "from . import b as bee\n"
        "import json\n"
        "x = b._state, see._cache, bee._x, berrys_app.pkg.c._y, json._private, self._own, b.public, b.__name__\n"
        "from berrys_app.a import _mine\n"
    )
    assert sorted(private_uses(source, "berrys_app.a", modules)) == sorted(
        [
            "berrys_app.a:3: from berrys_app.b import _hidden",
            "berrys_app.a:7: berrys_app.b._state",
            "berrys_app.a:7: berrys_app.pkg.c._cache",
            "berrys_app.a:7: berrys_app.b._x",
            "berrys_app.a:7: berrys_app.pkg.c._y",
        ]
    )


def test_no_module_uses_a_private_name_of_another_module() -> None:
    paths = module_paths(ROOT)
    assert len(paths) > 50, "the walk must see the application's modules"
    modules = {module: path.name == "__init__.py" for module, path in paths.items()}
    found = []
    for module, path in sorted(paths.items()):
        found += private_uses(path.read_text(encoding="utf-8"), module, modules)
    assert not found, (
        "private names used across modules: make the name public where it is a real API, or move "
        "the code that needs it into its module:\n" + "\n".join(found)
    )

"""No import of our own modules inside a function unless its line says why (issue 19: "no import
inside a function to dodge a cycle"). A cycle is broken by giving the dependency a direction; the
few deferred imports left are speed devices (keep start-up fast) and carry `# deferred: <reason>`."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
OWN = ("berrys_app", "workers")
MARK = "# deferred:"


def _imports_own(node: ast.Import | ast.ImportFrom) -> bool:
    if isinstance(node, ast.ImportFrom):
        return node.level > 0 or (node.module or "").split(".")[0] in OWN
    return any(alias.name.split(".")[0] in OWN for alias in node.names)


def hidden_imports(source: str, name: str) -> list[str]:
    """Function-level imports of our own modules whose statement has no `# deferred: <reason>`."""
    lines = source.splitlines()
    found: list[str] = []

    def walk(node: ast.AST, in_function: bool) -> None:
        for child in ast.iter_child_nodes(node):
            inside = in_function or isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda))
            if in_function and isinstance(child, (ast.Import, ast.ImportFrom)) and _imports_own(child):
                text = lines[child.lineno - 1 : (child.end_lineno or child.lineno)]
                reason = next((line.split(MARK, 1)[1].strip() for line in text if MARK in line), "")
                if not reason:
                    found.append(f"{name}:{child.lineno}: {lines[child.lineno - 1].strip()}")
            walk(child, inside)

    walk(ast.parse(source), False)
    return found


def test_the_walk_finds_an_unexplained_function_level_import() -> None:
    source = (
        "import berrys_app.settings\n"
        "def f():\n"
        "    from berrys_app.services import projects\n"
        "    from berrys_app.services.models import catalogue_teams  # deferred: imports litellm\n"
        "    async def g():\n"
        "        from . import sibling  # deferred:\n"
        "        import json\n"
    )
    assert hidden_imports(source, "m.py") == [
        "m.py:3: from berrys_app.services import projects",
        "m.py:6: from . import sibling  # deferred:",
    ]


def test_every_function_level_import_of_our_modules_says_why_it_is_deferred() -> None:
    modules = [path for package in OWN for path in sorted((ROOT / package).rglob("*.py"))]
    assert len(modules) > 50, "the walk must see the application's modules"
    hidden = [
        hit for path in modules for hit in hidden_imports(path.read_text(encoding="utf-8"), str(path.relative_to(ROOT)))
    ]
    assert not hidden, (
        "imports inside a function: move them to module level (break a cycle by giving the dependency "
        f"a direction) or say why on the line with `{MARK} <reason>`:\n" + "\n".join(hidden)
    )

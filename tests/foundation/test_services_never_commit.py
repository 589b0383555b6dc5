"""Services never commit (issue 19): the caller -- a request's session, a Reflex handler's
``session_scope``, a job -- owns the transaction, so an action, its events, its audit row and the
jobs it makes due commit together or not at all. The few functions that must end a transaction
themselves are listed here, each with its reason; the list can only shrink. The lifecycle requests
(``usecases/``) are held to the same rule: they run in the caller's transaction too."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
APP = ROOT / "berrys_app"
LAYERS = ("services", "usecases")  # the layers whose functions run in their caller's transaction

ALLOWED: dict[str, str] = {
    # The model layer's own records (h19-once reworks them): they are written in sessions the
    # model layer opens itself, not in a caller's transaction.
    "services/models/run.py:_overrun_event": "the model layer's own session: an overrun is recorded with the call",
    "services/models/run.py:_budget_event": "the model layer's own session: the refusal is recorded even though the call raises",
    # Transactions ended before a remote call, so none stays open (idle, holding locks) for seconds.
    "services/models/catalogue_teams.py:check_connection": "ends the read before a model call of up to 60 s",
    "services/tools/mcp_servers.py:register_mcp_server": "the row commits before tool discovery (a remote call) and its tools after",
    "services/tools/mcp_servers.py:refresh_mcp_server": "tool discovery is a remote call; its rows commit when it returns",
    # A worker's tick over due schedule slots.
    "usecases/trigger_runs.py:_fire": "each due slot is claimed and started in its own transaction: a failed slot is rolled back and logged without undoing the others",
    # Seeding once per process: the in-process marker must describe committed rows.
    "services/tools/registry.py:ensure_builtins": "built-in tools are seeded once per database and process",
    "services/models/catalogue.py:ensure_catalogue": "the seed catalogue is inserted once, before any caller's work",
}


def commits(source: str) -> list[tuple[str, int]]:
    """(enclosing function, line) of every ``<anything>.commit()`` call in ``source``."""
    found: list[tuple[str, int]] = []

    def walk(node: ast.AST, function: str) -> None:
        for child in ast.iter_child_nodes(node):
            name = child.name if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)) else function
            if (
                isinstance(child, ast.Call)
                and isinstance(child.func, ast.Attribute)
                and child.func.attr == "commit"
                and not child.args
            ):
                found.append((function, child.lineno))
            walk(child, name)

    walk(ast.parse(source), "<module>")
    return found


def test_the_walk_finds_a_commit_in_a_service_function() -> None:
    source = "def save(session):\n    session.add(1)\n    session.commit()\n"
    assert commits(source) == [("save", 3)]
    assert commits("def save(session):\n    session.flush()\n") == []


def test_no_service_commits_outside_the_documented_exceptions() -> None:
    found = []
    seen = set()
    for path in sorted(p for layer in LAYERS for p in (APP / layer).rglob("*.py")):
        rel = path.relative_to(APP).as_posix()
        for function, line in commits(path.read_text()):
            key = f"{rel}:{function}"
            seen.add(key)
            if key not in ALLOWED:
                found.append(f"{rel}:{line} commits in {function}()")
    assert not found, "services never commit; the caller owns the transaction:\n" + "\n".join(found)
    stale = sorted(set(ALLOWED) - seen)
    assert not stale, f"exceptions that no longer commit (remove them from ALLOWED): {stale}"

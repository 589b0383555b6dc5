"""Every statement that changes a task's or an agent's status moves it along the state machines
of ``domain.state_machines``: each statement of ``statements.STATUS_STATEMENTS`` is parsed into
its from -> to pairs, which must all be in the tables; and no other module writes a status.

The parser reads the ``UPDATE tasks`` / ``UPDATE agents`` clauses of a statement: the target
statuses are the status parameters its ``SET status =`` expression can yield (a parameter, or
the ``THEN``/``ELSE`` branches of a ``CASE``; ``ELSE t.status`` keeps the row's status), the
source statuses the status parameters its conditions compare ``status`` with (a ``CASE`` branch's
own condition first, else the clause's ``WHERE``). A clause that sets a status without saying
which statuses it moves from fails: that is a move nobody can check.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy import text

from berrys_app.domain.state_machines import AGENT_TRANSITIONS, TASK_TRANSITIONS
from berrys_app.domain.work import AgentStatus, TaskStatus
from berrys_app.engine import statements

ROOT = Path(__file__).resolve().parents[2]
_CLAUSE = re.compile(
    r"UPDATE\s+(?P<table>tasks|agents)\b(?:\s+(?!SET\b)\w+)?\s+SET\b(?P<body>.*?)(?=\bRETURNING\b|\)\s*,\s*\w+\s+AS\b|\)\s*SELECT\b|\Z)",
    re.S | re.I,
)
_STATUS_SET = re.compile(r"(?<![.\w])status\s*=\s*", re.I)
_PARAM = re.compile(r"(?<![:\w]):(\w+)")
# a status comparison: ``[x.]status = :p``, ``status IN (:p, :q)``, ``status = ANY(:p)``
_COMPARED = re.compile(r"\bstatus\s*(?:=\s*(?:ANY\s*\()?|IN\s*\()\s*((?::\w+\s*,?\s*)+)", re.I)


def _values(params: list[str], prefix: str, statement: str) -> set[str]:
    """The statuses ``params`` stand for: ``t_running`` -> running; a dynamic one from ``DYNAMIC``."""
    found: set[str] = set()
    for name in params:
        if name.startswith(prefix):
            found.add(name[len(prefix) :])
        elif f"{name}@{statement}" in statements.DYNAMIC:
            found |= statements.DYNAMIC[f"{name}@{statement}"]
    return found


def _compared(condition: str, prefix: str, statement: str) -> set[str]:
    return _values([p for m in _COMPARED.finditer(condition) for p in _PARAM.findall(m.group(1))], prefix, statement)


def _set_expression(body: str) -> tuple[str, str] | None:
    """The ``SET status =`` expression of a clause and the rest (its conditions)."""
    match = _STATUS_SET.search(body.split("WHERE")[0] if "CASE" not in body[: body.find("WHERE")] else body)
    if match is None:
        return None
    rest = body[match.end() :]
    if rest.lstrip().upper().startswith("CASE"):
        depth, i = 0, 0
        for token in re.finditer(r"\bCASE\b|\bEND\b", rest, re.I):
            depth += 1 if token.group(0).upper() == "CASE" else -1
            if depth == 0:
                i = token.end()
                break
        return rest[:i], rest[i:]
    end = re.search(r",|\bFROM\b|\bWHERE\b", rest, re.I)
    return (rest[: end.start()], rest[end.start() :]) if end else (rest, "")


def moves(sql: str, statement: str) -> dict[str, set[tuple[str, str]]]:
    """The from -> to pairs of ``sql``, per table; raises when a clause's sources are not stated."""
    found: dict[str, set[tuple[str, str]]] = {"tasks": set(), "agents": set()}
    for clause in _CLAUSE.finditer(sql):
        table, body = clause.group("table").lower(), clause.group("body")
        prefix = "t_" if table == "tasks" else "a_"
        split = _set_expression(body)
        if split is None:
            continue  # this clause does not change a status
        expression, rest = split
        where = rest[rest.upper().find("WHERE") :] if "WHERE" in rest.upper() else ""
        sources = _compared(where, prefix, statement)
        if expression.lstrip().upper().startswith("CASE"):
            branches = re.findall(r"\bWHEN\b(.*?)\bTHEN\b\s*(\S+)", expression, re.I | re.S)
            otherwise = re.search(r"\bELSE\b\s*(\S+)\s*END", expression, re.I)
            targets = [(cond, out) for cond, out in branches] + ([("", otherwise.group(1))] if otherwise else [])
        else:
            targets = [("", expression.strip())]
        for condition, out in targets:
            to = _values(_PARAM.findall(out), prefix, statement)
            if not to:  # ``ELSE t.status`` or a non-status value (``:retry`` conditions)
                continue
            frm = _compared(condition, prefix, statement) or sources
            if not frm:
                raise AssertionError(f"{statement}: an UPDATE of {table} sets a status without saying from which")
            found[table] |= {(a, b) for a in frm for b in to}
    return found


def _illegal(found: dict[str, set[tuple[str, str]]]) -> list[str]:
    bad = [f"task {a} -> {b}" for a, b in found["tasks"] if TaskStatus(b) not in TASK_TRANSITIONS[TaskStatus(a)]]
    bad += [f"agent {a} -> {b}" for a, b in found["agents"] if AgentStatus(b) not in AGENT_TRANSITIONS[AgentStatus(a)]]
    return bad


@pytest.mark.parametrize("name", sorted(set(statements.STATUS_STATEMENTS) - statements.RUNTIME_CHECKED))
def test_each_status_statement_moves_only_along_the_tables(name: str) -> None:
    sql = statements.STATUS_STATEMENTS[name].text
    found = moves(sql, name)
    assert found["tasks"] or found["agents"], f"{name} is listed as changing a status but moves nothing"
    assert _illegal(found) == [], name


def test_the_parser_sees_what_the_hot_path_does() -> None:
    """The pairs the parser reads from the lease and the completion are the ones their comments describe."""
    lease = moves(statements.LEASE_SQL.text, "LEASE_SQL")
    assert lease["tasks"] == {("ready", "running"), ("retrying", "running"), ("running", "running")}
    assert lease["agents"] == {("ready", "active")}
    complete = moves(statements.COMPLETE_SQL.text, "COMPLETE_SQL")
    assert complete["tasks"] == {("running", "completed"), ("pending", "ready")}
    assert complete["agents"] == {("active", "ready")}
    assert moves(statements.CLOSE_OPEN_SQL.text, "CLOSE_OPEN_SQL")["tasks"] == {
        (a, b)
        for a in ("pending", "ready", "running", "retrying", "waiting_approval")
        for b in ("cancelled", "superseded")
    }
    assert moves(statements.RELEASE_SQL.text, "RELEASE_SQL")["tasks"] == {
        ("running", "cancelled"),
        ("running", "ready"),
    }


@pytest.mark.parametrize(
    ("sql", "why"),
    [
        ("UPDATE tasks SET status = :t_running WHERE id = :id AND status = :t_completed", "a completed task re-run"),
        (
            "UPDATE tasks t SET status = CASE WHEN t.status = :t_failed THEN :t_completed ELSE t.status END",
            "failed -> completed",
        ),
        ("UPDATE agents a SET status = :a_active WHERE a.status = :a_terminated", "a terminated agent back"),
    ],
)
def test_a_statement_with_an_illegal_move_is_caught(sql: str, why: str) -> None:
    assert _illegal(moves(sql, "NEW_SQL")), why


def test_a_status_set_without_its_sources_is_refused() -> None:
    with pytest.raises(AssertionError, match="without saying from which"):
        moves("UPDATE tasks SET status = :t_ready WHERE id = :id", "NEW_SQL")


def test_no_other_module_writes_a_status_or_spells_one_in_sql() -> None:
    """Status writes live in ``engine/statements.py`` only; no SQL elsewhere in the engine spells a
    task or agent status as a literal."""
    own = ROOT / "berrys_app" / "engine" / "statements.py"
    writes = re.compile(r"UPDATE\s+(tasks|agents)\b[^;\"]*?(?<![.\w])status\s*=|\b(task|agent)\.status\s*=[^=]", re.I)
    literal = re.compile(r"status\s*(?:=|<>|IN\s*\()\s*'(" + "|".join(s.value for s in TaskStatus) + r")'", re.I)
    offenders = []
    for path in [*(ROOT / "berrys_app").rglob("*.py"), *(ROOT / "workers").rglob("*.py")]:
        if path == own:
            continue
        source = path.read_text()
        if writes.search(source):
            offenders.append(f"{path.relative_to(ROOT)} writes a status")
        if path.parent.name == "engine" and literal.search(source):
            offenders.append(f"{path.relative_to(ROOT)} spells a status literal")
    assert offenders == []


def test_status_parameters_bind_every_status() -> None:
    params = statements.bind()
    assert {params[f"t_{s.value}"] for s in TaskStatus} == {s.value for s in TaskStatus}
    assert {params[f"a_{s.value}"] for s in AgentStatus} == {s.value for s in AgentStatus}
    assert "'running'" not in statements.LEASE_SQL.text and isinstance(statements.LEASE_SQL, type(text("")))

"""Event kinds are one enum (issue 19): every kind the UI handles is emitted somewhere, every
emitted kind is an ``EventKind`` member (never a string), every member is emitted and documented
in docs/events.md with its payload fields, and a payload its model does not accept is refused."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from pydantic import ValidationError
from sqlalchemy import text
from sqlmodel import Session

from berrys_app.domain.event_kinds import MESSAGE_COLUMNS, EventKind, EventMessage
from berrys_app.domain.event_payloads import PAYLOADS
from berrys_app.engine import statements
from berrys_app.services import events

ROOT = Path(__file__).resolve().parents[2]
SOURCES = [*sorted((ROOT / "berrys_app").rglob("*.py")), *sorted((ROOT / "workers").glob("*.py"))]
UI = ROOT / "berrys_app" / "ui"
ENUM_MODULE = ROOT / "berrys_app" / "domain" / "event_kinds.py"
# the functions that put an event on a row or on the wire; their kind argument
EMITTERS = {"emit": 1, "publish_transient": 0, "transient_message": 0, "_membership_event": 2}
# a function that receives a kind and hands it on (the parameter is typed EventKind)
FORWARDERS = {"kind"}


def _member(node: ast.AST) -> str | None:
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "EventKind":
        return node.attr
    return None


def _members_in(node: ast.AST) -> set[str]:
    return {name for child in ast.walk(node) if (name := _member(child))}


def emitted_and_handled() -> tuple[set[str], set[str], list[str]]:
    """(members emitted, members the UI refers to, kind arguments that are not EventKind members)."""
    emitted: set[str] = set()
    handled: set[str] = set()
    loose: list[str] = []
    for path in SOURCES:
        if path == ENUM_MODULE:
            continue
        tree = ast.parse(path.read_text())
        if path.is_relative_to(UI):
            handled |= _members_in(tree)
        for node in ast.walk(tree):
            if isinstance(node, ast.JoinedStr):  # SQL that writes event rows, an SSE frame
                emitted |= _members_in(node)
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            position = EMITTERS.get(name)
            if position is None or len(node.args) <= position:
                continue
            argument = node.args[position]
            kinds = _members_in(argument)
            emitted |= kinds
            if not kinds and not (isinstance(argument, ast.Name) and argument.id in FORWARDERS):
                loose.append(f"{path.relative_to(ROOT)}:{node.lineno}: {ast.unparse(argument)}")
    return emitted, handled, loose


def test_every_kind_is_emitted_as_a_member_and_every_kind_the_ui_handles_is_emitted() -> None:
    emitted, handled, loose = emitted_and_handled()
    assert not loose, f"emit an EventKind member, not a string: {loose}"
    assert handled - emitted == set(), "the UI handles kinds nothing emits"
    assert {k.name for k in EventKind} - emitted == set(), "kinds nothing emits (delete them)"


def test_the_walk_sees_a_string_kind_and_an_unemitted_handled_kind() -> None:
    tree = ast.parse('emit(session, "task.done")\nif kind == EventKind.TASK_READY: pass\n')
    call = next(n for n in ast.walk(tree) if isinstance(n, ast.Call))
    assert _members_in(call.args[1]) == set()
    assert _members_in(tree) == {"TASK_READY"}


def _documented() -> dict[str, set[str]]:
    """kind -> payload fields, from the table rows of docs/events.md (| `kind` | `a`, `b` | ...)."""
    table: dict[str, set[str]] = {}
    for line in (ROOT / "docs" / "events.md").read_text().splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) >= 3 and (found := re.fullmatch(r"`([a-z_]+\.[a-z_]+)`", cells[0])):
            table[found.group(1)] = set(re.findall(r"`([a-z_]+)`", cells[1]))
    return table


def test_every_kind_is_documented_with_its_payload_fields() -> None:
    table = _documented()
    assert set(table) == {k.value for k in EventKind}
    for kind, model in PAYLOADS.items():
        fields = {field.alias or name for name, field in model.model_fields.items()}
        assert table[kind.value] == fields, kind.value


def test_every_kind_has_a_payload_model() -> None:
    assert set(PAYLOADS) == set(EventKind)


def test_a_payload_its_kind_does_not_carry_is_refused(session: Session) -> None:
    with pytest.raises(ValidationError):
        events.emit(session, EventKind.TASK_CANCELLED, payload={"key": "a", "surprise": 1})
    with pytest.raises(ValidationError):
        events.emit(session, EventKind.TASK_CANCELLED, payload={})
    with pytest.raises(ValueError):
        events.emit(session, "task.invented", payload={})  # type: ignore[arg-type]
    with pytest.raises(ValidationError):
        events.publish_transient(EventKind.PRESENCE_CHANGED, {"viewers": "Ada"})


def test_statement_written_events_have_the_python_shape_and_valid_payloads(session: Session) -> None:
    """The engine's statements write their event rows in SQL and return them as JSON
    (``row_to_json`` of ``MESSAGE_COLUMNS``): the same keys as ``to_message``, and payloads their
    models accept."""
    json_text = session.execute(
        text(
            f"WITH ev AS (INSERT INTO events ({statements.EVENT_COLUMNS}) "
            f"SELECT '{EventKind.TASK_READY}', NULL, NULL, NULL, 'system', jsonb_build_object('key', 'a'), now() "
            f"{statements.EVENT_RETURNING}) SELECT {statements.EVENTS_AS_JSON}"
        )
    ).scalar_one()[0]
    row = events.list_events(session)[-1]
    from_sql = EventMessage.model_validate_json(json_text)
    from_python = EventMessage.model_validate(events.to_message(row))
    assert list(from_sql.model_dump()) == list(MESSAGE_COLUMNS) == list(events.to_message(row))
    assert from_sql.id == from_python.id and from_sql.kind == from_python.kind == EventKind.TASK_READY
    assert from_sql.payload == from_python.payload == {"key": "a"}

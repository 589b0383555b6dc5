"""Registry: built-ins, versions with pin-or-latest, discovery, specs, and who may change it."""

from __future__ import annotations

import pytest
from sqlmodel import Session

from berrys_app.domain.tools import ToolCreate, ToolKind
from berrys_app.services.errors import Conflict, Forbidden, NotFound, ValidationFailed
from berrys_app.services.tools import (
    execute_tool,
    get_tool,
    list_tool_versions,
    list_tools,
    register_tool,
    search_tools,
    set_tool_active,
    tool_specs_for,
)


def _http_tool(name: str = "weather", hosts: list[str] | None = None, **config) -> ToolCreate:
    return ToolCreate(
        name=name,
        kind=ToolKind.http,
        description="Weather forecasts over HTTP",
        capabilities=["Weather", "http"],
        parameters_schema={
            "type": "object",
            "properties": {"method": {"type": "string"}, "url": {"type": "string"}},
            "required": ["method", "url"],
        },
        config={"allowed_hosts": hosts or ["api.weather.test"], **config},
    )


def test_builtins_are_listed_for_members(session: Session, world) -> None:
    names = {tool.name for tool in list_tools(session, world.member, team_id=world.team_id)}
    assert {"python", "http_request", "project_files", "search_outputs"} <= names


def test_register_adds_versions_and_latest_wins_unless_pinned(session: Session, world) -> None:
    first = register_tool(session, world.admin, team_id=world.team_id, data=_http_tool())
    session.commit()
    second = register_tool(session, world.admin, team_id=world.team_id, data=_http_tool(hosts=["v2.weather.test"]))
    session.commit()
    assert (first.version, second.version) == (1, 2)
    assert first.capabilities == ["http", "weather"]
    latest = get_tool(session, world.member, team_id=world.team_id, name="weather")
    pinned = get_tool(session, world.member, team_id=world.team_id, name="weather", version=1)
    assert latest.config["allowed_hosts"] == ["v2.weather.test"]
    assert pinned.config["allowed_hosts"] == ["api.weather.test"]
    assert [t.version for t in list_tool_versions(session, world.member, team_id=world.team_id, name="weather")] == [
        1,
        2,
    ]

    set_tool_active(session, world.admin, team_id=world.team_id, name="weather", version=2, active=False)
    session.commit()
    assert get_tool(session, world.member, team_id=world.team_id, name="weather").version == 1


async def test_pinned_version_is_what_executes(session: Session, world, http_server) -> None:
    register_tool(session, world.admin, team_id=world.team_id, data=_http_tool(hosts=["one.test"]))
    session.commit()
    register_tool(session, world.admin, team_id=world.team_id, data=_http_tool(hosts=[http_server.host]))
    session.commit()
    url = {"method": "GET", "url": f"{http_server.url}/x"}
    latest = await execute_tool(world.ctx(allowed=["weather"]), "weather", url)
    pinned = await execute_tool(world.ctx(allowed=["weather@1"]), "weather", url)
    assert latest.ok, latest.content
    assert latest.content.startswith("HTTP 200")
    assert pinned.error_code == "host_not_allowed"
    assert http_server.count("/x") == 1


def test_search_by_capability_and_keyword(session: Session, world) -> None:
    register_tool(session, world.admin, team_id=world.team_id, data=_http_tool())
    session.commit()
    by_cap = {t.name for t in search_tools(session, capability="weather", team_id=world.team_id)}
    assert by_cap == {"weather"}
    by_word = {t.name for t in search_tools(session, keyword="sandbox", team_id=world.team_id)}
    assert by_word == {"python"}
    assert {t.name for t in search_tools(session, capability="code")} == {"python"}
    # another team's tool is invisible
    assert search_tools(session, capability="weather") == []


def test_tool_specs_in_litellm_format(session: Session, world) -> None:
    specs = tool_specs_for(session, allowed=["python", "project_files", "nope"])
    assert [s["function"]["name"] for s in specs] == ["python", "project_files"]
    assert specs[0]["type"] == "function"
    assert specs[0]["function"]["parameters"]["required"] == ["code"]


def test_only_admins_register_and_outsiders_see_nothing(session: Session, world) -> None:
    with pytest.raises(Forbidden):
        register_tool(session, world.member, team_id=world.team_id, data=_http_tool())
        session.commit()
    with pytest.raises(NotFound):
        list_tools(session, world.outsider, team_id=world.team_id)


def test_bad_definitions_are_refused(session: Session, world) -> None:
    with pytest.raises(ValidationFailed):
        register_tool(
            session,
            world.admin,
            team_id=world.team_id,
            data=_http_tool().model_copy(update={"parameters_schema": {"type": "nonsense"}}),
        )
        session.commit()
    with pytest.raises(ValidationFailed):
        register_tool(session, world.admin, team_id=world.team_id, data=_http_tool().model_copy(update={"config": {}}))
        session.commit()
    for bad in ({"allowed_hosts": ["x"], "timeout_s": "10"}, {"allowed_hosts": ["x"], "rate_limit_per_min": 0}):
        with pytest.raises(ValidationFailed):
            register_tool(
                session, world.admin, team_id=world.team_id, data=_http_tool().model_copy(update={"config": bad})
            )
            session.commit()
    with pytest.raises(ValidationFailed):
        register_tool(
            session,
            world.admin,
            team_id=world.team_id,
            data=ToolCreate(name="sneaky", kind=ToolKind.mcp, config={"mcp_tool": "x"}),
        )
        session.commit()
    with pytest.raises(Conflict):  # built-in names are not for teams
        register_tool(session, world.admin, team_id=world.team_id, data=_http_tool(name="python"))
        session.commit()
    with pytest.raises(ValueError):
        _http_tool(name="has space")


def test_changed_builtin_definition_adds_a_version(session: Session, world, monkeypatch) -> None:
    from berrys_app.services.tools import builtins, registry

    list_tools(session, world.member, team_id=world.team_id)  # seeds version 1
    registry.ensure_builtins(session)
    assert [t.version for t in list_tool_versions(session, world.member, team_id=world.team_id, name="python")] == [1]
    upgraded = builtins.PYTHON.model_copy(update={"config": {**builtins.PYTHON.config, "memory_mb": 1024}})
    monkeypatch.setattr(builtins, "BUILTIN_TOOLS", (upgraded, *builtins.BUILTIN_TOOLS[1:]))
    monkeypatch.setattr(registry, "BUILTIN_TOOLS", builtins.BUILTIN_TOOLS)
    registry._SEEDED.clear()  # a new process after the upgrade
    registry.ensure_builtins(session)
    latest = get_tool(session, world.member, team_id=world.team_id, name="python")
    assert (latest.version, latest.config["memory_mb"]) == (2, 1024)
    assert get_tool(session, world.member, team_id=world.team_id, name="python", version=1).config["memory_mb"] == 512

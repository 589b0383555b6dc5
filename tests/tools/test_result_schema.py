"""A tool version's result_schema is a promise that is checked: a result that is not JSON, or
JSON not matching it, is the recorded error ``invalid_result``; a matching one passes."""

from __future__ import annotations

import pytest
from sqlmodel import Session, select

from berrys_app.domain.tools import ToolCall
from berrys_app.services.errors import ValidationFailed
from berrys_app.services.tools import execute_tool
from tests.tools.conftest import register_http_tool


def _tool(session: Session, world, host: str, name: str, result_schema: dict) -> None:
    register_http_tool(session, world, [host], name=name, result_schema=result_schema)


async def test_results_are_checked_against_the_result_schema(session: Session, world, http_server) -> None:
    # the test server answers {"method", "path", "headers", "body"}; /redirect answers an empty body
    _tool(session, world, http_server.host, "echo_ok", {"type": "object", "required": ["path", "method"]})
    _tool(session, world, http_server.host, "echo_bad", {"type": "object", "required": ["total"]})
    ok = await execute_tool(
        world.ctx(allowed=["echo_ok"]), "echo_ok", {"method": "GET", "url": f"{http_server.url}/fine"}
    )
    assert ok.ok and '"path": "/fine"' in ok.content
    bad = await execute_tool(
        world.ctx("k:bad", allowed=["echo_bad"]), "echo_bad", {"method": "GET", "url": f"{http_server.url}/x"}
    )
    assert (bad.ok, bad.error_code) == (False, "invalid_result")
    assert "'total' is a required property" in bad.content
    session.expire_all()
    assert session.exec(select(ToolCall).where(ToolCall.call_key == "k:bad")).one().error_code == "invalid_result"
    not_json = await execute_tool(
        world.ctx(allowed=["echo_ok"]), "echo_ok", {"method": "GET", "url": f"{http_server.url}/redirect"}
    )
    assert not_json.error_code == "invalid_result" and "not JSON" in not_json.content


def test_an_invalid_result_schema_is_refused_at_registration(session: Session, world) -> None:
    with pytest.raises(ValidationFailed) as refused:
        _tool(session, world, "api.example.com", "broken", {"type": "no-such-type"})
    assert "result_schema" in refused.value.message

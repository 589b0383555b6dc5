"""Attack: a team admin registers a stdio MCP server on an allowed argv but hands it an
environment that makes the interpreter or loader run the admin's code: ``PYTHONPATH`` with a
planted ``sitecustomize.py``, ``LD_PRELOAD``, ``NODE_OPTIONS=--require ...``; or names a
variable the operator did not list; or pastes a literal where only a vault reference may go.

Env names come only from BERRYS_MCP_STDIO_ENV_KEYS, loader/interpreter variables never (even
when the operator lists them), and values only as ``${credentials.NAME}``."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from sqlmodel import Session

from berrys_app.domain.tools import McpServerCreate
from berrys_app.services.errors import Forbidden, ValidationFailed
from berrys_app.services.tools import list_mcp_servers, register_mcp_server
from tests.tools.mcp_http import SERVER

LISTED_BY_MISTAKE = "BERRY_TOKEN,PYTHONPATH,LD_PRELOAD,NODE_OPTIONS"  # loader variables must stay refused


def _register(session: Session, world, env: dict[str, str]):
    data = McpServerCreate(name="envy", transport="stdio", command=sys.executable, args=[SERVER], env=env, timeout_s=5)
    return register_mcp_server(session, world.admin, team_id=world.team_id, data=data)


async def test_pythonpath_with_a_planted_sitecustomize_is_refused_and_never_runs(
    session: Session, world, tmp_path: Path, operator
) -> None:
    operator("BERRYS_MCP_STDIO_ENV_KEYS", LISTED_BY_MISTAKE)
    marker = tmp_path / "pwned"
    (tmp_path / "sitecustomize.py").write_text(f"open({str(marker)!r}, 'w').write('ran')\n")
    with pytest.raises(Forbidden) as refused:
        await _register(session, world, {"PYTHONPATH": str(tmp_path)})
    assert "'PYTHONPATH' is never given" in refused.value.message
    assert not marker.exists(), "the team admin's sitecustomize.py ran inside the MCP server"
    assert list_mcp_servers(session, world.admin, team_id=world.team_id) == []


@pytest.mark.parametrize(
    "variables",
    [
        {"LD_PRELOAD": "/tmp/evil.so"},
        {"NODE_OPTIONS": "--require /tmp/evil.js"},
        {"LD_PRELOAD": "${credentials.lib}"},  # a vault reference does not make a loader variable safe
    ],
)
async def test_loader_variables_are_refused_even_when_listed(
    session: Session, world, operator, variables: dict[str, str]
) -> None:
    operator("BERRYS_MCP_STDIO_ENV_KEYS", LISTED_BY_MISTAKE)
    with pytest.raises(Forbidden) as refused:
        await _register(session, world, variables)
    assert "is never given to stdio MCP servers" in refused.value.message


async def test_a_variable_the_operator_did_not_list_is_refused(session: Session, world) -> None:
    with pytest.raises(Forbidden) as refused:
        await _register(session, world, {"HTTPS_PROXY": "${credentials.proxy}"})
    assert "BERRYS_MCP_STDIO_ENV_KEYS" in refused.value.message


async def test_a_literal_value_is_refused_only_vault_references_pass(session: Session, world) -> None:
    with pytest.raises(ValidationFailed) as refused:
        await _register(session, world, {"BERRY_TOKEN": "pasted-secret-1234"})
    assert "${credentials.NAME}" in refused.value.message

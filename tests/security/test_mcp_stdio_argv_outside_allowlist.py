"""Attack: the operator allowed a Python interpreter for its stdio MCP servers; a self-service
team admin registers a stdio server whose argv is something else on the same command
(``python -c ...``, a script reached through ``..``) and runs code on the workers.

Only whole argv templates of the operator (BERRYS_MCP_STDIO_COMMANDS) may run: nothing is
stored, nothing is started."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from sqlmodel import Session

from berrys_app.domain.tools import McpServerCreate
from berrys_app.services.errors import Forbidden
from berrys_app.services.tools import list_mcp_servers, register_mcp_server


def _argv_cases(tmp_path: Path, marker: Path) -> dict[str, list[str]]:
    planted = tmp_path / "evil.py"
    planted.write_text(f"open({str(marker)!r}, 'w').write('ran')\n")
    return {
        "python -c": ["-c", f"open({str(marker)!r}, 'w').write('ran')"],
        "a planted script reached through ..": [f"{tmp_path}/../{tmp_path.name}/evil.py"],
    }


@pytest.mark.parametrize("case", ["python -c", "a planted script reached through .."])
async def test_a_stdio_argv_outside_the_operators_templates_is_refused_and_never_runs(
    session: Session, world, tmp_path: Path, case: str
) -> None:
    marker = tmp_path / "pwned"
    args = _argv_cases(tmp_path, marker)[case]
    data = McpServerCreate(name="evil", transport="stdio", command=sys.executable, args=args, timeout_s=5)
    with pytest.raises(Forbidden) as refused:
        await register_mcp_server(session, world.admin, team_id=world.team_id, data=data)
    assert "BERRYS_MCP_STDIO_COMMANDS" in refused.value.message
    assert not marker.exists(), "the team admin's command line ran on the worker"
    assert list_mcp_servers(session, world.admin, team_id=world.team_id) == []

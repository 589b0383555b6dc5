"""The operator's stdio MCP templates as Settings reads them, and how an argv is matched."""

from __future__ import annotations

import json

import pytest
from pydantic import ValidationError

from berrys_app.services.errors import Forbidden
from berrys_app.services.tools import mcp_stdio
from berrys_app.settings import McpStdioTemplate, Settings, get_settings

TEMPLATES = [
    ["npx", "-y", "@modelcontextprotocol/server-github"],
    {"argv": ["/usr/bin/python3", "/opt/mcp/server.py", "--root", "{path}"], "network": True},
    "/usr/local/bin/mcp-time",
]


def test_templates_are_read_as_lists_objects_or_bare_commands(operator) -> None:
    operator("BERRYS_MCP_STDIO_COMMANDS", json.dumps(TEMPLATES))
    operator("BERRYS_MCP_STDIO_ENV_KEYS", "GITHUB_TOKEN, BERRY_TOKEN")
    settings = get_settings()
    assert settings.mcp_stdio_commands == [
        McpStdioTemplate(argv=TEMPLATES[0]),
        McpStdioTemplate(argv=TEMPLATES[1]["argv"], network=True),
        McpStdioTemplate(argv=["/usr/local/bin/mcp-time"]),
    ]
    assert settings.mcp_stdio_env_keys == ["GITHUB_TOKEN", "BERRY_TOKEN"]


@pytest.mark.parametrize("entries", [["*"], [["*"]], [["{cmd}", "x"]], [[]]])
def test_any_command_and_slotted_commands_are_refused_at_startup(entries) -> None:
    with pytest.raises(ValidationError):
        Settings.model_validate({"BERRYS_MCP_STDIO_COMMANDS": entries})


@pytest.mark.parametrize(
    ("argv", "fits"),
    [
        (["npx", "-y", "@modelcontextprotocol/server-github"], True),
        (["npx", "-y", "@modelcontextprotocol/server-github", "--extra"], False),  # longer than the template
        (["npx", "-y", "anything-else"], False),
        (["/usr/bin/python3", "/opt/mcp/server.py", "--root", "/srv/data"], True),
        (["/usr/bin/python3", "/opt/mcp/server.py", "--root", "--help"], False),  # a slot takes no option
        (["/usr/bin/python3", "/opt/mcp/server.py", "--root", "/srv/../etc"], False),
        (["/usr/bin/python3", "/opt/mcp/server.py", "--root", "a;id"], False),  # no shell characters
        (["/usr/bin/python3", "/opt/mcp/server.py", "--root", "a b"], False),
        (["/usr/local/bin/mcp-time"], True),
        (["/usr/local/bin/mcp-time", "x"], False),
    ],
)
def test_an_argv_fits_a_template_element_by_element(operator, argv: list[str], fits: bool) -> None:
    operator("BERRYS_MCP_STDIO_COMMANDS", json.dumps(TEMPLATES))
    if fits:
        assert mcp_stdio.check_argv(argv[0], argv[1:]).argv[0] == argv[0]
    else:
        with pytest.raises(Forbidden):
            mcp_stdio.check_argv(argv[0], argv[1:])

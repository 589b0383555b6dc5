"""Which processes a stdio MCP server may be: the operator's whole argv templates
(``BERRYS_MCP_STDIO_COMMANDS``) and environment names (``BERRYS_MCP_STDIO_ENV_KEYS``).

Team admins are self-service (anyone can create a team), and a stdio server is a process on
the workers. Checking the command name alone let any team admin run ``npx -y anything``,
``python -c ...`` or load code through ``LD_PRELOAD``/``NODE_OPTIONS``. So the whole argv
must match one template element by element: literal elements exactly, ``{name}`` slots with
one plain value (no leading ``-``, no shell metacharacters, no ``..``). Environment variables
come only from the operator's list, never loader/interpreter variables, and their values only
from the vault (``${credentials.NAME}``). Checked at registration and again at every spawn
(the operator's lists may have shrunk since).
"""

from __future__ import annotations

import contextlib
import re

from mcp import StdioServerParameters

from berrys_app.domain.tools import McpServer
from berrys_app.services.errors import Forbidden, ValidationFailed
from berrys_app.services.tools import mcp_stdio_sandbox
from berrys_app.settings import McpStdioTemplate, get_settings

SLOT = re.compile(r"\{([a-z][a-z0-9_]{0,30})\}")
# a slot value: one plain word or path; never an option, never shell syntax, never a way up
SLOT_VALUE = re.compile(r"[A-Za-z0-9_@/][A-Za-z0-9_@%+=:,./-]{0,199}")
ENV_REFERENCE = re.compile(r"\$\{credentials\.[A-Za-z][A-Za-z0-9_]*\}")
# variables that make a loader, interpreter or shell run code of the caller's choosing
NEVER_ENV = re.compile(
    r"^(LD_|DYLD_|PYTHON|NODE_|NPM_CONFIG_|PERL|RUBY|JAVA_|_JAVA_|JDK_|GCONV_|MALLOC_|GLIBC_|"
    r"BASH_ENV$|ENV$|PATH$|HOME$|SHELL$|IFS$|PS4$|LOCPATH$|CDPATH$|PROMPT_COMMAND$|DENO_|BUN_)",
    re.IGNORECASE,
)


def _slot_value_ok(value: str) -> bool:
    return bool(SLOT_VALUE.fullmatch(value)) and ".." not in value.split("/")


def _fits(template: list[str], argv: list[str]) -> bool:
    if len(template) != len(argv):
        return False
    for part, value in zip(template, argv, strict=True):
        if SLOT.fullmatch(part):
            if not _slot_value_ok(value):
                return False
        elif part != value:
            return False
    return True


def matching_template(command: str, args: list[str]) -> McpStdioTemplate | None:
    """The operator's template this argv fits, if any."""
    argv = [command, *args]
    return next((t for t in get_settings().mcp_stdio_commands if _fits(t.argv, argv)), None)


def check_argv(command: str, args: list[str]) -> McpStdioTemplate:
    """``Forbidden`` unless ``command args...`` fits one of the operator's templates."""
    template = matching_template(command, args)
    if template is None:
        shown = " ".join([command, *args])[:200]
        raise Forbidden(
            f"the command line {shown!r} is not allowed for stdio MCP servers on this deployment: "
            "it must match one of the operator's argv templates in BERRYS_MCP_STDIO_COMMANDS "
            "(a {name} slot takes one value without a leading '-', spaces, shell characters or '..'); "
            "use an http MCP server instead"
        )
    return template


def check_env(env: dict[str, str]) -> None:
    """Env names from ``BERRYS_MCP_STDIO_ENV_KEYS`` only (loader/interpreter variables never);
    each value one vault reference, so no literal reaches a loader and nothing is pasted in."""
    allowed = set(get_settings().mcp_stdio_env_keys)
    for key, value in env.items():
        if NEVER_ENV.match(key):
            raise Forbidden(
                f"the environment variable {key!r} is never given to stdio MCP servers "
                "(it makes a loader or interpreter run other code)"
            )
        if key not in allowed:
            raise Forbidden(
                f"the environment variable {key!r} is not allowed for stdio MCP servers on this deployment "
                "(the operator lists allowed names in BERRYS_MCP_STDIO_ENV_KEYS)"
            )
        if not ENV_REFERENCE.fullmatch(value.strip()):
            raise ValidationFailed(
                f"env {key!r} must be a vault reference ${{credentials.NAME}}: store the value as a credential",
                details={"field": "env", "key": key},
            )


def spawn_parameters(
    server: McpServer, env: dict[str, str] | None
) -> contextlib.AbstractAsyncContextManager[StdioServerParameters]:
    """How a stdio MCP server process is started (``env``: the resolved environment), with the
    stored argv and env names re-checked against the operator's current lists.

    THE SANDBOX HOOK: the one place that builds the server's argv. The server runs in the
    python tool's bubblewrap sandbox (``mcp_stdio_sandbox``): read-only system files and its
    command's own files, no network unless the template says ``"network": true``, only this
    environment (plus PATH and HOME), and on a root worker a throw-away uid held until the
    ``async with`` block ends (the link's life). Where the host cannot sandbox it, the call
    fails with ``mcp_unavailable`` unless ``BERRYS_SANDBOX_ALLOW_UNISOLATED=true``.
    """
    template = check_argv(server.command or "", list(server.args))
    check_env(server.env)
    return mcp_stdio_sandbox.sandboxed(template, [server.command or "", *server.args], env or {})

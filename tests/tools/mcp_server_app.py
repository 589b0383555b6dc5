"""A tiny MCP server for the tests (run as ``python mcp_server_app.py`` over stdio, or
imported for its ASGI app over streamable HTTP)."""

from __future__ import annotations

import os
import uuid

from mcp.server.mcpserver import Context, MCPServer
from mcp.server.mcpserver.exceptions import ToolError

app = MCPServer("berry-test")
PROCESS_TOKEN = uuid.uuid4().hex


@app.tool()
def add(a: int, b: int) -> int:
    """Add two integers."""
    return a + b


@app.tool()
def shout(text: str) -> str:
    """Upper-case a text."""
    return text.upper()


@app.tool()
def crash() -> str:
    """Kill the server process mid-call (a crashed MCP server)."""
    os._exit(3)


@app.tool()
def auth_tail(ctx: Context) -> str:
    """The last 4 characters of the HTTP Authorization header ("none" without one)."""
    return ((ctx.headers or {}).get("authorization") or "none")[-4:]


@app.tool()
def token_tail() -> str:
    """The last 4 characters of BERRY_TOKEN from the environment ("none" when unset)."""
    return os.environ.get("BERRY_TOKEN", "none")[-4:]


@app.tool()
def token() -> str:
    """Echo BERRY_TOKEN (a careless server): the tool layer must scrub it."""
    return f"token={os.environ.get('BERRY_TOKEN', '')}"


@app.tool()
def pid() -> str:
    """This server process's identity (tells whether a connection was reused): its pid alone
    repeats, as every sandboxed server is an early pid of a pid namespace of its own."""
    return f"{os.getpid()}-{PROCESS_TOKEN}"


@app.tool()
async def hang() -> str:
    """Never answer (a hung MCP server)."""
    import anyio

    await anyio.sleep(3600)
    return "unreachable"


@app.tool(name="bad name!")
def oddly_named() -> str:
    """A tool whose name is sanitised for the model."""
    return "odd"


@app.tool()
def fail(reason: str) -> str:
    """Report an anticipated error to the caller."""
    raise ToolError(reason)


if __name__ == "__main__":
    import sys

    if len(sys.argv) == 3 and sys.argv[1] == "--http":
        import uvicorn

        uvicorn.run(app.streamable_http_app(), host="127.0.0.1", port=int(sys.argv[2]), log_level="warning")
    else:
        app.run()

"""A stdio MCP server that tries to leave its sandbox (run as ``python mcp_escape_server.py``):
each tool answers ``done: ...`` when the attempt worked and ``refused: ...`` when it did not."""

from __future__ import annotations

import socket
from pathlib import Path

from mcp.server.mcpserver import MCPServer

app = MCPServer("escape")


@app.tool()
def read(path: str) -> str:
    """Read a file of the host."""
    try:
        return "done: " + Path(path).read_text()[:200]
    except OSError as exc:
        return f"refused: {type(exc).__name__}: {exc}"


@app.tool()
def write(path: str) -> str:
    """Plant a file on the host."""
    try:
        Path(path).write_text("planted by an MCP server\n")
        return "done: written"
    except OSError as exc:
        return f"refused: {type(exc).__name__}: {exc}"


@app.tool()
def connect(port: int) -> str:
    """Open a TCP connection to the worker's loopback."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=5):
            return "done: connected"
    except OSError as exc:
        return f"refused: {type(exc).__name__}: {exc}"


if __name__ == "__main__":
    app.run()

"""Tool Integration: registry, one execution path, sandbox, HTTP, project files, search,
MCP and the credentials vault.

The agent loop needs only::

    from berrys_app.services.tools import tool_specs_for, execute_tool, ToolContext, ToolResult
"""

from berrys_app.services.tools.assignment import (
    AgentTools,
    AgentToolsUpdate,
    TemplateTools,
    TemplateToolsUpdate,
    set_agent_tools,
    set_template_tools,
)
from berrys_app.services.tools.context import ToolContext, ToolFailure, ToolResult
from berrys_app.services.tools.execution import execute_tool, tool_message
from berrys_app.services.tools.files import get_artifact, list_artifacts, put_artifact
from berrys_app.services.tools.mcp_servers import (
    delete_mcp_server,
    get_mcp_server,
    list_mcp_servers,
    refresh_mcp_server,
    register_mcp_server,
)
from berrys_app.services.tools.registry import (
    get_tool,
    list_tool_versions,
    list_tools,
    register_tool,
    search_tools,
    set_tool_active,
    tool_specs_for,
)
from berrys_app.services.tools.vault import (
    bind_credential,
    create_credential,
    delete_credential,
    get_credential,
    list_credential_uses,
    list_credentials,
)

__all__ = [
    "AgentTools",
    "AgentToolsUpdate",
    "TemplateTools",
    "TemplateToolsUpdate",
    "ToolContext",
    "ToolFailure",
    "ToolResult",
    "bind_credential",
    "create_credential",
    "delete_credential",
    "delete_mcp_server",
    "execute_tool",
    "get_artifact",
    "get_credential",
    "get_mcp_server",
    "get_tool",
    "list_artifacts",
    "list_credential_uses",
    "list_credentials",
    "list_mcp_servers",
    "list_tool_versions",
    "list_tools",
    "put_artifact",
    "refresh_mcp_server",
    "register_mcp_server",
    "register_tool",
    "search_tools",
    "set_agent_tools",
    "set_template_tools",
    "set_tool_active",
    "tool_message",
    "tool_specs_for",
]

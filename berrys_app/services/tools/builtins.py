"""Definitions of the built-in tools (version 1 of each, visible to every team)."""

from __future__ import annotations

from berrys_app.domain.tools import ToolCreate, ToolKind

PYTHON = ToolCreate(
    name="python",
    kind=ToolKind.python,
    category="compute",
    description=(
        "Run a Python 3 snippet in an isolated sandbox and return what it prints. "
        "No network, no secrets; a scratch directory as the working dir; limits on CPU, memory, time and output."
    ),
    capabilities=["code", "python", "compute", "data-analysis"],
    parameters_schema={
        "type": "object",
        "properties": {"code": {"type": "string", "minLength": 1, "maxLength": 100_000}},
        "required": ["code"],
        "additionalProperties": False,
    },
    config={"cpu_s": 10, "wall_s": 20, "memory_mb": 512, "max_output_bytes": 64_000, "nproc": 32},
)

HTTP_REQUEST = ToolCreate(
    name="http_request",
    kind=ToolKind.http,
    category="web",
    side_effects=True,
    description=(
        "Send an HTTP request to a host the operator allows. Reference a credential in a header as "
        "${credentials.NAME}; its value is inserted at send time and never shown to you."
    ),
    capabilities=["http", "web", "api"],
    parameters_schema={
        "type": "object",
        "properties": {
            "method": {"type": "string", "enum": ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD"]},
            "url": {"type": "string", "minLength": 8, "maxLength": 4000},
            "headers": {"type": "object", "additionalProperties": {"type": "string"}},
            "body": {"type": ["string", "null"], "maxLength": 1_000_000},
        },
        "required": ["method", "url"],
        "additionalProperties": False,
    },
    # operator_hosts: the allowlist is the operator's BERRYS_HTTP_ALLOWED_HOSTS (teams add their own http tools)
    config={"allowed_hosts": [], "operator_hosts": True, "timeout_s": 30, "max_response_bytes": 1_000_000},
)

PROJECT_FILES = ToolCreate(
    name="project_files",
    kind=ToolKind.project_files,
    category="files",
    side_effects=True,
    description=(
        "Read, write or list files in this project's shared workspace (other tasks and people see them). "
        "Paths are relative, like 'reports/summary.md'."
    ),
    capabilities=["files", "storage", "writing"],
    parameters_schema={
        "type": "object",
        "properties": {
            "action": {"type": "string", "enum": ["read", "write", "list"]},
            "path": {"type": "string", "maxLength": 512},
            "content": {"type": "string", "maxLength": 5_000_000},
        },
        "required": ["action"],
        "additionalProperties": False,
    },
)

SEARCH_OUTPUTS = ToolCreate(
    name="search_outputs",
    kind=ToolKind.search_outputs,
    category="search",
    description="Search the outputs of earlier tasks and the files of this project for a phrase.",
    capabilities=["search", "research", "memory"],
    parameters_schema={
        "type": "object",
        "properties": {
            "query": {"type": "string", "minLength": 1, "maxLength": 500},
            "limit": {"type": "integer", "minimum": 1, "maximum": 20},
        },
        "required": ["query"],
        "additionalProperties": False,
    },
)

BUILTIN_TOOLS: tuple[ToolCreate, ...] = (PYTHON, HTTP_REQUEST, PROJECT_FILES, SEARCH_OUTPUTS)

"""The attack tests reuse the tool tests' fixtures: a team with one person per role, a project,
and a local HTTP server that records what it received."""

from tests.tools.conftest import http_server, world  # noqa: F401

"""The attack tests reuse the tool tests' fixtures: a team with one person per role, a project,
a local HTTP server that records what it received, and operator settings set for one test."""

from tests.tools.conftest import http_server, operator, readable_tmp, world  # noqa: F401

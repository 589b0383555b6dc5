"""The attack tests reuse the tool tests' fixtures: a team with one person per role, a project,
a local HTTP server that records what it received, and operator settings set for one test."""

from tests.providers.fixtures import _session_proxy, llm_server, provider_proxy  # noqa: F401  (fixtures)
from tests.tools.conftest import http_server, operator, readable_tmp, world  # noqa: F401

"""pytest fixtures: one llama_cpp.server per session, a fresh fault proxy (rules, counts) per test.

Import them into a conftest (``from tests.providers.fixtures import llm_server, provider_proxy``).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.providers.fault_proxy import FaultProxy, fault_proxy
from tests.providers.llama_server import LlamaServer, llama_server


@pytest.fixture(scope="session")
def llm_server() -> Iterator[LlamaServer]:
    """The real OpenAI-compatible server (started once: loading takes a second or two)."""
    with llama_server() as server:
        yield server


@pytest.fixture(scope="session")
def _session_proxy(llm_server: LlamaServer) -> Iterator[FaultProxy]:
    with fault_proxy(llm_server.base_url) as proxy:
        yield proxy


@pytest.fixture
def provider_proxy(_session_proxy: FaultProxy) -> Iterator[FaultProxy]:
    """The fault proxy in front of ``llm_server``, with no rules and zero counts."""
    _session_proxy.reset()
    yield _session_proxy
    _session_proxy.reset()

"""Fixtures for templates, triggers and webhooks out: the REST API in-process and a team with one
person per role (``tests/api``), and a signature-checking webhook receiver."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.api.conftest import api_app, client, people  # noqa: F401  (the REST fixtures)
from tests.automation.receiver import Receiver, receiving


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with receiving() as server:
        yield server

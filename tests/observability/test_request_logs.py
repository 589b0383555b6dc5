"""Web process logs: each line a JSON object with the request's id (and the other ids, null)."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import httpx
import pytest
from fastapi import APIRouter

from berrys_app.api.app import create_api
from berrys_app.observability import logs
from tests.api.servers import asgi_thread


class _Pipe(io.StringIO):
    def isatty(self) -> bool:
        return False


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.fixture
def captured() -> Iterator[io.StringIO]:
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    stream = _Pipe()
    logs.configure("INFO", stream=stream)
    try:
        yield stream
    finally:
        for handler in list(root.handlers):
            root.removeHandler(handler)
        for handler in handlers:
            root.addHandler(handler)
        root.setLevel(level)


def test_a_request_logs_json_lines_with_its_request_id(env, captured) -> None:
    api = create_api()
    probe = APIRouter()

    @probe.get("/api/v1/_log_probe")
    def log_probe() -> dict[str, str]:  # a sync route: the line is written from the thread pool
        logging.getLogger("berrys.test").warning("inside the request %s", "probe")
        return {"ok": "yes"}

    api.router.routes.extend(probe.routes)
    with asgi_thread(api) as url:
        response = httpx.get(f"{url}/api/v1/_log_probe", headers={"X-Request-ID": "req-obs-1"})
    assert response.status_code == 200 and response.headers["x-request-id"] == "req-obs-1"
    records = [json.loads(line) for line in captured.getvalue().splitlines() if line.strip()]
    (line,) = [r for r in records if r["event"] == "inside the request probe"]
    assert line["request_id"] == "req-obs-1" and line["level"] == "warning" and line["logger"] == "berrys.test"
    assert line["project_id"] is None and line["task_id"] is None and "trace_id" in line
    logging.getLogger("berrys.test").warning("after the request")
    after = json.loads(captured.getvalue().splitlines()[-1])
    assert after["event"] == "after the request" and after["request_id"] is None  # unbound when it ended


def test_a_terminal_gets_console_lines_not_json() -> None:
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    terminal = _Terminal()
    try:
        logs.configure("INFO", stream=terminal)
        with logs.bound(task_id="t-1"):
            logging.getLogger("berrys.test").info("readable")
    finally:
        for handler in list(root.handlers):
            root.removeHandler(handler)
        for handler in handlers:
            root.addHandler(handler)
        root.setLevel(level)
    text = terminal.getvalue()
    assert "readable" in text and "t-1" in text
    with pytest.raises(json.JSONDecodeError):
        json.loads(text.splitlines()[0])

"""A fault-injecting HTTP proxy in front of an OpenAI-compatible server, for provider tests.

A real aiohttp server on 127.0.0.1 (its own event loop in a thread, so sync and async tests
can both use it). It forwards ``/v1/...`` to the upstream, counts requests per prompt (the
last user message), and for a prompt containing a given text can instead:

- answer an HTTP status (``Status(429, retry_after=1)``, ``Status(500)``),
- stall before answering (``Stall(seconds)``: a timeout for the client),
- cut a stream after some chunks (``CutStream(after=2)``),
- send a body that is not JSON (``Malformed()``),
- serve a scripted answer (``Scripted(content=..., tool_calls=[...])``), streamed when asked,
  for what the tiny model cannot do deterministically (tool calls, exact JSON).

Each rule applies ``times`` times (``None``: always), then the request goes upstream again.
The counter is the API other tests build on (e.g. counting calls that reached the provider).
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from aiohttp import web

from tests.api.servers import free_port


@dataclass(frozen=True)
class Status:
    status: int
    retry_after: float | None = None
    message: str = "injected by the fault proxy"


@dataclass(frozen=True)
class Stall:
    seconds: float


@dataclass(frozen=True)
class CutStream:
    after: int = 2  # upstream chunks passed on before the connection is dropped


@dataclass(frozen=True)
class Malformed:
    body: str = '{"id": "chatcmpl-broken", "choices": [{"message": {"content": "tru'


@dataclass(frozen=True)
class Scripted:
    content: str = ""
    tool_calls: list[dict[str, Any]] = field(default_factory=list)  # [{"name", "arguments": dict}]
    prompt_tokens: int = 11
    completion_tokens: int = 7


Fault = Status | Stall | CutStream | Malformed | Scripted


@dataclass
class _Rule:
    match: str
    fault: Fault
    times: int | None
    model: str | None  # only requests naming this model (the provider's model id), if set


def prompt_of(body: dict[str, Any]) -> str:
    """The text a request is counted under: its last user message."""
    for message in reversed(body.get("messages") or []):
        if message.get("role") == "user":
            content = message.get("content")
            if isinstance(content, list):
                return " ".join(str(part.get("text", "")) for part in content if isinstance(part, dict))
            return str(content or "")
    return ""


class FaultProxy:
    """The proxy's state and API; ``base_url`` is what a provider entry points at."""

    def __init__(self, upstream: str) -> None:
        self.upstream = upstream.rstrip("/")  # ``http://127.0.0.1:<port>/v1``
        self.base_url = ""
        self.requests: list[dict[str, Any]] = []  # every request body received, in order
        self.headers: list[dict[str, str]] = []  # and its headers
        self._counts: Counter[str] = Counter()
        self._rules: list[_Rule] = []
        self._lock = threading.Lock()

    # --- the API tests use --------------------------------------------------------------
    def inject(self, match: str, fault: Fault, *, times: int | None = 1, model: str | None = None) -> None:
        """For prompts containing ``match`` (and naming ``model``, if given): answer with ``fault``
        the next ``times`` times."""
        with self._lock:
            self._rules.append(_Rule(match, fault, times, model))

    def count(self, match: str = "") -> int:
        """Requests received whose prompt contains ``match`` (all requests for "")."""
        with self._lock:
            return sum(n for prompt, n in self._counts.items() if match in prompt)

    def reset(self) -> None:
        with self._lock:
            self._rules.clear()
            self._counts.clear()
            self.requests.clear()
            self.headers.clear()

    # --- the server -------------------------------------------------------------------------
    def _take(self, prompt: str, model: str) -> Fault | None:
        with self._lock:
            self._counts[prompt] += 1
            for rule in self._rules:
                if rule.model not in (None, model):
                    continue
                if rule.match in prompt and (rule.times is None or rule.times > 0):
                    if rule.times is not None:
                        rule.times -= 1
                    return rule.fault
        return None

    async def handle(self, request: web.Request) -> web.StreamResponse:
        raw = await request.read()
        body: dict[str, Any] = json.loads(raw) if raw else {}
        with self._lock:
            self.requests.append(body)
            self.headers.append(dict(request.headers))
        fault = self._take(prompt_of(body), str(body.get("model", "")))
        if isinstance(fault, Stall):
            await asyncio.sleep(fault.seconds)
        elif isinstance(fault, Status):
            headers = {"Retry-After": f"{fault.retry_after:g}"} if fault.retry_after is not None else {}
            error = {"error": {"message": fault.message, "type": "injected", "code": fault.status}}
            return web.json_response(error, status=fault.status, headers=headers)
        elif isinstance(fault, Malformed):
            return web.Response(text=fault.body, content_type="application/json")
        elif isinstance(fault, Scripted):
            return await self._scripted(request, body, fault)
        return await self._forward(request, raw, cut=fault.after if isinstance(fault, CutStream) else None)

    async def _forward(self, request: web.Request, raw: bytes, *, cut: int | None) -> web.StreamResponse:
        path = request.path.removeprefix("/v1")
        headers = {"Content-Type": "application/json"}
        timeout = aiohttp.ClientTimeout(total=300)
        async with (
            aiohttp.ClientSession(timeout=timeout) as client,
            client.request(request.method, self.upstream + path, data=raw, headers=headers) as upstream,
        ):
            response = web.StreamResponse(status=upstream.status)
            response.content_type = upstream.content_type
            await response.prepare(request)
            chunks = 0
            async for line in upstream.content:
                await response.write(line)
                chunks += line.startswith(b"data:")
                if cut is not None and chunks >= cut:
                    assert request.transport is not None
                    request.transport.close()  # the connection drops mid-stream
                    return response
            await response.write_eof()
            return response

    async def _scripted(self, request: web.Request, body: dict[str, Any], script: Scripted) -> web.StreamResponse:
        created, ident, model = int(time.time()), f"chatcmpl-{uuid.uuid4().hex[:12]}", body.get("model", "scripted")
        calls = [
            {
                "id": f"call_{i}",
                "type": "function",
                "function": {"name": c["name"], "arguments": json.dumps(c["arguments"])},
            }
            for i, c in enumerate(script.tool_calls)
        ]
        finish = "tool_calls" if calls else "stop"
        usage = {
            "prompt_tokens": script.prompt_tokens,
            "completion_tokens": script.completion_tokens,
            "total_tokens": script.prompt_tokens + script.completion_tokens,
        }
        if not body.get("stream"):
            message: dict[str, Any] = {"role": "assistant", "content": script.content or None}
            if calls:
                message["tool_calls"] = calls
            return web.json_response(
                {
                    "id": ident,
                    "object": "chat.completion",
                    "created": created,
                    "model": model,
                    "choices": [{"index": 0, "message": message, "finish_reason": finish}],
                    "usage": usage,
                }
            )
        response = web.StreamResponse(headers={"Content-Type": "text/event-stream"})
        await response.prepare(request)

        async def send(choices: list[dict[str, Any]], **extra: Any) -> None:
            chunk = {"id": ident, "object": "chat.completion.chunk", "created": created, "model": model}
            await response.write(f"data: {json.dumps({**chunk, 'choices': choices, **extra})}\n\n".encode())

        words = script.content.split(" ")
        for i, word in enumerate(words):
            piece = word if i == len(words) - 1 else word + " "
            if piece:
                await send([{"index": 0, "delta": {"role": "assistant", "content": piece}, "finish_reason": None}])
        for i, call in enumerate(calls):
            await send([{"index": 0, "delta": {"tool_calls": [{"index": i, **call}]}, "finish_reason": None}])
        await send([{"index": 0, "delta": {}, "finish_reason": finish}])
        if (body.get("stream_options") or {}).get("include_usage"):
            await send([], usage=usage)
        await response.write(b"data: [DONE]\n\n")
        await response.write_eof()
        return response


@contextmanager
def fault_proxy(upstream: str) -> Iterator[FaultProxy]:
    """Run a ``FaultProxy`` on a free loopback port in a thread of its own; stop it on exit."""
    proxy = FaultProxy(upstream)
    port = free_port()
    loop = asyncio.new_event_loop()
    app = web.Application(client_max_size=16 * 1024 * 1024)
    app.router.add_route("*", "/v1/{tail:.*}", proxy.handle)
    runner = web.AppRunner(app, handle_signals=False, shutdown_timeout=1.0)
    started = threading.Event()

    def serve() -> None:
        asyncio.set_event_loop(loop)
        loop.run_until_complete(runner.setup())
        loop.run_until_complete(web.TCPSite(runner, "127.0.0.1", port).start())
        started.set()
        loop.run_forever()
        loop.run_until_complete(runner.cleanup())
        pending = asyncio.all_tasks(loop)  # requests still forwarding at teardown
        for task in pending:
            task.cancel()
        loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
        loop.close()

    thread = threading.Thread(target=serve, name="fault-proxy", daemon=True)
    thread.start()
    if not started.wait(10):
        raise TimeoutError("the fault proxy did not start")
    proxy.base_url = f"http://127.0.0.1:{port}/v1"
    try:
        yield proxy
    finally:
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)

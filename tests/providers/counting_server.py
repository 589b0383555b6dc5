"""A tiny OpenAI-compatible chat server that answers deterministically and counts, for the
crash-safety tests: real HTTP (litellm -> aiohttp), streamed like a real provider.

Per prompt (the last user message) it counts the requests it received and the answers it
finished (its last byte written). Hooks let a test act at the exact moment that matters, on the
server's own thread: ``on_request(prompt, pid)`` when a request arrives, ``on_served(prompt, pid)``
right after the last byte of an answer -- ``pid`` is the process on the other end of the
connection (found from the socket's port), so a hook can SIGKILL the worker that asked.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import psutil
from aiohttp import web

from tests.api.servers import free_port
from tests.providers.fault_proxy import prompt_of

PROMPT_TOKENS, COMPLETION_TOKENS = 10, 5  # the usage every answer reports
Hook = Callable[[str, int | None], None]


@dataclass
class CountingServer:
    """The server's counters and hooks; ``base_url`` is what a team model points at."""

    chunk_delay_s: float = 0.02  # between the answer's three chunks: the call takes a while
    base_url: str = ""
    received: Counter[str] = field(default_factory=Counter)
    served: Counter[str] = field(default_factory=Counter)
    log: list[tuple[float, str, str]] = field(default_factory=list)  # (time, "received"/"served", prompt)
    on_request: Hook | None = None
    on_served: Hook | None = None
    pids: tuple[int, ...] = ()  # the processes a peer port is looked up in (the workers)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def answer_for(self, prompt: str) -> str:
        """The deterministic answer: the task's line of the prompt, echoed."""
        task = next((line for line in prompt.splitlines() if line.startswith("Task: ")), prompt[:60])
        return f"done: {task.removeprefix('Task: ')}"

    def peer_pid(self, request: web.Request) -> int | None:
        """The worker process whose socket is the other end of this request's connection."""
        peer = request.transport.get_extra_info("peername") if request.transport else None
        if not peer:
            return None
        for pid in self.pids:
            try:
                if any(c.laddr and c.laddr.port == peer[1] for c in psutil.Process(pid).net_connections("tcp")):
                    return pid
            except psutil.Error:
                continue
        return None

    def _note(self, kind: str, prompt: str) -> None:
        with self.lock:
            (self.received if kind == "received" else self.served)[prompt] += 1
            self.log.append((time.time(), kind, prompt))

    async def handle(self, request: web.Request) -> web.StreamResponse:
        body: dict[str, Any] = json.loads(await request.read() or b"{}")
        prompt = prompt_of(body)
        self._note("received", prompt)
        if self.on_request is not None:
            self.on_request(prompt, self.peer_pid(request))
        content = self.answer_for(prompt)
        created, ident, model = int(time.time()), f"chatcmpl-{uuid.uuid4().hex[:12]}", body.get("model", "counting")
        usage = {"prompt_tokens": PROMPT_TOKENS, "completion_tokens": COMPLETION_TOKENS}
        usage["total_tokens"] = PROMPT_TOKENS + COMPLETION_TOKENS
        try:
            if not body.get("stream"):
                await asyncio.sleep(self.chunk_delay_s * 3)
                message = {"role": "assistant", "content": content}
                response = web.json_response(
                    {
                        "id": ident,
                        "object": "chat.completion",
                        "created": created,
                        "model": model,
                        "choices": [{"index": 0, "message": message, "finish_reason": "stop"}],
                        "usage": usage,
                    }
                )
                await response.prepare(request)
                await response.write_eof()
            else:
                response = web.StreamResponse(headers={"Content-Type": "text/event-stream"})
                await response.prepare(request)

                async def send(choices: list[dict[str, Any]], **extra: Any) -> None:
                    chunk = {"id": ident, "object": "chat.completion.chunk", "created": created, "model": model}
                    await response.write(f"data: {json.dumps({**chunk, 'choices': choices, **extra})}\n\n".encode())

                head, _, tail = content.partition(" ")
                for piece in (head + " ", tail):
                    await send([{"index": 0, "delta": {"role": "assistant", "content": piece}, "finish_reason": None}])
                    await asyncio.sleep(self.chunk_delay_s)
                await send([{"index": 0, "delta": {}, "finish_reason": "stop"}])
                if (body.get("stream_options") or {}).get("include_usage"):
                    await send([], usage=usage)
                await response.write(b"data: [DONE]\n\n")
                await response.write_eof()
        except ConnectionResetError:  # the worker died mid-answer: not served
            return web.Response()
        self._note("served", prompt)
        if self.on_served is not None:
            self.on_served(prompt, self.peer_pid(request))
        return response


@contextmanager
def counting_server(**options: Any) -> Iterator[CountingServer]:
    """Run a ``CountingServer`` on a free loopback port in a thread of its own; stop it on exit."""
    server = CountingServer(**options)
    port = free_port()
    loop = asyncio.new_event_loop()
    app = web.Application()
    app.router.add_route("POST", "/v1/chat/completions", server.handle)
    runner = web.AppRunner(app, handle_signals=False, shutdown_timeout=1.0)
    started = threading.Event()

    def serve() -> None:
        asyncio.set_event_loop(loop)
        loop.run_until_complete(runner.setup())
        loop.run_until_complete(web.TCPSite(runner, "127.0.0.1", port).start())
        started.set()
        loop.run_forever()
        loop.run_until_complete(runner.cleanup())
        loop.close()

    thread = threading.Thread(target=serve, name="counting-server", daemon=True)
    thread.start()
    if not started.wait(10):
        raise TimeoutError("the counting server did not start")
    server.base_url = f"http://127.0.0.1:{port}/v1"
    try:
        yield server
    finally:
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)

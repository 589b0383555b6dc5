"""A real OpenAI-compatible server for tests: ``llama_cpp.server`` over the embedded GGUF.

Started as a subprocess on a free loopback port and stopped by its PID. It serves
``/v1/chat/completions`` (streaming included) with the same tiny model the product embeds,
so the network path (litellm -> HTTP -> a provider) runs end to end without the internet.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from berrys_app.services.models.embedded import model_path
from tests.api.servers import free_port, wait_until_up

MODEL_ALIAS = "smollm2-135m"  # what the server calls its model (the ``model`` field it answers with)


@dataclass(frozen=True)
class LlamaServer:
    base_url: str  # ``http://127.0.0.1:<port>/v1``: what an OpenAI client takes as its base
    pid: int
    model: str = MODEL_ALIAS


@contextmanager
def llama_server(*, n_ctx: int = 2048) -> Iterator[LlamaServer]:
    """``python -m llama_cpp.server`` on 127.0.0.1 with the embedded model; yields once it answers."""
    port = free_port()
    argv = [
        sys.executable, "-m", "llama_cpp.server",
        "--model", str(model_path("embedded/smollm2")),
        "--model_alias", MODEL_ALIAS,
        "--host", "127.0.0.1", "--port", str(port),
        "--n_ctx", str(n_ctx), "--n_threads", "1", "--verbose", "False",
    ]  # fmt: skip
    proc = subprocess.Popen(argv, env={**os.environ}, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        wait_until_up(f"http://127.0.0.1:{port}/v1/models", timeout_s=120, proc=proc)
        yield LlamaServer(base_url=f"http://127.0.0.1:{port}/v1", pid=proc.pid)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()

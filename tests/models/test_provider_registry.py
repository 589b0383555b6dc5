"""Providers are found through the registry only: a provider registered by name serves its models
in ``complete()`` (generation, token counting, the network rule) with no change to the service."""

from __future__ import annotations

from typing import Any

import pytest
from sqlmodel import Session, col, select

from berrys_app.domain.models import ModelCall, ModelEntry
from berrys_app.services.models import CompletionRequest, ModelError, catalogue, complete, registry, tokens
from berrys_app.services.models.provider import ProviderCall, ProviderReply
from berrys_app.services.models.spec import ModelSpec
from berrys_app.settings import get_settings


class ReversingProvider:
    """A provider of our own: answers the last message reversed, counts 2 tokens per word."""

    name = "reversing"
    blocking = False
    for_tests = False
    key_env = None
    team_endpoint = False

    def __init__(self, *, local: bool) -> None:
        self.local = local
        self.calls = 0

    def builtin_spec(self, name: str) -> ModelSpec | None:
        return None  # its models need a catalogue row

    async def generate(self, call: ProviderCall) -> ProviderReply:
        self.calls += 1
        text = str(call.messages[-1]["content"])
        return ProviderReply(content=text[::-1], prompt_tokens=7, completion_tokens=len(text.split()))

    def count_prompt_tokens(
        self, spec: ModelSpec, messages: list[dict[str, Any]], tools: list[dict[str, Any]] | None
    ) -> int:
        return sum(2 * len(str(m["content"]).split()) for m in messages)

    def count_text_tokens(self, spec: ModelSpec, text: str) -> int:
        return 2 * len(text.split())

    def count_is_exact(self, tools: list[dict[str, Any]] | None) -> bool:
        return True


@pytest.fixture
def reversing(monkeypatch: pytest.MonkeyPatch):
    """Register a provider for this test only (the registry is restored afterwards)."""

    def add(*, local: bool = True) -> ReversingProvider:
        monkeypatch.setattr(registry, "_PROVIDERS", registry.registered())
        provider = ReversingProvider(local=local)
        registry.register(provider)
        return provider

    return add


async def test_a_registered_provider_answers_and_is_recorded(env, session: Session, add_model, reversing) -> None:
    provider = reversing()
    add_model("reversing/one", context_window=100, max_output_tokens=10)
    result = await complete(CompletionRequest(model="reversing/one", messages=[{"role": "user", "content": "abc def"}]))
    assert (result.content, result.prompt_tokens, result.completion_tokens) == ("fed cba", 7, 2)
    assert provider.calls == 1
    [row] = session.exec(select(ModelCall).where(col(ModelCall.model) == "reversing/one")).all()
    assert (row.status, row.content) == ("ok", "fed cba")


async def test_the_window_check_uses_the_providers_tokenizer(env, add_model, reversing) -> None:
    provider = reversing()
    add_model("reversing/small", context_window=100, max_output_tokens=10)
    words = " ".join(["w"] * 60)  # 60 words: 120 tokens by this provider's count, over the 100-token window
    with pytest.raises(ModelError) as info:
        await complete(CompletionRequest(model="reversing/small", messages=[{"role": "user", "content": words}]))
    assert info.value.reason == "context_overflow"
    assert provider.calls == 0
    spec = registry.builtin_spec("scripted/x")
    assert spec is not None and tokens.count_text_tokens(spec, "a b c") == 3  # the scripted one still counts its way


async def test_a_provider_that_is_not_local_is_refused_in_the_test_session(env, add_model, reversing) -> None:
    provider = reversing(local=False)
    add_model("reversing/remote")
    with pytest.raises(ModelError) as info:
        await complete(CompletionRequest(model="reversing/remote", messages=[{"role": "user", "content": "hi"}]))
    assert info.value.reason == "network_disabled"
    assert provider.calls == 0


def test_the_in_process_providers_are_the_names_teams_may_not_use() -> None:
    local = {name for name, provider in registry.registered().items() if provider.local}
    assert local == set(registry.local_names()) == {"embedded", "scripted", "replay"}
    openai = ModelSpec(
        name="openai/m", provider="openai", capabilities=frozenset(), context_window=1, max_output_tokens=1
    )
    served = registry.provider_for(openai)
    assert (served.name, served.local, served.key_env, served.team_endpoint) == (
        "openai",
        False,
        "OPENAI_API_KEY",
        True,
    )
    vllm = ModelSpec(
        name="hosted_vllm/m", provider="hosted_vllm", capabilities=frozenset(), context_window=1, max_output_tokens=1
    )
    assert registry.provider_for(vllm) is registry.NETWORK and not registry.NETWORK.local
    assert registry.NETWORK.key_env is None  # an unlisted name: the operator's entries only


def test_each_in_process_provider_says_which_models_need_no_row() -> None:
    """The catalogue's built-in models come from the registry's providers, not a list of names."""
    embedded, scripted, replay = (
        registry.builtin_spec(n) for n in ("embedded/smollm2", "scripted/x", "replay/recorded")
    )
    assert embedded is not None and embedded.provider == "embedded" and embedded.max_output_tokens == 512
    assert embedded.context_window == get_settings().embedded_n_ctx
    assert scripted is not None and scripted.provider == "scripted" and "tools" in scripted.capabilities
    assert replay is not None and replay.provider == "replay" and replay.context_window == 100_000_000
    for unknown in ("embedded/other", "scripted/", "replay/other", "openai/gpt-4o-mini", "nosuch/x"):
        assert registry.builtin_spec(unknown) is None, unknown


def test_the_estimate_margin_is_a_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BERRYS_MODEL_ESTIMATE_MARGIN", "0.5")
    monkeypatch.setenv("BERRYS_MODEL_ESTIMATE_MARGIN_MIN", "3")
    get_settings.cache_clear()
    spec = ModelSpec(
        name="openai/m", provider="openai", capabilities=frozenset(), context_window=9, max_output_tokens=1
    )
    try:
        assert tokens.worst_prompt_tokens(spec, 400) == 600
        assert tokens.worst_prompt_tokens(spec, 2) == 5
    finally:
        get_settings.cache_clear()


def _insert_behind_the_cache(session: Session, name: str) -> None:
    """A catalogue row written by another process: this process's cache is not told."""
    session.add(ModelEntry(name=name, provider="scripted", capabilities=["chat"]))
    session.commit()


def test_the_catalogue_cache_lifetime_is_a_setting(env, session: Session, monkeypatch: pytest.MonkeyPatch) -> None:
    catalogue.resolve(session, "scripted/echo")  # the cache is loaded (default lifetime: 2 s)
    _insert_behind_the_cache(session, "scripted/cached-away")
    assert "scripted/cached-away" not in {spec.name for spec in catalogue.active_models(session)}

    monkeypatch.setenv("BERRYS_MODEL_CATALOGUE_CACHE", "0")
    get_settings.cache_clear()
    try:
        _insert_behind_the_cache(session, "scripted/seen-at-once")
        names = {spec.name for spec in catalogue.active_models(session)}
        assert {"scripted/cached-away", "scripted/seen-at-once"} <= names
    finally:
        get_settings.cache_clear()

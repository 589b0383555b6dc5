"""Provider name -> ``Provider``: the one place that says which providers exist and what each is.

Each entry says whether the provider runs in this process, which models it serves without a
catalogue row, which key variable a team entry of it uses, whether a team may point it at its own
endpoint, and how to call it (``provider.Provider``). A name not listed (``hosted_vllm``,
``huggingface``, ...) is still a litellm route for the operator's own entries, served by
``NETWORK``; teams cannot use it. Adding a provider is one entry in ``PROVIDERS``.
"""

from __future__ import annotations

from berrys_app.services.models import embedded, replay, scripted
from berrys_app.services.models.network import LitellmProvider
from berrys_app.services.models.provider import Provider
from berrys_app.services.models.spec import ModelSpec

PROVIDERS: tuple[Provider, ...] = (
    scripted.PROVIDER,
    embedded.PROVIDER,
    replay.PROVIDER,
    LitellmProvider("openai", key_env="OPENAI_API_KEY", team_endpoint=True),  # and any OpenAI-compatible server
    LitellmProvider("anthropic", key_env="ANTHROPIC_API_KEY", team_endpoint=True),
    LitellmProvider("gemini", key_env="GEMINI_API_KEY"),
    LitellmProvider("mistral", key_env="MISTRAL_API_KEY"),
    LitellmProvider("groq", key_env="GROQ_API_KEY"),
    LitellmProvider("deepseek", key_env="DEEPSEEK_API_KEY"),
    LitellmProvider("cohere", key_env="COHERE_API_KEY"),
    LitellmProvider("xai", key_env="XAI_API_KEY"),
    LitellmProvider("openrouter", key_env="OPENROUTER_API_KEY"),
    LitellmProvider("together_ai", key_env="TOGETHERAI_API_KEY"),
    LitellmProvider("fireworks_ai", key_env="FIREWORKS_AI_API_KEY"),
    LitellmProvider("ollama", team_endpoint=True),
    LitellmProvider("ollama_chat", team_endpoint=True),
)
NETWORK: Provider = LitellmProvider("litellm")  # every name not listed: the operator's litellm routes

_PROVIDERS: dict[str, Provider] = {provider.name: provider for provider in PROVIDERS}


def register(provider: Provider) -> None:
    """Serve ``<provider.name>/...`` models with ``provider`` (replaces an earlier one of that name)."""
    _PROVIDERS[provider.name] = provider


def provider_named(name: str) -> Provider:
    """The provider of the ``<name>/...`` models."""
    return _PROVIDERS.get(name, NETWORK)


def provider_for(spec: ModelSpec) -> Provider:
    """The provider that serves ``spec``."""
    return _PROVIDERS.get(spec.provider, NETWORK)


def registered() -> dict[str, Provider]:
    """The providers listed by name (``NETWORK`` serves every other name)."""
    return dict(_PROVIDERS)


def local_names() -> frozenset[str]:
    """The in-process providers (registered with litellm by ``litellm_bridge``; never a team entry's key)."""
    return frozenset(name for name, provider in _PROVIDERS.items() if provider.local)


def builtin_spec(model: str) -> ModelSpec | None:
    """The spec of an in-process model that needs no catalogue row (``embedded/smollm2``, ``scripted/x``, ...)."""
    provider = _PROVIDERS.get(model.partition("/")[0])
    return provider.builtin_spec(model) if provider is not None else None

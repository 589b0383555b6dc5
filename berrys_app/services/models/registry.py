"""Provider name -> ``Provider``: the one place that says which code serves a catalogue entry.

The in-process providers are registered by name; every other name (``openai``, ``anthropic``,
``ollama``, an OpenAI-compatible server, ...) is a litellm route, served by the litellm provider.
A new provider is a class that satisfies ``provider.Provider`` plus one ``register`` call.
"""

from __future__ import annotations

from berrys_app.services.models import embedded, network, replay, scripted
from berrys_app.services.models.catalogue import ModelSpec
from berrys_app.services.models.provider import Provider

_PROVIDERS: dict[str, Provider] = {}
NETWORK: Provider = network.PROVIDER  # every name not registered below


def register(provider: Provider) -> None:
    """Serve ``<provider.name>/...`` models with ``provider`` (replaces an earlier one of that name)."""
    _PROVIDERS[provider.name] = provider


def provider_for(spec: ModelSpec) -> Provider:
    """The provider that serves ``spec``."""
    return _PROVIDERS.get(spec.provider, NETWORK)


def registered() -> dict[str, Provider]:
    """The providers registered by name (the litellm one serves every other name)."""
    return dict(_PROVIDERS)


register(scripted.PROVIDER)
register(embedded.PROVIDER)
register(replay.PROVIDER)

"""Token counting with each provider's own tokenizer (budgets and context windows depend on it)."""

from __future__ import annotations

from typing import Any

from berrys_app.services.models.catalogue import ModelSpec


def count_prompt_tokens(
    spec: ModelSpec, messages: list[dict[str, Any]], tools: list[dict[str, Any]] | None = None
) -> int:
    """Tokens the prompt will take on ``spec`` (exact for scripted, close for embedded/network)."""
    if spec.provider == "scripted":
        from berrys_app.services.models import scripted

        return scripted.count_prompt_tokens(messages, tools)
    if spec.provider == "embedded":
        from berrys_app.services.models import embedded

        return embedded.count_prompt_tokens(spec.name, messages, tools)
    from berrys_app.services.models import network

    return network.count_prompt_tokens(spec.name, messages, tools)


def count_text_tokens(spec: ModelSpec, text: str) -> int:
    """Tokens of plain text on ``spec``."""
    if spec.provider == "scripted":
        from berrys_app.services.models import scripted

        return scripted.count_tokens(text)
    if spec.provider == "embedded":
        from berrys_app.services.models import embedded

        return embedded.count_tokens(spec.name, text)
    from berrys_app.services.models import network

    return network.count_text_tokens(spec.name, text)

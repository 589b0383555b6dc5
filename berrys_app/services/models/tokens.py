"""Token counting with each provider's own tokenizer (budgets and context windows depend on it)."""

from __future__ import annotations

import math
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


# A prompt count that is only an estimate (network tokenizers, the embedded model's tool preamble)
# is raised by this margin for the budget's worst case, so an under-count cannot overspend.
ESTIMATE_MARGIN_RATIO = 0.25
ESTIMATE_MARGIN_MIN = 32


def count_is_exact(spec: ModelSpec, tools: list[dict[str, Any]] | None = None) -> bool:
    """Whether ``count_prompt_tokens`` is exactly what the provider will bill."""
    return spec.provider == "scripted" or (spec.provider == "embedded" and not tools)


def worst_prompt_tokens(spec: ModelSpec, prompt_tokens: int, tools: list[dict[str, Any]] | None = None) -> int:
    """The prompt tokens a budget must allow for: the count, plus a margin when it is estimated."""
    if count_is_exact(spec, tools):
        return prompt_tokens
    return prompt_tokens + max(ESTIMATE_MARGIN_MIN, math.ceil(prompt_tokens * ESTIMATE_MARGIN_RATIO))

"""Token counting with each provider's own tokenizer (budgets and context windows depend on it)."""

from __future__ import annotations

import math
from typing import Any

from berrys_app.services.models.registry import provider_for
from berrys_app.services.models.spec import ModelSpec
from berrys_app.settings import get_settings


def count_prompt_tokens(
    spec: ModelSpec, messages: list[dict[str, Any]], tools: list[dict[str, Any]] | None = None
) -> int:
    """Tokens the prompt will take on ``spec`` (exact for scripted, close for embedded/network)."""
    return provider_for(spec).count_prompt_tokens(spec, messages, tools)


def count_text_tokens(spec: ModelSpec, text: str) -> int:
    """Tokens of plain text on ``spec``."""
    return provider_for(spec).count_text_tokens(spec, text)


def count_is_exact(spec: ModelSpec, tools: list[dict[str, Any]] | None = None) -> bool:
    """Whether ``count_prompt_tokens`` is exactly what the provider will bill."""
    return provider_for(spec).count_is_exact(tools)


def worst_prompt_tokens(spec: ModelSpec, prompt_tokens: int, tools: list[dict[str, Any]] | None = None) -> int:
    """The prompt tokens a budget must allow for: the count, plus a margin when it is estimated
    (network tokenizers, the embedded model's tool preamble), so an under-count cannot overspend."""
    if count_is_exact(spec, tools):
        return prompt_tokens
    settings = get_settings()
    return prompt_tokens + max(
        settings.model_estimate_margin_min, math.ceil(prompt_tokens * settings.model_estimate_margin)
    )

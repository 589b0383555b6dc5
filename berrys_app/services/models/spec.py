"""What one catalogue entry says about a model, as an immutable value.

Below the catalogue and the providers: the catalogue builds specs from rows, each provider
builds the specs of its built-in models (``Provider.builtin_spec``), and both only import this.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from decimal import Decimal

from berrys_app.domain.models import ModelEntry

ALL_CAPABILITIES = frozenset({"chat", "tools", "json", "vision", "long-context"})


@dataclass(frozen=True)
class ModelSpec:
    """An immutable view of one catalogue entry, safe to cache and share between calls."""

    name: str
    provider: str
    capabilities: frozenset[str]
    context_window: int
    max_output_tokens: int
    input_price: Decimal = Decimal(0)
    output_price: Decimal = Decimal(0)
    active: bool = True
    fallbacks: tuple[str, ...] = ()
    api_key_env: str | None = None
    api_base_env: str | None = None
    api_base: str | None = None  # a team's own endpoint URL
    api_key_sealed: str | None = field(
        default=None, repr=False
    )  # its key, sealed with the vault key (unsealed only to call)
    timeout_s: float | None = None
    display_name: str = ""
    notes: str = ""
    team_id: uuid.UUID | None = None  # a team's own entry: used only when named, never as a stand-in

    def cost(self, prompt_tokens: int, completion_tokens: int) -> Decimal:
        """Exact USD cost of a call at this model's prices."""
        return self.input_price * prompt_tokens + self.output_price * completion_tokens

    @classmethod
    def from_row(cls, row: ModelEntry) -> ModelSpec:
        return cls(
            name=row.name,
            provider=row.provider,
            capabilities=frozenset(row.capabilities),
            context_window=row.context_window,
            max_output_tokens=row.max_output_tokens,
            input_price=Decimal(row.input_price),
            output_price=Decimal(row.output_price),
            active=row.active,
            fallbacks=tuple(row.fallbacks),
            api_key_env=row.api_key_env,
            api_base_env=row.api_base_env,
            api_base=row.api_base,
            api_key_sealed=row.api_key_sealed,
            timeout_s=row.timeout_s,
            display_name=row.display_name,
            notes=row.notes,
            team_id=row.team_id,
        )

"""Global catalogue rows for tests (scripted models with prices, fallbacks, capabilities).

The app itself adds models through a team's catalogue (``catalogue_teams``, the Models page,
``/api/v1/teams/{id}/models``) or the seed (``catalogue.ensure_catalogue``); tests need global
rows with exact prices, so they write them directly and clear the catalogue cache.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlmodel import Session, select

from berrys_app.domain.common import utcnow
from berrys_app.domain.models import ModelEntry
from berrys_app.services.models import catalogue, registry
from berrys_app.services.models.spec import ALL_CAPABILITIES


def upsert_model(session: Session, *, name: str, **fields: Any) -> ModelEntry:
    """Create or update a global catalogue entry (commits); ``provider`` is the name's prefix."""
    provider = name.partition("/")[0]
    for price in ("input_price", "output_price"):
        if price in fields:
            fields[price] = Decimal(str(fields[price]))
    row = session.exec(select(ModelEntry).where(ModelEntry.name == name)).first()
    if row is None:
        local = provider in registry.local_names()
        fields.setdefault("capabilities", sorted(ALL_CAPABILITIES) if local else ["chat"])
        row = ModelEntry(name=name, provider=provider, **fields)
    else:
        for key, value in fields.items():
            setattr(row, key, value)
        row.updated_at = utcnow()
    session.add(row)
    session.commit()
    session.refresh(row)
    catalogue.invalidate()
    return row

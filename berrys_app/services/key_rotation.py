"""Key rotation: every value sealed with ``ENCRYPTION_KEY`` moves to the newest key at once.

It lives apart from the vault because it reaches every table that holds sealed values
(credentials, MCP server literals, team model endpoint keys, webhook signing secrets) while the vault knows none of them:
a new kind of sealed value is added here, and the rotation cannot forget it.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session, col, select

from berrys_app.domain.models import ModelEntry
from berrys_app.domain.webhooks import WebhookEndpoint
from berrys_app.services import events
from berrys_app.services.models import catalogue
from berrys_app.services.tools import vault
from berrys_app.services.tools.mcp_values import reseal_servers


@dataclass(frozen=True)
class Rotated:
    credentials: int
    mcp_servers: int
    model_keys: int
    webhook_secrets: int = 0


def rotate_all(session: Session) -> Rotated:
    """Re-encrypt everything with the first key, in the caller's transaction; a value no
    configured key opens fails the whole rotation with a precise error, changing nothing."""
    credentials = vault.reencrypt_credentials(session)
    servers = reseal_servers(session)
    models = list(session.exec(select(ModelEntry).where(col(ModelEntry.api_key_sealed).is_not(None))))
    for row in models:
        row.api_key_sealed = vault.reseal(row.api_key_sealed or "")
        session.add(row)
    hooks = list(session.exec(select(WebhookEndpoint)))
    for hook in hooks:
        hook.secret_sealed = vault.reseal(hook.secret_sealed)
        session.add(hook)
    session.flush()
    events.call_after_commit(session, catalogue.invalidate)
    return Rotated(credentials=credentials, mcp_servers=servers, model_keys=len(models), webhook_secrets=len(hooks))

from berrys_app.settings import get_settings

"""Every Redis key and channel name Berrys uses, in one place."""

PREFIX = "berrys"
RATE_LIMIT_PREFIX = f"{PREFIX}:rl:"
SCRIPTED_PREFIX = f"{PREFIX}:scripted:"  # scripted test model queues
CIRCUIT_PREFIX = f"{PREFIX}:circuit:"
PRESENCE_PREFIX = f"{PREFIX}:presence:"  # dashboard: who views a project (hash token -> name)
OIDC_STATE_PREFIX = f"{PREFIX}:oidc:state:"  # pending OIDC logins (state -> nonce)
REFRESH_GRACE_PREFIX = f"{PREFIX}:refresh:grace:"  # just-rotated refresh token digest -> new pair (60 s)


def queue_name(base: str) -> str:
    """The arq queue key (already prefixed in settings)."""
    return base


def events_channel() -> str:
    """Pub/sub channel of every committed event (JSON). Pub/sub ignores the Redis db
    number, so the channel carries the namespace from settings (tests isolate by it)."""

    return f"{get_settings().channel_namespace}:events"

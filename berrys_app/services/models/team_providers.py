"""What a team's own catalogue entry may be: a model of a known provider, called at that
provider's own host with that provider's own key.

Team admins are self-service (anyone can create a team) and the provider keys are the
operator's. Letting a team entry name any ``*_API_KEY``, an ``*_API_BASE``, or a provider whose
model string carries a URL (``huggingface/https://host/...``) made litellm send the operator's
key to a host of the team's choosing. So: a known provider (``registry``) with its one key
variable (``Provider.key_env``), no team-chosen variable or base, no URL or host in the model string. Checked when an entry is added and again
before every call of a team entry (rows stored before this rule are refused, not sent).

A team may instead connect its own endpoint (``api_base``, for a provider with ``team_endpoint``:
OpenAI-compatible, Ollama, Anthropic)
with its own key sealed in the vault: such an entry names no environment variable at all, so no
operator key can reach it; its host is vetted like an http tool's (public, or listed by the
operator in BERRYS_HTTP_INTERNAL_HOSTS), when added and on every call.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import httpx

from berrys_app.services.errors import ValidationFailed
from berrys_app.services.models.provider import Provider
from berrys_app.services.models.spec import ModelSpec

# the model part: provider model ids only (``gpt-4.1-mini``, ``meta-llama/Llama-3-70b``,
# ``ft:gpt-4o-mini:org::id``); no scheme, user info, query, escape or host
MODEL_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]*(?:/[A-Za-z0-9][A-Za-z0-9._:-]*)*")
HOST_LIKE = re.compile(
    r"(?:^|/)(?:localhost|\d{1,3}(?:\.\d{1,3}){3}|[a-z0-9-]+(?:\.[a-z0-9-]+)*\.[a-z]{2,})(?::\d+)?(?:/|$)", re.I
)


def endpoint_problem(url: str) -> str | None:
    """Why ``url`` cannot be a team endpoint (shape only; the host is vetted separately)."""
    try:
        parsed = httpx.URL(url)
        host = parsed.host
    except (httpx.InvalidURL, ValueError) as exc:
        return f"the endpoint is not a valid URL: {exc}"
    if parsed.scheme not in ("http", "https") or not host:
        return "the endpoint must be an http:// or https:// URL with a host, e.g. https://api.example.com/v1"
    if parsed.userinfo or parsed.query or parsed.fragment:
        return "the endpoint URL takes no user, password, query or fragment: give the key in the API key field"
    return None


def problem(
    provider: Provider,
    name: str,
    api_key_env: str | None,
    api_base_env: str | None,
    api_base: str | None = None,
    *,
    known: Iterable[Provider] = (),
) -> tuple[str, str] | None:
    """``(field, reason)`` when a team entry with this model string and variables may not
    exist; None when it may. ``provider`` is the registry's object for the name's provider;
    ``known`` (the registry's providers) only names the alternatives in the reason."""
    known = list(known)
    prefix, _, model = name.partition("/")
    if provider.local:
        if api_key_env or api_base_env or api_base:
            return "api_key_env", f"{prefix!r} models run in-process and take no key variable or endpoint"
        return None
    if api_base is not None:
        if not provider.team_endpoint:
            endpoints = ", ".join(sorted(p.name for p in known if p.team_endpoint))
            return "name", f"an endpoint can be connected for these providers: {endpoints} (not {prefix!r})"
        if api_key_env is not None or api_base_env is not None:
            return "api_key_env", "a team endpoint uses its own key (the API key field), never an environment variable"
        if not MODEL_ID.fullmatch(model) or "://" in model or ".." in model:
            return "name", f"the model id in {name!r} is not a plain model id (e.g. 'openai/llama-3.1-8b')"
        found = endpoint_problem(api_base)
        return ("api_base", found) if found else None
    if provider.key_env is None:
        names = ", ".join(sorted(p.name for p in known if p.local or p.key_env))
        listed = f" (known: {names})" if names else ""  # a call's check has no list: the entry was checked
        return "name", f"unknown provider {prefix!r} in {name!r} for a team model{listed}"
    if "://" in model or ".." in model or not MODEL_ID.fullmatch(model) or HOST_LIKE.search(model):
        return "name", (
            f"the model {name!r} names a URL or a host: a team model is '<provider>/<model id>', "
            "called at the provider's own API"
        )
    if api_key_env not in (None, provider.key_env):
        return "api_key_env", f"a {prefix!r} team model uses {provider.key_env}, not {api_key_env!r}"
    if api_base_env is not None:
        return "api_base_env", "a team model cannot set api_base_env: only the operator points a provider elsewhere"
    return None


def check_entry(
    provider: Provider,
    name: str,
    api_key_env: str | None,
    api_base_env: str | None,
    api_base: str | None = None,
    *,
    known: Iterable[Provider] = (),
) -> str | None:
    """A 422 for a team entry that could send a key elsewhere; else the key variable it uses
    (None for a team endpoint: its own key only)."""
    found = problem(provider, name, api_key_env, api_base_env, api_base, known=known)
    if found is not None:
        raise ValidationFailed(found[1], details={"field": found[0]})
    return None if api_base is not None else provider.key_env


def call_problem(spec: ModelSpec, provider: Provider) -> str | None:
    """The same rule before a call of a team entry (global entries are the operator's)."""
    if spec.team_id is None:
        return None
    found = problem(provider, spec.name, spec.api_key_env, spec.api_base_env, spec.api_base)
    return found[1] if found else None

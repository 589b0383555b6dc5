"""What a team's own catalogue entry may be: a model of a known provider, called at that
provider's own host with that provider's own key.

Team admins are self-service (anyone can create a team) and the provider keys are the
operator's. Letting a team entry name any ``*_API_KEY``, an ``*_API_BASE``, or a provider whose
model string carries a URL (``huggingface/https://host/...``) made litellm send the operator's
key to a host of the team's choosing. So: a fixed map provider -> its key variable, no team-chosen
variable or base, no URL or host in the model string. Checked when an entry is added and again
before every call of a team entry (rows stored before this rule are refused, not sent).

A team may instead connect its own endpoint (``api_base``: OpenAI-compatible, Ollama, Anthropic)
with its own key sealed in the vault: such an entry names no environment variable at all, so no
operator key can reach it; its host is vetted like an http tool's (public, or listed by the
operator in BERRYS_HTTP_INTERNAL_HOSTS), when added and on every call.
"""

from __future__ import annotations

import re

import httpx

from berrys_app.services.errors import ValidationFailed
from berrys_app.services.models.catalogue import LOCAL_PROVIDERS, ModelSpec

# provider -> the one environment variable holding its key; litellm calls the provider's own
# API host for each of these (or the operator's *_API_BASE for it, which only the operator sets)
PROVIDER_KEYS: dict[str, str] = {
    "openai": "OPENAI_API_KEY",
    "anthropic": "ANTHROPIC_API_KEY",
    "gemini": "GEMINI_API_KEY",
    "mistral": "MISTRAL_API_KEY",
    "groq": "GROQ_API_KEY",
    "deepseek": "DEEPSEEK_API_KEY",
    "cohere": "COHERE_API_KEY",
    "xai": "XAI_API_KEY",
    "openrouter": "OPENROUTER_API_KEY",
    "together_ai": "TOGETHERAI_API_KEY",
    "fireworks_ai": "FIREWORKS_AI_API_KEY",
}
# the model part: provider model ids only (``gpt-4.1-mini``, ``meta-llama/Llama-3-70b``,
# ``ft:gpt-4o-mini:org::id``); no scheme, user info, query, escape or host
MODEL_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]*(?:/[A-Za-z0-9][A-Za-z0-9._:-]*)*")
# providers whose API a team may point at its own endpoint (``openai``: any OpenAI-compatible one)
ENDPOINT_PROVIDERS = frozenset({"openai", "anthropic", "ollama", "ollama_chat"})
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
    name: str, api_key_env: str | None, api_base_env: str | None, api_base: str | None = None
) -> tuple[str, str] | None:
    """``(field, reason)`` when a team entry with this model string and variables may not
    exist; None when it may."""
    provider, _, model = name.partition("/")
    if provider in LOCAL_PROVIDERS:
        if api_key_env or api_base_env or api_base:
            return "api_key_env", f"{provider!r} models run in-process and take no key variable or endpoint"
        return None
    if api_base is not None:
        if provider not in ENDPOINT_PROVIDERS:
            known = ", ".join(sorted(ENDPOINT_PROVIDERS))
            return "name", f"an endpoint can be connected for these providers: {known} (not {provider!r})"
        if api_key_env is not None or api_base_env is not None:
            return "api_key_env", "a team endpoint uses its own key (the API key field), never an environment variable"
        if not MODEL_ID.fullmatch(model) or "://" in model or ".." in model:
            return "name", f"the model id in {name!r} is not a plain model id (e.g. 'openai/llama-3.1-8b')"
        found = endpoint_problem(api_base)
        return ("api_base", found) if found else None
    if provider not in PROVIDER_KEYS:
        known = ", ".join(sorted([*PROVIDER_KEYS, *LOCAL_PROVIDERS]))
        return "name", f"unknown provider {provider!r} in {name!r} for a team model (known: {known})"
    if "://" in model or ".." in model or not MODEL_ID.fullmatch(model) or HOST_LIKE.search(model):
        return "name", (
            f"the model {name!r} names a URL or a host: a team model is '<provider>/<model id>', "
            "called at the provider's own API"
        )
    if api_key_env not in (None, PROVIDER_KEYS[provider]):
        return "api_key_env", f"a {provider!r} team model uses {PROVIDER_KEYS[provider]}, not {api_key_env!r}"
    if api_base_env is not None:
        return "api_base_env", "a team model cannot set api_base_env: only the operator points a provider elsewhere"
    return None


def check_entry(
    name: str, api_key_env: str | None, api_base_env: str | None, api_base: str | None = None
) -> str | None:
    """A 422 for a team entry that could send a key elsewhere; else the key variable it uses
    (None for a team endpoint: its own key only)."""
    found = problem(name, api_key_env, api_base_env, api_base)
    if found is not None:
        raise ValidationFailed(found[1], details={"field": found[0]})
    return None if api_base is not None else PROVIDER_KEYS.get(name.partition("/")[0])


def call_problem(spec: ModelSpec) -> str | None:
    """The same rule before a call of a team entry (global entries are the operator's)."""
    if spec.team_id is None:
        return None
    found = problem(spec.name, spec.api_key_env, spec.api_base_env, spec.api_base)
    return found[1] if found else None

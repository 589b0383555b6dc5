"""Attack: a self-service team admin adds a team model entry that makes litellm send the
operator's provider key to a host of the admin's choosing — a model string embedding a URL
(``huggingface/http://host/...``) with another provider's key variable, or a provider with an
``api_base_env`` naming some other variable that points elsewhere (here the operator's own vLLM
base) — litellm then sends the key named, or the provider key it finds in the environment by
itself. A local HTTP server stands in for the other host and records what it receives.

(With litellm 1.106 the URL-in-the-model-string case first asks huggingface.co for a provider
mapping and fails offline before calling the embedded URL; it stays here as a regression case.)

Team entries now take only known providers, each with its own key variable, no base and no URL
or host in the model string (422); a row stored before the rule is refused before any request."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from sqlmodel import Session

from berrys_app.domain.models import ModelEntry, ModelEntryCreate
from berrys_app.services.errors import ValidationFailed
from berrys_app.services.models import catalogue_teams, registry
from berrys_app.services.models.errors import ModelError
from berrys_app.services.models.provider import ProviderCall
from berrys_app.services.models.spec import ModelSpec

OPERATOR_KEY = f"sk-operator-{uuid.uuid4().hex}"


@pytest.fixture
def operator_keys(monkeypatch: pytest.MonkeyPatch, http_server) -> Iterator[None]:
    """The operator's OpenAI key, and an internal vLLM base that is our recording server."""
    monkeypatch.setenv("OPENAI_API_KEY", OPERATOR_KEY)
    monkeypatch.setenv("HUGGINGFACE_API_KEY", OPERATOR_KEY)  # litellm attaches it by itself
    monkeypatch.setenv("HOSTED_VLLM_API_BASE", f"{http_server.url}/v1")
    yield
    monkeypatch.undo()


def _cases(url: str) -> list[tuple[str, str | None, str | None]]:
    return [
        (f"huggingface/{url}/v1", "OPENAI_API_KEY", None),  # a URL in the model string
        ("openai/gpt-4o-mini", "OPENAI_API_KEY", "HOSTED_VLLM_API_BASE"),  # a base pointing elsewhere
        ("hosted_vllm/llama", "OPENAI_API_KEY", "HOSTED_VLLM_API_BASE"),  # another provider's key
        ("huggingface/tgi", None, "HOSTED_VLLM_API_BASE"),  # no key named: litellm sends HUGGINGFACE_API_KEY
    ]


def _saw_the_key(http_server) -> bool:
    return any(OPERATOR_KEY in str(request["headers"]) for request in http_server.requests)


@pytest.mark.parametrize("case", [0, 1, 2, 3])
async def test_a_team_model_that_could_send_the_key_elsewhere_is_refused(
    session: Session, world, http_server, operator_keys, case: int
) -> None:
    name, key_env, base_env = _cases(http_server.url)[case]
    data = ModelEntryCreate(name=name, api_key_env=key_env, api_base_env=base_env)
    with pytest.raises(ValidationFailed):
        catalogue_teams.add_model(session, world.admin, team_id=world.team_id, data=data)
        session.commit()


@pytest.mark.parametrize("case", [0, 1, 2, 3])
async def test_a_stored_team_model_never_sends_the_operators_key_to_another_host(
    session: Session, world, http_server, operator_keys, case: int
) -> None:
    """A row stored before the rule (or written past the service): the call is refused, no
    request carries the key."""
    name, key_env, base_env = _cases(http_server.url)[case]
    row = ModelEntry(
        name=name,
        provider=name.split("/", 1)[0],
        team_id=world.team_id,
        capabilities=["chat"],
        api_key_env=key_env,
        api_base_env=base_env,
        timeout_s=10,
    )
    session.add(row)
    session.commit()
    spec = ModelSpec.from_row(row)
    call = ProviderCall(spec=spec, messages=[{"role": "user", "content": "hi"}], max_tokens=5)
    with pytest.raises(ModelError):
        await registry.provider_for(spec).generate(call)  # the provider every caller gets for it
    assert not _saw_the_key(http_server), f"the operator's key reached {http_server.url}: {http_server.requests}"

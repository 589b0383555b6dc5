"""Attack: an ID token the provider did not sign the way it says it signs.

The ID token's algorithm was not pinned: whatever the token's header named was tried. An unsigned
token (``alg: none``), an HMAC token keyed by the provider's *public* key (algorithm confusion) or
an algorithm the provider never published must be refused, as must a token whose nonce is missing
or belongs to another login (a replayed or injected token).
"""

from __future__ import annotations

import pytest

from tests.api.conftest import api_app, client  # noqa: F401  the REST app over ASGI
from tests.api.oidc_provider import Provider
from tests.api.test_oidc import _login, provider  # noqa: F401  the provider started by the test


@pytest.mark.parametrize("alg", ["none", "HS256", "PS256"])
async def test_an_id_token_signed_with_an_unpublished_alg_is_refused(client, provider: Provider, alg: str) -> None:  # noqa: F811
    provider.forge_alg = alg  # the provider publishes RS256 only
    r = await _login(client)
    assert r.status_code == 401, f"an ID token with alg {alg} was accepted: {r.text}"
    assert r.json()["message"] == "invalid ID token"


async def test_hmac_is_refused_even_when_the_provider_lists_it(client, provider: Provider) -> None:  # noqa: F811
    provider.published_algs = ["RS256", "HS256", "none"]
    provider.forge_alg = "HS256"
    r = await _login(client)
    assert r.status_code == 401, f"an HMAC ID token keyed by the public key was accepted: {r.text}"


@pytest.mark.parametrize("nonce", ["missing", "wrong"])
async def test_an_id_token_without_this_logins_nonce_is_refused(client, provider: Provider, nonce: str) -> None:  # noqa: F811
    provider.omit_nonce = nonce == "missing"
    provider.wrong_nonce = nonce == "wrong"
    r = await _login(client)
    assert r.status_code == 401 and r.json()["message"] == "invalid ID token", r.text


async def test_a_common_alg_the_provider_does_not_publish_is_refused(client, provider: Provider) -> None:  # noqa: F811
    """RS256 is the library's default, but this provider publishes PS256 only: pinned, not guessed."""
    provider.published_algs = ["PS256"]
    r = await _login(client)  # signed RS256
    assert r.status_code == 401, f"an ID token with an algorithm the provider does not publish was accepted: {r.text}"
    assert r.json()["message"] == "invalid ID token"

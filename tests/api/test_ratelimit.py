"""Rate limits live in Redis, so they hold across server processes."""

from __future__ import annotations

import httpx
from sqlmodel import Session

from tests.api.conftest import make_person
from tests.api.servers import api_processes


def test_auth_and_api_limits_hold_across_two_processes(env: dict[str, str], session: Session, tmp_path) -> None:
    person = make_person(session)
    settings_env = {
        **env,
        "BERRYS_DATA_DIR": str(tmp_path / "data"),
        "BERRYS_RATE_LIMIT_AUTH": "5",
        "BERRYS_RATE_LIMIT_API": "8",
        "BERRYS_RATE_LIMIT_WINDOW": "60",
    }
    # both processes must verify the token: share the signing secret through the data dir
    from berrys_app.settings import get_settings

    settings_env["SECRET_KEY"] = get_settings().secret_key
    with api_processes(2, settings_env) as (first, second):
        # brute force on login, alternating processes: the 6th attempt is refused by either one
        statuses = []
        for i in range(6):
            base = first if i % 2 == 0 else second
            r = httpx.post(f"{base}/api/v1/auth/token", json={"email": person.email, "password": "wrong-guess"})
            statuses.append(r.status_code)
        assert statuses == [401] * 5 + [429], statuses
        assert r.json()["code"] == "rate_limited"
        assert 1 <= int(r.headers["Retry-After"]) <= 60
        assert r.json()["request_id"] == r.headers["X-Request-ID"]

        # per-user limit on the API, again across both processes
        statuses = []
        for i in range(9):
            base = first if i % 2 == 0 else second
            statuses.append(httpx.get(f"{base}/api/v1/me", headers=person.headers).status_code)
        assert statuses == [200] * 8 + [429], statuses


def test_login_service_is_limited_without_http(env: dict[str, str], session: Session, monkeypatch) -> None:
    """The dashboard calls ``auth.login`` directly: the per-IP limit lives in the service."""
    import pytest

    from berrys_app.services import auth
    from berrys_app.services.errors import RateLimited, Unauthorized
    from berrys_app.settings import get_settings

    monkeypatch.setenv("BERRYS_RATE_LIMIT_AUTH", "3")
    get_settings.cache_clear()
    person = make_person(session)
    for _ in range(3):
        with pytest.raises(Unauthorized):
            auth.login(session, email=person.email, password="bad-guess", ip="192.0.2.7")
    with pytest.raises(RateLimited) as refused:
        auth.login(session, email=person.email, password="correct horse battery", ip="192.0.2.7")
    assert refused.value.retry_after_s >= 1
    # another address is not affected
    pair = auth.login(session, email=person.email, password="correct horse battery", ip="192.0.2.8")
    assert auth.authenticate(session, pair.access_token).user_id == person.user_id


async def test_an_operator_raises_the_limit_of_one_api_key(
    session: Session, client: httpx.AsyncClient, monkeypatch
) -> None:
    """``BERRYS_RATE_LIMIT_API_OVERRIDES`` gives one key its own limit; everyone else keeps the default."""
    from berrys_app.settings import get_settings

    person = make_person(session)
    made = await client.post(
        "/api/v1/api-keys", json={"name": "service account", "scopes": ["projects:read"]}, headers=person.headers
    )
    key_id, key = made.json()["id"], made.json()["key"]
    monkeypatch.setenv("BERRYS_RATE_LIMIT_API", "3")
    monkeypatch.setenv("BERRYS_RATE_LIMIT_API_OVERRIDES", f'{{"{key_id}": 6}}')
    get_settings.cache_clear()

    by_key = [
        (await client.get("/api/v1/projects", headers={"Authorization": f"Bearer {key}"})).status_code for _ in range(7)
    ]
    by_user = [(await client.get("/api/v1/me", headers=person.headers)).status_code for _ in range(4)]

    assert by_key == [200] * 6 + [429], by_key
    assert by_user == [200] * 3 + [429], by_user

"""The authorization matrix: every route of the app x every role x own/other team.

Cases are generated from the app's route table, and every route must declare its
access (``x-berrys-access`` via ``deps.access``), so a new route is covered the
moment it exists. Expectations:
- no token -> 401; a key lacking the route's scope -> 403;
- outsider (team B only) -> 404 for team A resources, never a team A id in any body;
- a team role below the route's minimum -> 403; at or above -> not 401/403/404 (and not 5xx).
"""

from __future__ import annotations

import pytest
from sqlmodel import Session

from berrys_app.api.app import create_api
from berrys_app.services import auth
from berrys_app.services.authz import Actor
from tests.api.world import CALLERS, RANK, World, build_world

PUBLIC_PREFIXES = ("/health/", "/api/docs", "/api/openapi.json", "/api/v1/auth/")


def _routes() -> list[tuple[str, str, dict]]:
    spec = create_api().openapi()
    found = []
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            found.append((method.upper(), path, operation.get("x-berrys-access")))
    return sorted(found)


ROUTES = _routes()
GUARDED = [
    (m, p, a) for m, p, a in ROUTES if not (a is None and p.startswith(PUBLIC_PREFIXES)) and a["role"] != "public"
]


def _fill(path: str, params: dict) -> str:
    for name, value in params.items():
        path = path.replace("{" + name + "}", str(value))
    assert "{" not in path, f"the matrix does not know a path parameter of {path}; add it to World.path_params"
    return path


async def _call(client, world: World, method: str, path: str, caller: str, token: str | None):
    url = _fill(path, world.path_params(caller))
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    body = world.body(method, path)
    return await client.request(method, url, json=body, headers=headers, params=world.query(method, path))


def test_every_route_declares_its_access() -> None:
    undeclared = [f"{m} {p}" for m, p, a in ROUTES if a is None and not p.startswith(PUBLIC_PREFIXES)]
    assert not undeclared, f"routes without access(...): {undeclared}"
    assert len(GUARDED) >= 40  # the whole API, not a handful


@pytest.mark.parametrize(("method", "path", "access"), GUARDED, ids=[f"{m} {p}" for m, p, _ in GUARDED])
async def test_route_matrix(mclient, msession: Session, method: str, path: str, access: dict) -> None:
    world = build_world(msession)
    role = access["role"]

    r = await _call(mclient, world, method, path, "owner", None)
    assert r.status_code == 401 and r.json()["code"] == "unauthorized", r.text

    for caller in CALLERS:
        world = build_world(msession)  # fresh resources: earlier callers may have changed or deleted them
        person = world.people[caller]
        r = await _call(mclient, world, method, path, caller, person.token)
        assert r.status_code < 500, (caller, r.status_code, r.text)
        if role == "user":
            assert r.status_code not in (401, 403, 404), (caller, r.status_code, r.text)
        elif caller == "outsider":
            assert r.status_code == 404 and r.json()["code"] == "not_found", (caller, r.status_code, r.text)
        elif RANK[caller] < RANK[role]:
            assert r.status_code == 403 and r.json()["code"] == "forbidden", (caller, r.status_code, r.text)
        else:
            assert r.status_code not in (401, 403, 404), (caller, r.status_code, r.text)
        if caller == "outsider":
            leaked = [s for s in world.secrets_of_a() if s in r.text]
            assert not leaked, f"outsider saw team A data: {leaked}"

    if role == "user" and "{" in path:  # a user's own resource: others' ids are not found
        world = build_world(msession)
        url = _fill(path, {**world.path_params("owner")})
        r = await mclient.request(method, url, json=world.body(method, path), headers=world.people["outsider"].headers)
        assert r.status_code == 404, r.text


SCOPED = [(m, p, a) for m, p, a in GUARDED if a.get("scope")]


@pytest.mark.parametrize(("method", "path", "access"), SCOPED, ids=[f"{m} {p}" for m, p, _ in SCOPED])
async def test_api_key_scopes(mclient, msession: Session, method: str, path: str, access: dict) -> None:
    """The owner's key without the route's scope is refused; with it, allowed."""
    scope = access["scope"]
    resource = scope.split(":")[0]
    wrong = "teams:read" if resource != "teams" else "projects:read"
    world = build_world(msession)
    owner = world.people["owner"]
    actor = Actor(user_id=owner.user_id, label=owner.email)
    _, narrow = auth.create_api_key(msession, actor, name="narrow", scopes=[wrong])
    _, right = auth.create_api_key(msession, actor, name="right", scopes=[scope])
    msession.commit()
    r = await _call(mclient, world, method, path, "owner", narrow)
    assert r.status_code == 403 and r.json()["code"] == "forbidden", r.text
    r = await _call(mclient, world, method, path, "owner", right)
    assert r.status_code not in (401, 403, 404) and r.status_code < 500, r.text

from http import HTTPStatus
from typing import Any, cast
from uuid import UUID

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.list_of_project_public import ListOfProjectPublic
from ...models.project_status import ProjectStatus
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    team_id: None | Unset | UUID = UNSET,
    status: None | ProjectStatus | Unset = UNSET,
    q: None | str | Unset = UNSET,
    page: int | Unset = 1,
    per_page: int | Unset = 50,
    cursor: None | str | Unset = UNSET,
) -> dict[str, Any]:

    params: dict[str, Any] = {}

    json_team_id: str | Unset | None
    if isinstance(team_id, Unset):
        json_team_id = UNSET
    elif isinstance(team_id, UUID):
        json_team_id = str(team_id)
    else:
        json_team_id = team_id
    params["team_id"] = json_team_id

    json_status: str | Unset | None
    if isinstance(status, Unset):
        json_status = UNSET
    elif isinstance(status, ProjectStatus):
        json_status = status.value
    else:
        json_status = status
    params["status"] = json_status

    json_q: str | Unset | None
    if isinstance(q, Unset):
        json_q = UNSET
    else:
        json_q = q
    params["q"] = json_q

    params["page"] = page

    params["per_page"] = per_page

    json_cursor: str | Unset | None
    if isinstance(cursor, Unset):
        json_cursor = UNSET
    else:
        json_cursor = cursor
    params["cursor"] = json_cursor

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/api/v1/projects",
        "params": params,
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Any | ListOfProjectPublic | None:
    if response.status_code == 200:
        response_200 = ListOfProjectPublic.from_dict(response.json())

        return response_200

    if response.status_code == 400:
        response_400 = cast(Any, None)
        return response_400

    if response.status_code == 401:
        response_401 = cast(Any, None)
        return response_401

    if response.status_code == 402:
        response_402 = cast(Any, None)
        return response_402

    if response.status_code == 403:
        response_403 = cast(Any, None)
        return response_403

    if response.status_code == 404:
        response_404 = cast(Any, None)
        return response_404

    if response.status_code == 409:
        response_409 = cast(Any, None)
        return response_409

    if response.status_code == 422:
        response_422 = cast(Any, None)
        return response_422

    if response.status_code == 429:
        response_429 = cast(Any, None)
        return response_429

    if response.status_code == 500:
        response_500 = cast(Any, None)
        return response_500

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[Any | ListOfProjectPublic]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient,
    team_id: None | Unset | UUID = UNSET,
    status: None | ProjectStatus | Unset = UNSET,
    q: None | str | Unset = UNSET,
    page: int | Unset = 1,
    per_page: int | Unset = 50,
    cursor: None | str | Unset = UNSET,
) -> Response[Any | ListOfProjectPublic]:
    """List Projects

     Projects of one team (``team_id``) or of all the caller's teams, newest first; page by
    ``?cursor=`` (``meta.next_cursor``) or by ``?page=``.

    Args:
        team_id (None | Unset | UUID):
        status (None | ProjectStatus | Unset):
        q (None | str | Unset):
        page (int | Unset):  Default: 1.
        per_page (int | Unset):  Default: 50.
        cursor (None | str | Unset): ``meta.next_cursor`` of the previous page (instead of page)

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Any | ListOfProjectPublic]
    """

    kwargs = _get_kwargs(
        team_id=team_id,
        status=status,
        q=q,
        page=page,
        per_page=per_page,
        cursor=cursor,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient,
    team_id: None | Unset | UUID = UNSET,
    status: None | ProjectStatus | Unset = UNSET,
    q: None | str | Unset = UNSET,
    page: int | Unset = 1,
    per_page: int | Unset = 50,
    cursor: None | str | Unset = UNSET,
) -> Any | ListOfProjectPublic | None:
    """List Projects

     Projects of one team (``team_id``) or of all the caller's teams, newest first; page by
    ``?cursor=`` (``meta.next_cursor``) or by ``?page=``.

    Args:
        team_id (None | Unset | UUID):
        status (None | ProjectStatus | Unset):
        q (None | str | Unset):
        page (int | Unset):  Default: 1.
        per_page (int | Unset):  Default: 50.
        cursor (None | str | Unset): ``meta.next_cursor`` of the previous page (instead of page)

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Any | ListOfProjectPublic
    """

    return sync_detailed(
        client=client,
        team_id=team_id,
        status=status,
        q=q,
        page=page,
        per_page=per_page,
        cursor=cursor,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient,
    team_id: None | Unset | UUID = UNSET,
    status: None | ProjectStatus | Unset = UNSET,
    q: None | str | Unset = UNSET,
    page: int | Unset = 1,
    per_page: int | Unset = 50,
    cursor: None | str | Unset = UNSET,
) -> Response[Any | ListOfProjectPublic]:
    """List Projects

     Projects of one team (``team_id``) or of all the caller's teams, newest first; page by
    ``?cursor=`` (``meta.next_cursor``) or by ``?page=``.

    Args:
        team_id (None | Unset | UUID):
        status (None | ProjectStatus | Unset):
        q (None | str | Unset):
        page (int | Unset):  Default: 1.
        per_page (int | Unset):  Default: 50.
        cursor (None | str | Unset): ``meta.next_cursor`` of the previous page (instead of page)

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Any | ListOfProjectPublic]
    """

    kwargs = _get_kwargs(
        team_id=team_id,
        status=status,
        q=q,
        page=page,
        per_page=per_page,
        cursor=cursor,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient,
    team_id: None | Unset | UUID = UNSET,
    status: None | ProjectStatus | Unset = UNSET,
    q: None | str | Unset = UNSET,
    page: int | Unset = 1,
    per_page: int | Unset = 50,
    cursor: None | str | Unset = UNSET,
) -> Any | ListOfProjectPublic | None:
    """List Projects

     Projects of one team (``team_id``) or of all the caller's teams, newest first; page by
    ``?cursor=`` (``meta.next_cursor``) or by ``?page=``.

    Args:
        team_id (None | Unset | UUID):
        status (None | ProjectStatus | Unset):
        q (None | str | Unset):
        page (int | Unset):  Default: 1.
        per_page (int | Unset):  Default: 50.
        cursor (None | str | Unset): ``meta.next_cursor`` of the previous page (instead of page)

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Any | ListOfProjectPublic
    """

    return (
        await asyncio_detailed(
            client=client,
            team_id=team_id,
            status=status,
            q=q,
            page=page,
            per_page=per_page,
            cursor=cursor,
        )
    ).parsed

from http import HTTPStatus
from typing import Any, cast
from urllib.parse import quote
from uuid import UUID

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.list_of_audit_public import ListOfAuditPublic
from ...types import UNSET, Response, Unset


def _get_kwargs(
    team_id: UUID,
    *,
    action: None | str | Unset = UNSET,
    page: int | Unset = 1,
    per_page: int | Unset = 50,
    cursor: None | str | Unset = UNSET,
) -> dict[str, Any]:

    params: dict[str, Any] = {}

    json_action: str | Unset | None
    if isinstance(action, Unset):
        json_action = UNSET
    else:
        json_action = action
    params["action"] = json_action

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
        "url": "/api/v1/teams/{team_id}/audit".format(
            team_id=quote(str(team_id), safe=""),
        ),
        "params": params,
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Any | ListOfAuditPublic | None:
    if response.status_code == 200:
        response_200 = ListOfAuditPublic.from_dict(response.json())

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
) -> Response[Any | ListOfAuditPublic]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    team_id: UUID,
    *,
    client: AuthenticatedClient,
    action: None | str | Unset = UNSET,
    page: int | Unset = 1,
    per_page: int | Unset = 50,
    cursor: None | str | Unset = UNSET,
) -> Response[Any | ListOfAuditPublic]:
    """List Audit

    Args:
        team_id (UUID):
        action (None | str | Unset):
        page (int | Unset):  Default: 1.
        per_page (int | Unset):  Default: 50.
        cursor (None | str | Unset): ``meta.next_cursor`` of the previous page (instead of page)

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Any | ListOfAuditPublic]
    """

    kwargs = _get_kwargs(
        team_id=team_id,
        action=action,
        page=page,
        per_page=per_page,
        cursor=cursor,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    team_id: UUID,
    *,
    client: AuthenticatedClient,
    action: None | str | Unset = UNSET,
    page: int | Unset = 1,
    per_page: int | Unset = 50,
    cursor: None | str | Unset = UNSET,
) -> Any | ListOfAuditPublic | None:
    """List Audit

    Args:
        team_id (UUID):
        action (None | str | Unset):
        page (int | Unset):  Default: 1.
        per_page (int | Unset):  Default: 50.
        cursor (None | str | Unset): ``meta.next_cursor`` of the previous page (instead of page)

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Any | ListOfAuditPublic
    """

    return sync_detailed(
        team_id=team_id,
        client=client,
        action=action,
        page=page,
        per_page=per_page,
        cursor=cursor,
    ).parsed


async def asyncio_detailed(
    team_id: UUID,
    *,
    client: AuthenticatedClient,
    action: None | str | Unset = UNSET,
    page: int | Unset = 1,
    per_page: int | Unset = 50,
    cursor: None | str | Unset = UNSET,
) -> Response[Any | ListOfAuditPublic]:
    """List Audit

    Args:
        team_id (UUID):
        action (None | str | Unset):
        page (int | Unset):  Default: 1.
        per_page (int | Unset):  Default: 50.
        cursor (None | str | Unset): ``meta.next_cursor`` of the previous page (instead of page)

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Any | ListOfAuditPublic]
    """

    kwargs = _get_kwargs(
        team_id=team_id,
        action=action,
        page=page,
        per_page=per_page,
        cursor=cursor,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    team_id: UUID,
    *,
    client: AuthenticatedClient,
    action: None | str | Unset = UNSET,
    page: int | Unset = 1,
    per_page: int | Unset = 50,
    cursor: None | str | Unset = UNSET,
) -> Any | ListOfAuditPublic | None:
    """List Audit

    Args:
        team_id (UUID):
        action (None | str | Unset):
        page (int | Unset):  Default: 1.
        per_page (int | Unset):  Default: 50.
        cursor (None | str | Unset): ``meta.next_cursor`` of the previous page (instead of page)

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Any | ListOfAuditPublic
    """

    return (
        await asyncio_detailed(
            team_id=team_id,
            client=client,
            action=action,
            page=page,
            per_page=per_page,
            cursor=cursor,
        )
    ).parsed

from http import HTTPStatus
from typing import Any, cast
from urllib.parse import quote
from uuid import UUID

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.hook_accepted import HookAccepted
from ...types import UNSET, Response, Unset


def _get_kwargs(
    trigger_id: UUID,
    *,
    x_berrys_token: None | str | Unset = UNSET,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}
    if not isinstance(x_berrys_token, Unset):
        headers["x-berrys-token"] = x_berrys_token

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/api/v1/hooks/{trigger_id}".format(
            trigger_id=quote(str(trigger_id), safe=""),
        ),
    }

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Any | HookAccepted | None:
    if response.status_code == 202:
        response_202 = HookAccepted.from_dict(response.json())

        return response_202

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


def _build_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Response[Any | HookAccepted]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    trigger_id: UUID,
    *,
    client: AuthenticatedClient | Client,
    x_berrys_token: None | str | Unset = UNSET,
) -> Response[Any | HookAccepted]:
    """Receive Hook

     Start a project: the JSON body's values fill the template's parameters (by the trigger's
    ``payload_map`` pointers, or top-level keys named like the parameters).

    Args:
        trigger_id (UUID):
        x_berrys_token (None | str | Unset): the trigger's token

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Any | HookAccepted]
    """

    kwargs = _get_kwargs(
        trigger_id=trigger_id,
        x_berrys_token=x_berrys_token,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    trigger_id: UUID,
    *,
    client: AuthenticatedClient | Client,
    x_berrys_token: None | str | Unset = UNSET,
) -> Any | HookAccepted | None:
    """Receive Hook

     Start a project: the JSON body's values fill the template's parameters (by the trigger's
    ``payload_map`` pointers, or top-level keys named like the parameters).

    Args:
        trigger_id (UUID):
        x_berrys_token (None | str | Unset): the trigger's token

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Any | HookAccepted
    """

    return sync_detailed(
        trigger_id=trigger_id,
        client=client,
        x_berrys_token=x_berrys_token,
    ).parsed


async def asyncio_detailed(
    trigger_id: UUID,
    *,
    client: AuthenticatedClient | Client,
    x_berrys_token: None | str | Unset = UNSET,
) -> Response[Any | HookAccepted]:
    """Receive Hook

     Start a project: the JSON body's values fill the template's parameters (by the trigger's
    ``payload_map`` pointers, or top-level keys named like the parameters).

    Args:
        trigger_id (UUID):
        x_berrys_token (None | str | Unset): the trigger's token

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Any | HookAccepted]
    """

    kwargs = _get_kwargs(
        trigger_id=trigger_id,
        x_berrys_token=x_berrys_token,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    trigger_id: UUID,
    *,
    client: AuthenticatedClient | Client,
    x_berrys_token: None | str | Unset = UNSET,
) -> Any | HookAccepted | None:
    """Receive Hook

     Start a project: the JSON body's values fill the template's parameters (by the trigger's
    ``payload_map`` pointers, or top-level keys named like the parameters).

    Args:
        trigger_id (UUID):
        x_berrys_token (None | str | Unset): the trigger's token

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Any | HookAccepted
    """

    return (
        await asyncio_detailed(
            trigger_id=trigger_id,
            client=client,
            x_berrys_token=x_berrys_token,
        )
    ).parsed

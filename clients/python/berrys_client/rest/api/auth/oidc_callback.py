from http import HTTPStatus
from typing import Any, cast

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.token_pair import TokenPair
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    code: str,
    state: str,
    berrys_oidc: None | str | Unset = UNSET,
) -> dict[str, Any]:

    cookies = {}
    if berrys_oidc is not UNSET:
        cookies["berrys_oidc"] = berrys_oidc

    params: dict[str, Any] = {}

    params["code"] = code

    params["state"] = state

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/api/v1/auth/oidc/callback",
        "params": params,
        "cookies": cookies,
    }

    return _kwargs


def _parse_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Any | TokenPair | None:
    if response.status_code == 200:
        response_200 = TokenPair.from_dict(response.json())

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


def _build_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Response[Any | TokenPair]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient | Client,
    code: str,
    state: str,
    berrys_oidc: None | str | Unset = UNSET,
) -> Response[Any | TokenPair]:
    """Oidc Callback

     The provider redirects here; the browser binding is checked, the code exchanged (PKCE)
    and the ID token verified.

    Args:
        code (str):
        state (str):
        berrys_oidc (None | str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Any | TokenPair]
    """

    kwargs = _get_kwargs(
        code=code,
        state=state,
        berrys_oidc=berrys_oidc,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient | Client,
    code: str,
    state: str,
    berrys_oidc: None | str | Unset = UNSET,
) -> Any | TokenPair | None:
    """Oidc Callback

     The provider redirects here; the browser binding is checked, the code exchanged (PKCE)
    and the ID token verified.

    Args:
        code (str):
        state (str):
        berrys_oidc (None | str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Any | TokenPair
    """

    return sync_detailed(
        client=client,
        code=code,
        state=state,
        berrys_oidc=berrys_oidc,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient | Client,
    code: str,
    state: str,
    berrys_oidc: None | str | Unset = UNSET,
) -> Response[Any | TokenPair]:
    """Oidc Callback

     The provider redirects here; the browser binding is checked, the code exchanged (PKCE)
    and the ID token verified.

    Args:
        code (str):
        state (str):
        berrys_oidc (None | str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Any | TokenPair]
    """

    kwargs = _get_kwargs(
        code=code,
        state=state,
        berrys_oidc=berrys_oidc,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient | Client,
    code: str,
    state: str,
    berrys_oidc: None | str | Unset = UNSET,
) -> Any | TokenPair | None:
    """Oidc Callback

     The provider redirects here; the browser binding is checked, the code exchanged (PKCE)
    and the ID token verified.

    Args:
        code (str):
        state (str):
        berrys_oidc (None | str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Any | TokenPair
    """

    return (
        await asyncio_detailed(
            client=client,
            code=code,
            state=state,
            berrys_oidc=berrys_oidc,
        )
    ).parsed

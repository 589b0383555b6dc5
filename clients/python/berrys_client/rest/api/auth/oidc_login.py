from http import HTTPStatus
from typing import Any, cast

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.oidc_login_to import OidcLoginTo
from ...models.problem import Problem
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    to: OidcLoginTo | Unset = OidcLoginTo.API,
) -> dict[str, Any]:

    params: dict[str, Any] = {}

    json_to: str | Unset = UNSET
    if not isinstance(to, Unset):
        json_to = to.value

    params["to"] = json_to

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/api/v1/auth/oidc/login",
        "params": params,
    }

    return _kwargs


def _parse_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Any | Problem | None:
    if response.status_code == 302:
        response_302 = cast(Any, None)
        return response_302

    if response.status_code == 400:
        response_400 = Problem.from_dict(response.json())

        return response_400

    if response.status_code == 401:
        response_401 = Problem.from_dict(response.json())

        return response_401

    if response.status_code == 402:
        response_402 = Problem.from_dict(response.json())

        return response_402

    if response.status_code == 403:
        response_403 = Problem.from_dict(response.json())

        return response_403

    if response.status_code == 404:
        response_404 = Problem.from_dict(response.json())

        return response_404

    if response.status_code == 409:
        response_409 = Problem.from_dict(response.json())

        return response_409

    if response.status_code == 422:
        response_422 = Problem.from_dict(response.json())

        return response_422

    if response.status_code == 429:
        response_429 = Problem.from_dict(response.json())

        return response_429

    if response.status_code == 500:
        response_500 = Problem.from_dict(response.json())

        return response_500

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Response[Any | Problem]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient | Client,
    to: OidcLoginTo | Unset = OidcLoginTo.API,
) -> Response[Any | Problem]:
    """Oidc Login

     Start an OpenID Connect login with the configured provider. Sets a short-lived HttpOnly
    cookie binding the login to this browser; the callback is accepted only with it.

    Args:
        to (OidcLoginTo | Unset): where the provider sends the browser back Default:
            OidcLoginTo.API.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Any | Problem]
    """

    kwargs = _get_kwargs(
        to=to,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient | Client,
    to: OidcLoginTo | Unset = OidcLoginTo.API,
) -> Any | Problem | None:
    """Oidc Login

     Start an OpenID Connect login with the configured provider. Sets a short-lived HttpOnly
    cookie binding the login to this browser; the callback is accepted only with it.

    Args:
        to (OidcLoginTo | Unset): where the provider sends the browser back Default:
            OidcLoginTo.API.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Any | Problem
    """

    return sync_detailed(
        client=client,
        to=to,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient | Client,
    to: OidcLoginTo | Unset = OidcLoginTo.API,
) -> Response[Any | Problem]:
    """Oidc Login

     Start an OpenID Connect login with the configured provider. Sets a short-lived HttpOnly
    cookie binding the login to this browser; the callback is accepted only with it.

    Args:
        to (OidcLoginTo | Unset): where the provider sends the browser back Default:
            OidcLoginTo.API.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Any | Problem]
    """

    kwargs = _get_kwargs(
        to=to,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient | Client,
    to: OidcLoginTo | Unset = OidcLoginTo.API,
) -> Any | Problem | None:
    """Oidc Login

     Start an OpenID Connect login with the configured provider. Sets a short-lived HttpOnly
    cookie binding the login to this browser; the callback is accepted only with it.

    Args:
        to (OidcLoginTo | Unset): where the provider sends the browser back Default:
            OidcLoginTo.API.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Any | Problem
    """

    return (
        await asyncio_detailed(
            client=client,
            to=to,
        )
    ).parsed

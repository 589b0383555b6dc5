from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="ModelPublic")


@_attrs_define
class ModelPublic:
    """
    Attributes:
        id (UUID):
        name (str):
        team_id (None | UUID):
        provider (str):
        display_name (str):
        capabilities (list[str]):
        context_window (int):
        max_output_tokens (int):
        input_price (float):
        output_price (float):
        active (bool):
        fallbacks (list[str]):
        api_key_env (None | str):
        api_base_env (None | str):
        api_base (None | str):
        timeout_s (float | None):
        notes (str):
        created_at (datetime.datetime):
        updated_at (datetime.datetime):
        has_key (bool | Unset):  Default: False.
    """

    id: UUID
    name: str
    team_id: UUID | None
    provider: str
    display_name: str
    capabilities: list[str]
    context_window: int
    max_output_tokens: int
    input_price: float
    output_price: float
    active: bool
    fallbacks: list[str]
    api_key_env: str | None
    api_base_env: str | None
    api_base: str | None
    timeout_s: float | None
    notes: str
    created_at: datetime.datetime
    updated_at: datetime.datetime
    has_key: bool | Unset = False
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        id = str(self.id)

        name = self.name

        team_id: str | None
        if isinstance(self.team_id, UUID):
            team_id = str(self.team_id)
        else:
            team_id = self.team_id

        provider = self.provider

        display_name = self.display_name

        capabilities = self.capabilities

        context_window = self.context_window

        max_output_tokens = self.max_output_tokens

        input_price = self.input_price

        output_price = self.output_price

        active = self.active

        fallbacks = self.fallbacks

        api_key_env: str | None
        api_key_env = self.api_key_env

        api_base_env: str | None
        api_base_env = self.api_base_env

        api_base: str | None
        api_base = self.api_base

        timeout_s: float | None
        timeout_s = self.timeout_s

        notes = self.notes

        created_at = self.created_at.isoformat()

        updated_at = self.updated_at.isoformat()

        has_key = self.has_key

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "id": id,
                "name": name,
                "team_id": team_id,
                "provider": provider,
                "display_name": display_name,
                "capabilities": capabilities,
                "context_window": context_window,
                "max_output_tokens": max_output_tokens,
                "input_price": input_price,
                "output_price": output_price,
                "active": active,
                "fallbacks": fallbacks,
                "api_key_env": api_key_env,
                "api_base_env": api_base_env,
                "api_base": api_base,
                "timeout_s": timeout_s,
                "notes": notes,
                "created_at": created_at,
                "updated_at": updated_at,
            }
        )
        if has_key is not UNSET:
            field_dict["has_key"] = has_key

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        id = UUID(d.pop("id"))

        name = d.pop("name")

        def _parse_team_id(data: object) -> UUID | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                team_id_type_0 = UUID(data)

                return team_id_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | UUID, data)

        team_id = _parse_team_id(d.pop("team_id"))

        provider = d.pop("provider")

        display_name = d.pop("display_name")

        capabilities = cast(list[str], d.pop("capabilities"))

        context_window = d.pop("context_window")

        max_output_tokens = d.pop("max_output_tokens")

        input_price = d.pop("input_price")

        output_price = d.pop("output_price")

        active = d.pop("active")

        fallbacks = cast(list[str], d.pop("fallbacks"))

        def _parse_api_key_env(data: object) -> str | None:
            if data is None:
                return data
            return cast(None | str, data)

        api_key_env = _parse_api_key_env(d.pop("api_key_env"))

        def _parse_api_base_env(data: object) -> str | None:
            if data is None:
                return data
            return cast(None | str, data)

        api_base_env = _parse_api_base_env(d.pop("api_base_env"))

        def _parse_api_base(data: object) -> str | None:
            if data is None:
                return data
            return cast(None | str, data)

        api_base = _parse_api_base(d.pop("api_base"))

        def _parse_timeout_s(data: object) -> float | None:
            if data is None:
                return data
            return cast(float | None, data)

        timeout_s = _parse_timeout_s(d.pop("timeout_s"))

        notes = d.pop("notes")

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        updated_at = datetime.datetime.fromisoformat(d.pop("updated_at"))

        has_key = d.pop("has_key", UNSET)

        model_public = cls(
            id=id,
            name=name,
            team_id=team_id,
            provider=provider,
            display_name=display_name,
            capabilities=capabilities,
            context_window=context_window,
            max_output_tokens=max_output_tokens,
            input_price=input_price,
            output_price=output_price,
            active=active,
            fallbacks=fallbacks,
            api_key_env=api_key_env,
            api_base_env=api_base_env,
            api_base=api_base,
            timeout_s=timeout_s,
            notes=notes,
            created_at=created_at,
            updated_at=updated_at,
            has_key=has_key,
        )

        model_public.additional_properties = d
        return model_public

    @property
    def additional_keys(self) -> list[str]:
        return list(self.additional_properties.keys())

    def __getitem__(self, key: str) -> Any:
        return self.additional_properties[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self.additional_properties[key] = value

    def __delitem__(self, key: str) -> None:
        del self.additional_properties[key]

    def __contains__(self, key: str) -> bool:
        return key in self.additional_properties

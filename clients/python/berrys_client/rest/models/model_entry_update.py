from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="ModelEntryUpdate")


@_attrs_define
class ModelEntryUpdate:
    """What a team admin may change on the team's own catalogue entry (the name is fixed).

    Attributes:
        display_name (None | str | Unset):
        capabilities (list[str] | None | Unset):
        context_window (int | None | Unset):
        max_output_tokens (int | None | Unset):
        input_price (float | None | Unset):
        output_price (float | None | Unset):
        active (bool | None | Unset):
        fallbacks (list[str] | None | Unset):
        api_key_env (None | str | Unset):
        api_base_env (None | str | Unset):
        timeout_s (float | None | Unset):
        notes (None | str | Unset):
        api_key (None | str | Unset):
    """

    display_name: str | Unset | None = UNSET
    capabilities: list[str] | Unset | None = UNSET
    context_window: int | Unset | None = UNSET
    max_output_tokens: int | Unset | None = UNSET
    input_price: float | Unset | None = UNSET
    output_price: float | Unset | None = UNSET
    active: bool | Unset | None = UNSET
    fallbacks: list[str] | Unset | None = UNSET
    api_key_env: str | Unset | None = UNSET
    api_base_env: str | Unset | None = UNSET
    timeout_s: float | Unset | None = UNSET
    notes: str | Unset | None = UNSET
    api_key: str | Unset | None = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        display_name: str | Unset | None
        if isinstance(self.display_name, Unset):
            display_name = UNSET
        else:
            display_name = self.display_name

        capabilities: list[str] | Unset | None
        if isinstance(self.capabilities, Unset):
            capabilities = UNSET
        elif isinstance(self.capabilities, list):
            capabilities = self.capabilities

        else:
            capabilities = self.capabilities

        context_window: int | Unset | None
        if isinstance(self.context_window, Unset):
            context_window = UNSET
        else:
            context_window = self.context_window

        max_output_tokens: int | Unset | None
        if isinstance(self.max_output_tokens, Unset):
            max_output_tokens = UNSET
        else:
            max_output_tokens = self.max_output_tokens

        input_price: float | Unset | None
        if isinstance(self.input_price, Unset):
            input_price = UNSET
        else:
            input_price = self.input_price

        output_price: float | Unset | None
        if isinstance(self.output_price, Unset):
            output_price = UNSET
        else:
            output_price = self.output_price

        active: bool | Unset | None
        if isinstance(self.active, Unset):
            active = UNSET
        else:
            active = self.active

        fallbacks: list[str] | Unset | None
        if isinstance(self.fallbacks, Unset):
            fallbacks = UNSET
        elif isinstance(self.fallbacks, list):
            fallbacks = self.fallbacks

        else:
            fallbacks = self.fallbacks

        api_key_env: str | Unset | None
        if isinstance(self.api_key_env, Unset):
            api_key_env = UNSET
        else:
            api_key_env = self.api_key_env

        api_base_env: str | Unset | None
        if isinstance(self.api_base_env, Unset):
            api_base_env = UNSET
        else:
            api_base_env = self.api_base_env

        timeout_s: float | Unset | None
        if isinstance(self.timeout_s, Unset):
            timeout_s = UNSET
        else:
            timeout_s = self.timeout_s

        notes: str | Unset | None
        if isinstance(self.notes, Unset):
            notes = UNSET
        else:
            notes = self.notes

        api_key: str | Unset | None
        if isinstance(self.api_key, Unset):
            api_key = UNSET
        else:
            api_key = self.api_key

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({})
        if display_name is not UNSET:
            field_dict["display_name"] = display_name
        if capabilities is not UNSET:
            field_dict["capabilities"] = capabilities
        if context_window is not UNSET:
            field_dict["context_window"] = context_window
        if max_output_tokens is not UNSET:
            field_dict["max_output_tokens"] = max_output_tokens
        if input_price is not UNSET:
            field_dict["input_price"] = input_price
        if output_price is not UNSET:
            field_dict["output_price"] = output_price
        if active is not UNSET:
            field_dict["active"] = active
        if fallbacks is not UNSET:
            field_dict["fallbacks"] = fallbacks
        if api_key_env is not UNSET:
            field_dict["api_key_env"] = api_key_env
        if api_base_env is not UNSET:
            field_dict["api_base_env"] = api_base_env
        if timeout_s is not UNSET:
            field_dict["timeout_s"] = timeout_s
        if notes is not UNSET:
            field_dict["notes"] = notes
        if api_key is not UNSET:
            field_dict["api_key"] = api_key

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)

        def _parse_display_name(data: object) -> str | Unset | None:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        display_name = _parse_display_name(d.pop("display_name", UNSET))

        def _parse_capabilities(data: object) -> list[str] | Unset | None:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, list):
                    raise TypeError()
                capabilities_type_0 = cast(list[str], data)

                return capabilities_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(list[str] | None | Unset, data)

        capabilities = _parse_capabilities(d.pop("capabilities", UNSET))

        def _parse_context_window(data: object) -> int | Unset | None:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        context_window = _parse_context_window(d.pop("context_window", UNSET))

        def _parse_max_output_tokens(data: object) -> int | Unset | None:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        max_output_tokens = _parse_max_output_tokens(d.pop("max_output_tokens", UNSET))

        def _parse_input_price(data: object) -> float | Unset | None:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(float | None | Unset, data)

        input_price = _parse_input_price(d.pop("input_price", UNSET))

        def _parse_output_price(data: object) -> float | Unset | None:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(float | None | Unset, data)

        output_price = _parse_output_price(d.pop("output_price", UNSET))

        def _parse_active(data: object) -> bool | Unset | None:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(bool | None | Unset, data)

        active = _parse_active(d.pop("active", UNSET))

        def _parse_fallbacks(data: object) -> list[str] | Unset | None:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, list):
                    raise TypeError()
                fallbacks_type_0 = cast(list[str], data)

                return fallbacks_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(list[str] | None | Unset, data)

        fallbacks = _parse_fallbacks(d.pop("fallbacks", UNSET))

        def _parse_api_key_env(data: object) -> str | Unset | None:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        api_key_env = _parse_api_key_env(d.pop("api_key_env", UNSET))

        def _parse_api_base_env(data: object) -> str | Unset | None:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        api_base_env = _parse_api_base_env(d.pop("api_base_env", UNSET))

        def _parse_timeout_s(data: object) -> float | Unset | None:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(float | None | Unset, data)

        timeout_s = _parse_timeout_s(d.pop("timeout_s", UNSET))

        def _parse_notes(data: object) -> str | Unset | None:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        notes = _parse_notes(d.pop("notes", UNSET))

        def _parse_api_key(data: object) -> str | Unset | None:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        api_key = _parse_api_key(d.pop("api_key", UNSET))

        model_entry_update = cls(
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
            timeout_s=timeout_s,
            notes=notes,
            api_key=api_key,
        )

        model_entry_update.additional_properties = d
        return model_entry_update

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

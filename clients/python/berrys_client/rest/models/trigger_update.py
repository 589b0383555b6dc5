from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.trigger_update_params_type_0 import TriggerUpdateParamsType0
    from ..models.trigger_update_payload_map_type_0 import TriggerUpdatePayloadMapType0


T = TypeVar("T", bound="TriggerUpdate")


@_attrs_define
class TriggerUpdate:
    """
    Attributes:
        name (None | str | Unset):
        cron (None | str | Unset):
        timezone (None | str | Unset):
        params (None | TriggerUpdateParamsType0 | Unset):
        payload_map (None | TriggerUpdatePayloadMapType0 | Unset):
        enabled (bool | None | Unset):
    """

    name: str | Unset | None = UNSET
    cron: str | Unset | None = UNSET
    timezone: str | Unset | None = UNSET
    params: TriggerUpdateParamsType0 | Unset | None = UNSET
    payload_map: TriggerUpdatePayloadMapType0 | Unset | None = UNSET
    enabled: bool | Unset | None = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.trigger_update_params_type_0 import TriggerUpdateParamsType0
        from ..models.trigger_update_payload_map_type_0 import TriggerUpdatePayloadMapType0

        name: str | Unset | None
        if isinstance(self.name, Unset):
            name = UNSET
        else:
            name = self.name

        cron: str | Unset | None
        if isinstance(self.cron, Unset):
            cron = UNSET
        else:
            cron = self.cron

        timezone: str | Unset | None
        if isinstance(self.timezone, Unset):
            timezone = UNSET
        else:
            timezone = self.timezone

        params: dict[str, Any] | Unset | None
        if isinstance(self.params, Unset):
            params = UNSET
        elif isinstance(self.params, TriggerUpdateParamsType0):
            params = self.params.to_dict()
        else:
            params = self.params

        payload_map: dict[str, Any] | Unset | None
        if isinstance(self.payload_map, Unset):
            payload_map = UNSET
        elif isinstance(self.payload_map, TriggerUpdatePayloadMapType0):
            payload_map = self.payload_map.to_dict()
        else:
            payload_map = self.payload_map

        enabled: bool | Unset | None
        if isinstance(self.enabled, Unset):
            enabled = UNSET
        else:
            enabled = self.enabled

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({})
        if name is not UNSET:
            field_dict["name"] = name
        if cron is not UNSET:
            field_dict["cron"] = cron
        if timezone is not UNSET:
            field_dict["timezone"] = timezone
        if params is not UNSET:
            field_dict["params"] = params
        if payload_map is not UNSET:
            field_dict["payload_map"] = payload_map
        if enabled is not UNSET:
            field_dict["enabled"] = enabled

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.trigger_update_params_type_0 import TriggerUpdateParamsType0
        from ..models.trigger_update_payload_map_type_0 import TriggerUpdatePayloadMapType0

        d = dict(src_dict)

        def _parse_name(data: object) -> str | Unset | None:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        name = _parse_name(d.pop("name", UNSET))

        def _parse_cron(data: object) -> str | Unset | None:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        cron = _parse_cron(d.pop("cron", UNSET))

        def _parse_timezone(data: object) -> str | Unset | None:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        timezone = _parse_timezone(d.pop("timezone", UNSET))

        def _parse_params(data: object) -> TriggerUpdateParamsType0 | Unset | None:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                params_type_0 = TriggerUpdateParamsType0.from_dict(data)

                return params_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | TriggerUpdateParamsType0 | Unset, data)

        params = _parse_params(d.pop("params", UNSET))

        def _parse_payload_map(data: object) -> TriggerUpdatePayloadMapType0 | Unset | None:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                payload_map_type_0 = TriggerUpdatePayloadMapType0.from_dict(data)

                return payload_map_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | TriggerUpdatePayloadMapType0 | Unset, data)

        payload_map = _parse_payload_map(d.pop("payload_map", UNSET))

        def _parse_enabled(data: object) -> bool | Unset | None:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(bool | None | Unset, data)

        enabled = _parse_enabled(d.pop("enabled", UNSET))

        trigger_update = cls(
            name=name,
            cron=cron,
            timezone=timezone,
            params=params,
            payload_map=payload_map,
            enabled=enabled,
        )

        trigger_update.additional_properties = d
        return trigger_update

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

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.trigger_kind import TriggerKind
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.trigger_create_params import TriggerCreateParams
    from ..models.trigger_create_payload_map import TriggerCreatePayloadMap


T = TypeVar("T", bound="TriggerCreate")


@_attrs_define
class TriggerCreate:
    """
    Attributes:
        name (str):
        kind (TriggerKind):
        cron (None | str | Unset): 5 fields, or 6 with seconds last
        timezone (str | Unset): an IANA zone, e.g. Europe/Paris Default: 'UTC'.
        params (TriggerCreateParams | Unset): fixed parameter values
        payload_map (TriggerCreatePayloadMap | Unset): parameter -> JSON pointer into the webhook payload, e.g.
            /repo/name
        enabled (bool | Unset):  Default: True.
    """

    name: str
    kind: TriggerKind
    cron: str | Unset | None = UNSET
    timezone: str | Unset = "UTC"
    params: TriggerCreateParams | Unset = UNSET
    payload_map: TriggerCreatePayloadMap | Unset = UNSET
    enabled: bool | Unset = True
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        name = self.name

        kind = self.kind.value

        cron: str | Unset | None
        if isinstance(self.cron, Unset):
            cron = UNSET
        else:
            cron = self.cron

        timezone = self.timezone

        params: dict[str, Any] | Unset = UNSET
        if not isinstance(self.params, Unset):
            params = self.params.to_dict()

        payload_map: dict[str, Any] | Unset = UNSET
        if not isinstance(self.payload_map, Unset):
            payload_map = self.payload_map.to_dict()

        enabled = self.enabled

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "name": name,
                "kind": kind,
            }
        )
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
        from ..models.trigger_create_params import TriggerCreateParams
        from ..models.trigger_create_payload_map import TriggerCreatePayloadMap

        d = dict(src_dict)
        name = d.pop("name")

        kind = TriggerKind(d.pop("kind"))

        def _parse_cron(data: object) -> str | Unset | None:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        cron = _parse_cron(d.pop("cron", UNSET))

        timezone = d.pop("timezone", UNSET)

        _params = d.pop("params", UNSET)
        params: TriggerCreateParams | Unset
        if isinstance(_params, Unset):
            params = UNSET
        else:
            params = TriggerCreateParams.from_dict(_params)

        _payload_map = d.pop("payload_map", UNSET)
        payload_map: TriggerCreatePayloadMap | Unset
        if isinstance(_payload_map, Unset):
            payload_map = UNSET
        else:
            payload_map = TriggerCreatePayloadMap.from_dict(_payload_map)

        enabled = d.pop("enabled", UNSET)

        trigger_create = cls(
            name=name,
            kind=kind,
            cron=cron,
            timezone=timezone,
            params=params,
            payload_map=payload_map,
            enabled=enabled,
        )

        trigger_create.additional_properties = d
        return trigger_create

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

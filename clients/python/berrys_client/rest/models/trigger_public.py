from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.trigger_public_params import TriggerPublicParams
    from ..models.trigger_public_payload_map import TriggerPublicPayloadMap


T = TypeVar("T", bound="TriggerPublic")


@_attrs_define
class TriggerPublic:
    """
    Attributes:
        id (UUID):
        team_id (UUID):
        template_id (UUID):
        name (str):
        kind (str):
        cron (None | str):
        timezone (str):
        params (TriggerPublicParams):
        payload_map (TriggerPublicPayloadMap):
        enabled (bool):
        next_run_at (datetime.datetime | None):
        created_at (datetime.datetime):
        hook_url (None | str | Unset):
        token (None | str | Unset):
    """

    id: UUID
    team_id: UUID
    template_id: UUID
    name: str
    kind: str
    cron: str | None
    timezone: str
    params: TriggerPublicParams
    payload_map: TriggerPublicPayloadMap
    enabled: bool
    next_run_at: datetime.datetime | None
    created_at: datetime.datetime
    hook_url: str | Unset | None = UNSET
    token: str | Unset | None = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        id = str(self.id)

        team_id = str(self.team_id)

        template_id = str(self.template_id)

        name = self.name

        kind = self.kind

        cron: str | None
        cron = self.cron

        timezone = self.timezone

        params = self.params.to_dict()

        payload_map = self.payload_map.to_dict()

        enabled = self.enabled

        next_run_at: str | None
        if isinstance(self.next_run_at, datetime.datetime):
            next_run_at = self.next_run_at.isoformat()
        else:
            next_run_at = self.next_run_at

        created_at = self.created_at.isoformat()

        hook_url: str | Unset | None
        if isinstance(self.hook_url, Unset):
            hook_url = UNSET
        else:
            hook_url = self.hook_url

        token: str | Unset | None
        if isinstance(self.token, Unset):
            token = UNSET
        else:
            token = self.token

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "id": id,
                "team_id": team_id,
                "template_id": template_id,
                "name": name,
                "kind": kind,
                "cron": cron,
                "timezone": timezone,
                "params": params,
                "payload_map": payload_map,
                "enabled": enabled,
                "next_run_at": next_run_at,
                "created_at": created_at,
            }
        )
        if hook_url is not UNSET:
            field_dict["hook_url"] = hook_url
        if token is not UNSET:
            field_dict["token"] = token

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.trigger_public_params import TriggerPublicParams
        from ..models.trigger_public_payload_map import TriggerPublicPayloadMap

        d = dict(src_dict)
        id = UUID(d.pop("id"))

        team_id = UUID(d.pop("team_id"))

        template_id = UUID(d.pop("template_id"))

        name = d.pop("name")

        kind = d.pop("kind")

        def _parse_cron(data: object) -> str | None:
            if data is None:
                return data
            return cast(None | str, data)

        cron = _parse_cron(d.pop("cron"))

        timezone = d.pop("timezone")

        params = TriggerPublicParams.from_dict(d.pop("params"))

        payload_map = TriggerPublicPayloadMap.from_dict(d.pop("payload_map"))

        enabled = d.pop("enabled")

        def _parse_next_run_at(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                next_run_at_type_0 = datetime.datetime.fromisoformat(data)

                return next_run_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        next_run_at = _parse_next_run_at(d.pop("next_run_at"))

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        def _parse_hook_url(data: object) -> str | Unset | None:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        hook_url = _parse_hook_url(d.pop("hook_url", UNSET))

        def _parse_token(data: object) -> str | Unset | None:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        token = _parse_token(d.pop("token", UNSET))

        trigger_public = cls(
            id=id,
            team_id=team_id,
            template_id=template_id,
            name=name,
            kind=kind,
            cron=cron,
            timezone=timezone,
            params=params,
            payload_map=payload_map,
            enabled=enabled,
            next_run_at=next_run_at,
            created_at=created_at,
            hook_url=hook_url,
            token=token,
        )

        trigger_public.additional_properties = d
        return trigger_public

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

from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="TriggerRunPublic")


@_attrs_define
class TriggerRunPublic:
    """
    Attributes:
        id (UUID):
        trigger_id (UUID):
        slot (datetime.datetime | None):
        status (str):
        project_id (None | UUID):
        error (str):
        source_ip (None | str):
        created_at (datetime.datetime):
    """

    id: UUID
    trigger_id: UUID
    slot: datetime.datetime | None
    status: str
    project_id: UUID | None
    error: str
    source_ip: str | None
    created_at: datetime.datetime
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        id = str(self.id)

        trigger_id = str(self.trigger_id)

        slot: str | None
        if isinstance(self.slot, datetime.datetime):
            slot = self.slot.isoformat()
        else:
            slot = self.slot

        status = self.status

        project_id: str | None
        if isinstance(self.project_id, UUID):
            project_id = str(self.project_id)
        else:
            project_id = self.project_id

        error = self.error

        source_ip: str | None
        source_ip = self.source_ip

        created_at = self.created_at.isoformat()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "id": id,
                "trigger_id": trigger_id,
                "slot": slot,
                "status": status,
                "project_id": project_id,
                "error": error,
                "source_ip": source_ip,
                "created_at": created_at,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        id = UUID(d.pop("id"))

        trigger_id = UUID(d.pop("trigger_id"))

        def _parse_slot(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                slot_type_0 = datetime.datetime.fromisoformat(data)

                return slot_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        slot = _parse_slot(d.pop("slot"))

        status = d.pop("status")

        def _parse_project_id(data: object) -> UUID | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                project_id_type_0 = UUID(data)

                return project_id_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | UUID, data)

        project_id = _parse_project_id(d.pop("project_id"))

        error = d.pop("error")

        def _parse_source_ip(data: object) -> str | None:
            if data is None:
                return data
            return cast(None | str, data)

        source_ip = _parse_source_ip(d.pop("source_ip"))

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        trigger_run_public = cls(
            id=id,
            trigger_id=trigger_id,
            slot=slot,
            status=status,
            project_id=project_id,
            error=error,
            source_ip=source_ip,
            created_at=created_at,
        )

        trigger_run_public.additional_properties = d
        return trigger_run_public

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

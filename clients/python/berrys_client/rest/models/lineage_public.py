from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="LineagePublic")


@_attrs_define
class LineagePublic:
    """
    Attributes:
        id (UUID):
        name (str):
        status (str):
        forked_from_project_id (None | UUID):
        forked_at_task_key (None | str):
        fork_mode (None | str):
        depth (int):
        created_at (datetime.datetime):
    """

    id: UUID
    name: str
    status: str
    forked_from_project_id: UUID | None
    forked_at_task_key: str | None
    fork_mode: str | None
    depth: int
    created_at: datetime.datetime
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        id = str(self.id)

        name = self.name

        status = self.status

        forked_from_project_id: str | None
        if isinstance(self.forked_from_project_id, UUID):
            forked_from_project_id = str(self.forked_from_project_id)
        else:
            forked_from_project_id = self.forked_from_project_id

        forked_at_task_key: str | None
        forked_at_task_key = self.forked_at_task_key

        fork_mode: str | None
        fork_mode = self.fork_mode

        depth = self.depth

        created_at = self.created_at.isoformat()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "id": id,
                "name": name,
                "status": status,
                "forked_from_project_id": forked_from_project_id,
                "forked_at_task_key": forked_at_task_key,
                "fork_mode": fork_mode,
                "depth": depth,
                "created_at": created_at,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        id = UUID(d.pop("id"))

        name = d.pop("name")

        status = d.pop("status")

        def _parse_forked_from_project_id(data: object) -> UUID | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                forked_from_project_id_type_0 = UUID(data)

                return forked_from_project_id_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | UUID, data)

        forked_from_project_id = _parse_forked_from_project_id(d.pop("forked_from_project_id"))

        def _parse_forked_at_task_key(data: object) -> str | None:
            if data is None:
                return data
            return cast(None | str, data)

        forked_at_task_key = _parse_forked_at_task_key(d.pop("forked_at_task_key"))

        def _parse_fork_mode(data: object) -> str | None:
            if data is None:
                return data
            return cast(None | str, data)

        fork_mode = _parse_fork_mode(d.pop("fork_mode"))

        depth = d.pop("depth")

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        lineage_public = cls(
            id=id,
            name=name,
            status=status,
            forked_from_project_id=forked_from_project_id,
            forked_at_task_key=forked_at_task_key,
            fork_mode=fork_mode,
            depth=depth,
            created_at=created_at,
        )

        lineage_public.additional_properties = d
        return lineage_public

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

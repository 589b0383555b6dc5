from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="DeliverablePublic")


@_attrs_define
class DeliverablePublic:
    """
    Attributes:
        id (UUID):
        project_id (UUID):
        title (str):
        kind (str):
        content (str):
        source_task_ids (list[str]):
        created_at (datetime.datetime):
    """

    id: UUID
    project_id: UUID
    title: str
    kind: str
    content: str
    source_task_ids: list[str]
    created_at: datetime.datetime
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        id = str(self.id)

        project_id = str(self.project_id)

        title = self.title

        kind = self.kind

        content = self.content

        source_task_ids = self.source_task_ids

        created_at = self.created_at.isoformat()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "id": id,
                "project_id": project_id,
                "title": title,
                "kind": kind,
                "content": content,
                "source_task_ids": source_task_ids,
                "created_at": created_at,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        id = UUID(d.pop("id"))

        project_id = UUID(d.pop("project_id"))

        title = d.pop("title")

        kind = d.pop("kind")

        content = d.pop("content")

        source_task_ids = cast(list[str], d.pop("source_task_ids"))

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        deliverable_public = cls(
            id=id,
            project_id=project_id,
            title=title,
            kind=kind,
            content=content,
            source_task_ids=source_task_ids,
            created_at=created_at,
        )

        deliverable_public.additional_properties = d
        return deliverable_public

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

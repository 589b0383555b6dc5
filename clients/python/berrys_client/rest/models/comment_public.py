from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="CommentPublic")


@_attrs_define
class CommentPublic:
    """
    Attributes:
        id (UUID):
        team_id (UUID):
        project_id (UUID):
        task_id (None | UUID):
        author_id (None | UUID):
        body (str):
        mentions (list[str]):
        created_at (datetime.datetime):
    """

    id: UUID
    team_id: UUID
    project_id: UUID
    task_id: UUID | None
    author_id: UUID | None
    body: str
    mentions: list[str]
    created_at: datetime.datetime
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        id = str(self.id)

        team_id = str(self.team_id)

        project_id = str(self.project_id)

        task_id: str | None
        if isinstance(self.task_id, UUID):
            task_id = str(self.task_id)
        else:
            task_id = self.task_id

        author_id: str | None
        if isinstance(self.author_id, UUID):
            author_id = str(self.author_id)
        else:
            author_id = self.author_id

        body = self.body

        mentions = self.mentions

        created_at = self.created_at.isoformat()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "id": id,
                "team_id": team_id,
                "project_id": project_id,
                "task_id": task_id,
                "author_id": author_id,
                "body": body,
                "mentions": mentions,
                "created_at": created_at,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        id = UUID(d.pop("id"))

        team_id = UUID(d.pop("team_id"))

        project_id = UUID(d.pop("project_id"))

        def _parse_task_id(data: object) -> UUID | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                task_id_type_0 = UUID(data)

                return task_id_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | UUID, data)

        task_id = _parse_task_id(d.pop("task_id"))

        def _parse_author_id(data: object) -> UUID | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                author_id_type_0 = UUID(data)

                return author_id_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | UUID, data)

        author_id = _parse_author_id(d.pop("author_id"))

        body = d.pop("body")

        mentions = cast(list[str], d.pop("mentions"))

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        comment_public = cls(
            id=id,
            team_id=team_id,
            project_id=project_id,
            task_id=task_id,
            author_id=author_id,
            body=body,
            mentions=mentions,
            created_at=created_at,
        )

        comment_public.additional_properties = d
        return comment_public

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

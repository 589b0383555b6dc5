from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.event_kind import EventKind

if TYPE_CHECKING:
    from ..models.event_public_payload import EventPublicPayload


T = TypeVar("T", bound="EventPublic")


@_attrs_define
class EventPublic:
    """An event (``domain.event_kinds.EventMessage``; ``kind`` is one of ``EventKind``).

    Attributes:
        id (int | None):
        kind (EventKind):
        team_id (None | str):
        project_id (None | str):
        task_id (None | str):
        actor (str):
        payload (EventPublicPayload):
        created_at (None | str):
    """

    id: int | None
    kind: EventKind
    team_id: str | None
    project_id: str | None
    task_id: str | None
    actor: str
    payload: EventPublicPayload
    created_at: str | None
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        id: int | None
        id = self.id

        kind = self.kind.value

        team_id: str | None
        team_id = self.team_id

        project_id: str | None
        project_id = self.project_id

        task_id: str | None
        task_id = self.task_id

        actor = self.actor

        payload = self.payload.to_dict()

        created_at: str | None
        created_at = self.created_at

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "id": id,
                "kind": kind,
                "team_id": team_id,
                "project_id": project_id,
                "task_id": task_id,
                "actor": actor,
                "payload": payload,
                "created_at": created_at,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.event_public_payload import EventPublicPayload

        d = dict(src_dict)

        def _parse_id(data: object) -> int | None:
            if data is None:
                return data
            return cast(int | None, data)

        id = _parse_id(d.pop("id"))

        kind = EventKind(d.pop("kind"))

        def _parse_team_id(data: object) -> str | None:
            if data is None:
                return data
            return cast(None | str, data)

        team_id = _parse_team_id(d.pop("team_id"))

        def _parse_project_id(data: object) -> str | None:
            if data is None:
                return data
            return cast(None | str, data)

        project_id = _parse_project_id(d.pop("project_id"))

        def _parse_task_id(data: object) -> str | None:
            if data is None:
                return data
            return cast(None | str, data)

        task_id = _parse_task_id(d.pop("task_id"))

        actor = d.pop("actor")

        payload = EventPublicPayload.from_dict(d.pop("payload"))

        def _parse_created_at(data: object) -> str | None:
            if data is None:
                return data
            return cast(None | str, data)

        created_at = _parse_created_at(d.pop("created_at"))

        event_public = cls(
            id=id,
            kind=kind,
            team_id=team_id,
            project_id=project_id,
            task_id=task_id,
            actor=actor,
            payload=payload,
            created_at=created_at,
        )

        event_public.additional_properties = d
        return event_public

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

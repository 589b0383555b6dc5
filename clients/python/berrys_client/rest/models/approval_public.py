from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.approval_public_details import ApprovalPublicDetails


T = TypeVar("T", bound="ApprovalPublic")


@_attrs_define
class ApprovalPublic:
    """
    Attributes:
        id (UUID):
        team_id (UUID):
        project_id (None | UUID):
        task_id (None | UUID):
        kind (str):
        status (str):
        title (str):
        details (ApprovalPublicDetails):
        requested_by (str):
        decided_by (None | UUID):
        decided_at (datetime.datetime | None):
        reason (None | str):
        created_at (datetime.datetime):
    """

    id: UUID
    team_id: UUID
    project_id: UUID | None
    task_id: UUID | None
    kind: str
    status: str
    title: str
    details: ApprovalPublicDetails
    requested_by: str
    decided_by: UUID | None
    decided_at: datetime.datetime | None
    reason: str | None
    created_at: datetime.datetime
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        id = str(self.id)

        team_id = str(self.team_id)

        project_id: str | None
        if isinstance(self.project_id, UUID):
            project_id = str(self.project_id)
        else:
            project_id = self.project_id

        task_id: str | None
        if isinstance(self.task_id, UUID):
            task_id = str(self.task_id)
        else:
            task_id = self.task_id

        kind = self.kind

        status = self.status

        title = self.title

        details = self.details.to_dict()

        requested_by = self.requested_by

        decided_by: str | None
        if isinstance(self.decided_by, UUID):
            decided_by = str(self.decided_by)
        else:
            decided_by = self.decided_by

        decided_at: str | None
        if isinstance(self.decided_at, datetime.datetime):
            decided_at = self.decided_at.isoformat()
        else:
            decided_at = self.decided_at

        reason: str | None
        reason = self.reason

        created_at = self.created_at.isoformat()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "id": id,
                "team_id": team_id,
                "project_id": project_id,
                "task_id": task_id,
                "kind": kind,
                "status": status,
                "title": title,
                "details": details,
                "requested_by": requested_by,
                "decided_by": decided_by,
                "decided_at": decided_at,
                "reason": reason,
                "created_at": created_at,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.approval_public_details import ApprovalPublicDetails

        d = dict(src_dict)
        id = UUID(d.pop("id"))

        team_id = UUID(d.pop("team_id"))

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

        kind = d.pop("kind")

        status = d.pop("status")

        title = d.pop("title")

        details = ApprovalPublicDetails.from_dict(d.pop("details"))

        requested_by = d.pop("requested_by")

        def _parse_decided_by(data: object) -> UUID | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                decided_by_type_0 = UUID(data)

                return decided_by_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | UUID, data)

        decided_by = _parse_decided_by(d.pop("decided_by"))

        def _parse_decided_at(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                decided_at_type_0 = datetime.datetime.fromisoformat(data)

                return decided_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        decided_at = _parse_decided_at(d.pop("decided_at"))

        def _parse_reason(data: object) -> str | None:
            if data is None:
                return data
            return cast(None | str, data)

        reason = _parse_reason(d.pop("reason"))

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        approval_public = cls(
            id=id,
            team_id=team_id,
            project_id=project_id,
            task_id=task_id,
            kind=kind,
            status=status,
            title=title,
            details=details,
            requested_by=requested_by,
            decided_by=decided_by,
            decided_at=decided_at,
            reason=reason,
            created_at=created_at,
        )

        approval_public.additional_properties = d
        return approval_public

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

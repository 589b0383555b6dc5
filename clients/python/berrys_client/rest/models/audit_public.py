from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.audit_public_details import AuditPublicDetails


T = TypeVar("T", bound="AuditPublic")


@_attrs_define
class AuditPublic:
    """
    Attributes:
        id (int):
        action (str):
        success (bool):
        actor_id (None | UUID):
        actor_label (str):
        team_id (None | UUID):
        target_type (None | str):
        target_id (None | str):
        ip (None | str):
        details (AuditPublicDetails):
        created_at (datetime.datetime):
    """

    id: int
    action: str
    success: bool
    actor_id: UUID | None
    actor_label: str
    team_id: UUID | None
    target_type: str | None
    target_id: str | None
    ip: str | None
    details: AuditPublicDetails
    created_at: datetime.datetime
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        id = self.id

        action = self.action

        success = self.success

        actor_id: str | None
        if isinstance(self.actor_id, UUID):
            actor_id = str(self.actor_id)
        else:
            actor_id = self.actor_id

        actor_label = self.actor_label

        team_id: str | None
        if isinstance(self.team_id, UUID):
            team_id = str(self.team_id)
        else:
            team_id = self.team_id

        target_type: str | None
        target_type = self.target_type

        target_id: str | None
        target_id = self.target_id

        ip: str | None
        ip = self.ip

        details = self.details.to_dict()

        created_at = self.created_at.isoformat()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "id": id,
                "action": action,
                "success": success,
                "actor_id": actor_id,
                "actor_label": actor_label,
                "team_id": team_id,
                "target_type": target_type,
                "target_id": target_id,
                "ip": ip,
                "details": details,
                "created_at": created_at,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.audit_public_details import AuditPublicDetails

        d = dict(src_dict)
        id = d.pop("id")

        action = d.pop("action")

        success = d.pop("success")

        def _parse_actor_id(data: object) -> UUID | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                actor_id_type_0 = UUID(data)

                return actor_id_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | UUID, data)

        actor_id = _parse_actor_id(d.pop("actor_id"))

        actor_label = d.pop("actor_label")

        def _parse_team_id(data: object) -> UUID | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                team_id_type_0 = UUID(data)

                return team_id_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | UUID, data)

        team_id = _parse_team_id(d.pop("team_id"))

        def _parse_target_type(data: object) -> str | None:
            if data is None:
                return data
            return cast(None | str, data)

        target_type = _parse_target_type(d.pop("target_type"))

        def _parse_target_id(data: object) -> str | None:
            if data is None:
                return data
            return cast(None | str, data)

        target_id = _parse_target_id(d.pop("target_id"))

        def _parse_ip(data: object) -> str | None:
            if data is None:
                return data
            return cast(None | str, data)

        ip = _parse_ip(d.pop("ip"))

        details = AuditPublicDetails.from_dict(d.pop("details"))

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        audit_public = cls(
            id=id,
            action=action,
            success=success,
            actor_id=actor_id,
            actor_label=actor_label,
            team_id=team_id,
            target_type=target_type,
            target_id=target_id,
            ip=ip,
            details=details,
            created_at=created_at,
        )

        audit_public.additional_properties = d
        return audit_public

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

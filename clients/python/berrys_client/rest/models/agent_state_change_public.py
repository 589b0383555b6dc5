from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="AgentStateChangePublic")


@_attrs_define
class AgentStateChangePublic:
    """
    Attributes:
        id (UUID):
        agent_id (UUID):
        from_status (None | str):
        to_status (str):
        reason (None | str):
        actor (str):
        created_at (datetime.datetime):
    """

    id: UUID
    agent_id: UUID
    from_status: str | None
    to_status: str
    reason: str | None
    actor: str
    created_at: datetime.datetime
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        id = str(self.id)

        agent_id = str(self.agent_id)

        from_status: str | None
        from_status = self.from_status

        to_status = self.to_status

        reason: str | None
        reason = self.reason

        actor = self.actor

        created_at = self.created_at.isoformat()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "id": id,
                "agent_id": agent_id,
                "from_status": from_status,
                "to_status": to_status,
                "reason": reason,
                "actor": actor,
                "created_at": created_at,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        id = UUID(d.pop("id"))

        agent_id = UUID(d.pop("agent_id"))

        def _parse_from_status(data: object) -> str | None:
            if data is None:
                return data
            return cast(None | str, data)

        from_status = _parse_from_status(d.pop("from_status"))

        to_status = d.pop("to_status")

        def _parse_reason(data: object) -> str | None:
            if data is None:
                return data
            return cast(None | str, data)

        reason = _parse_reason(d.pop("reason"))

        actor = d.pop("actor")

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        agent_state_change_public = cls(
            id=id,
            agent_id=agent_id,
            from_status=from_status,
            to_status=to_status,
            reason=reason,
            actor=actor,
            created_at=created_at,
        )

        agent_state_change_public.additional_properties = d
        return agent_state_change_public

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

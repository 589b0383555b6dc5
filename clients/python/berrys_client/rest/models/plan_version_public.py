from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.plan_version_public_diff import PlanVersionPublicDiff
    from ..models.plan_version_public_plan import PlanVersionPublicPlan


T = TypeVar("T", bound="PlanVersionPublic")


@_attrs_define
class PlanVersionPublic:
    """
    Attributes:
        id (UUID):
        project_id (UUID):
        version (int):
        source (str):
        status (str):
        plan (PlanVersionPublicPlan):
        critical_path (list[str]):
        estimated_total_minutes (float):
        diff (PlanVersionPublicDiff):
        warnings (list[str]):
        reason (None | str):
        created_by (None | UUID):
        created_at (datetime.datetime):
    """

    id: UUID
    project_id: UUID
    version: int
    source: str
    status: str
    plan: PlanVersionPublicPlan
    critical_path: list[str]
    estimated_total_minutes: float
    diff: PlanVersionPublicDiff
    warnings: list[str]
    reason: str | None
    created_by: UUID | None
    created_at: datetime.datetime
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        id = str(self.id)

        project_id = str(self.project_id)

        version = self.version

        source = self.source

        status = self.status

        plan = self.plan.to_dict()

        critical_path = self.critical_path

        estimated_total_minutes = self.estimated_total_minutes

        diff = self.diff.to_dict()

        warnings = self.warnings

        reason: str | None
        reason = self.reason

        created_by: str | None
        if isinstance(self.created_by, UUID):
            created_by = str(self.created_by)
        else:
            created_by = self.created_by

        created_at = self.created_at.isoformat()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "id": id,
                "project_id": project_id,
                "version": version,
                "source": source,
                "status": status,
                "plan": plan,
                "critical_path": critical_path,
                "estimated_total_minutes": estimated_total_minutes,
                "diff": diff,
                "warnings": warnings,
                "reason": reason,
                "created_by": created_by,
                "created_at": created_at,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.plan_version_public_diff import PlanVersionPublicDiff
        from ..models.plan_version_public_plan import PlanVersionPublicPlan

        d = dict(src_dict)
        id = UUID(d.pop("id"))

        project_id = UUID(d.pop("project_id"))

        version = d.pop("version")

        source = d.pop("source")

        status = d.pop("status")

        plan = PlanVersionPublicPlan.from_dict(d.pop("plan"))

        critical_path = cast(list[str], d.pop("critical_path"))

        estimated_total_minutes = d.pop("estimated_total_minutes")

        diff = PlanVersionPublicDiff.from_dict(d.pop("diff"))

        warnings = cast(list[str], d.pop("warnings"))

        def _parse_reason(data: object) -> str | None:
            if data is None:
                return data
            return cast(None | str, data)

        reason = _parse_reason(d.pop("reason"))

        def _parse_created_by(data: object) -> UUID | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                created_by_type_0 = UUID(data)

                return created_by_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | UUID, data)

        created_by = _parse_created_by(d.pop("created_by"))

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        plan_version_public = cls(
            id=id,
            project_id=project_id,
            version=version,
            source=source,
            status=status,
            plan=plan,
            critical_path=critical_path,
            estimated_total_minutes=estimated_total_minutes,
            diff=diff,
            warnings=warnings,
            reason=reason,
            created_by=created_by,
            created_at=created_at,
        )

        plan_version_public.additional_properties = d
        return plan_version_public

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

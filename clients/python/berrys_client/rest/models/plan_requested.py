from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.plan_version_public import PlanVersionPublic
    from ..models.project_public import ProjectPublic


T = TypeVar("T", bound="PlanRequested")


@_attrs_define
class PlanRequested:
    """``POST /plan``: the project after the request, and the stored plan if one was submitted.

    Attributes:
        project (ProjectPublic):
        plan (None | PlanVersionPublic | Unset):
    """

    project: ProjectPublic
    plan: PlanVersionPublic | Unset | None = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.plan_version_public import PlanVersionPublic

        project = self.project.to_dict()

        plan: dict[str, Any] | Unset | None
        if isinstance(self.plan, Unset):
            plan = UNSET
        elif isinstance(self.plan, PlanVersionPublic):
            plan = self.plan.to_dict()
        else:
            plan = self.plan

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "project": project,
            }
        )
        if plan is not UNSET:
            field_dict["plan"] = plan

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.plan_version_public import PlanVersionPublic
        from ..models.project_public import ProjectPublic

        d = dict(src_dict)
        project = ProjectPublic.from_dict(d.pop("project"))

        def _parse_plan(data: object) -> PlanVersionPublic | Unset | None:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                plan_type_0 = PlanVersionPublic.from_dict(data)

                return plan_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | PlanVersionPublic | Unset, data)

        plan = _parse_plan(d.pop("plan", UNSET))

        plan_requested = cls(
            project=project,
            plan=plan,
        )

        plan_requested.additional_properties = d
        return plan_requested

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

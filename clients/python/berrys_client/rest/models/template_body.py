from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.template_body_plan_type_0 import TemplateBodyPlanType0
    from ..models.template_body_project import TemplateBodyProject


T = TypeVar("T", bound="TemplateBody")


@_attrs_define
class TemplateBody:
    """What a template stores: project settings + objectives, and optionally a plan (all may
    carry placeholders; they are checked again, filled in, when a project starts).

        Attributes:
            project (TemplateBodyProject | Unset): ProjectCreate fields (name, objectives...)
            plan (None | TemplateBodyPlanType0 | Unset): a plan as POST /projects/{id}/plan takes it
    """

    project: TemplateBodyProject | Unset = UNSET
    plan: TemplateBodyPlanType0 | Unset | None = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.template_body_plan_type_0 import TemplateBodyPlanType0

        project: dict[str, Any] | Unset = UNSET
        if not isinstance(self.project, Unset):
            project = self.project.to_dict()

        plan: dict[str, Any] | Unset | None
        if isinstance(self.plan, Unset):
            plan = UNSET
        elif isinstance(self.plan, TemplateBodyPlanType0):
            plan = self.plan.to_dict()
        else:
            plan = self.plan

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({})
        if project is not UNSET:
            field_dict["project"] = project
        if plan is not UNSET:
            field_dict["plan"] = plan

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.template_body_plan_type_0 import TemplateBodyPlanType0
        from ..models.template_body_project import TemplateBodyProject

        d = dict(src_dict)
        _project = d.pop("project", UNSET)
        project: TemplateBodyProject | Unset
        if isinstance(_project, Unset):
            project = UNSET
        else:
            project = TemplateBodyProject.from_dict(_project)

        def _parse_plan(data: object) -> TemplateBodyPlanType0 | Unset | None:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                plan_type_0 = TemplateBodyPlanType0.from_dict(data)

                return plan_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | TemplateBodyPlanType0 | Unset, data)

        plan = _parse_plan(d.pop("plan", UNSET))

        template_body = cls(
            project=project,
            plan=plan,
        )

        template_body.additional_properties = d
        return template_body

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

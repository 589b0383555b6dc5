from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.day_usage import DayUsage
    from ..models.model_usage import ModelUsage


T = TypeVar("T", bound="TeamUsage")


@_attrs_define
class TeamUsage:
    """
    Attributes:
        by_model (list[ModelUsage]):
        by_day (list[DayUsage]):
    """

    by_model: list[ModelUsage]
    by_day: list[DayUsage]
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        by_model = []
        for by_model_item_data in self.by_model:
            by_model_item = by_model_item_data.to_dict()
            by_model.append(by_model_item)

        by_day = []
        for by_day_item_data in self.by_day:
            by_day_item = by_day_item_data.to_dict()
            by_day.append(by_day_item)

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "by_model": by_model,
                "by_day": by_day,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.day_usage import DayUsage
        from ..models.model_usage import ModelUsage

        d = dict(src_dict)
        by_model = []
        _by_model = d.pop("by_model")
        for by_model_item_data in _by_model:
            by_model_item = ModelUsage.from_dict(by_model_item_data)

            by_model.append(by_model_item)

        by_day = []
        _by_day = d.pop("by_day")
        for by_day_item_data in _by_day:
            by_day_item = DayUsage.from_dict(by_day_item_data)

            by_day.append(by_day_item)

        team_usage = cls(
            by_model=by_model,
            by_day=by_day,
        )

        team_usage.additional_properties = d
        return team_usage

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

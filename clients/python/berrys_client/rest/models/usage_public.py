from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.usage_public_tasks import UsagePublicTasks


T = TypeVar("T", bound="UsagePublic")


@_attrs_define
class UsagePublic:
    """
    Attributes:
        calls (int):
        prompt_tokens (int):
        completion_tokens (int):
        total_tokens (int):
        cost_usd (float):
        budget_usd (float | None):
        budget_tokens (int | None):
        tasks (UsagePublicTasks):
        waiting (int):
    """

    calls: int
    prompt_tokens: int
    completion_tokens: int
    total_tokens: int
    cost_usd: float
    budget_usd: float | None
    budget_tokens: int | None
    tasks: UsagePublicTasks
    waiting: int
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        calls = self.calls

        prompt_tokens = self.prompt_tokens

        completion_tokens = self.completion_tokens

        total_tokens = self.total_tokens

        cost_usd = self.cost_usd

        budget_usd: float | None
        budget_usd = self.budget_usd

        budget_tokens: int | None
        budget_tokens = self.budget_tokens

        tasks = self.tasks.to_dict()

        waiting = self.waiting

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "calls": calls,
                "prompt_tokens": prompt_tokens,
                "completion_tokens": completion_tokens,
                "total_tokens": total_tokens,
                "cost_usd": cost_usd,
                "budget_usd": budget_usd,
                "budget_tokens": budget_tokens,
                "tasks": tasks,
                "waiting": waiting,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.usage_public_tasks import UsagePublicTasks

        d = dict(src_dict)
        calls = d.pop("calls")

        prompt_tokens = d.pop("prompt_tokens")

        completion_tokens = d.pop("completion_tokens")

        total_tokens = d.pop("total_tokens")

        cost_usd = d.pop("cost_usd")

        def _parse_budget_usd(data: object) -> float | None:
            if data is None:
                return data
            return cast(float | None, data)

        budget_usd = _parse_budget_usd(d.pop("budget_usd"))

        def _parse_budget_tokens(data: object) -> int | None:
            if data is None:
                return data
            return cast(int | None, data)

        budget_tokens = _parse_budget_tokens(d.pop("budget_tokens"))

        tasks = UsagePublicTasks.from_dict(d.pop("tasks"))

        waiting = d.pop("waiting")

        usage_public = cls(
            calls=calls,
            prompt_tokens=prompt_tokens,
            completion_tokens=completion_tokens,
            total_tokens=total_tokens,
            cost_usd=cost_usd,
            budget_usd=budget_usd,
            budget_tokens=budget_tokens,
            tasks=tasks,
            waiting=waiting,
        )

        usage_public.additional_properties = d
        return usage_public

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

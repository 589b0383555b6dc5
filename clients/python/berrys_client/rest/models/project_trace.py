from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.trace_span import TraceSpan


T = TypeVar("T", bound="ProjectTrace")


@_attrs_define
class ProjectTrace:
    """
    Attributes:
        project_id (UUID):
        name (str):
        status (str):
        traceparent (str):
        total_ms (float):
        tasks_total (int):
        page (int):
        per_page (int):
        pages (int):
        queue_ms (float):
        approval_ms (float):
        budget_ms (float):
        tokens (int):
        cost_usd (float):
        critical_path (list[str]):
        spans (list[TraceSpan]):
    """

    project_id: UUID
    name: str
    status: str
    traceparent: str
    total_ms: float
    tasks_total: int
    page: int
    per_page: int
    pages: int
    queue_ms: float
    approval_ms: float
    budget_ms: float
    tokens: int
    cost_usd: float
    critical_path: list[str]
    spans: list[TraceSpan]
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        project_id = str(self.project_id)

        name = self.name

        status = self.status

        traceparent = self.traceparent

        total_ms = self.total_ms

        tasks_total = self.tasks_total

        page = self.page

        per_page = self.per_page

        pages = self.pages

        queue_ms = self.queue_ms

        approval_ms = self.approval_ms

        budget_ms = self.budget_ms

        tokens = self.tokens

        cost_usd = self.cost_usd

        critical_path = self.critical_path

        spans = []
        for spans_item_data in self.spans:
            spans_item = spans_item_data.to_dict()
            spans.append(spans_item)

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "project_id": project_id,
                "name": name,
                "status": status,
                "traceparent": traceparent,
                "total_ms": total_ms,
                "tasks_total": tasks_total,
                "page": page,
                "per_page": per_page,
                "pages": pages,
                "queue_ms": queue_ms,
                "approval_ms": approval_ms,
                "budget_ms": budget_ms,
                "tokens": tokens,
                "cost_usd": cost_usd,
                "critical_path": critical_path,
                "spans": spans,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.trace_span import TraceSpan

        d = dict(src_dict)
        project_id = UUID(d.pop("project_id"))

        name = d.pop("name")

        status = d.pop("status")

        traceparent = d.pop("traceparent")

        total_ms = d.pop("total_ms")

        tasks_total = d.pop("tasks_total")

        page = d.pop("page")

        per_page = d.pop("per_page")

        pages = d.pop("pages")

        queue_ms = d.pop("queue_ms")

        approval_ms = d.pop("approval_ms")

        budget_ms = d.pop("budget_ms")

        tokens = d.pop("tokens")

        cost_usd = d.pop("cost_usd")

        critical_path = cast(list[str], d.pop("critical_path"))

        spans = []
        _spans = d.pop("spans")
        for spans_item_data in _spans:
            spans_item = TraceSpan.from_dict(spans_item_data)

            spans.append(spans_item)

        project_trace = cls(
            project_id=project_id,
            name=name,
            status=status,
            traceparent=traceparent,
            total_ms=total_ms,
            tasks_total=tasks_total,
            page=page,
            per_page=per_page,
            pages=pages,
            queue_ms=queue_ms,
            approval_ms=approval_ms,
            budget_ms=budget_ms,
            tokens=tokens,
            cost_usd=cost_usd,
            critical_path=critical_path,
            spans=spans,
        )

        project_trace.additional_properties = d
        return project_trace

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

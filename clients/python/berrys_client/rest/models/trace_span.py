from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="TraceSpan")


@_attrs_define
class TraceSpan:
    """
    Attributes:
        id (str):
        kind (str):
        name (str):
        start_ms (float):
        duration_ms (float):
        parent_id (None | str | Unset):
        depth (int | Unset):  Default: 0.
        status (str | Unset):  Default: 'ok'.
        task_key (None | str | Unset):
        queue_ms (float | Unset):  Default: 0.0.
        tokens_in (int | Unset):  Default: 0.
        tokens_out (int | Unset):  Default: 0.
        cost_usd (float | Unset):  Default: 0.0.
        critical (bool | Unset):  Default: False.
        detail (str | Unset):  Default: ''.
    """

    id: str
    kind: str
    name: str
    start_ms: float
    duration_ms: float
    parent_id: str | Unset | None = UNSET
    depth: int | Unset = 0
    status: str | Unset = "ok"
    task_key: str | Unset | None = UNSET
    queue_ms: float | Unset = 0.0
    tokens_in: int | Unset = 0
    tokens_out: int | Unset = 0
    cost_usd: float | Unset = 0.0
    critical: bool | Unset = False
    detail: str | Unset = ""
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        id = self.id

        kind = self.kind

        name = self.name

        start_ms = self.start_ms

        duration_ms = self.duration_ms

        parent_id: str | Unset | None
        if isinstance(self.parent_id, Unset):
            parent_id = UNSET
        else:
            parent_id = self.parent_id

        depth = self.depth

        status = self.status

        task_key: str | Unset | None
        if isinstance(self.task_key, Unset):
            task_key = UNSET
        else:
            task_key = self.task_key

        queue_ms = self.queue_ms

        tokens_in = self.tokens_in

        tokens_out = self.tokens_out

        cost_usd = self.cost_usd

        critical = self.critical

        detail = self.detail

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "id": id,
                "kind": kind,
                "name": name,
                "start_ms": start_ms,
                "duration_ms": duration_ms,
            }
        )
        if parent_id is not UNSET:
            field_dict["parent_id"] = parent_id
        if depth is not UNSET:
            field_dict["depth"] = depth
        if status is not UNSET:
            field_dict["status"] = status
        if task_key is not UNSET:
            field_dict["task_key"] = task_key
        if queue_ms is not UNSET:
            field_dict["queue_ms"] = queue_ms
        if tokens_in is not UNSET:
            field_dict["tokens_in"] = tokens_in
        if tokens_out is not UNSET:
            field_dict["tokens_out"] = tokens_out
        if cost_usd is not UNSET:
            field_dict["cost_usd"] = cost_usd
        if critical is not UNSET:
            field_dict["critical"] = critical
        if detail is not UNSET:
            field_dict["detail"] = detail

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        id = d.pop("id")

        kind = d.pop("kind")

        name = d.pop("name")

        start_ms = d.pop("start_ms")

        duration_ms = d.pop("duration_ms")

        def _parse_parent_id(data: object) -> str | Unset | None:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        parent_id = _parse_parent_id(d.pop("parent_id", UNSET))

        depth = d.pop("depth", UNSET)

        status = d.pop("status", UNSET)

        def _parse_task_key(data: object) -> str | Unset | None:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        task_key = _parse_task_key(d.pop("task_key", UNSET))

        queue_ms = d.pop("queue_ms", UNSET)

        tokens_in = d.pop("tokens_in", UNSET)

        tokens_out = d.pop("tokens_out", UNSET)

        cost_usd = d.pop("cost_usd", UNSET)

        critical = d.pop("critical", UNSET)

        detail = d.pop("detail", UNSET)

        trace_span = cls(
            id=id,
            kind=kind,
            name=name,
            start_ms=start_ms,
            duration_ms=duration_ms,
            parent_id=parent_id,
            depth=depth,
            status=status,
            task_key=task_key,
            queue_ms=queue_ms,
            tokens_in=tokens_in,
            tokens_out=tokens_out,
            cost_usd=cost_usd,
            critical=critical,
            detail=detail,
        )

        trace_span.additional_properties = d
        return trace_span

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

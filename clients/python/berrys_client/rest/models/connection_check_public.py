from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="ConnectionCheckPublic")


@_attrs_define
class ConnectionCheckPublic:
    """
    Attributes:
        ok (bool):
        model (str):
        reply (str):
        latency_ms (float):
        reason (None | str):
    """

    ok: bool
    model: str
    reply: str
    latency_ms: float
    reason: str | None
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        ok = self.ok

        model = self.model

        reply = self.reply

        latency_ms = self.latency_ms

        reason: str | None
        reason = self.reason

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "ok": ok,
                "model": model,
                "reply": reply,
                "latency_ms": latency_ms,
                "reason": reason,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        ok = d.pop("ok")

        model = d.pop("model")

        reply = d.pop("reply")

        latency_ms = d.pop("latency_ms")

        def _parse_reason(data: object) -> str | None:
            if data is None:
                return data
            return cast(None | str, data)

        reason = _parse_reason(d.pop("reason"))

        connection_check_public = cls(
            ok=ok,
            model=model,
            reply=reply,
            latency_ms=latency_ms,
            reason=reason,
        )

        connection_check_public.additional_properties = d
        return connection_check_public

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

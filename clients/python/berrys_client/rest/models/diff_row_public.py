from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="DiffRowPublic")


@_attrs_define
class DiffRowPublic:
    """
    Attributes:
        key (str):
        title (str):
        left_status (None | str):
        right_status (None | str):
        left_output (None | str):
        right_output (None | str):
        right_copied (bool):
        same (bool):
    """

    key: str
    title: str
    left_status: str | None
    right_status: str | None
    left_output: str | None
    right_output: str | None
    right_copied: bool
    same: bool
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        key = self.key

        title = self.title

        left_status: str | None
        left_status = self.left_status

        right_status: str | None
        right_status = self.right_status

        left_output: str | None
        left_output = self.left_output

        right_output: str | None
        right_output = self.right_output

        right_copied = self.right_copied

        same = self.same

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "key": key,
                "title": title,
                "left_status": left_status,
                "right_status": right_status,
                "left_output": left_output,
                "right_output": right_output,
                "right_copied": right_copied,
                "same": same,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        key = d.pop("key")

        title = d.pop("title")

        def _parse_left_status(data: object) -> str | None:
            if data is None:
                return data
            return cast(None | str, data)

        left_status = _parse_left_status(d.pop("left_status"))

        def _parse_right_status(data: object) -> str | None:
            if data is None:
                return data
            return cast(None | str, data)

        right_status = _parse_right_status(d.pop("right_status"))

        def _parse_left_output(data: object) -> str | None:
            if data is None:
                return data
            return cast(None | str, data)

        left_output = _parse_left_output(d.pop("left_output"))

        def _parse_right_output(data: object) -> str | None:
            if data is None:
                return data
            return cast(None | str, data)

        right_output = _parse_right_output(d.pop("right_output"))

        right_copied = d.pop("right_copied")

        same = d.pop("same")

        diff_row_public = cls(
            key=key,
            title=title,
            left_status=left_status,
            right_status=right_status,
            left_output=left_output,
            right_output=right_output,
            right_copied=right_copied,
            same=same,
        )

        diff_row_public.additional_properties = d
        return diff_row_public

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

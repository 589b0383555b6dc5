from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="WorkerPublic")


@_attrs_define
class WorkerPublic:
    """
    Attributes:
        worker_id (str):
        pid (int | None):
        hostname (None | str):
        last_seen (str):
        jobs_done (int):
        status (str):
    """

    worker_id: str
    pid: int | None
    hostname: str | None
    last_seen: str
    jobs_done: int
    status: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        worker_id = self.worker_id

        pid: int | None
        pid = self.pid

        hostname: str | None
        hostname = self.hostname

        last_seen = self.last_seen

        jobs_done = self.jobs_done

        status = self.status

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "worker_id": worker_id,
                "pid": pid,
                "hostname": hostname,
                "last_seen": last_seen,
                "jobs_done": jobs_done,
                "status": status,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        worker_id = d.pop("worker_id")

        def _parse_pid(data: object) -> int | None:
            if data is None:
                return data
            return cast(int | None, data)

        pid = _parse_pid(d.pop("pid"))

        def _parse_hostname(data: object) -> str | None:
            if data is None:
                return data
            return cast(None | str, data)

        hostname = _parse_hostname(d.pop("hostname"))

        last_seen = d.pop("last_seen")

        jobs_done = d.pop("jobs_done")

        status = d.pop("status")

        worker_public = cls(
            worker_id=worker_id,
            pid=pid,
            hostname=hostname,
            last_seen=last_seen,
            jobs_done=jobs_done,
            status=status,
        )

        worker_public.additional_properties = d
        return worker_public

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

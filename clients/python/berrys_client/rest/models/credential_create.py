from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.credential_kind import CredentialKind
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.credential_create_secret import CredentialCreateSecret


T = TypeVar("T", bound="CredentialCreate")


@_attrs_define
class CredentialCreate:
    """``secret`` fields per kind: api_key {key}, bearer {token}, basic {username, password},
    oauth2_client {client_id, client_secret, token_url, scope?}.

        Attributes:
            name (str):
            kind (CredentialKind):
            secret (CredentialCreateSecret):
            allowed_hosts (list[str] | Unset):
            header_names (list[str] | Unset):
            tool_names (list[str] | Unset):
            description (str | Unset):  Default: ''.
    """

    name: str
    kind: CredentialKind
    secret: CredentialCreateSecret
    allowed_hosts: list[str] | Unset = UNSET
    header_names: list[str] | Unset = UNSET
    tool_names: list[str] | Unset = UNSET
    description: str | Unset = ""
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        name = self.name

        kind = self.kind.value

        secret = self.secret.to_dict()

        allowed_hosts: list[str] | Unset = UNSET
        if not isinstance(self.allowed_hosts, Unset):
            allowed_hosts = self.allowed_hosts

        header_names: list[str] | Unset = UNSET
        if not isinstance(self.header_names, Unset):
            header_names = self.header_names

        tool_names: list[str] | Unset = UNSET
        if not isinstance(self.tool_names, Unset):
            tool_names = self.tool_names

        description = self.description

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "name": name,
                "kind": kind,
                "secret": secret,
            }
        )
        if allowed_hosts is not UNSET:
            field_dict["allowed_hosts"] = allowed_hosts
        if header_names is not UNSET:
            field_dict["header_names"] = header_names
        if tool_names is not UNSET:
            field_dict["tool_names"] = tool_names
        if description is not UNSET:
            field_dict["description"] = description

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.credential_create_secret import CredentialCreateSecret

        d = dict(src_dict)
        name = d.pop("name")

        kind = CredentialKind(d.pop("kind"))

        secret = CredentialCreateSecret.from_dict(d.pop("secret"))

        allowed_hosts = cast(list[str], d.pop("allowed_hosts", UNSET))

        header_names = cast(list[str], d.pop("header_names", UNSET))

        tool_names = cast(list[str], d.pop("tool_names", UNSET))

        description = d.pop("description", UNSET)

        credential_create = cls(
            name=name,
            kind=kind,
            secret=secret,
            allowed_hosts=allowed_hosts,
            header_names=header_names,
            tool_names=tool_names,
            description=description,
        )

        credential_create.additional_properties = d
        return credential_create

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

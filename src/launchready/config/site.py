"""[site] and [dns]: what the portal is and where its names must point."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

from pydantic import field_validator, model_validator

from launchready.config.base import Section, path_field


def _check_url(value: str, *, key: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"{key} must be an http(s) URL with a host, got {value!r}")
    return value


class SiteConfig(Section):
    url: str
    apex: str | None = None
    hosts: dict[str, str] = {}
    origin: str | None = None
    login_url: str | None = None
    login_flow: Path | None = None
    admin_paths: list[str] = []

    _paths = path_field("login_flow")

    @field_validator("url")
    @classmethod
    def _url(cls, v: str) -> str:
        return _check_url(v, key="url")

    @field_validator("login_url")
    @classmethod
    def _login_url(cls, v: str | None) -> str | None:
        return None if v is None else _check_url(v, key="login_url")

    @field_validator("apex", "origin")
    @classmethod
    def _bare_name(cls, v: str | None) -> str | None:
        if v is not None and ("/" in v or " " in v or not v):
            raise ValueError(f"must be a bare host name or address, got {v!r}")
        return v.rstrip(".").lower() if v else v

    @field_validator("hosts")
    @classmethod
    def _hosts(cls, v: dict[str, str]) -> dict[str, str]:
        for role, host in v.items():
            if not host or "/" in host or " " in host:
                raise ValueError(f"hosts.{role} must be a bare host name, got {host!r}")
        return {role: host.rstrip(".").lower() for role, host in v.items()}

    @property
    def host(self) -> str:
        return (urlsplit(self.url).hostname or "").lower()

    @property
    def scheme(self) -> str:
        return urlsplit(self.url).scheme

    @property
    def port(self) -> int:
        parts = urlsplit(self.url)
        return parts.port or (443 if parts.scheme == "https" else 80)


class DnsConfig(Section):
    expect: dict[str, list[str]] = {}
    common_subdomains: list[str] | None = None

    @model_validator(mode="after")
    def _records(self) -> DnsConfig:
        for name, records in self.expect.items():
            for record in records:
                if len(record.split(None, 1)) != 2:
                    raise ValueError(
                        f"expect[{name!r}]: {record!r} must be 'TYPE value', e.g. 'A 203.0.113.10'"
                    )
        return self

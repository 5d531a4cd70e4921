"""A roadmap export's configuration: its format, where to read it and how its columns map."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, field_validator, model_validator

from syncd.core.settings import Settings, SourceName

__all__ = ["RoadmapAuthConfig", "RoadmapColumns", "RoadmapFormat", "RoadmapSourceConfig"]

RoadmapFormat = Literal[
    "productboard_csv", "productboard_json", "aha_csv", "generic_csv", "generic_json"
]


class RoadmapAuthConfig(Settings):
    """The HTTP header a roadmap URL needs; its value is read from ``secret_env``, never the YAML.

    ``scheme`` prefixes the value (``Bearer`` sends ``Authorization: Bearer <value>``); an empty
    scheme sends the value as it is (``header: X-Api-Key``, ``scheme: ""``).
    """

    header: str = "Authorization"
    secret_env: str
    scheme: str = "Bearer"

    def value(self, environ: Mapping[str, str] | None = None) -> SecretStr | None:
        """The header value, or ``None`` when the variable is unset or empty."""
        secret = (environ if environ is not None else os.environ).get(self.secret_env)
        if not secret:
            return None
        return SecretStr(f"{self.scheme} {secret}" if self.scheme else secret)


class RoadmapColumns(Settings):
    """Which column (CSV header) or key path (JSON, dotted) holds each roadmap-item field.

    Every field is optional here: the built-in formats know their own columns and use these
    only as overrides (a renamed column); the generic formats need at least ``id`` and ``title``.
    """

    id: str | None = None
    title: str | None = None
    type: str | None = None
    parent: str | None = None
    status: str | None = None
    start: str | None = None
    end: str | None = None
    team: str | None = None
    jira_keys: str | None = None
    objective: str | None = None
    key_result: str | None = None
    hint: str | None = None


class RoadmapSourceConfig(Settings):
    """One roadmap export: its format and where to read it (exactly one of ``path``, ``folder``
    or ``url``). A ``folder`` is watched: the newest file matching ``pattern`` is read.

    ``max_bytes`` caps what is read (a larger export is refused, the last good state is kept);
    ``max_columns`` caps a CSV header's width the same way (16,384 by default: the widest
    sheet Excel saves; no roadmap tool exports more); a URL's download must end within
    ``response_deadline_seconds`` (a trickling server fails); ``allow_empty`` lets a
    header-only export clear the source (otherwise it is refused too).
    """

    name: SourceName
    format: RoadmapFormat
    path: Path | None = None
    folder: Path | None = None
    pattern: str = "*"
    url: str | None = None
    auth: RoadmapAuthConfig | None = None
    columns: RoadmapColumns = Field(default_factory=RoadmapColumns)
    records: str | None = None
    default_type: str = "feature"
    date_formats: tuple[str, ...] = ()
    delimiter: Literal[",", ";", "\t", "|"] = ","
    interval_seconds: float = Field(default=900.0, ge=1)
    request_timeout_seconds: float = Field(default=30.0, gt=0, le=600)
    response_deadline_seconds: float = Field(default=600.0, gt=0, le=86400)
    max_bytes: int = Field(default=256 * 1024 * 1024, ge=1)
    max_columns: int = Field(default=16_384, ge=2)
    allow_empty: bool = False

    @model_validator(mode="after")
    def _one_location(self) -> RoadmapSourceConfig:
        given = [key for key in ("path", "folder", "url") if getattr(self, key) is not None]
        if len(given) != 1:
            raise ValueError("a roadmap source needs exactly one of 'path', 'folder' or 'url'")
        if self.format.startswith("generic") and not (self.columns.id and self.columns.title):
            raise ValueError(f"format {self.format!r} needs 'columns' with at least id and title")
        if self.auth is not None and self.url is None:
            raise ValueError("'auth' applies only to a 'url' source")
        return self

    @field_validator("url")
    @classmethod
    def _export_url(cls, url: str | None) -> str | None:
        if url is not None and not url.startswith(("https://", "http://")):
            raise ValueError("must start with https:// (or http:// for a loopback server)")
        return url

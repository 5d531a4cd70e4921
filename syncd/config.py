"""The service configuration: one YAML file, validated all at once.

``load_config(path)`` returns a ``Config`` or raises ``ConfigError`` listing every problem
with its key path and line. Secrets never live in the YAML: a Jira credential names an
environment variable (``secret_env``) or a mounted file (``secret_file``) and is held as a
``SecretStr`` that prints as ``**********``.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    StringConstraints,
    ValidationError,
    field_validator,
    model_validator,
)

from syncd.analytics.settings import AnalyticsConfig
from syncd.errors import ConfigError, Problem
from syncd.yamlfile import LineIndex, problems_from, read_yaml

__all__ = [
    "DEFAULT_STORE_URL",
    "AnalyticsConfig",
    "AuthConfig",
    "Config",
    "JiraFieldOverrides",
    "JiraSourceConfig",
    "MappingsConfig",
    "RoadmapAuthConfig",
    "RoadmapColumns",
    "RoadmapSourceConfig",
    "ServiceConfig",
    "StoreConfig",
    "load_config",
    "parse_config",
]

DEFAULT_STORE_URL = "sqlite:///syncd.db"
ProjectKey = Annotated[str, StringConstraints(pattern=r"^[A-Z][A-Z0-9_]{0,49}$")]
SourceName = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_-]{0,62}$")]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class StoreConfig(_Model):
    """Where syncd keeps its data. ``SYNCD_STORE_URL`` in the environment overrides ``url``."""

    url: str = DEFAULT_STORE_URL
    upgrade_on_start: bool = True


class ServiceConfig(_Model):
    """The daemon's HTTP endpoints (``/metrics``, ``/healthz``, ``/readyz``) and shutdown."""

    host: str = "127.0.0.1"
    port: int = Field(default=9464, ge=0, le=65535)
    grace_seconds: float = Field(default=20.0, gt=0, le=600)


class AuthConfig(_Model):
    """How syncd signs in to Jira.

    ``cloud_token``: Atlassian account email (``user``) + API token, sent as basic auth.
    ``pat``: Data Center personal access token, sent as a bearer token.
    ``basic``: user name + password. ``none``: anonymous (emulator and tests only).
    """

    method: Literal["cloud_token", "pat", "basic", "none"] = "cloud_token"
    user: str | None = None
    secret_env: str | None = "SYNCD_JIRA_TOKEN"  # noqa: S105 - the variable's name, not a secret
    secret_file: Path | None = None

    @model_validator(mode="after")
    def _user_when_needed(self) -> AuthConfig:
        if self.method in ("cloud_token", "basic") and not self.user:
            raise ValueError(f"auth method {self.method!r} needs 'user'")
        return self

    def secret(self, environ: Mapping[str, str] | None = None) -> SecretStr | None:
        """Read the credential from the mounted file or the environment; ``None`` if absent."""
        if self.method == "none":
            return None
        if self.secret_file is not None and self.secret_file.is_file():
            return SecretStr(self.secret_file.read_text(encoding="utf-8").strip())
        value = (environ if environ is not None else os.environ).get(self.secret_env or "")
        return SecretStr(value) if value else None


class JiraFieldOverrides(_Model):
    """Custom field ids, when discovery by ``schema.custom`` picks the wrong one."""

    story_points: str | None = None
    sprint: str | None = None
    epic_link: str | None = None
    team: str | None = None
    extra: dict[str, str] = Field(default_factory=dict)


class JiraSourceConfig(_Model):
    """One Jira instance (Cloud or Data Center) and what to read from it."""

    name: SourceName
    url: str
    deployment: Literal["auto", "cloud", "datacenter"] = "auto"
    auth: AuthConfig
    projects: tuple[ProjectKey, ...] = ()
    jql: str | None = None
    interval_seconds: float = Field(default=300.0, ge=1)
    page_size: int = Field(default=100, ge=1, le=5000)
    result_window: int = Field(default=10_000, ge=1)
    overlap_minutes: int = Field(default=10, ge=1, le=1440)
    sweep_interval_seconds: float = Field(default=6 * 3600.0, ge=60)
    concurrency: int = Field(default=4, ge=1, le=16)
    request_timeout_seconds: float = Field(default=30.0, gt=0, le=600)
    max_attempts: int = Field(default=6, ge=1, le=50)
    max_retry_seconds: float = Field(default=300.0, gt=0)
    fields: JiraFieldOverrides = Field(default_factory=JiraFieldOverrides)

    @model_validator(mode="after")
    def _scoped(self) -> JiraSourceConfig:
        if not self.projects and not self.jql:
            raise ValueError(
                "a Jira source needs 'projects', 'jql' or both (Jira refuses unbounded JQL)"
            )
        return self

    @field_validator("url")
    @classmethod
    def _web_url(cls, url: str) -> str:
        if not url.startswith(("https://", "http://")):
            raise ValueError("must start with https:// (or http:// for a loopback emulator)")
        return url.rstrip("/")


RoadmapFormat = Literal[
    "productboard_csv", "productboard_json", "aha_csv", "generic_csv", "generic_json"
]


class RoadmapAuthConfig(_Model):
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


class RoadmapColumns(_Model):
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


class RoadmapSourceConfig(_Model):
    """One roadmap export: its format and where to read it (exactly one of ``path``, ``folder``
    or ``url``). A ``folder`` is watched: the newest file matching ``pattern`` is read.

    ``max_bytes`` caps what is read (a larger export is refused, the last good state is kept);
    ``allow_empty`` lets a header-only export clear the source (otherwise it is refused too).
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
    max_bytes: int = Field(default=256 * 1024 * 1024, ge=1)
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


class SourcesConfig(_Model):
    """Every system syncd polls."""

    jira: tuple[JiraSourceConfig, ...] = ()
    roadmaps: tuple[RoadmapSourceConfig, ...] = ()

    @model_validator(mode="after")
    def _unique_names(self) -> SourcesConfig:
        names = [source.name for source in self.jira]
        names += [source.name for source in self.roadmaps]
        duplicates = sorted({name for name in names if names.count(name) > 1})
        if duplicates:
            raise ValueError(f"source names must be unique; repeated: {', '.join(duplicates)}")
        return self


class MappingsConfig(_Model):
    """The mapping layer's files, relative to the configuration file."""

    rules: Path | None = None
    okrs: Path | None = None
    agreements: Path | None = None
    teams: Path | None = None


class Config(_Model):
    """The whole configuration; ``path`` is the file it came from, if any."""

    store: StoreConfig = Field(default_factory=StoreConfig)
    service: ServiceConfig = Field(default_factory=ServiceConfig)
    sources: SourcesConfig = Field(default_factory=SourcesConfig)
    mappings: MappingsConfig = Field(default_factory=MappingsConfig)
    analytics: AnalyticsConfig = Field(default_factory=AnalyticsConfig)
    log_level: Literal["debug", "info", "warning", "error"] = "info"
    path: Path | None = Field(default=None, exclude=True)

    def store_url(self, environ: Mapping[str, str] | None = None) -> str:
        """The store URL, with ``SYNCD_STORE_URL`` taking precedence over the file."""
        return (environ if environ is not None else os.environ).get(
            "SYNCD_STORE_URL"
        ) or self.store.url

    def resolve(self, relative: Path) -> Path:
        """A path named in the configuration, resolved against the file's folder."""
        base = self.path.parent if self.path is not None else Path.cwd()
        return relative if relative.is_absolute() else base / relative


def load_config(path: Path, environ: Mapping[str, str] | None = None) -> Config:
    """Read and validate *path*; raise ``ConfigError`` with every problem found."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(
            "cannot read the configuration", [Problem(str(path), "", str(error))]
        ) from None
    return parse_config(text, str(path), environ).model_copy(update={"path": path})


def parse_config(
    text: str, filename: str = "<config>", environ: Mapping[str, str] | None = None
) -> Config:
    """Validate YAML *text*; every problem carries its key path and line."""
    document = read_yaml(text, filename)
    problems = list(document.problems)
    data = {} if document.data is None else document.data
    config = None
    if not isinstance(data, dict):
        problems.append(Problem(filename, "", "the top level must be a mapping of sections", 1))
    else:
        try:
            config = Config.model_validate(data)
        except ValidationError as error:
            problems.extend(problems_from(error, document.index))
    if config is not None:
        problems.extend(_missing_secrets(config, document.index, environ))
        problems.extend(_missing_roadmap_secrets(config, document.index, environ))
    if problems or config is None:
        raise ConfigError("the configuration is invalid", problems)
    return config


def _missing_secrets(
    config: Config, index: LineIndex, environ: Mapping[str, str] | None
) -> list[Problem]:
    problems = []
    for position, source in enumerate(config.sources.jira):
        auth = source.auth
        if auth.method == "none" or auth.secret(environ) is not None:
            continue
        hint = f"set the environment variable {auth.secret_env}" if auth.secret_env else ""
        if auth.secret_file is not None:
            hint = f"mount the file {auth.secret_file}" + (f" or {hint}" if hint else "")
        problems.append(
            index.problem(("sources", "jira", position, "auth"), f"no credential found: {hint}")
        )
    return problems


def _missing_roadmap_secrets(
    config: Config, index: LineIndex, environ: Mapping[str, str] | None
) -> list[Problem]:
    return [
        index.problem(
            ("sources", "roadmaps", position, "auth"),
            f"no credential found: set the environment variable {source.auth.secret_env}",
        )
        for position, source in enumerate(config.sources.roadmaps)
        if source.auth is not None and source.auth.value(environ) is None
    ]

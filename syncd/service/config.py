"""The service configuration: one YAML file, validated all at once.

``load_config(path)`` returns a ``Config`` or raises ``ConfigError`` listing every problem
with its key path and line. It composes the parts' own models: each connector's source
configuration (``connectors.jira.config``, ``connectors.roadmap.config``), the mapping files
(``mappings.config``), the analytics settings (``syncd.analytics.settings``) and the web
view's access (``syncd.web.settings``). Secrets never
live in the YAML: the sources name an environment variable or a mounted file.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Literal

from pydantic import Field, ValidationError, field_validator, model_validator

from connectors.jira.config import JiraSourceConfig
from connectors.roadmap.config import RoadmapSourceConfig
from mappings.config import MappingsConfig
from syncd.analytics.settings import AnalyticsConfig
from syncd.core.errors import ConfigError, Problem
from syncd.core.settings import Settings
from syncd.core.yamlfile import LineIndex, problems_from, read_yaml
from syncd.store import check_store_url
from syncd.web.settings import WebConfig

__all__ = [
    "DEFAULT_STORE_URL",
    "Config",
    "ServiceConfig",
    "SourcesConfig",
    "StoreConfig",
    "load_config",
    "parse_config",
]

DEFAULT_STORE_URL = "sqlite:///syncd.db"


class StoreConfig(Settings):
    """Where syncd keeps its data. ``SYNCD_STORE_URL`` in the environment overrides ``url``."""

    url: str = DEFAULT_STORE_URL
    upgrade_on_start: bool = True
    compress_payloads: bool = False

    @field_validator("url")
    @classmethod
    def _supported(cls, url: str) -> str:
        problem = check_store_url(url)
        if problem is not None:
            raise ValueError(problem)
        return url


class ServiceConfig(Settings):
    """The daemon's HTTP endpoints (``/metrics``, ``/healthz``, ``/readyz``) and shutdown."""

    host: str = "127.0.0.1"
    port: int = Field(default=9464, ge=0, le=65535)
    grace_seconds: float = Field(default=20.0, gt=0, le=600)


class SourcesConfig(Settings):
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


class Config(Settings):
    """The whole configuration; ``path`` is the file it came from, if any."""

    store: StoreConfig = Field(default_factory=StoreConfig)
    service: ServiceConfig = Field(default_factory=ServiceConfig)
    sources: SourcesConfig = Field(default_factory=SourcesConfig)
    mappings: MappingsConfig = Field(default_factory=MappingsConfig)
    analytics: AnalyticsConfig = Field(default_factory=AnalyticsConfig)
    web: WebConfig = Field(default_factory=WebConfig)
    log_level: Literal["debug", "info", "warning", "error"] = "info"
    path: Path | None = Field(default=None, exclude=True)

    def store_url(self, environ: Mapping[str, str] | None = None) -> str:
        """The store URL, with ``SYNCD_STORE_URL`` taking precedence over the file."""
        return (environ if environ is not None else os.environ).get(
            "SYNCD_STORE_URL"
        ) or self.store.url

    def mapping_paths(self) -> MappingsConfig:
        """The mapping files, resolved against the configuration file's folder."""
        return self.mappings.resolved(self.path.parent if self.path is not None else Path.cwd())

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
    problems.extend(_store_url_from_environment(filename, environ))
    if problems or config is None:
        raise ConfigError("the configuration is invalid", problems)
    return config


def _store_url_from_environment(filename: str, environ: Mapping[str, str] | None) -> list[Problem]:
    url = (environ if environ is not None else os.environ).get("SYNCD_STORE_URL")
    problem = check_store_url(url) if url else None
    return [] if problem is None else [Problem(filename, "SYNCD_STORE_URL (environment)", problem)]


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

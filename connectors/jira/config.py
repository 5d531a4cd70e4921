"""A Jira source's configuration: the instance, how to sign in, what to read and how fast.

Secrets never live in the YAML: a credential names an environment variable (``secret_env``)
or a mounted file (``secret_file``) and is held as a ``SecretStr`` that prints as
``**********``.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, SecretStr, StringConstraints, field_validator, model_validator

from connectors.jira.jql import check_jql
from syncd.core.settings import Settings, SourceName

__all__ = ["AuthConfig", "JiraFieldOverrides", "JiraSourceConfig"]

ProjectKey = Annotated[str, StringConstraints(pattern=r"^[A-Z][A-Z0-9_]{0,49}$")]


class AuthConfig(Settings):
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


class JiraFieldOverrides(Settings):
    """Custom field ids, when discovery by ``schema.custom`` picks the wrong one."""

    story_points: str | None = None
    sprint: str | None = None
    epic_link: str | None = None
    team: str | None = None
    extra: dict[str, str] = Field(default_factory=dict)


class JiraSourceConfig(Settings):
    """One Jira instance (Cloud or Data Center) and what to read from it.

    ``ranges`` is how many ranges of creation time one partition is cut into at most, to
    be fetched in parallel (``connectors.jira.ranges``): unset, automatically about two per
    fetch thread when there are fewer partitions than threads; ``1`` never cuts.
    ``changelog`` keeps each issue's history of the fields syncd reconstructs the past from
    (off: no history is read or stored); ``changelog_batch_size`` is how many issues one
    Cloud changelog bulk fetch asks for (Jira's limit is 1,000). ``concurrency`` threads
    fetch at once; with ``adaptive_concurrency`` fewer requests are in flight while Jira rate
    limits the source (``connectors.http.limiter``).
    """

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
    ranges: int | None = Field(default=None, ge=1, le=256)
    adaptive_concurrency: bool = True
    request_timeout_seconds: float = Field(default=30.0, gt=0, le=600)
    response_deadline_seconds: float = Field(default=120.0, gt=0, le=3600)
    max_response_bytes: int = Field(default=32 * 1024 * 1024, ge=64 * 1024)
    max_attempts: int = Field(default=6, ge=1, le=50)
    max_retry_seconds: float = Field(default=300.0, gt=0)
    fields: JiraFieldOverrides = Field(default_factory=JiraFieldOverrides)
    changelog: bool = True
    changelog_batch_size: int = Field(default=1000, ge=1, le=1000)

    @model_validator(mode="after")
    def _scoped(self) -> JiraSourceConfig:
        if not self.projects and not self.jql:
            raise ValueError(
                "a Jira source needs 'projects', 'jql' or both (Jira refuses unbounded JQL)"
            )
        return self

    @field_validator("jql")
    @classmethod
    def _one_expression(cls, jql: str | None) -> str | None:
        problem = check_jql(jql) if jql is not None else None
        if problem is not None:
            raise ValueError(problem)
        return jql

    @field_validator("url")
    @classmethod
    def _web_url(cls, url: str) -> str:
        if not url.startswith(("https://", "http://")):
            raise ValueError("must start with https:// (or http:// for a loopback emulator)")
        return url.rstrip("/")

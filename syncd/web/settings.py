"""The web view's configuration: who may read pages and the API, and what stays open.

``auth`` is ``token`` (``Authorization: Bearer <secret>``), ``basic`` (the secret is
``user:password``) or ``none``, which must be written out: without it the pages need
credentials. The secret never lives in the YAML: it is read from a mounted file
(``secret_file``) or the environment (``secret_env``). ``open_paths`` are served without
credentials (``/metrics`` and the health probes by default).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, SecretStr, StringConstraints

from syncd.core.settings import Settings

__all__ = ["WebConfig"]

_OPEN_BY_DEFAULT = ("/metrics", "/healthz", "/readyz")
_Path = Annotated[str, StringConstraints(pattern=r"^/")]
"""A URL path: it starts with ``/``."""


class WebConfig(Settings):
    """Access to the read-only web view and JSON API on the service's HTTP port."""

    auth: Literal["token", "basic", "none"] = "token"
    secret_env: str | None = "SYNCD_WEB_TOKEN"  # noqa: S105 - the variable's name, not a secret
    secret_file: Path | None = None
    open_paths: tuple[_Path, ...] = _OPEN_BY_DEFAULT
    page_size: int = Field(default=100, ge=10, le=1000)

    def secret(self, environ: Mapping[str, str] | None = None) -> SecretStr | None:
        """The credential from the mounted file or the environment; ``None`` when absent or
        when ``auth`` is ``none``."""
        if self.auth == "none":
            return None
        if self.secret_file is not None and self.secret_file.is_file():
            value = self.secret_file.read_text(encoding="utf-8").strip()
            return SecretStr(value) if value else None
        value = (environ if environ is not None else os.environ).get(self.secret_env or "", "")
        return SecretStr(value.strip()) if value.strip() else None

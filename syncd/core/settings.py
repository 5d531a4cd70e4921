"""The base of every configuration model: frozen, unknown keys refused, names constrained.

Each part owns its configuration model (a connector its source, analytics its windows) on this
base; the service configuration composes them and reports every problem at once.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, StringConstraints

__all__ = ["Settings", "SourceName"]

SourceName = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_-]{0,62}$")]
"""A configured source's name: lower-case, short, safe as a metric label value."""


class Settings(BaseModel):
    """A configuration section: immutable once read, and an unknown key is an error."""

    model_config = ConfigDict(extra="forbid", frozen=True)

"""The base of every configuration model: frozen, unknown keys refused, names constrained.

Each part owns its configuration model (a connector its source, analytics its windows) on this
base; the service configuration composes them and reports every problem at once.
"""

from __future__ import annotations

import types
from typing import Annotated, Any, Union, get_args, get_origin

from pydantic import BaseModel, ConfigDict, StringConstraints, ValidationInfo, field_validator

__all__ = ["Settings", "SourceName"]

SourceName = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_-]{0,62}$")]
"""A configured source's name: lower-case, short, safe as a metric label value."""


class Settings(BaseModel):
    """A configuration section: immutable once read, and an unknown key is an error.

    Numbers are what they say: ``.inf`` and ``.nan`` are refused where a number is meant
    (an infinite interval never runs), and so are ``true``/``false`` (YAML booleans would
    otherwise pass as 1 and 0).
    """

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    @field_validator("*", mode="before")
    @classmethod
    def _no_boolean_numbers(cls, value: Any, info: ValidationInfo) -> Any:
        if isinstance(value, bool) and info.field_name is not None:
            field = cls.model_fields.get(info.field_name)
            if field is not None and _numeric(field.annotation):
                raise ValueError(f"must be a number, not the boolean {str(value).lower()}")
        return value


def _numeric(annotation: Any) -> bool:
    """Whether *annotation* is ``int`` or ``float``, or an optional one."""
    if annotation in (int, float):
        return True
    if get_origin(annotation) in (Union, types.UnionType):
        return any(_numeric(member) for member in get_args(annotation) if member is not type(None))
    return False

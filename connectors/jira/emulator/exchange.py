"""What one emulated REST call is and what it answers: :class:`ApiRequest`,
:class:`ApiResponse`, and :class:`ApiError`, which always renders as Jira's
``{"errorMessages": [...], "errors": {}}``."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = ["ApiError", "ApiRequest", "ApiResponse"]


class ApiError(Exception):
    """An HTTP error answer with Jira's error body."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass(frozen=True, slots=True)
class ApiRequest:
    """One REST call: ``path`` is relative to ``/rest/api/{version}/``."""

    method: str
    path: str
    version: str
    params: dict[str, list[str]]
    body: Any
    root: str  # http://host:port

    @property
    def base(self) -> str:
        """``{root}/rest/api/{version}``, the prefix of every ``self`` link."""
        return f"{self.root}/rest/api/{self.version}"

    def param(self, name: str) -> str | None:
        """The first value of a query parameter or a scalar POST body member."""
        if isinstance(self.body, dict) and self.body.get(name) is not None:
            value = self.body[name]
            return value if isinstance(value, str) else str(value)
        values = self.params.get(name)
        return values[0] if values else None

    def multi(self, name: str) -> list[str]:
        """All values of a repeatable parameter (query string or POST body list/string)."""
        if isinstance(self.body, dict) and self.body.get(name) is not None:
            value = self.body[name]
            return [str(v) for v in value] if isinstance(value, list) else [str(value)]
        return self.params.get(name, [])

    def integer(self, name: str, default: int) -> int:
        """An integer parameter; a non-number is a 400."""
        raw = self.param(name)
        if raw is None or raw == "":
            return default
        try:
            return int(raw)
        except ValueError:
            raise ApiError(400, f"The value '{raw}' is not valid for '{name}'.") from None


@dataclass(slots=True)
class ApiResponse:
    """A JSON answer; ``issues`` counts issues returned by a search; ``page`` marks any other
    page of results (changelogs), which the per-page latency also delays."""

    status: int
    body: Any
    issues: int = 0
    headers: dict[str, str] = field(default_factory=dict)
    page: bool = False

"""Reading the mapping layer's YAML files: every problem with its line, and a content hash.

Each loader (rules, OKRs, agreements, teams) reads its file the same way: parse with
``syncd.core.yamlfile``, validate with a pydantic model, and collect every problem before raising
``RuleSetError``, so one run of ``syncd rules check`` lists them all.
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
from pathlib import Path
from typing import Annotated, Any, TypeVar

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, ValidationError

from syncd.core.domain import ORGANISATION, names_the_organisation
from syncd.core.errors import Problem, RuleSetError
from syncd.core.yamlfile import LineIndex, problems_from, read_yaml

__all__ = [
    "MAX_FILE_BYTES",
    "Number",
    "StrictModel",
    "TeamName",
    "content_version",
    "parse_model",
    "read_text",
]

MAX_FILE_BYTES = 8 * 1024 * 1024
"""The largest mapping file read: far above any real rule, OKR, agreement or team file."""
_NOT_REGULAR = "not a regular file (a folder, pipe or device)"

ModelT = TypeVar("ModelT", bound=BaseModel)

VERSION_LENGTH = 12


def _a_team(name: str) -> str:
    if names_the_organisation(name):
        raise ValueError(
            f"{name!r} cannot name a team: {ORGANISATION!r} is the whole organisation in "
            "syncd's figures, and a team of that name would merge with it"
        )
    return name


TeamName = Annotated[str, AfterValidator(_a_team)]
"""A team name in a mapping file: anything but the organisation's name."""


def _not_boolean(value: Any) -> Any:
    if isinstance(value, bool):
        raise ValueError(f"must be a number, not the boolean {str(value).lower()}")
    return value


Number = Annotated[float, BeforeValidator(_not_boolean)]
"""A number in a mapping file: ``true`` is refused (YAML would let it pass as 1, an agreed
share of 100%); ``.inf`` and ``.nan`` are refused by every file schema."""


class StrictModel(BaseModel):
    """Base of every file schema: unknown keys are errors, parsed values are immutable, and
    numbers are finite."""

    model_config = ConfigDict(
        extra="forbid", frozen=True, populate_by_name=True, allow_inf_nan=False
    )


def read_text(path: Path) -> str:
    """The text of *path*, or ``RuleSetError`` naming the file when it cannot be read, is not
    a regular file (a folder, a pipe, a device) or is larger than ``MAX_FILE_BYTES``."""
    try:
        # Non-blocking, so that opening a pipe nobody writes to cannot hang the check.
        descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
        if not stat.S_ISREG(os.fstat(descriptor).st_mode):
            os.close(descriptor)
            raise _unreadable(path, _NOT_REGULAR)
        with os.fdopen(descriptor, "rb") as file:
            data = file.read(MAX_FILE_BYTES + 1)
    except OSError as error:
        raise _unreadable(path, error.strerror or str(error)) from None
    if len(data) > MAX_FILE_BYTES:
        raise _unreadable(path, f"larger than {MAX_FILE_BYTES // (1024 * 1024)} MiB")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise _unreadable(path, f"not UTF-8 text ({error.reason} at byte {error.start})") from None


def _unreadable(path: Path, reason: str) -> RuleSetError:
    return RuleSetError(f"cannot read {path}", [Problem(str(path), "", reason)])


def parse_model(
    text: str, filename: str, model: type[ModelT]
) -> tuple[ModelT | None, Any, LineIndex, list[Problem]]:
    """Parse YAML *text* into *model*: the model (``None`` if invalid), data, lines, problems.

    Problems come back, not raised, so that callers can add their own cross-field checks
    with line numbers before deciding whether the file is usable.
    """
    document = read_yaml(text, filename)
    problems = list(document.problems)
    if document.data is None and not problems:
        problems.append(Problem(filename, "", "the file is empty", 1))
    if problems:
        return None, document.data, document.index, problems
    try:
        parsed = model.model_validate(document.data)
    except ValidationError as error:
        return None, document.data, document.index, problems_from(error, document.index)
    return parsed, document.data, document.index, []


def content_version(data: Any) -> str:
    """A short sha256 of the canonical content: comments, key order and layout do not count."""
    canonical = json.dumps(data, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:VERSION_LENGTH]

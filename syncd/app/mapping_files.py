"""The mapping files a service runs on: rules, OKRs, agreements and teams, validated together.

``load_mapping_files`` reads every configured file and raises ``RuleSetError`` listing all
their problems; ``fingerprint`` tells a running service whether any of them changed on disk;
``MappingFilesState`` is what a running service reports of them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TypeVar

from mappings import (
    AgreementSet,
    Judging,
    MappingsConfig,
    OkrSet,
    RuleSet,
    TeamConfig,
    load_agreements,
    load_okrs,
    load_rule_set,
    load_teams,
    parse_rule_set,
)
from syncd.analytics import AnalyticsConfig
from syncd.core.errors import Problem, RuleSetError

__all__ = [
    "MappingFiles",
    "MappingFilesState",
    "fingerprint",
    "judging_of",
    "load_mapping_files",
]

# The mapping layer refuses an empty rule list, so "no rules" is one rule that can never match
# (a parent and no parent at once) with inheritance off: every issue stays unclassified.
_NO_RULES = """format: 1
name: none
settings: {inheritance: {enabled: false}}
rules:
  - id: no-rules-configured
    when: {has_parent: true, not: {has_parent: true}}
    then: {work_class: product}
"""
_Loaded = TypeVar("_Loaded")


@dataclass(frozen=True, slots=True)
class MappingFiles:
    """The configured rule set, OKRs, agreements and team resolution, validated, and the
    files they were read from."""

    rule_set: RuleSet
    okrs: OkrSet | None
    agreements: AgreementSet | None
    teams: TeamConfig | None
    paths: MappingsConfig

    @property
    def key_result_ids(self) -> frozenset[str] | None:
        """The key results the OKR file defines, or ``None`` without one."""
        return self.okrs.key_result_ids if self.okrs is not None else None


@dataclass(frozen=True, slots=True)
class MappingFilesState:
    """What a running service knows of its mapping files.

    ``valid`` says whether the files on disk were valid when last read; while they are not,
    the set loaded at ``loaded_at`` (rule set ``ruleset``, its content hash) stays in use and
    ``problems`` lists what the last read found, each with its place.
    """

    valid: bool
    loaded_at: datetime
    ruleset: str
    problems: tuple[str, ...] = ()


def judging_of(analytics: AnalyticsConfig) -> Judging:
    """The windows and weightings agreements may be judged on: those *analytics* compute."""
    return Judging(
        windows=tuple(window.name for window in analytics.windows),
        weightings=analytics.weightings,
    )


def load_mapping_files(files: MappingsConfig, judging: Judging | None = None) -> MappingFiles:
    """Load every mapping file named in *config*; ``RuleSetError`` lists all their problems.

    Relative paths in *files* resolve against the working folder: pass them resolved
    (``MappingsConfig.resolved``). Without a rule set every issue is ``unclassified`` (a
    normal decision, shown as such). With *judging*, an agreement judged on a window or
    weighting outside it is a problem.
    """
    problems: list[Problem] = []
    okrs = _attempt(load_okrs, files.okrs, problems)
    known = okrs.key_result_ids if okrs is not None else None
    rules = (
        _attempt(lambda path: load_rule_set(path, known), files.rules, problems)
        if files.rules is not None
        else parse_rule_set(_NO_RULES, "<no rules>")
    )
    agreements = _attempt(
        lambda path: load_agreements(path, judging=judging), files.agreements, problems
    )
    teams = _attempt(load_teams, files.teams, problems)
    if problems or rules is None:
        raise RuleSetError("the mapping files are invalid", problems)
    return MappingFiles(rules, okrs, agreements, teams, files)


def fingerprint(files: MappingsConfig) -> tuple[tuple[str, int, int], ...]:
    """Path, modification time and size of every configured mapping file (-1 when missing)."""
    marks = []
    for path in files.paths:
        try:
            stat = path.stat()
        except OSError:
            marks.append((str(path), -1, -1))
        else:
            marks.append((str(path), stat.st_mtime_ns, stat.st_size))
    return tuple(marks)


def _attempt(
    loader: Callable[[Path], _Loaded], path: Path | None, problems: list[Problem]
) -> _Loaded | None:
    if path is None:
        return None
    try:
        return loader(path)
    except RuleSetError as error:
        problems.extend(error.problems)
        return None

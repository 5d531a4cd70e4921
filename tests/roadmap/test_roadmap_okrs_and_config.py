"""Exported OKRs join the configured model (the configuration wins, reported), and roadmap
sources are validated with every problem in place."""

from __future__ import annotations

from datetime import date

import pytest

from mappings.okr_join import join_okrs
from syncd.core.domain import KeyResult, Measure, Objective, RoadmapSnapshot
from syncd.core.errors import ConfigError
from syncd.service.config import parse_config

Q = (date(2026, 4, 1), date(2026, 6, 30))


def _kr(kr_id: str, title: str, target: float = 10) -> KeyResult:
    return KeyResult(kr_id, "O1", title, ("growth",), *Q, Measure.ISSUE_COUNT, target)


def _snapshot(key_results: tuple[KeyResult, ...], fatal: str | None = None) -> RoadmapSnapshot:
    objective = Objective("O1", "Grow", ("growth",), *Q)
    return RoadmapSnapshot("pb", "sha256:x", (), (objective,), key_results, (), fatal)


def test_exported_key_results_join_and_configured_ones_win_on_conflict() -> None:
    """A new id joins; a known id keeps the configured value and reports the fields that differ."""
    configured = _kr("KR1", "Configured title")
    joined = join_okrs(
        [Objective("O1", "Grow", ("growth",), *Q)],
        [configured],
        [_snapshot((_kr("KR1", "Exported title", 45), _kr("KR2", "New")))],
    )
    assert joined.key_results == (configured, _kr("KR2", "New"))
    assert joined.added == ("KR2",)
    assert [str(c) for c in joined.conflicts] == [
        "key result KR1 from roadmap source 'pb' differs in title, target; the configured "
        "(or first exported) definition is kept"
    ]


def test_fatal_snapshots_contribute_nothing_to_the_okr_model() -> None:
    """A broken export's objectives and key results are ignored."""
    joined = join_okrs([], [], [_snapshot((_kr("KR2", "New"),), fatal="broken")])
    assert joined.objectives == ()
    assert joined.key_results == ()


def test_roadmap_source_configuration_is_typed_and_validated() -> None:
    """A roadmap source reads back as a typed model with its defaults."""
    config = parse_config(
        "sources:\n  roadmaps:\n    - name: pb\n      format: productboard_csv\n"
        "      path: exports/pb.csv\n"
    )
    source = config.sources.roadmaps[0]
    assert (source.name, source.format, str(source.path)) == (
        "pb",
        "productboard_csv",
        "exports/pb.csv",
    )
    assert source.max_bytes == 256 * 1024 * 1024


def test_roadmap_configuration_problems_are_all_reported_with_lines() -> None:
    """Two locations, generic without columns, an unset credential: each with its line."""
    text = (
        "sources:\n"
        "  roadmaps:\n"
        "    - name: a\n"
        "      format: productboard_csv\n"
        "      path: a.csv\n"
        "      url: https://x.example.com/a.csv\n"
        "    - name: b\n"
        "      format: generic_csv\n"
        "      path: b.csv\n"
        "    - name: c\n"
        "      format: aha_csv\n"
        "      url: https://x.example.com/c.csv\n"
        "      auth:\n"
        "        secret_env: AHA_TOKEN\n"
    )
    with pytest.raises(ConfigError) as raised:
        parse_config(text, "syncd.yaml", environ={})
    problems = [(p.where, p.line) for p in raised.value.problems]
    assert problems == [("sources.roadmaps[0]", 3), ("sources.roadmaps[1]", 7)]
    config_ok = text.replace("      path: a.csv\n", "").replace(
        "      path: b.csv\n", "      path: b.csv\n      columns: {id: Ref, title: Name}\n"
    )
    with pytest.raises(ConfigError) as secret:
        parse_config(config_ok, "syncd.yaml", environ={})
    assert [str(p) for p in secret.value.problems] == [
        "syncd.yaml:13: sources.roadmaps[2].auth: no credential found: set the environment "
        "variable AHA_TOKEN"
    ]


def test_roadmap_and_jira_source_names_must_differ() -> None:
    """A roadmap source cannot reuse a Jira source's name."""
    text = (
        "sources:\n  jira:\n    - name: acme\n      url: https://acme.atlassian.net\n"
        "      projects: [SHOP]\n      auth: {method: none}\n"
        "  roadmaps:\n    - {name: acme, format: aha_csv, path: a.csv}\n"
    )
    with pytest.raises(ConfigError, match="repeated: acme"):
        parse_config(text)

"""The demo organisation's bundled exports parse cleanly and their integrity findings are real."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from connectors.jira.emulator.org import Organisation, generate_organisation
from connectors.jira.emulator.records import from_ms
from connectors.jira.emulator.roadmap_exports import write_roadmap_exports
from connectors.roadmap import RoadmapSource
from connectors.roadmap.config import RoadmapSourceConfig
from syncd.analytics.integrity import IntegrityKind, check_integrity
from syncd.core.domain import Issue, KeyResult, Measure, RoadmapSnapshot, StatusCategory


@pytest.fixture(scope="module")
def org() -> Organisation:
    return generate_organisation(3000, 11, datetime(2026, 5, 15, tzinfo=UTC))


def _issues(org: Organisation) -> list[Issue]:
    keys = {record.id: record.key for record in org.issues}
    return [
        Issue(
            source="jira", issue_id=r.id, key=r.key, project=r.project, issue_type=r.issue_type,
            summary=r.summary, status=r.status, status_category=StatusCategory.NEW,
            created=from_ms(r.created_ms), updated=from_ms(r.updated_ms), labels=r.labels,
            epic_key=keys.get(r.parent_id) if r.parent_id and r.issue_type != "Sub-task" else None,
        )
        for r in org.issues
    ]  # fmt: skip


def _key_results(org: Organisation) -> list[KeyResult]:
    quarters = {q.name: q for q in org.quarters}
    objective = {kr: o.id for o in org.objectives for kr in o.key_results}
    return [
        KeyResult(kr.id, objective[kr.id], kr.title, (kr.team,),
                  quarters[kr.quarter].start.date(), quarters[kr.quarter].end.date(),
                  Measure.ISSUE_COUNT, 10)
        for kr in org.key_results
    ]  # fmt: skip


def _poll(name: str, export_format: str, path: Path) -> RoadmapSnapshot:
    config = RoadmapSourceConfig(name=name, format=export_format, path=path)  # type: ignore[arg-type]
    snapshot = RoadmapSource(config).poll(None)
    assert snapshot is not None
    return snapshot


def test_demo_exports_parse_without_rejections(org: Organisation, tmp_path: Path) -> None:
    """Both files read completely; together they cover about 85% of the epics."""
    exports = write_roadmap_exports(org, tmp_path)
    snapshots = [
        _poll("productboard", "productboard_csv", exports.productboard),
        _poll("aha", "aha_csv", exports.aha),
    ]
    assert [s.fatal for s in snapshots] == [None, None]
    assert [s.rejected for s in snapshots] == [(), ()]
    epics = {epic.key for epic in org.epics}
    covered = {key for s in snapshots for item in s.items for key in item.jira_keys} & epics
    assert 0.7 < len(covered) / len(epics) < 0.97
    assert exports.productboard.read_bytes().startswith(b"\xef\xbb\xbf")
    assert "=HYPERLINK(" in exports.productboard.read_text(encoding="utf-8-sig")


def test_demo_integrity_findings_are_real_broken_links(org: Organisation, tmp_path: Path) -> None:
    """Each reported problem is checked against the organisation itself."""
    exports = write_roadmap_exports(org, tmp_path)
    items = [
        *_poll("productboard", "productboard_csv", exports.productboard).items,
        *_poll("aha", "aha_csv", exports.aha).items,
    ]
    report = check_integrity(_issues(org), items, _key_results(org))
    counts = report.counts()
    for kind in (
        IntegrityKind.ROADMAP_ITEM_WITHOUT_JIRA_LINK,
        IntegrityKind.LINK_TO_UNKNOWN_JIRA_KEY,
        IntegrityKind.EPIC_WITHOUT_ROADMAP_ITEM_OR_KEY_RESULT,
    ):
        assert counts[kind.value] > 0, kind
    keys = {record.key for record in org.issues}
    by_ref = {f"{item.source}:{item.item_id}": item for item in items}
    for problem in report.of_kind(IntegrityKind.LINK_TO_UNKNOWN_JIRA_KEY):
        assert problem.target not in keys
    for problem in report.of_kind(IntegrityKind.ROADMAP_ITEM_WITHOUT_JIRA_LINK):
        assert by_ref[problem.subject].jira_keys == ()
    linked = {key for item in items for key in item.jira_keys}
    epics = {epic.key: epic for epic in org.epics}
    for problem in report.of_kind(IntegrityKind.EPIC_WITHOUT_ROADMAP_ITEM_OR_KEY_RESULT):
        assert problem.subject not in linked
        assert not any(label.startswith("kr:") for label in epics[problem.subject].labels)


def test_demo_exports_are_deterministic(org: Organisation, tmp_path: Path) -> None:
    """The same organisation writes byte-identical files."""
    first = write_roadmap_exports(org, tmp_path / "a")
    second = write_roadmap_exports(org, tmp_path / "b")
    assert first.productboard.read_bytes() == second.productboard.read_bytes()
    assert first.aha.read_bytes() == second.aha.read_bytes()

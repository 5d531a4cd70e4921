"""Golden cases for the roadmap → epic → key result integrity checks."""

from __future__ import annotations

from datetime import UTC, date, datetime

from syncd.analytics.integrity import IntegrityKind, IntegrityProblem, check_integrity, kr_label
from syncd.core.domain import (
    Decision,
    Issue,
    KeyResult,
    Measure,
    RoadmapItem,
    StatusCategory,
    WorkClass,
)

T = datetime(2026, 4, 1, tzinfo=UTC)
K = IntegrityKind


def _issue(key: str, issue_id: int, issue_type: str = "Epic", **fields: object) -> Issue:
    return Issue(
        source="jira", issue_id=issue_id, key=key, project=key.split("-", maxsplit=1)[0],
        issue_type=issue_type, summary=key, status="To Do",
        status_category=StatusCategory.NEW, created=T, updated=T, **fields,  # type: ignore[arg-type]
    )  # fmt: skip


def _kr(kr_id: str) -> KeyResult:
    return KeyResult(kr_id, "O1", kr_id, ("checkout",), date(2026, 4, 1), date(2026, 6, 30),
                     Measure.ISSUE_COUNT, 10)  # fmt: skip


def _item(item_id: str, *keys: str, **fields: object) -> RoadmapItem:
    return RoadmapItem("pb", item_id, "feature", item_id, jira_keys=keys, **fields)  # type: ignore[arg-type]


def test_clean_chain_reports_nothing_and_counts_every_kind_at_zero() -> None:
    """Item → epic → key result, all present: no problem, and every kind is counted."""
    report = check_integrity(
        [_issue("SHOP-1", 1)], [_item("f1", "SHOP-1", key_result="KR1")], [_kr("KR1")]
    )
    assert report.problems == ()
    assert report.counts() == {kind.value: 0 for kind in IntegrityKind}


def test_golden_case_with_every_kind_of_broken_link() -> None:
    """One organisation with each broken link once, and the links that keep others whole."""
    issues = [
        _issue("SHOP-1", 1),  # on the roadmap
        _issue("SHOP-2", 2, labels=("kr:KR2",)),  # not on the roadmap, but has a kr: label
        _issue("SHOP-3", 3),  # orphan epic
        _issue("SHOP-4", 4),  # linked to a key result by a decision
        _issue("SHOP-5", 5, issue_type="Story"),  # stories are never orphan epics
    ]
    items = [
        _item("f1", "SHOP-1", key_result="KR1"),
        _item("f2"),  # no Jira link
        _item("f3", "SHOP-404", key_result="KR9"),  # unknown key, unknown key result
        _item("parent"),  # linked through its child
        _item("child", "SHOP-1", parent_id="parent"),
    ]
    decisions = [
        Decision("jira", 4, WorkClass.PRODUCT, None, "KR4", "r1", "v1", ("SHOP-4",), "rule r1")
    ]
    key_results = [_kr("KR1"), _kr("KR2"), _kr("KR3"), _kr("KR4")]
    report = check_integrity(issues, items, key_results, decisions)
    assert report.problems == (
        IntegrityProblem(K.EPIC_WITHOUT_ROADMAP_ITEM_OR_KEY_RESULT, "SHOP-3"),
        IntegrityProblem(K.KEY_RESULT_WITHOUT_WORK, "KR3"),
        IntegrityProblem(K.LINK_TO_UNKNOWN_JIRA_KEY, "pb:f3", "SHOP-404"),
        IntegrityProblem(K.LINK_TO_UNKNOWN_KEY_RESULT, "pb:f3", "KR9"),
        IntegrityProblem(K.ROADMAP_ITEM_WITHOUT_JIRA_LINK, "pb:f2"),
    )
    assert report.counts()["link_to_unknown_jira_key"] == 1
    assert [str(p) for p in report.of_kind(K.LINK_TO_UNKNOWN_JIRA_KEY)] == [
        "link_to_unknown_jira_key: pb:f3 -> SHOP-404"
    ]


def test_key_result_linked_only_through_an_item_to_a_missing_key_has_no_work() -> None:
    """A roadmap item naming the key result but linking to no existing issue is not work."""
    report = check_integrity([], [_item("f1", "SHOP-9", key_result="KR1")], [_kr("KR1")])
    assert report.of_kind(K.KEY_RESULT_WITHOUT_WORK) == (
        IntegrityProblem(K.KEY_RESULT_WITHOUT_WORK, "KR1"),
    )


def test_key_result_on_a_parent_item_counts_work_linked_on_its_children() -> None:
    """A Productboard feature carries the key result, its sub-feature the Jira link."""
    items = [_item("parent", key_result="KR1"), _item("child", "SHOP-1", parent_id="parent")]
    report = check_integrity([_issue("SHOP-1", 1)], items, [_kr("KR1")])
    assert report.problems == ()


def test_kr_labels_match_key_results_case_insensitively() -> None:
    """'kr:shop-kr1' and 'KR:SHOP-KR1' both name SHOP-KR1."""
    issues = [_issue("SHOP-1", 1, issue_type="Story", labels=("KR:shop-kr1",))]
    assert check_integrity(issues, [], [_kr("SHOP-KR1")]).problems == ()
    assert kr_label("kr:SHOP-KR1") == "SHOP-KR1"
    assert kr_label("tech-debt") is None
    assert kr_label("kr:") is None


def test_parent_cycle_in_roadmap_items_terminates() -> None:
    """Items that are each other's parent are checked without looping."""
    items = [_item("a", parent_id="b"), _item("b", parent_id="a")]
    report = check_integrity([], items, [])
    assert report.counts()["roadmap_item_without_jira_link"] == 2


def test_only_key_results_of_the_current_period_can_be_without_work() -> None:
    """A past quarter's key result with no work is history, not a problem to fix now; a
    roadmap item linking to it still resolves (it is not an unknown key result)."""
    past = KeyResult("OLD-KR1", "OLD", "Past", ("data",), date(2026, 4, 1), date(2026, 6, 30),
                     Measure.ISSUE_COUNT, 5.0)  # fmt: skip
    current = KeyResult("NOW-KR1", "NOW", "Now", ("data",), date(2026, 10, 1), date(2026, 12, 31),
                        Measure.ISSUE_COUNT, 5.0)  # fmt: skip
    item = _item("RM-1", key_result="OLD-KR1")

    report = check_integrity([], [item], [past, current], today=date(2026, 11, 22))

    without_work = {p.subject for p in report.of_kind(IntegrityKind.KEY_RESULT_WITHOUT_WORK)}
    assert without_work == {"NOW-KR1"}
    assert not report.of_kind(IntegrityKind.LINK_TO_UNKNOWN_KEY_RESULT)

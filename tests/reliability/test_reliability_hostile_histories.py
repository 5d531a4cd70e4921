"""Hostile changelogs: generated and mutated histories, alone and inside a Cloud bulk answer.

Every history is either read into well-formed changes or refused whole with a placed reason
(``UnreadableHistory``); inside a sync, a hostile history costs its own issue's history (a
``RejectedRecord`` with the reason), never the page, the run or another issue's history.
"""

from __future__ import annotations

import copy
import json
import random
import sys
import threading
from datetime import datetime
from pathlib import Path
from typing import Any

import responses
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from reliability_support import scaled, tally

from connectors.jira.changelog import (
    ChangelogContext,
    UnreadableHistory,
    field_changes,
    status_categories,
)
from syncd.core.domain import FieldChange, HistoryField

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "jira"))
from jira_support import API, BASE, STATUSES, bootstrap, build_source, issue, make_config

EXAMPLES = scaled(200, 3000)
_settings = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
CONTEXTS = [
    ChangelogContext("acme", True, status_categories(STATUSES), "customfield_10014", None),
    ChangelogContext(
        "acme", False, status_categories(STATUSES), "customfield_10101", "customfield_10110",
        names={"customfield_10110": "team"},
    ),
]  # fmt: skip

hostile = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**20), max_value=10**20),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=40),
    st.sampled_from(["", "-", "A-", "-1", "9" * 40, "2025-13-45T99:99:99.000+0000", "\x00"]),
    st.lists(st.text(max_size=5), max_size=3),
    st.dictionaries(st.text(max_size=5), st.text(max_size=5), max_size=3),
)
_TIMES = [
    "2025-02-01T09:00:00.000+0000",
    1_738_400_000_000,
    1_738_400_000,
    float("inf"),
    10**20,
    253_402_300_800_000,  # year 10000
    "2025-02-01T09:00:00.000+9999",
]
_ITEM_KINDS = [
    ("status", "status", ("10000", "To Do"), ("3", "In Progress")),
    ("assignee", "assignee", (None, None), ("5b10ac8d", "Ada")),
    ("resolution", "resolution", (None, None), ("10000", "Done")),
    ("IssueParentAssociation", None, (None, None), ("10001", "SHOP-1")),
    ("Epic Link", "customfield_10101", ("1", "SHOP-1"), (None, None)),
    ("Team", "customfield_10110", ("10300", "checkout"), ("10301", "growth")),
    ("project", "project", ("10001", "Growth"), ("10000", "Checkout")),
    ("Key", "issuekey", (None, "GROW-1"), (None, "SHOP-9")),
    ("labels", "labels", (None, ""), (None, "tech-debt")),
]


@st.composite
def histories(draw: st.DrawFn) -> list[Any]:
    """Plausible entries, then a few values anywhere in them replaced by hostile ones."""
    entries: list[Any] = []
    for number in range(draw(st.integers(1, 4))):
        kinds = draw(st.lists(st.sampled_from(_ITEM_KINDS), min_size=1, max_size=4))
        items = []
        for field, field_id, old, new in kinds:
            item = {"field": field, "fieldtype": "jira", "from": old[0], "fromString": old[1]}
            item |= {"to": new[0], "toString": new[1]}
            if field_id is not None and draw(st.booleans()):
                item["fieldId"] = field_id
            items.append(item)
        created = draw(st.one_of(st.sampled_from(_TIMES), hostile))
        entries.append({"id": str(20000 + number), "created": created, "items": items})
    for _ in range(draw(st.integers(0, 3))):
        _damage(entries, draw(hostile), draw(st.randoms(use_true_random=False)))
    return entries


def _damage(node: Any, value: Any, rng: random.Random) -> None:
    """Replace (or delete) one value somewhere inside *node*."""
    while True:
        keys = list(node) if isinstance(node, dict) else list(range(len(node)))
        if not keys:
            return
        key = rng.choice(keys)
        child = node[key]
        if isinstance(child, dict | list) and child and rng.random() < 0.6:
            node = child
            continue
        if isinstance(node, dict) and rng.random() < 0.2:
            del node[key]
        else:
            node[key] = value
        return


def _well_formed(changes: tuple[FieldChange, ...]) -> None:
    for change in changes:
        assert isinstance(change.field, HistoryField)
        assert isinstance(change.changed_at, datetime)
        assert change.changed_at.tzinfo is not None
        assert all(v is None or (isinstance(v, str) and v) for v in (change.before, change.after))


@_settings
@given(entries=st.one_of(histories(), st.lists(hostile, max_size=3)), subtask=st.booleans())
def test_any_history_is_read_well_formed_or_refused_with_a_place(
    entries: list[Any], subtask: bool
) -> None:
    for context in CONTEXTS:
        try:
            changes = field_changes(7, entries, context, subtask=subtask)
        except UnreadableHistory as refused:
            reason = refused.reason
            tally("hostile histories refused")
        else:
            _well_formed(changes)
            reason = "changelog["
            tally("hostile histories read")
        assert reason.startswith("changelog[")


@settings(
    max_examples=scaled(40, 400),
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(entries=histories())
def test_a_hostile_history_in_a_bulk_answer_costs_only_its_own_issue(entries: list[Any]) -> None:
    assume(_is_json(entries))  # an answer that is not JSON fails the run: tested elsewhere
    good = [copy.deepcopy(h) for h in histories_example()]
    logs = [
        {"issueId": "10001", "changeHistories": good},
        {"issueId": "10002", "changeHistories": entries},
    ]
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        bootstrap(mock)
        mock.replace(
            responses.POST, f"{BASE}/rest/api/3/changelog/bulkfetch", json={"issueChangeLogs": logs}
        )
        mock.get(f"{API}/search/jql", json={"issues": [issue(1), issue(2)], "isLast": True})
        source = build_source(make_config(), lambda _: None, stop_event=threading.Event())
        (page,) = source.pages(None)
    assert {i.key for i in page.issues} == {"SHOP-1", "SHOP-2"}
    assert {(c.history_id, c.field) for c in page.changes if c.issue_id == 10001} == {
        (20000, HistoryField.STATUS),
        (20000, HistoryField.STATUS_CATEGORY),
    }
    rejected = {r.reference: r.reason for r in page.rejected}
    assert set(rejected) <= {"SHOP-2"}
    if rejected:
        assert rejected["SHOP-2"].startswith("changelog: changelog[")
        assert not [c for c in page.changes if c.issue_id == 10002]
        tally("hostile bulk histories rejected")
    json.dumps([r.excerpt for r in page.rejected])  # excerpts are always text


def _is_json(value: Any) -> bool:
    try:
        json.dumps(value, allow_nan=False)
    except ValueError:
        return False
    return True


def histories_example() -> list[dict[str, Any]]:
    """One well-formed Cloud entry: a status change."""
    item = {"field": "status", "fieldId": "status", "from": "10000", "fromString": "To Do"}
    item |= {"to": "3", "toString": "In Progress"}
    return [{"id": "20000", "created": "2025-02-01T09:00:00.000+0000", "items": [item]}]

"""The store's write path makes every text storable and writes only JSON it can read back.

Text: NUL and lone surrogates become U+FFFD wherever they are written (issue columns, raw
JSON keys and values, run errors, quarantined records, decisions), on both backends. JSON: an
integer no JSON column gives back is refused with its place, never written as non-standard
JSON; a store damaged that way before stays readable.
"""

from __future__ import annotations

import json
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import text
from store_builders import SOURCE, make_issue, migrate_to, page_of

from syncd.core.domain import Decision, RejectedRecord, RunOutcome, WorkClass
from syncd.core.errors import StoreError
from syncd.core.storable import REPLACEMENT, storable_json, storable_text
from syncd.store import Store, create_store_engine, upgrade
from syncd.store.engine import json_text, json_value

_HOSTILE = ("\x00", "\ud800", "\udbff", "\udc00", "\udfff")


@pytest.mark.parametrize("hostile", _HOSTILE, ids=["nul", "d800", "dbff", "dc00", "dfff"])
def test_hostile_text_is_replaced_in_every_kind_of_write(store: Store, hostile: str) -> None:
    """An issue (a text column, a JSON list, a raw JSON key and value), its quarantined
    neighbour (reference, reason, excerpt), the run's error and a decision's reason."""
    h, r = hostile, REPLACEMENT
    run_id = store.begin_run(SOURCE, "full")
    issue = make_issue(1, summary=f"a{h}b", labels=(f"l{h}",), raw={f"k{h}": [f"v{h}"]})
    rejected = RejectedRecord(SOURCE, f"SHOP-{h}", f"bad {h}", f'{{"x": "{h}"}}')
    store.write_page(SOURCE, run_id, page_of(issue, rejected=(rejected,)))
    store.finish_run(run_id, RunOutcome.FAILURE, error=f"it broke{h}")
    decision = Decision(SOURCE, 1, WorkClass.PRODUCT, None, None, None, "v1", ("SHOP-1",), h)
    store.replace_decisions([decision])

    (stored,) = store.iter_issues()
    assert (stored.summary, stored.labels, dict(stored.raw)) == (
        f"a{r}b",
        (f"l{r}",),
        {f"k{r}": [f"v{r}"]},
    )
    (quarantined,) = store.quarantined()
    assert (quarantined.reference, quarantined.reason, quarantined.excerpt) == (
        f"SHOP-{r}",
        f"bad {r}",
        f'{{"x": "{r}"}}',
    )
    (run,) = store.recent_runs(SOURCE)
    assert run.error == f"it broke{r}"
    (decided,) = store.iter_decisions()
    assert decided.reason == r
    assert store.get_issue_by_key(issue.key) == stored


@pytest.mark.parametrize(
    "number", [2**64, -(2**63) - 1, 10**38, -(10**400)], ids=["2^64", "-2^63-1", "10^38", "-10^400"]
)
def test_an_integer_no_json_column_reads_back_is_refused_with_its_place(
    store: Store, number: int
) -> None:
    """Not written as digits orjson reads as a double (or as Infinity, with its neighbours):
    the page is refused with a ``StoreError`` naming the value's place, and nothing of it
    is stored."""
    run_id = store.begin_run(SOURCE, "full")
    issue = make_issue(1, raw={"fields": {"customfield_1": [number, float("inf")]}})

    with pytest.raises(StoreError, match=r"fields\.customfield_1\[0\]: the integer .* beyond 64"):
        store.write_page(SOURCE, run_id, page_of(issue))

    assert store.count_issues() == 0


def test_a_store_holding_non_standard_json_stays_readable(sqlite_url: str) -> None:
    """JSON written before this fix (``Infinity``, ``NaN``, an escaped lone surrogate) is read
    with the standard module instead of failing every command, also after the raw payloads
    moved out of the issues' rows (SQLite only: PostgreSQL's JSON type never accepted it)."""
    engine = create_store_engine(sqlite_url)
    migrate_to(engine, "0004")
    store = Store(engine)
    run_id = store.begin_run(SOURCE, "full")
    with engine.begin() as connection:
        connection.execute(text(_OLD_ISSUE), {"run_id": run_id})
    upgrade(engine)

    (stored,) = store.iter_issues()

    assert (math.isinf(stored.raw["n"]), stored.raw["s"]) == (True, "\ud800")


# An issue as revision 0004 stored it, its raw payload in its row.
_OLD_ISSUE = """INSERT INTO issues (source, issue_id, key, project, issue_type, summary, status,
status_category, labels, components, sprints, custom, created_at, updated_at, raw,
first_seen_at, synced_at, run_id) VALUES ('jira', 1, 'SHOP-1', 'SHOP', 'Story', 's', 'Open',
'new', '[]', '[]', '[]', '{}', '2025-03-01 09:00:00.000000', '2025-03-01 09:00:00.000000',
'{"n": Infinity, "s": "\\ud800"}', '2025-03-01 09:00:00.000000',
'2025-03-01 09:00:00.000000', :run_id)"""


@settings(max_examples=300, deadline=None, derandomize=True)
@given(
    value=st.recursive(
        st.one_of(
            st.text(), st.floats(), st.integers(-(2**63), 2**64 - 1), st.booleans(), st.none()
        ),
        lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
        max_leaves=12,
    )
)
def test_json_text_always_writes_standard_json_that_reads_back_storable(value: object) -> None:
    """Any text (NUL, surrogates, any code point) in keys and values, any float: the text is
    strict JSON, free of NUL, encodable as UTF-8, and reads back as the storable value."""
    written = json_text(value)

    written.encode("utf-8")
    assert "\\u0000" not in written.replace("\\\\", "")
    assert json.loads(written, parse_constant=_refuse) == json_value(written)
    assert json_value(written) == storable_json(value)


@settings(max_examples=300, deadline=None, derandomize=True)
@given(value=st.text())
def test_storable_text_is_utf8_without_nul_and_changes_nothing_else(value: str) -> None:
    """Only NUL and surrogates change, each into exactly one U+FFFD."""
    kept = storable_text(value)

    kept.encode("utf-8")
    assert "\x00" not in kept
    assert len(kept) == len(value)
    assert all(
        new == old or (new == REPLACEMENT and (old == "\x00" or 0xD800 <= ord(old) <= 0xDFFF))
        for new, old in zip(kept, value, strict=True)
    )


def _refuse(constant: str) -> None:
    raise AssertionError(f"non-standard JSON constant {constant}")

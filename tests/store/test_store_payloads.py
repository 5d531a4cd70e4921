"""Raw payloads live in ``issue_payloads`` beside the issues' rows, plain or compressed:
written with their issue's version in the page's transaction, read back only by whole-issue
reads, and moved there (and back) by the migration, on both backends."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy import Engine, inspect, select, text
from store_builders import SOURCE, make_issue, migrate_to, page_of

from syncd.core.domain import Issue
from syncd.service.config import load_config
from syncd.service.wiring import open_store
from syncd.store import Store
from syncd.store.payloads import decode_payload, encode_payload
from syncd.store.schema import issue_payloads

_PAYLOADS = [
    {"id": "1", "fields": {"summary": "Issue 1", "labels": ["a", "b"], "n": 1.5}},
    {"id": "2", "fields": {"description": "é 雪 \u2028 " * 500, "nested": [[{}], None, True]}},
    {},
]


def _kept(engine: Engine) -> dict[int, dict[str, Any]]:
    with engine.connect() as connection:
        rows = connection.execute(select(issue_payloads))
        return {row.issue_id: decode_payload(row.payload) for row in rows}


def _issues(payloads: list[dict[str, Any]], minutes: int = 0) -> list[Issue]:
    return [make_issue(number, minutes=minutes, raw=raw) for number, raw in enumerate(payloads, 1)]


@pytest.mark.parametrize("compress", [False, True], ids=["plain", "compressed"])
def test_payloads_are_kept_apart_and_read_back_by_whole_issue_reads(
    engine: Engine, compress: bool
) -> None:
    store = Store(engine, compress_payloads=compress)
    written = _issues(_PAYLOADS)
    store.write_page(SOURCE, store.begin_run(SOURCE, "full"), page_of(*written))

    assert "raw" not in {column["name"] for column in inspect(engine).get_columns("issues")}
    assert _kept(engine) == {issue.issue_id: issue.raw for issue in written}
    with engine.connect() as connection:
        stored = select(issue_payloads.c.issue_id, issue_payloads.c.payload)
        sizes = {issue_id: len(payload) for issue_id, payload in connection.execute(stored)}
    assert (sizes[2] < len(json.dumps(_PAYLOADS[1])) / 10) == compress
    assert [issue.raw for issue in store.iter_issues(chunk=2)] == _PAYLOADS
    assert [store.get_issue_by_key(issue.key) for issue in written] == written
    assert [store.get_issue_by_key(i.key).raw for i in written] == _PAYLOADS  # type: ignore[union-attr]
    assert all(issue.raw == {} for issue in store.iter_issues(with_raw=False))


def test_a_newer_version_replaces_the_payload_and_an_older_one_does_not(
    store: Store, engine: Engine
) -> None:
    run = store.begin_run(SOURCE, "incremental")
    store.write_page(SOURCE, run, page_of(*_issues(_PAYLOADS, minutes=5)))
    newer = [{"version": "newer", **raw} for raw in _PAYLOADS]
    older = [{"version": "older"} for _ in _PAYLOADS]

    store.write_page(SOURCE, run, page_of(*_issues(newer, minutes=10)))
    store.write_page(SOURCE, run, page_of(*_issues(older, minutes=1)))

    assert list(_kept(engine).values()) == newer


def test_an_issue_without_a_kept_payload_reads_back_with_an_empty_one(
    store: Store, engine: Engine
) -> None:
    (issue,) = _issues(_PAYLOADS[:1])
    store.write_page(SOURCE, store.begin_run(SOURCE, "full"), page_of(issue))
    with engine.begin() as connection:
        connection.execute(issue_payloads.delete())

    assert [stored.raw for stored in store.iter_issues()] == [{}]
    assert store.get_issue_by_key(issue.key) == issue


@pytest.mark.parametrize("compress", [False, True], ids=["plain", "compressed"])
def test_the_migration_moves_payloads_out_of_the_rows_and_back(
    engine: Engine, compress: bool
) -> None:
    """Payloads stored in the issues' rows (revision 0004) are moved, in batches, unchanged;
    the downgrade puts each back in its row; upgrading again gives the same payloads."""
    store = Store(engine, compress_payloads=compress)
    written = _issues(_PAYLOADS * 1500)  # more than one batch of the migration
    store.write_page(SOURCE, store.begin_run(SOURCE, "full"), page_of(*written))
    expected = {issue.issue_id: issue.raw for issue in written}

    migrate_to(engine, "0004", down=True)
    with engine.connect() as connection:
        rows = connection.execute(text("SELECT issue_id, raw FROM issues"))
        restored = {issue_id: _json(raw) for issue_id, raw in rows}
    assert restored == expected
    assert "issue_payloads" not in inspect(engine).get_table_names()

    migrate_to(engine, "head")
    assert _kept(engine) == expected
    assert [issue.raw for issue in store.iter_issues()] == [issue.raw for issue in written]


@pytest.mark.parametrize("compress", [False, True], ids=["plain", "compressed"])
def test_encoded_payloads_decode_to_the_storable_value(compress: bool) -> None:
    """Hostile text is made storable as in every JSON column (``syncd.core.storable``)."""
    raw = {"k\x00": ["v\ud800", {"\udfff": "\x00"}]}
    stored = encode_payload(raw, compress=compress)
    assert decode_payload(stored) == {"k\ufffd": ["v\ufffd", {"\ufffd": "\ufffd"}]}


def _json(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value


@pytest.mark.parametrize("compress", [False, True], ids=["plain", "compressed"])
def test_the_configured_store_writes_payloads_as_store_compress_payloads_says(
    tmp_path: Path, database_url: str, compress: bool
) -> None:
    path = tmp_path / "syncd.yaml"
    store_section = {"url": database_url, "compress_payloads": compress}
    path.write_text(yaml.safe_dump({"store": store_section}), encoding="utf-8")
    store = open_store(load_config(path))
    try:
        (issue,) = _issues(_PAYLOADS[1:2])
        store.write_page(SOURCE, store.begin_run(SOURCE, "full"), page_of(issue))
        with store.engine.connect() as connection:
            stored = connection.execute(select(issue_payloads.c.payload)).scalar_one()
        assert (stored[:1] != b"{", decode_payload(stored)) == (compress, issue.raw)
    finally:
        store.engine.dispose()

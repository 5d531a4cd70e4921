"""Raw payloads: each issue's payload as fetched, kept in ``issue_payloads`` beside its row.

A payload from Jira is about 2.4 KB of JSON, most of a stored issue's bytes, and only showing a
whole issue reads it back (deciding, aggregating and the histories read the issue's columns).
In the issue's row it made every pass over ``issues`` read it too (on SQLite one 4 KB page per
issue). Here it is kept apart, one row per issue, written by ``write_payloads`` in the page's
transaction, so an issue and its payload commit together.

A payload is standard JSON, compressed by zlib when the store is told to (level 1: about a
quarter of the bytes, for about 25 µs of the sync writer's CPU per issue, a third more per
page; PostgreSQL compresses large values itself). Readers take either form (a JSON object
starts with ``{``, a zlib stream never does).

The JSON is ``json_bytes``'s (``syncd.store.engine``), so a payload holds only what the store
can give back, as every JSON column does (``syncd.core.storable``).
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import and_
from sqlalchemy.engine import Connection

from syncd.core.domain import Issue
from syncd.store.bulk import BulkStatement
from syncd.store.dialect import upsert
from syncd.store.engine import json_bytes, json_value
from syncd.store.schema import issue_payloads, issues

__all__ = [
    "WITH_PAYLOAD",
    "decode_payload",
    "encode_payload",
    "write_payloads",
]

_LEVEL = 1
_PAYLOAD_UPSERT = BulkStatement(
    issue_payloads,
    ("source", "issue_id", "payload"),
    # Unguarded: write_page writes only issues it found no newer than the incoming version,
    # in the same transaction, and the issue's own upsert keeps that guard.
    lambda connection: upsert(connection, issue_payloads, ("source", "issue_id"), ("payload",)),
)
WITH_PAYLOAD = issues.outerjoin(
    issue_payloads,
    and_(
        issue_payloads.c.source == issues.c.source,
        issue_payloads.c.issue_id == issues.c.issue_id,
    ),
)
"""``issues`` with each one's payload (``NULL`` where none is kept), to select from."""


def encode_payload(raw: Mapping[str, Any], *, compress: bool) -> bytes:
    """*raw* as the store keeps it: standard JSON, zlib-compressed when *compress*."""
    text = json_bytes(raw)
    return zlib.compress(text, _LEVEL) if compress else text


def decode_payload(stored: bytes | None) -> dict[str, Any]:
    """The payload *stored* by ``encode_payload`` (either form); empty when none is kept."""
    if stored is None:
        return {}
    value: dict[str, Any] = json_value(stored if stored[:1] == b"{" else zlib.decompress(stored))
    return value


def write_payloads(connection: Connection, written: Iterable[Issue], *, compress: bool) -> None:
    """Keep each *written* issue's payload (replacing the one kept), in the caller's
    transaction; compressed when *compress*."""
    rows = [
        {
            "source": issue.source,
            "issue_id": issue.issue_id,
            "payload": encode_payload(issue.raw, compress=compress),
        }
        for issue in written
    ]
    _PAYLOAD_UPSERT.execute(connection, rows)

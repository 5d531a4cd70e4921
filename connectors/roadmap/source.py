"""A configured roadmap export, polled incrementally into whole snapshots.

``RoadmapSource.poll(previous_hash)`` returns ``None`` when the export is unchanged (same
content hash; for a local file, the same size and modification time are enough), or a
``RoadmapSnapshot`` of everything the export holds now. The caller replaces the source's
stored items with a good snapshot in one transaction and keeps its last good state when the
snapshot is ``fatal``: a broken export never destroys what was read before.

The content hash covers the bytes and the parsing settings (format, column mapping, date
formats...), so a changed column mapping re-reads an unchanged file.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO

import requests

from connectors.http import ResponseLimits, limit_session
from connectors.roadmap.config import RoadmapSourceConfig
from connectors.roadmap.csv_reader import parse_csv
from connectors.roadmap.decoding import EncodingProbe
from connectors.roadmap.fetch import CHUNK_BYTES, ExportTooLarge, Payload, open_payload
from connectors.roadmap.json_reader import parse_generic_json
from connectors.roadmap.parsed import Parsed
from connectors.roadmap.productboard_json import parse_productboard_json
from syncd.core.domain import RoadmapSnapshot

__all__ = ["RoadmapSource"]

Parser = Callable[[BinaryIO, str, RoadmapSourceConfig], Parsed]
_PARSERS: Mapping[str, Parser] = {
    "productboard_csv": parse_csv,
    "aha_csv": parse_csv,
    "generic_csv": parse_csv,
    "productboard_json": parse_productboard_json,
    "generic_json": parse_generic_json,
}
_PARSING_SETTINGS = {
    "format",
    "columns",
    "records",
    "default_type",
    "date_formats",
    "delimiter",
    "allow_empty",
}


class RoadmapSource:
    """One roadmap export (file, watched folder or URL) as the configuration describes it.

    *environ* supplies the auth header's variable (``os.environ`` by default); *session* is
    the ``requests.Session`` used for URLs (bounded here by ``connectors.http.limit_session``);
    relative paths are resolved against *base_dir* (the configuration file's folder; the
    working directory by default); *clock* dates an HTTP-date ``Retry-After``.
    """

    def __init__(
        self,
        config: RoadmapSourceConfig,
        *,
        environ: Mapping[str, str] | None = None,
        session: requests.Session | None = None,
        base_dir: Path | None = None,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self.config = config
        self._environ = environ if environ is not None else os.environ
        limits = ResponseLimits(config.response_deadline_seconds, config.max_bytes)
        self._session = limit_session(session or requests.Session(), limits)
        self._clock = clock or _utcnow
        self._base_dir = base_dir or Path.cwd()
        settings = config.model_dump_json(include=_PARSING_SETTINGS)
        self._fingerprint = hashlib.sha256(settings.encode()).digest()
        self._seen: tuple[str, tuple[int, int], str] | None = None

    @property
    def name(self) -> str:
        """The source's configured name; part of every stored roadmap item's identity."""
        return self.config.name

    def poll(self, previous_hash: str | None) -> RoadmapSnapshot | None:
        """A snapshot of the export, or ``None`` when its content hash is *previous_hash*.

        Raises ``SourceError`` when the export cannot be reached (missing file, HTTP error);
        returns a ``fatal`` snapshot when it can be read but not used.
        """
        try:
            with open_payload(
                self.config,
                environ=self._environ,
                session=self._session,
                base_dir=self._base_dir,
                clock=self._clock,
            ) as payload:
                if previous_hash is not None and self._unchanged(payload, previous_hash):
                    return None
                return self._read(payload, previous_hash)
        except ExportTooLarge as error:
            return self._snapshot("", Parsed(fatal=str(error)), "")

    def _unchanged(self, payload: Payload, previous_hash: str) -> bool:
        seen = self._seen
        return (
            seen is not None
            and payload.stamp is not None
            and seen == (payload.origin, payload.stamp, previous_hash)
        )

    def _read(self, payload: Payload, previous_hash: str | None) -> RoadmapSnapshot | None:
        digest, size, encoding, warning = self._digest(payload)
        if payload.stamp is not None:
            self._seen = (payload.origin, payload.stamp, digest)
        if digest == previous_hash:
            return None
        if size == 0:
            parsed = Parsed(fatal="the export is empty (0 bytes); the last good state is kept")
            return self._snapshot(digest, parsed, payload.origin)
        payload.stream.seek(0)
        parsed = _PARSERS[self.config.format](payload.stream, encoding, self.config)
        warnings = (warning,) if warning else ()
        return self._snapshot(digest, parsed, payload.origin, warnings)

    def _digest(self, payload: Payload) -> tuple[str, int, str, str | None]:
        """Hash the payload in chunks, deciding its encoding on the way; enforce the cap."""
        hasher = hashlib.sha256(self._fingerprint)
        probe = EncodingProbe()
        size = 0
        while chunk := payload.stream.read(CHUNK_BYTES):
            size += len(chunk)
            if size > self.config.max_bytes:
                raise ExportTooLarge(payload.origin, None, self.config.max_bytes)
            hasher.update(chunk)
            probe.feed(chunk)
        encoding, warning = probe.result()
        return f"sha256:{hasher.hexdigest()}", size, encoding, warning

    def _snapshot(
        self, digest: str, parsed: Parsed, origin: str, warnings: tuple[str, ...] = ()
    ) -> RoadmapSnapshot:
        return RoadmapSnapshot(
            source=self.name,
            content_hash=digest,
            items=parsed.items,
            objectives=parsed.objectives,
            key_results=parsed.key_results,
            rejected=parsed.rejected,
            fatal=parsed.fatal,
            warnings=warnings + parsed.warnings,
            origin=origin,
        )


def _utcnow() -> datetime:
    return datetime.now(UTC)

"""Support for the reliability suite: syncd as a killable process, a cuttable TCP proxy in
front of PostgreSQL, store invariants, and a tally of the figures docs/reliability.md quotes.

The emulator always runs in the test process, so it outlives every ``syncd`` it serves.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
import re
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import yaml
from sqlalchemy import LargeBinary, String, Text, inspect, select

from syncd.store import Store, create_store_engine
from syncd.store.payloads import decode_payload
from syncd.store.schema import metadata, sync_runs

LONG = os.environ.get("SYNCD_LONG_TESTS", "") == "1"
"""The long variant (``SYNCD_LONG_TESTS=1``): more trials, more faults, more inputs."""
PROJECTS = ("SHOP", "GROW", "MOB", "PLAT", "DATA")
SYNCD = Path(sys.executable).with_name("syncd")
REPO = Path(__file__).resolve().parents[2]


SAMPLE_CONFIGS: dict[str, dict[str, Any]] = {
    "productboard-features.csv": {"format": "productboard_csv"},
    "aha-features.csv": {"format": "aha_csv"},
    "productboard-api.json": {"format": "productboard_json"},
    "generic.csv": {
        "format": "generic_csv",
        "delimiter": ";",
        "date_formats": ["%d/%m/%Y"],
        "columns": {"id": "Ref", "title": "Summary", "team": "Area", "start": "From"},
    },
    "generic.json": {
        "format": "generic_json",
        "records": "roadmap.items",
        "columns": {"id": "ref", "title": "summary", "team": "squad.name", "end": "dates.to"},
    },
}
"""How each bundled roadmap sample (``connectors.roadmap.SAMPLES``) is read as a source."""


def scaled(short: int, long: int) -> int:
    """*short* in CI, *long* when ``SYNCD_LONG_TESTS=1``."""
    return long if LONG else short


# -- figures -------------------------------------------------------------------------------
TALLY: Counter[str] = Counter()
"""Figures counted by the tests of this session; printed at the end of the run."""


def tally(name: str, amount: int = 1) -> None:
    """Add *amount* to the figure *name*."""
    TALLY[name] += amount


# -- configuration and processes -----------------------------------------------------------
def write_config(
    path: Path,
    *,
    store_url: str,
    jira: list[dict[str, Any]],
    mappings: Mapping[str, str] | None = None,
    port: int = 0,
) -> Path:
    """Write a syncd configuration with the given Jira sources; return *path*."""
    config: dict[str, Any] = {
        "store": {"url": store_url},
        "service": {"host": "127.0.0.1", "port": port, "grace_seconds": 5},
        "sources": {"jira": jira},
    }
    if mappings:
        config["mappings"] = dict(mappings)
    path.write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    return path


def jira_source(url: str, name: str = "acme", **overrides: Any) -> dict[str, Any]:
    """One Jira source over the emulator: small pages so that a sync spans many of them."""
    source: dict[str, Any] = {
        "name": name,
        "url": url,
        "auth": {"method": "none"},
        "projects": list(PROJECTS),
        "page_size": 20,
        "overlap_minutes": 5,
        "concurrency": 2,
        "request_timeout_seconds": 5,
        "max_attempts": 5,
        "max_retry_seconds": 10,
        "interval_seconds": 1,
    }
    source.update(overrides)
    return source


def syncd_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment for a ``syncd`` child: no inherited store override, JSON logs."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SYNCD_")}
    env.update(extra or {})
    return env


def run_syncd(
    *args: str, env: Mapping[str, str] | None = None, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    """Run ``syncd ARGS`` to its end and capture its output."""
    return subprocess.run(  # noqa: S603 - the project's own entry point
        [str(SYNCD), *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=syncd_env(env),
        cwd=REPO,
        check=False,
    )


def start_syncd(*args: str, env: Mapping[str, str] | None = None) -> subprocess.Popen[bytes]:
    """Start ``syncd ARGS`` in the background, its output discarded."""
    return subprocess.Popen(  # noqa: S603 - the project's own entry point
        [str(SYNCD), *args],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=syncd_env(env),
        cwd=REPO,
    )


def wait_until(condition: Callable[[], bool], timeout: float, step: float = 0.005) -> bool:
    """Poll *condition* until it holds or *timeout* seconds pass; whether it held."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(step)
    return condition()


# -- store invariants ------------------------------------------------------------------------
def open_store(url: str) -> Store:
    """A store over *url* (already migrated by the process under test)."""
    return Store(create_store_engine(url))


@dataclass(frozen=True, slots=True)
class RunRow:
    """One row of ``sync_runs``."""

    run_id: int
    kind: str
    outcome: str
    started_at: datetime
    pages: int


def runs_of(store: Store, source: str = "acme") -> list[RunRow]:
    """Every run of *source*, oldest first."""
    columns = sync_runs.c
    query = (
        select(columns.run_id, columns.kind, columns.outcome, columns.started_at, columns.pages)
        .where(columns.source == source)
        .order_by(columns.run_id)
    )
    with store.engine.connect() as connection:
        return [RunRow(*row) for row in connection.execute(query)]


def text_cells(store: Store) -> Iterator[tuple[str, str, str]]:
    """(table, column, text) for every text or JSON cell of every table in the store."""
    tables = set(inspect(store.engine).get_table_names())
    with store.engine.connect() as connection:
        for table in metadata.sorted_tables:
            if table.name not in tables:
                continue
            for row in connection.execute(select(table)):
                for column, stored in zip(table.columns, row, strict=True):
                    if stored is None:
                        continue
                    # Compressed raw payloads are searched as the JSON they hold.
                    binary = isinstance(column.type, LargeBinary)
                    value = decode_payload(stored) if binary else stored
                    if isinstance(column.type, String | Text) or not isinstance(
                        value, int | float | datetime
                    ):
                        yield table.name, column.name, json.dumps(value, default=str)


# -- a cuttable TCP proxy ----------------------------------------------------------------------
@dataclass
class TcpProxy:
    """Forwards 127.0.0.1:``port`` to *upstream*; ``cut()`` refuses and drops every connection
    (the server looks gone), ``restore()`` listens again on the same port."""

    upstream: tuple[str, int]
    port: int = 0
    _listener: socket.socket | None = None
    _sockets: set[socket.socket] = field(default_factory=set)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def start(self) -> int:
        """Listen (on a free port the first time) and forward in daemon threads."""
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(64)
        self.port = listener.getsockname()[1]
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()
        return self.port

    def cut(self) -> None:
        """Stop listening and reset every forwarded connection."""
        listener, self._listener = self._listener, None
        if listener is not None:
            with suppress(OSError):
                listener.shutdown(socket.SHUT_RDWR)
            listener.close()
        with self._lock:
            sockets, self._sockets = self._sockets, set()
        for sock in sockets:
            with suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()

    def restore(self) -> None:
        """Listen again on the same port."""
        self.start()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            try:
                server = socket.create_connection(self.upstream, timeout=5)
            except OSError:
                client.close()
                continue
            server.settimeout(None)
            with self._lock:
                self._sockets.update((client, server))
            for source, target in ((client, server), (server, client)):
                threading.Thread(target=_pump, args=(source, target), daemon=True).start()


def _pump(source: socket.socket, target: socket.socket) -> None:
    try:
        while chunk := source.recv(65536):
            target.sendall(chunk)
    except OSError:
        pass
    finally:
        for sock in (source, target):
            with suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)


@contextmanager
def proxied(upstream: tuple[str, int]) -> Iterator[TcpProxy]:
    """A started proxy to *upstream*, cut on exit."""
    proxy = TcpProxy(upstream)
    proxy.start()
    try:
        yield proxy
    finally:
        proxy.cut()


# -- what an attacker can read back of a credential ------------------------------------------
_BASE64_RUN = re.compile(r"[A-Za-z0-9+/_-]{8,}")
_ESCAPE = re.compile(r"\\u([0-9a-fA-F]{4})|\\x([0-9a-fA-F]{2})|\\(.)")


def recovered(secret: str, text: str) -> set[str]:
    """Every piece of *secret* of 6 characters or more that can be read back from *text*:
    as it is, with whitespace removed, percent-decoded, JSON-unescaped (in any order, twice
    over), or inside base64 (either alphabet) starting at any offset. Written apart from
    ``syncd.core.redaction`` on purpose: it checks the masking, it does not share it."""
    pieces = {secret[i : i + 6] for i in range(len(secret) - 5)}
    views = {text}
    for _ in range(2):
        views |= {decode(view) for view in views for decode in (unquote, _unescape, _unspaced)}
    views |= {decoded for view in views for decoded in _base64_texts(view)}
    return {piece for piece in pieces if any(piece in view for view in views)}


def _unspaced(text: str) -> str:
    return "".join(text.split())


def _unescape(text: str) -> str:
    def one(match: re.Match[str]) -> str:
        code = match.group(1) or match.group(2)
        if code:
            return chr(int(code, 16))
        return {"n": "\n", "t": "\t", "r": "\r"}.get(match.group(3), match.group(3))

    return _ESCAPE.sub(one, text)


def _base64_texts(text: str) -> Iterator[str]:
    for run in _BASE64_RUN.findall(text):
        standard = run.replace("-", "+").replace("_", "/")
        for offset in range(4):
            part = standard[offset:]
            part = part[: len(part) - len(part) % 4]
            with suppress(binascii.Error, ValueError):
                yield base64.b64decode(part).decode("latin-1")

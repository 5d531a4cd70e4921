"""Where an export's bytes come from: a file, the newest file in a watched folder, or a URL.

Every payload is a seekable binary stream, read twice at most (hash, then parse) and never
held whole in memory: files are read in place, HTTP answers are streamed into a spooled
temporary file that moves to disk past a few MiB. ``max_bytes`` is enforced before reading
(file size, ``Content-Length``) and again while reading.

HTTP outcomes: 429, 5xx, timeouts and connection failures are transient; other 4xx and any
redirect are permanent (redirects are not followed, so the credential is never sent to a
host the configuration does not name). The auth header's value never appears in an error.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO
from urllib.parse import urlsplit

import requests

from connectors.roadmap.config import RoadmapSourceConfig
from syncd.core.errors import PermanentSourceError, TransientSourceError

__all__ = ["CHUNK_BYTES", "ExportTooLarge", "Payload", "open_payload", "public_url"]

CHUNK_BYTES = 1024 * 1024
_SPOOL_BYTES = 8 * 1024 * 1024
_PARTIAL_SUFFIXES = (".tmp", ".part", ".partial", ".crdownload", ".swp")


class ExportTooLarge(Exception):
    """The export exceeds ``max_bytes``; it is refused and the last good state is kept."""

    def __init__(self, origin: str, size: int | None, limit: int) -> None:
        seen = f"{size} bytes" if size is not None else f"more than {limit} bytes"
        super().__init__(
            f"{origin} is {seen}, over the limit of {limit} bytes; raise max_bytes for this "
            "source if the export is expected to be this large"
        )


@dataclass(frozen=True, slots=True)
class Payload:
    """An export ready to read: a seekable stream, where it came from, and its file stamp.

    ``stamp`` (size, modification time in ns) is set for local files so that an unchanged
    file can be recognised without reading it.
    """

    origin: str
    stream: BinaryIO
    size: int | None
    stamp: tuple[int, int] | None = None


@contextmanager
def open_payload(
    config: RoadmapSourceConfig,
    *,
    environ: Mapping[str, str],
    session: requests.Session,
    base_dir: Path,
) -> Iterator[Payload]:
    """Open *config*'s export; raise ``SourceError`` when it cannot be reached.

    Raises ``ExportTooLarge`` when its announced size is over ``max_bytes``.
    """
    if config.url is not None:
        with _download(config, environ, session) as payload:
            yield payload
        return
    path = _local_path(config, base_dir)
    try:
        stat = path.stat()
        stream = path.open("rb")
    except OSError as error:
        raise PermanentSourceError(config.name, f"cannot read {path}: {error.strerror}") from None
    with stream:
        if stat.st_size > config.max_bytes:
            raise ExportTooLarge(str(path), stat.st_size, config.max_bytes)
        yield Payload(str(path), stream, stat.st_size, (stat.st_size, stat.st_mtime_ns))


def public_url(url: str) -> str:
    """*url* without credentials, query or fragment: safe to show in errors and status."""
    parts = urlsplit(url)
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{parts.hostname}{port}{parts.path}"


def _local_path(config: RoadmapSourceConfig, base_dir: Path) -> Path:
    if config.path is not None:
        return config.path if config.path.is_absolute() else base_dir / config.path
    assert config.folder is not None  # the configuration guarantees exactly one location
    folder = config.folder if config.folder.is_absolute() else base_dir / config.folder
    if not folder.is_dir():
        raise PermanentSourceError(config.name, f"the watched folder {folder} does not exist")
    candidates = [path for path in folder.glob(config.pattern) if _complete_file(path)]
    if not candidates:
        raise PermanentSourceError(
            config.name, f"no file matching {config.pattern!r} in the watched folder {folder}"
        )
    return max(candidates, key=lambda path: (path.stat().st_mtime_ns, path.name))


def _complete_file(path: Path) -> bool:
    """False for folders, hidden files, Office lock files and partial downloads."""
    name = path.name
    if name.startswith((".", "~$")) or name.endswith(_PARTIAL_SUFFIXES):
        return False
    return path.is_file()


@contextmanager
def _download(
    config: RoadmapSourceConfig, environ: Mapping[str, str], session: requests.Session
) -> Iterator[Payload]:
    assert config.url is not None
    origin = public_url(config.url)
    try:
        response = session.get(
            config.url,
            headers=_headers(config, environ),
            timeout=config.request_timeout_seconds,
            stream=True,
            allow_redirects=False,
        )
    except requests.RequestException as error:
        raise _request_failure(config.name, origin, error) from None
    with response, tempfile.SpooledTemporaryFile(max_size=_SPOOL_BYTES) as spool:
        _check_status(config, origin, response)
        size = _spool(config, origin, response, spool)  # type: ignore[arg-type]
        spool.seek(0)
        yield Payload(origin, spool, size)  # type: ignore[arg-type]


def _headers(config: RoadmapSourceConfig, environ: Mapping[str, str]) -> dict[str, str]:
    headers = {"Accept": "text/csv, application/json;q=0.9, */*;q=0.1"}
    if config.auth is not None:
        value = config.auth.value(environ)
        if value is None:
            raise PermanentSourceError(
                config.name,
                f"no credential: set the environment variable {config.auth.secret_env}",
            )
        headers[config.auth.header] = value.get_secret_value()
    return headers


def _check_status(config: RoadmapSourceConfig, origin: str, response: requests.Response) -> None:
    status = response.status_code
    if status == 200:
        return
    message = f"HTTP {status} {response.reason or ''} from {origin}".replace("  ", " ")
    if status == 429 or status >= 500:
        raise TransientSourceError(config.name, message, _retry_after(response))
    if 300 <= status < 400:
        where = public_url(response.headers.get("Location", "")) or "another location"
        message += f": redirected to {where}; configure the final URL (redirects are not followed)"
    elif status in (401, 403):
        env = config.auth.secret_env if config.auth is not None else None
        message += f": check the credential in {env}" if env else ": the URL needs 'auth'"
    else:
        message += ": check the url configured for this source"
    raise PermanentSourceError(config.name, message)


def _spool(
    config: RoadmapSourceConfig, origin: str, response: requests.Response, spool: BinaryIO
) -> int:
    announced = response.headers.get("Content-Length", "")
    if announced.isdigit() and int(announced) > config.max_bytes:
        raise ExportTooLarge(origin, int(announced), config.max_bytes)
    total = 0
    try:
        for chunk in response.iter_content(CHUNK_BYTES):
            total += len(chunk)
            if total > config.max_bytes:
                raise ExportTooLarge(origin, None, config.max_bytes)
            spool.write(chunk)
    except requests.RequestException as error:
        raise _request_failure(config.name, origin, error) from None
    return total


def _request_failure(source: str, origin: str, error: requests.RequestException) -> Exception:
    kind = type(error).__name__
    if isinstance(error, requests.Timeout | requests.ConnectionError):
        return TransientSourceError(source, f"{kind} while reading {origin}")
    return PermanentSourceError(source, f"{kind} while reading {origin}")


def _retry_after(response: requests.Response) -> float | None:
    value = response.headers.get("Retry-After", "")
    return float(value) if value.isdigit() else None

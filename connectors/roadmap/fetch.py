"""Where an export's bytes come from: a file, the newest file in a watched folder, or a URL.

Every payload is a seekable binary stream, read twice at most (hash, then parse) and never
held whole in memory: files are read in place, HTTP answers are streamed into a spooled
temporary file that moves to disk past a few MiB. ``max_bytes`` is enforced before reading
(file size, ``Content-Length``) and again while reading.

HTTP outcomes come from the one table every connector uses (``connectors.http``): 429, 408,
5xx but 501, timeouts and connection failures are transient (a ``Retry-After`` in seconds or
as an HTTP date is passed on), other statuses are permanent; redirects are not followed, so
the credential is never sent to a host the configuration does not name. The download, from
connecting to the last byte, must end within ``response_deadline_seconds``. Every form of
the auth header's value is masked in every error.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import BinaryIO
from urllib.parse import urlsplit

import requests

from connectors.http import (
    HttpStatusError,
    RequestFailure,
    ResponseDeadlineExceeded,
    deadline,
    describe_failure,
)
from connectors.roadmap.config import RoadmapSourceConfig
from syncd.core.errors import PermanentSourceError, SourceError
from syncd.core.redaction import SecretMask

__all__ = [
    "CHUNK_BYTES",
    "ExportTooLarge",
    "Payload",
    "auth_secrets",
    "open_payload",
    "public_url",
]

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


@dataclass(frozen=True, slots=True)
class _Fetch:
    """What a download needs besides the configuration."""

    config: RoadmapSourceConfig
    environ: Mapping[str, str]
    session: requests.Session
    clock: Callable[[], datetime]
    mask: SecretMask


@contextmanager
def open_payload(
    config: RoadmapSourceConfig,
    *,
    environ: Mapping[str, str],
    session: requests.Session,
    base_dir: Path,
    clock: Callable[[], datetime],
) -> Iterator[Payload]:
    """Open *config*'s export; raise ``SourceError`` when it cannot be reached.

    Raises ``ExportTooLarge`` when its announced size is over ``max_bytes``. *session* must
    be bounded by ``connectors.http.limit_session``, so that the download's deadline holds;
    *clock* dates an HTTP-date ``Retry-After``.
    """
    if config.url is not None:
        fetch = _Fetch(config, environ, session, clock, SecretMask(auth_secrets(config, environ)))
        with _download(fetch) as payload:
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


def auth_secrets(config: RoadmapSourceConfig, environ: Mapping[str, str]) -> tuple[str, ...]:
    """The secret the auth header carries, to be masked wherever it might show (the scheme
    before it is not secret, and masking it would hide every ``Bearer`` in a log)."""
    if config.auth is None:
        return ()
    secret = environ.get(config.auth.secret_env)
    return (secret,) if secret else ()


@contextmanager
def _download(fetch: _Fetch) -> Iterator[Payload]:
    config = fetch.config
    assert config.url is not None
    origin = public_url(config.url)
    with tempfile.SpooledTemporaryFile(max_size=_SPOOL_BYTES) as spool:
        size = _fetch_into(fetch, origin, spool)  # type: ignore[arg-type]
        spool.seek(0)
        yield Payload(origin, spool, size)  # type: ignore[arg-type]


def _fetch_into(fetch: _Fetch, origin: str, spool: BinaryIO) -> int:
    """Download the export into *spool* within the deadline; its size in bytes."""
    config = fetch.config
    assert config.url is not None
    with deadline(config.response_deadline_seconds) as held:
        try:
            with fetch.session.get(
                config.url,
                headers=_headers(config, fetch.environ),
                timeout=config.request_timeout_seconds,
                stream=True,
                allow_redirects=False,
            ) as response:
                held.check()
                _check_status(fetch, origin, response)
                size = _spool(config, origin, response, spool)
                held.check()
                return size
        except requests.RequestException as error:  # ResponseDeadlineExceeded included
            raise _request_failure(fetch, origin, held.cause(error)) from None


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


def _check_status(fetch: _Fetch, origin: str, response: requests.Response) -> None:
    status = response.status_code
    if status == 200:
        return
    # The body is not read: an export server's error page says nothing the status does not.
    answer = HttpStatusError(
        status, (), response.headers.get("Retry-After"), response.headers.get("Location")
    )
    failure = describe_failure(answer)
    assert failure is not None  # an HttpStatusError always describes a failure
    message = f"HTTP {status} {response.reason or ''} from {origin}".replace("  ", " ")
    message += _advice(fetch.config, failure, answer.location)
    raise failure.error(fetch.config.name, fetch.mask.mask(message), fetch.clock())


def _advice(config: RoadmapSourceConfig, failure: RequestFailure, location: str | None) -> str:
    """What to check, for a failure retrying cannot fix."""
    if failure.action == "retry":
        return ""
    if failure.reason == "redirect":
        where = public_url(location or "") or "another location"
        return f": redirected to {where}; configure the final URL (redirects are not followed)"
    if failure.status in (401, 403):
        env = config.auth.secret_env if config.auth is not None else None
        return f": check the credential in {env}" if env else ": the URL needs 'auth'"
    return ": check the url configured for this source"


def _spool(
    config: RoadmapSourceConfig, origin: str, response: requests.Response, spool: BinaryIO
) -> int:
    announced = response.headers.get("Content-Length", "")
    if announced.isdigit() and int(announced) > config.max_bytes:
        raise ExportTooLarge(origin, int(announced), config.max_bytes)
    total = 0
    for chunk in response.iter_content(CHUNK_BYTES):
        total += len(chunk)
        if total > config.max_bytes:
            raise ExportTooLarge(origin, None, config.max_bytes)
        spool.write(chunk)
    return total


def _request_failure(fetch: _Fetch, origin: str, error: BaseException) -> SourceError:
    failure = describe_failure(error) or RequestFailure("fail", "request", type(error).__name__)
    message = f"{type(error).__name__} while reading {origin}"
    if isinstance(error, ResponseDeadlineExceeded):
        message += f": {error}"
    return failure.error(fetch.config.name, fetch.mask.mask(message), fetch.clock())

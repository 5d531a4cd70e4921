"""The Jira emulator in its own process, driven over its ``--control`` stdin channel.

Its CPU does not count against the measured contender's, and the machine's cores are shared
fairly: one for the emulator, the rest for the contender.
"""

from __future__ import annotations

import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from types import TracebackType
from typing import IO

__all__ = ["EmulatorProcess"]

# The organisation is dated a day back, so an incremental sync's overlap window (minutes)
# holds only what the benchmark itself edits.
_ORG_AGE = timedelta(days=1)


@dataclass
class EmulatorProcess:
    """``python -m connectors.jira.emulator`` serving *issues* issues in *mode*."""

    mode: str
    issues: int
    seed: int = 7
    latency_ms: float = 0.0
    jitter_ms: float = 0.0
    people: int | None = None
    rate_limit: float | None = None
    history_quarters: int = 1
    url: str = ""
    started_seconds: float = 0.0
    _process: subprocess.Popen[str] | None = None

    def __enter__(self) -> EmulatorProcess:
        began = time.perf_counter()
        now = (datetime.now(UTC) - _ORG_AGE).isoformat()
        command = [
            sys.executable, "-m", "connectors.jira.emulator", "--mode", self.mode,
            "--issues", str(self.issues), "--seed", str(self.seed), "--port", "0",
            "--now", now, "--latency-ms", str(self.latency_ms),
            "--latency-jitter-ms", str(self.jitter_ms), "--control",
        ]  # fmt: skip
        if self.people is not None:
            command += ["--people", str(self.people)]
        if self.rate_limit is not None:
            command += ["--rate-limit", str(self.rate_limit)]
        if self.history_quarters != 1:
            command += ["--history-quarters", str(self.history_quarters)]
        self._process = subprocess.Popen(
            command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, bufsize=1
        )
        self.url = self._line()
        if not self.url.startswith("http://"):
            raise RuntimeError(f"the emulator did not start: {self.url!r}")
        self.started_seconds = time.perf_counter() - began
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        process = self._process
        if process is None:
            return
        if process.stdin is not None:
            process.stdin.close()  # end of input stops it
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        self._process = None

    def edit(self, fraction: float) -> int:
        """Edit *fraction* of the issues (bumping ``updated``); how many were edited."""
        answer = self._command(f"edit {fraction}")
        return int(answer.split()[1])

    def set_latency(self, milliseconds: float) -> None:
        """Add *milliseconds* to every search page from now on."""
        self._command(f"latency {milliseconds}")
        self.latency_ms = milliseconds

    def requests(self) -> tuple[int, int]:
        """The requests answered so far, and how many of them were 429s."""
        _, total, _, limited = self._command("requests").split()
        return int(total), int(limited)

    def _command(self, line: str) -> str:
        stdin = self._stream("stdin")
        stdin.write(line + "\n")
        stdin.flush()
        return self._line()

    def _line(self) -> str:
        return self._stream("stdout").readline().strip()

    def _stream(self, name: str) -> IO[str]:
        stream = getattr(self._process, name, None)
        if stream is None:
            raise RuntimeError("the emulator is not running")
        return stream  # type: ignore[no-any-return]
